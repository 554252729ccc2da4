"""Splitting a large batch by patient, so the rule pack runs in bounded memory.

Every edit that compares claims (NCCI pairs, per-day MUE units, duplicates, visits,
earlier runs) compares claims of one patient, so running the pack on groups of
patients and concatenating the findings gives exactly the findings of one run over
the whole batch; only the scopes of one group are held in memory at a time. A group
carries the coverage rows of its own claims' members only, so each group's eligibility
joins are a tenth of the whole table's, not all of it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from scrubber.batch import Batch
from scrubber.frames import HASH_SEED, repeated_keys

# A run's peak is the batch it holds plus one group's working tables, which grow with the pack's rules
# (110 rules: about 2.7 GiB per million lines of a group). A batch that fits in one group runs as one; a larger
# one runs in groups as large as the memory left beside the batch allows (MEMORY_BUDGET_GIB), at least
# LINES_PER_PART lines: each group costs time of its own, so at 4M lines 16 groups of 250,000 lines took 35.3 s
# and peaked at 3.1 GiB, 5 groups 25.7 s (4 groups: 4.9 GiB); at 10M lines the batch leaves room for 250,000.
ONE_GROUP_LINES = 1_000_000
LINES_PER_PART = 250_000
# A group's working tables grow with its claims and encounters as much as with its lines (the claim,
# diagnosis and encounter scopes, and each line carries its claim's columns): a batch of 1-2-line
# claims has twice the benchmark's claims per line, so a group is bounded in all three, at the
# benchmark's shape (2.5 lines and one encounter per claim) the same groups as by lines alone.
ONE_GROUP_ROWS = {"claim_lines": ONE_GROUP_LINES, "claims": 500_000, "encounters": 500_000}
ROWS_PER_PART = {"claim_lines": LINES_PER_PART, "claims": 100_000, "encounters": 100_000}
# Those groups are the shipped pack's, whose rules read 79 names of the line scope and 53 of the claim and
# diagnosis scopes (every table and earlier runs there). A pack reading fewer holds less per row and runs in
# groups as much larger as the least narrowed of the two (at most ONE_GROUP_LINES lines), one reading more in
# smaller ones. The 12 peer edits (34 and 14 names) at 10M lines: 20 groups took 6.5% less CPU than 41, same peak.
PACK_READS = {"line": 79, "claim": 53}
# The memory model behind the group size, fitted on the benchmark's batches (rules stage, peak resident GiB:
# 4M lines in 16/8/4 groups 3.09/3.77/4.94, 10M lines in 40/20/10 groups 5.09/5.75/7.12): the loaded batch
# and reference tables BATCH_GIB[0] + BATCH_GIB[1] per million lines (of the benchmark's shape), and a group
# of the shipped pack GROUP_GIB per million lines. The budget leaves room under 6 GiB for the outputs.
MEMORY_BUDGET_GIB = 5.0
BATCH_GIB = (1.08, 0.333)
GROUP_GIB = 2.7


def pack_reads(needs: dict[str, set[str]]) -> dict[str, int]:
    """The names the pack reads, as PACK_READS counts them, from its rules' reads per scope (run.scope_reads)."""
    return {"line": len(needs.get("line", ())), "claim": len(needs.get("claim", ())) + len(needs.get("diagnosis", ()))}


