"""The payers' 835 remittances into the worklist: a paid claim closes, a denied one goes to the denial queue.

Every file of the remittances folder (whatever its name, hidden ones aside) is applied once: its
sha256 is kept, so a copy under another name, or the same folder read again, changes nothing.
New files are applied oldest payment first, and within a file in segment order, so a reversal
(CLP02 22) and the corrected payment after it end on the correction. For each claim id the last
remittance applied decides:

- paid: nothing denied (see scrubber.remit.match.NOT_DENIALS): the claim's status becomes `paid`, whatever it was;
- denied (nothing paid, or CLP02 4) and partial (some lines or dollars paid, some denied): the
  claim goes to the denial queue (status `denied`, reopened if it had been cleared), with the
  payer's CARCs and remark codes, their texts, the denied dollars and the payer's claim number;
- reversed: a reversal with no correction after it: the payer took the money back, so the claim
  goes to the denial queue too.

A claim id the worklist does not hold (a claim that never had a finding, or one from another
system) is kept with claim = null, counted per file and listed on the remittances page. A file
that is not a readable 835 is a remittance with its problems listed, never an exception.

Logs carry counts only: no file name, claim id, patient or amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, insert, select

from scrubber import paths
from scrubber.remit.match import denies_money
from scrubber.remit.report import NO_TEXT
from scrubber.remit.x835 import (
    ADJUSTMENT_SCHEMA,
    CLAIM_SCHEMA,
    LINE_SCHEMA,
    PAYMENT_SCHEMA,
    REMARK_SCHEMA,
    RemitRead,
    read_835,
)
from scrubber.rulebook.reference import load_table
from scrubber.rulebook.rules import REFERENCE_FOLDER
from scrubber.server.store import (
    DENIED,
    PAID,
    WORKING,
    claim_ids,
    claims,
    events,
    execute_many,
    insert_frame,
    remit_claims,
    remittances,
)
from scrubber.x12.envelope import issue_frame

LOG = logging.getLogger("scrubber.serve")

# Which adjustments deny money is declared once, with its sources, in scrubber/remit/match.py (NOT_DENIALS).
REMIT_CODES = "remit_codes"


@dataclass(frozen=True)
class RemitImported:
    claims: int
    unknown: int
    problems: int


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remittance_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def import_remittances(engine: Engine, folder: Path) -> list[RemitImported]:
    """Apply the files of FOLDER not applied yet, oldest payment first; what each brought."""
    with engine.connect() as db:
        known = set(db.execute(select(remittances.c.fingerprint)).scalars())
    new: dict[str, Path] = {}
    for path in remittance_files(Path(folder)):
        try:
            print_ = fingerprint(path)
        except OSError:
            continue  # gone or unreadable: looked at again next time
        if print_ not in known:
            new.setdefault(print_, path)
    reads = [(print_, path, _read(path)) for print_, path in new.items()]
    reads.sort(key=lambda r: (r[2].claims["payment_date"].min() or dt.date.max, r[1].name))
    codes = code_texts()
    done = [apply_file(engine, print_, path.name, read, codes) for print_, path, read in reads]
    if done:
        LOG.info(
            "remittances: %d file(s) applied, %d claim(s), %d not in the worklist, %d problem(s)",
            len(done), sum(d.claims for d in done), sum(d.unknown for d in done), sum(d.problems for d in done),
        )  # fmt: skip
    return done


def _read(path: Path) -> RemitRead:
    try:
        return read_835(path)
    except Exception as error:  # the reader reports problems as issues; anything else is one problem, not a crash
        message = f"the file could not be read ({type(error).__name__})"
        schemas = (PAYMENT_SCHEMA, CLAIM_SCHEMA, LINE_SCHEMA, ADJUSTMENT_SCHEMA, REMARK_SCHEMA)
        return RemitRead(
            *(pl.DataFrame(schema=s) for s in schemas), issue_frame([(None, 1, "ISA", message)], path.name)
        )


def code_texts() -> pl.DataFrame:
    """The CARC and RARC texts of the pack's remit_codes table: kind (CARC, RARC), code, description."""
    try:
        return load_table(paths.rules_dir() / REFERENCE_FOLDER, REMIT_CODES).rows.select("kind", "code", "description")
    except Exception:  # a pack without the table still imports remittances, with codes and no texts
        return pl.DataFrame(schema={"kind": pl.String, "code": pl.String, "description": pl.String})


