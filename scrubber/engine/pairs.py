"""Line pairs: two lines of one patient, date and provider, narrowed for each pair rule before pairing.

A rule's `pairing` may widen "date" to line a falling up to `days_before` days before line b (a
visit the day before surgery) or up to `days_after` days after it (a visit in its postoperative
period), "provider" to the billing NPI (the group) instead of the rendering one, and line b to the
lines earlier runs billed (`with_history`: when there is an earlier run; without one the rule pairs
this batch's lines alone). Each pair carries `pair.` fields beside its two lines' (PAIR_FIELDS).

A batch's lines make several times as many same-day pairs as there are lines (3.3 per line
in the benchmark's 1-to-6-line claims), while a pair rule fires on a few codes. Two facts of
a rule narrow the lines each side of its pairs may come from, without changing what it finds:

- a term of the rule's `all` that reads one side only (`a.line.modifiers contains RT`) filters
  that side's lines before they are paired: a pair whose line fails it cannot fire;
- a lookup the rule cannot fire without (engine/requirements.py) keeps only lines whose code
  appears in that table column, among the rows whose every key is billed on some line of the
  batch and that meet the rule's terms on that lookup alone (`pfs.glob in [000, 010, 090]`):
  an NCCI pair needs its column-one code on one line and its column-two code on another, a
  global-package pair a procedure with a global period. Dates are left to the lookup itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from scrubber.engine.operators import Resolver
from scrubber.engine.requirements import conjuncts, term_reads
from scrubber.rulebook.reference import ReferenceTable
from scrubber.rulebook.rules import Lookup, Pairing, Rule

PAIR_SIDES = ("a", "b")
# What every pair needs beside the columns its rule reads: the pairing keys and the finding keys.
PAIR_BASE = {"claim.claim_id", "line.line_number", "claim.payer_id", "line.service_date", "claim.patient_id",
             "claim.rendering_npi", "claim.billing_npi"}  # fmt: skip
PAIRING = ["_pair_patient", "_pair_date", "_pair_provider"]
EARLIER_RUN = "_pair_earlier_run"
# What a pair knows beside its two lines.
PAIR_FIELDS = {
    "pair.days_after": "days from line b's date to line a's (negative when line a comes first)",
    "pair.earlier_run": "the date of the earlier run that billed line b (empty when line b is in this batch)",
}
# An earlier run's billed line (history.billed_lines) as the line-scope columns it stands for; the
# others are empty on it, so a term reading them cannot hold for a pair with an earlier line.
EARLIER_LINE = {
    "claim.claim_id": pl.col("claim_id"),
    "line.line_number": pl.col("line_number"),
    "claim.payer_id": pl.col("payer_id"),
    "claim.member_id": pl.col("member_id"),
    "claim.patient_id": pl.col("patient_id"),
    "line.procedure_code": pl.col("procedure_code"),
    "line.service_date": pl.col("service_date"),
    "claim.rendering_npi": pl.col("provider_npi"),  # rendering NPI, else billing NPI: what pairing reads
    "claim.billing_npi": pl.col("billing_npi"),
    "claim.diagnosis_codes": pl.col("diagnosis_codes"),
    "claim.restates_original": pl.lit(False),  # billed lines leave out replacements and voids
    "line.modifiers": pl.col("modifiers").str.split(";").list.filter(pl.element() != ""),
    "line.ndc": pl.when(pl.col("ndc") != "").then(pl.col("ndc")),
    "line.units": pl.col("units"),
}


def line_columns(reads: set[str]) -> set[str]:
    """The line-scope columns a pair rule's `a.`/`b.` fields come from, with the pairing keys."""
    return {c.split(".", 1)[1] for c in reads if not c.startswith("pair.")} | PAIR_BASE


def earlier_lines(history: pl.LazyFrame, lines: pl.DataFrame, claim_ids: pl.Series, pairing: Pairing) -> pl.LazyFrame:
    """The lines earlier runs billed that may be line b of a pair with these lines, as line-scope columns.

    Only these lines' patients, on dates a pair can reach, and no claim of tonight's batch: a claim
    billed before that is here again is being resent, and its lines are tonight's. A claim billed in
    several runs counts as the latest run billed it. Lazy: the rule's terms on line b narrow it before
    it is read (pair_scope).
    """
    dates = lines.get_column("line.service_date").drop_nulls()
    if not dates.len():
        return pl.LazyFrame(schema={**lines.schema, EARLIER_RUN: pl.Date})
    low = dates.min() - dt.timedelta(days=pairing.days_after)
    high = dates.max() + dt.timedelta(days=pairing.days_before)
    patients = lines.get_column("claim.patient_id").unique().implode()
    theirs = history.filter(pl.col("patient_id").is_in(patients)).join(
        pl.LazyFrame({"claim_id": claim_ids.unique()}), on="claim_id", how="anti"
    )
    latest = theirs.group_by("claim_id").agg(pl.col("billed_in_run").max())
    reachable = theirs.filter(pl.col("service_date").is_between(low, high))
    schema = lines.schema
    return reachable.join(latest, on=["claim_id", "billed_in_run"], how="semi").select(
        *[(EARLIER_LINE[c] if c in EARLIER_LINE else pl.lit(None)).cast(schema[c]).alias(c) for c in lines.columns],
        pl.col("billed_in_run").alias(EARLIER_RUN),
    )