def part_count(batch: Batch, reads: dict[str, int] | None = None) -> int:
    """How many groups of patients the batch runs in, for a pack whose rules read `reads[scope]` names of the
    line scope and of the claim and diagnosis scopes (PACK_READS when not given)."""
    rows = {name: getattr(batch, name).height if getattr(batch, name) is not None else 0 for name in ROWS_PER_PART}
    if all(rows[name] <= ONE_GROUP_ROWS[name] for name in rows):
        return 1
    read = reads or PACK_READS
    narrowed = min(PACK_READS[s] / max(read.get(s, 0), 1) for s in PACK_READS)
    # The batch's size in millions of lines of the benchmark's shape (a batch of short claims counts its claims).
    millions = max(rows[name] / ROWS_PER_PART[name] for name in rows) * LINES_PER_PART / 1e6
    room = MEMORY_BUDGET_GIB - BATCH_GIB[0] - BATCH_GIB[1] * millions
    fits = room / (GROUP_GIB / narrowed) * 1e6 / LINES_PER_PART  # groups of LINES_PER_PART lines that fit
    scale = min(ONE_GROUP_LINES / LINES_PER_PART, max(narrowed, fits))
    return max(-(-rows[name] // int(ROWS_PER_PART[name] * scale)) for name in rows)


def patient_part(column: str, parts: int) -> pl.Expr:
    return (pl.col(column).fill_null("").hash(seed=HASH_SEED) % parts).alias("_part")


def split(batch: Batch, parts: int) -> Iterator[Batch]:
    """The batch as `parts` batches of whole patients (load issues are run apart, over the whole batch).

    Parts are cut one at a time, as the caller asks for them, so only one is held beside the batch.
    """
    if parts <= 1:
        yield batch
        return
    claim_part = batch.claims.select(patient_part("patient_id", parts))
    of_claim = pl.concat([batch.claims.select("claim_id"), claim_part], how="horizontal")
    if repeated_keys(of_claim.filter(pl.col("claim_id").is_not_null()), ["claim_id"]).height:
        of_claim = of_claim.unique(
            "claim_id", keep="first", maintain_order=True
        )  # a repeated id's lines follow its first row
    claim_rows = _rows_per_part(claim_part.to_series())
    line_rows = _rows_per_part(_parts_of_lines(batch.claim_lines, of_claim))
    patient_rows = _rows_per_part(batch.patients.select(patient_part("patient_id", parts)).to_series())
    encounter_rows = (
        None
        if batch.encounters is None
        else _rows_per_part(batch.encounters.select(patient_part("patient_id", parts)).to_series())
    )
    for k in range(parts):
        claims = _gather(batch.claims, claim_rows, k)
        yield replace(
            batch,
            claims=claims,
            claim_lines=_gather(batch.claim_lines, line_rows, k),
            patients=_gather(batch.patients, patient_rows, k),
            encounters=None if encounter_rows is None else _gather(batch.encounters, encounter_rows, k),
            # Coverage rows of the part's members only, at every payer (ELIG004 looks at the others).
            eligibility=None
            if batch.eligibility is None
            else batch.eligibility.join(claims.select("member_id").unique(), on="member_id", how="semi"),
            issues=batch.issues.clear(),
        )


def _parts_of_lines(lines: pl.DataFrame, of_claim: pl.DataFrame) -> pl.Series:
    """Each line's part: its claim's; a line whose claim is missing belongs to no part (the loader has reported it).

    Lines that come claim by claim in the claims' own order, as exported files do, take it from the runs of their
    claim ids (10M lines: 0.43 CPU s, where joining every line to its claim took 1.66); any other order is joined.
    """
    runs = lines.select(pl.col("claim_id").rle()).unnest("claim_id")
    if (
        runs.height == of_claim.height
        and runs.get_column("value").null_count() == 0
        and runs.get_column("value").equals(of_claim.get_column("claim_id"))
    ):
        return of_claim.select(pl.col("_part").repeat_by(runs.get_column("len")).explode()).to_series()
    return lines.select("claim_id").join(of_claim, on="claim_id", how="left", maintain_order="left").get_column("_part")


def _rows_per_part(part: pl.Series) -> dict[int, pl.Series]:
    """Per part, the numbers of its rows in table order (rows of no part left out).

    Found once per table: filtering the whole table by a mask for each part scanned all of it 41 times
    at 10M lines (15 CPU s of splitting, where gathering each part's own rows takes a fraction).
    """
    rows = (
        pl.DataFrame({"part": part})
        .with_row_index("row")
        .filter(pl.col("part").is_not_null())
        .group_by("part")
        .agg(pl.col("row").sort())
    )
    return dict(zip(rows.get_column("part").to_list(), rows.get_column("row"), strict=True))


def _gather(table: pl.DataFrame, rows: dict[int, pl.Series], part: int) -> pl.DataFrame:
    # Taken by row numbers directly: through a query (select all, gather) the 10M lines cost 1.9 CPU s, here 1.4.
    return table[rows[part]] if part in rows else table.clear()