def per_claim(read: RemitRead, codes: pl.DataFrame) -> pl.DataFrame:
    """One row per CLP with its outcome, denied dollars, denying codes, remark codes and their texts."""
    at = ["file", "claim_position"]
    line_numbers = read.service_lines.select(*at, "line_position", "line_number")
    adjustments = read.adjustments.join(line_numbers, on=[*at, "line_position"], how="left").with_columns(
        label=pl.concat_str("group_code", pl.lit("-"), "carc"),
        where=pl.when(pl.col("line_number").is_null())
        .then(pl.lit(""))
        .otherwise(pl.format(" (line {})", "line_number")),
    )
    denying = adjustments.filter(denies_money())
    denials = denying.group_by(at).agg(
        pl.col("amount").sum().alias("denial_sum"),
        pl.concat_str("label", "where").unique(maintain_order=True).str.join("; ").alias("carcs"),
    )
    carc_text = _texts(denying.select(*at, "carc").rename({"carc": "code"}), codes, "CARC", "carc_text")
    listed = adjustments.group_by(at).agg(
        pl.format("{} {}", "label", pl.col("amount").cast(pl.String)).str.join("; ").alias("adjustments")
    )
    remarks = read.remarks.group_by(at).agg(pl.col("code").unique(maintain_order=True).str.join(", ").alias("remarks"))
    remark_text = _texts(read.remarks.select(*at, "code"), codes, "RARC", "remark_text")
    money = {c: pl.col(c).cast(pl.Float64) for c in ("charge", "paid", "patient_responsibility", "denial_sum")}
    reversal = pl.col("status_code") == "22"
    denied = (
        pl.when(reversal)
        .then(0.0)
        .when((pl.col("status_code") == "4") & (money["denial_sum"].fill_null(0) == 0))
        .then(money["charge"] - money["paid"].fill_null(0))  # a denial without its CAS: the unpaid charge
        .otherwise(money["denial_sum"].fill_null(0))
    )
    paid = money["paid"].fill_null(0)
    frame = read.claims.filter(pl.col("claim_id").is_not_null())
    for extra in (denials, carc_text, listed, remarks, remark_text):
        frame = frame.join(extra, on=at, how="left")
    return frame.with_columns(denied.round(2).alias("denied")).with_columns(
        pl.when(reversal)
        .then(pl.lit("reversed"))
        .when((pl.col("denied") > 0) & (paid > 0))
        .then(pl.lit("partial"))
        .when((pl.col("denied") > 0) | (pl.col("status_code") == "4"))
        .then(pl.lit("denied"))
        .otherwise(pl.lit("paid"))
        .alias("outcome")
    )