def lookup_keys(
    lines: pl.DataFrame, earlier: pl.LazyFrame | None, lookups: list[tuple[Lookup, ReferenceTable]]
) -> pl.DataFrame:
    """The columns the rule's lookups match on, of these lines and of the earlier runs' lines (whose codes
    need their table rows as much as tonight's): what needed_rows reads."""
    if earlier is None:
        return lines
    keys = sorted({name.split(".", 1)[1] for lookup, _ in lookups for name in lookup.on.values()} & set(lines.columns))
    return pl.concat([lines[keys], earlier.select(keys).unique().collect()])


def side_filters(rule: Rule, new_resolver: Callable[[], Resolver]) -> dict[str, list[pl.Expr]]:
    """Per side (and per lookup alias), the terms of the rule's `all` that read it alone: a line, or a
    table row, must meet them for some pair of it to fire."""
    filters: dict[str, list[pl.Expr]] = {side: [] for side in PAIR_SIDES}
    for term in conjuncts(rule.when):
        expr, heads = term_reads(term, new_resolver)
        if len(heads) == 1:
            filters.setdefault(next(iter(heads)), []).append(expr)
    return filters


@dataclass
class BilledRows:
    """The big tables' rows whose line-column keys are billed anywhere in the batch, found once per run and
    shared by every pair rule of every patient group that matches a table the same way.

    Narrowed per group instead, the 2.6 million PTP rows were scanned twice in each of the 41 groups of a
    10M-line batch (0.1 s a scan); a group's own rows are then picked from these few (needed_rows).
    """

    batch_lines: pl.DataFrame  # the whole batch's claim lines (unprefixed columns)
    found: dict[tuple, pl.DataFrame] = field(default_factory=dict)

    def rows(self, table: ReferenceTable, lookup: Lookup, unpaired: dict[str, str]) -> pl.DataFrame:
        key = (table.name, repr(sorted(lookup.where.items())), tuple(sorted(unpaired.items())))
        if key not in self.found:
            in_batch = {
                column: name.removeprefix("line.")
                for column, name in unpaired.items()
                if name.startswith("line.") and name.removeprefix("line.") in self.batch_lines.columns
            }
            self.found[key] = table.rows_where(lookup.where).filter(
                *(pl.col(c).is_in(self.batch_lines.get_column(name).unique().implode()) for c, name in in_batch.items())
            )
        return self.found[key]


def needed_rows(
    lines: pl.DataFrame,
    lookups: list[tuple[Lookup, ReferenceTable]],
    required: set[str],
    terms: dict[str, list[pl.Expr]] | None = None,
    billed_rows: BilledRows | None = None,
) -> dict[str, pl.DataFrame]:
    """Per lookup the rule cannot fire without, the table rows a pair of these lines can match.

    Only the table rows whose every key value is on some of these lines count, and that meet the
    rule's `terms` on the lookup alone (side_filters). A full NCCI release (2.6 million rows) pairs
    nearly every code with another, so its codes alone narrow nothing; few of those partners are
    billed in one batch. A term is tested on a single row only where the lookup matches the whole
    key (a partial match gives lists). The rule's lookup joins these rows, not the whole table. Given
    `billed_rows` (when these lines are the batch's, not earlier runs' too), the rows are picked from
    those billed anywhere in the batch, found once per run.
    """
    rows: dict[str, pl.DataFrame] = {}
    billed: dict[str, pl.Series] = {}  # a line column's values, once for both sides (column1 and column2 are codes)
    for lookup, table in lookups:
        if lookup.alias not in required:
            continue
        unpaired = {column: field_name.split(".", 1)[1] for column, field_name in lookup.on.items()}
        for name in unpaired.values():
            billed.setdefault(name, lines.get_column(name).unique().implode())
        if billed_rows is None:
            candidates = table.rows_where(lookup.where)
        else:
            candidates = billed_rows.rows(table, lookup, unpaired)
        found = candidates.filter(*(pl.col(c).is_in(billed[name]) for c, name in unpaired.items()))
        rows[lookup.alias] = _meeting(found, lookup, table, (terms or {}).get(lookup.alias, []))
    return rows


def code_filters(
    rows: dict[str, pl.DataFrame], lookups: list[tuple[Lookup, ReferenceTable]]
) -> dict[str, list[pl.Expr]]:
    """Per side, the codes a line must carry for a pair of it to find one of the needed rows."""
    filters: dict[str, list[pl.Expr]] = {side: [] for side in PAIR_SIDES}
    for lookup, _ in lookups:
        if lookup.alias in rows:
            for column, field_name in lookup.on.items():
                values = rows[lookup.alias].get_column(column).unique().implode()
                filters[field_name.split(".", 1)[0]].append(pl.col(field_name).is_in(values))
    return filters