def _texts(used: pl.DataFrame, codes: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """Each CLP's codes of KIND with their plain text, one per line."""
    texts = codes.filter(pl.col("kind") == kind).select("code", "description")
    return (
        used.unique(maintain_order=True)
        .join(texts, on="code", how="left")
        .group_by("file", "claim_position")
        .agg(pl.format("{}: {}", "code", pl.col("description").fill_null(NO_TEXT)).str.join("\n").alias(name))
    )


def apply_file(engine: Engine, print_: str, name: str, read: RemitRead, codes: pl.DataFrame) -> RemitImported:
    """One file in one transaction: its remittance row, its claims' rows, and the worklist's claims it decides."""
    now = dt.datetime.now().replace(microsecond=0)
    rows = per_claim(read, codes).sort("payment_date", "claim_position", nulls_last=True)
    problems = read.issues.select(
        pl.format("{} segment {} ({}): {}", "file", "segment_position", "segment_id", "message")
    ).to_series()
    with engine.begin() as db:
        ours = claim_ids(db, claims.c.status, claims.c.dollars).rename({"payer_id": "our_payer"})
        matched = _match(rows.select("claim_id", "payer_id", "payer_name").unique(), ours)
        rows = rows.join(matched.select("claim_id", pl.col("id").alias("claim")), on="claim_id", how="left")
        final = rows.group_by("claim_id", maintain_order=True).last().filter(pl.col("claim").is_not_null())
        outcome = rows.group_by("claim_id").last()["outcome"]
        remit_id = db.execute(
            insert(remittances).values(
                file=name,
                fingerprint=print_,
                imported_at=now,
                payment_date=read.payments["payment_date"].min(),
                payer=next(iter(read.payments["payer_name"].drop_nulls()), None),
                claims_total=rows["claim_id"].n_unique(),
                claims_paid=(outcome == "paid").sum(),
                claims_denied=outcome.is_in(["denied", "partial"]).sum(),
                claims_reversed=(outcome == "reversed").sum(),
                claims_unknown=rows.filter(pl.col("claim").is_null())["claim_id"].n_unique(),
                problems=problems.len(),
                problem_text="\n".join(problems.to_list()) or None,
            )
        ).inserted_primary_key[0]
        kept = rows.select(
            pl.lit(remit_id).alias("remittance"),
            "claim",
            "claim_id",
            "payer_id",
            "payer_name",
            pl.col("claim_position").alias("position"),
            "payment_date",
            "check_number",
            "status_code",
            "outcome",
            *(pl.col(c).cast(pl.Float64) for c in ("charge", "paid", "denied", "patient_responsibility")),
            "payer_claim_number",
            "carcs",
            "carc_text",
            "remarks",
            "remark_text",
            "adjustments",
        )
        insert_frame(db, remit_claims, kept)
        ids = pl.DataFrame(
            db.execute(
                select(remit_claims.c.id, remit_claims.c.position).where(remit_claims.c.remittance == remit_id)
            ).all(),
            schema={"last_remit": pl.Int64, "claim_position": pl.Int64},
            orient="row",
        )
        decided = final.join(ids, on="claim_position").join(
            ours.select(pl.col("id").alias("claim"), pl.col("status").alias("old"), "dollars"), on="claim"
        )
        _decide(db, decided, now)
    return RemitImported(
        rows["claim_id"].n_unique(), kept.filter(pl.col("claim").is_null())["claim_id"].n_unique(), problems.len()
    )


def _match(remitted: pl.DataFrame, ours: pl.DataFrame) -> pl.DataFrame:
    """Each remitted claim id's claim in the worklist: the only one with that id, else the one at the 835's payer
    (by payer id or name); a claim id on several payers' claims and none of them this payer is not matched."""
    pairs = remitted.join(ours, on="claim_id").with_columns(
        same_payer=(pl.col("our_payer") == pl.col("payer_id")) | (pl.col("our_payer") == pl.col("payer_name")),
        choices=pl.col("id").n_unique().over("claim_id"),
    )
    return pairs.filter((pl.col("choices") == 1) | pl.col("same_payer").fill_null(False)).unique(
        "claim_id", keep="first", maintain_order=True
    )


def _dollars(column: str) -> pl.Expr:
    return pl.concat_str(pl.lit("$"), pl.col(column).fill_null(0).cast(pl.Decimal(18, 2)).cast(pl.String))


def _decide(db, final: pl.DataFrame, now: dt.datetime) -> None:
    """The worklist's claims after their last remittance in the file: paid, or in the denial queue; history says why."""
    if final.is_empty():
        return
    day = pl.col("payment_date").cast(pl.String).fill_null("an unknown date")
    codes = pl.concat_str(
        pl.lit(": "), pl.col("carcs").fill_null("no denying adjustment"),
        pl.when(pl.col("remarks").is_null()).then(pl.lit("")).otherwise(pl.format("; remarks {}", "remarks")),
    )  # fmt: skip
    payer_claim = (
        pl.when(pl.col("payer_claim_number").is_null())
        .then(pl.lit(""))
        .otherwise(pl.format(" (payer claim {})", "payer_claim_number"))
    )
    outcome = pl.col("outcome")
    detail = (
        pl.when(outcome == "paid")
        .then(pl.format("remittance: paid {} of {} on {}", _dollars("paid"), _dollars("charge"), day))
        .when(outcome == "partial")
        .then(pl.format("remittance: paid {}, denied {} on {}", _dollars("paid"), _dollars("denied"), day) + codes)
        .when(outcome == "denied")
        .then(pl.format("remittance: denied {} on {}", _dollars("denied"), day) + codes)
        .otherwise(pl.format("remittance: the payment was reversed on {}, {} taken back", day, _dollars("paid")))
    ) + payer_claim
    decided = final.with_columns(
        pl.when(outcome == "paid").then(pl.lit(PAID)).otherwise(pl.lit(DENIED)).alias("new"),
        detail.alias("detail"),
    ).with_columns(
        # A denial reopens a claim the team had cleared (or that was paid before a reversal).
        (pl.col("new").eq(DENIED) & ~pl.col("old").is_in([*WORKING, DENIED])).alias("reopens")
    )
    settings = [
        "status", "last_remit", "remit_outcome", "remit_date", "remit_paid", "remit_denied", "updated_at",
    ]  # fmt: skip
    update = decided.select(
        pl.col("new").alias("status"),
        "last_remit",
        pl.col("outcome").alias("remit_outcome"),
        pl.col("payment_date").alias("remit_date"),
        pl.col("paid").cast(pl.Float64).alias("remit_paid"),
        pl.col("denied").cast(pl.Float64).alias("remit_denied"),
        pl.lit(now).alias("updated_at"),
        "reopens",
        "claim",
    )
    sql = (
        f"UPDATE {claims.name} SET {', '.join(f'{c} = ?' for c in settings)}, reopened = (reopened OR ?), "
        "pend_reason = NULL, pend_until = NULL WHERE id = ?"
    )
    execute_many(db, sql, update)
    history = decided.select(
        pl.col("claim"),
        pl.lit(now).alias("at"),
        pl.lit("status").alias("what"),
        "old",
        "new",
        "detail",
        pl.col("dollars"),
    )
    insert_frame(db, events, history)