def lookup_filters(
    lines: pl.DataFrame,
    lookups: list[tuple[Lookup, ReferenceTable]],
    required: set[str],
    terms: dict[str, list[pl.Expr]] | None = None,
) -> dict[str, list[pl.Expr]]:
    """Per side, the codes a line must carry for a pair of it to find a row of each table the rule needs."""
    return code_filters(needed_rows(lines, lookups, required, terms), lookups)


def _meeting(rows: pl.DataFrame, lookup: Lookup, table: ReferenceTable, terms: list[pl.Expr]) -> pl.DataFrame:
    """The rows that meet the rule's terms on this lookup's own columns (flags such as `found` are left out)."""
    columns = {f"{lookup.alias}.{c}" for c in table.columns}
    usable = [t for t in terms if set(t.meta.root_names()) <= columns]
    if not usable or not set(lookup.on) >= set(table.key):
        return rows
    meets = rows.select(pl.all().name.prefix(f"{lookup.alias}.")).select(pl.all_horizontal(usable).fill_null(False))
    return rows.filter(meets.to_series())


def pair_scope(
    lines: pl.DataFrame, filters: dict[str, list[pl.Expr]], pairing: Pairing, earlier: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """Two lines of the same patient, date (or line a up to `days_before` days earlier or `days_after`
    days later) and provider; line b may be one of the `earlier` runs' lines (earlier_lines)."""
    own = [c for c in lines.columns if not c.startswith("_")]
    a, b = (_side(_keyed(lines, pairing), side, own, filters[side]) for side in PAIR_SIDES)
    if earlier is not None:
        tonight = b.with_columns(pl.lit(None, pl.Date).alias(EARLIER_RUN))
        b = pl.concat([tonight, _side(_keyed(earlier, pairing), "b", own, filters["b"], keep=[EARLIER_RUN])])
    same_line = (pl.col("a.claim.claim_id") == pl.col("b.claim.claim_id")) & (
        pl.col("a.line.line_number") == pl.col("b.line.line_number")
    )
    if pairing.days_after:
        # A window of weeks: the lines of one patient and provider are paired, then kept where line a falls
        # from days_before days before line b to days_after days after it. (Exploding each line over
        # 90 dates costs more than the few lines one patient has with one provider.)
        pairs = a.join(b, on=["_pair_patient", "_pair_provider"], how="inner", suffix="_b")
        apart = (pl.col("_pair_date") - pl.col("_pair_date_b")).dt.total_days()
        pairs = pairs.filter(apart.is_between(-pairing.days_before, pairing.days_after), ~same_line)
    else:
        if pairing.days_before:
            # Line a meets the b lines of its own date and of the next days_before days.
            later = pl.date_ranges("_pair_date", pl.col("_pair_date") + pl.duration(days=pairing.days_before))
            a = a.with_columns(later.alias("_pair_date")).explode("_pair_date")
        pairs = a.join(b, on=PAIRING, how="inner").filter(~same_line)
    run = pl.col(EARLIER_RUN) if earlier is not None else pl.lit(None, pl.Date)
    # The pair's own fields (PAIR_FIELDS); a rule that reads neither leaves them out of its plan.
    return pairs.with_columns(
        (pl.col("a.line.service_date") - pl.col("b.line.service_date")).dt.total_days().alias("pair.days_after"),
        run.alias("pair.earlier_run"),
    )


def latest_pair_per_line(hits: pl.LazyFrame, finding_on: str) -> pl.LazyFrame:
    """One firing pair per finding line (`one_per_line`): the one whose other line is the latest, then
    the first by claim and line number. A visit in the packages of two procedures needs one modifier."""
    other = "b" if finding_on == "a" else "a"
    order = [f"{other}.line.service_date", f"{other}.claim.claim_id", f"{other}.line.line_number"]
    return hits.sort(order, descending=[True, False, False], nulls_last=True).unique(
        ["_claim_id", "_line_number", "_date"], keep="first", maintain_order=True
    )


def _keyed(lines: pl.DataFrame | pl.LazyFrame, pairing: Pairing) -> pl.LazyFrame:
    rendering = pl.coalesce("claim.rendering_npi", "claim.billing_npi")
    provider = pl.col("claim.billing_npi") if pairing.provider == "billing" else rendering
    return lines.lazy().with_columns(
        pl.col("claim.patient_id").alias("_pair_patient"),
        pl.col("line.service_date").alias("_pair_date"),
        provider.alias("_pair_provider"),
    )


def _side(
    keyed: pl.LazyFrame, side: str, columns: list[str], filters: list[pl.Expr], keep: list[str] | None = None
) -> pl.LazyFrame:
    lines = keyed.select([*PAIRING, *[pl.col(c).alias(f"{side}.{c}") for c in columns], *(keep or [])])
    return lines.filter(*filters) if filters else lines


def pair_keys(side: str) -> list[pl.Expr]:
    return [
        pl.col(f"{side}.claim.claim_id").alias("_claim_id"),
        pl.col(f"{side}.line.line_number").alias("_line_number"),
        pl.lit(None, pl.String).alias("_encounter_id"),
        pl.col(f"{side}.claim.payer_id").alias("_payer_id"),
        pl.col(f"{side}.line.service_date").alias("_date"),
    ]
