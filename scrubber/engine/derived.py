"""Derived column families that rules may read, each computed only when a rule uses it.

A family is a namespace (`elig.`, `day.`, `dup.`, `hist.`, `tf.`, `orig.`, `enc.`,
`visit.`) with the batch table (or optional column, `claims.payer_claim_number`) it
needs; a rule that reads a family whose data is absent is reported as not checked.
Every family is a join or window over the whole batch, never a loop. A family keeps its
scope's rows and their order (left joins keep the left order): the engine sets the
columns it adds beside the scope's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.filing import FILING_LIMIT_COLUMNS, payer_filing_deadline
from scrubber.engine.scopes import CLAIM_ROW, LINE_ROW, claim_scope
from scrubber.billing import IDENTITY, service_identity

SERVICE = {name for e in service_identity() for name in e.meta.root_names()}


def shares_key(keys: list[pl.Expr] | list[str]) -> pl.Expr:
    """Whether another row may have the same keys: their hash is not the row's alone.

    Most rows' keys are their own (a service billed once, a code once a day, one visit a day), and
    a window over one hash is far cheaper than one over the keys: only the rows that may share
    them are grouped on the keys themselves. A collision puts a few rows there, never a wrong group.
    (The loader's checks.repeated_keys answers the same for a whole eager table by sorted hashes.)
    """
    return pl.len().over(pl.struct(keys).hash(seed=20260901)) > 1


@dataclass(frozen=True)
class Family:
    namespace: str
    requires: str | None  # batch table that must be present
    scopes: tuple[str, ...]
    columns: dict[str, str]  # column -> what it means (for `scrubber explain` and the docs)
    reads: frozenset[str]  # scope columns it may read (any scope's), so a scope is built with only those
    add: Callable[[pl.LazyFrame, RunContext, str], pl.LazyFrame]


def _eligibility(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    spans = ctx.batch.eligibility.lazy().select(
        member=pl.col("member_id"),
        payer=pl.col("payer_id"),
        start=pl.col("coverage_start"),
        end=pl.col("coverage_end"),
        active=pl.col("status").str.to_lowercase().str.strip_chars() == "active",
    )
    first, last = ("line.service_date", "line.service_date") if scope == "line" else (
        "claim.first_service_date",
        "claim.last_service_date",
    )
    keys = frame.select(
        member=pl.col("claim.member_id"), payer=pl.col("claim.payer_id"), first=pl.col(first), last=pl.col(last)
    ).unique()

    def covers(date: str) -> pl.Expr:
        return (pl.col("start") <= pl.col(date)) & (pl.col("end").is_null() | (pl.col(date) <= pl.col("end")))

    facts = (
        keys.join(spans, on=["member", "payer"], how="left")
        .group_by("member", "payer", "first", "last")
        .agg(
            (pl.col("active") & covers("first")).any().alias("elig.covered"),
            (pl.col("active") & covers("last")).any().alias("elig.covered_on_last_date"),
            (~pl.col("active") & covers("first")).any().alias("elig.inactive_on_date"),
            pl.col("start").is_not_null().any().alias("elig.member_known"),
            pl.col("end")
            .filter(pl.col("active") & covers("first") & (pl.col("end") < pl.col("last")))
            .max()
            .alias("elig.coverage_end_in_span"),
            pl.col("end").filter(pl.col("active") & (pl.col("end") < pl.col("first"))).max().alias("elig.last_coverage_end"),
        )
    )
    # Member ids are the payer's own, but the same id on file at another payer usually means the
    # claim names the wrong payer (a plan change the registration missed).
    payers_of_member = ctx.batch.eligibility.lazy().group_by(member=pl.col("member_id")).agg(
        pl.col("payer_id").drop_nulls().unique().sort().alias("elig.member_payers")
    )
    return (
        frame.join(
            facts,
            left_on=["claim.member_id", "claim.payer_id", first, last],
            right_on=["member", "payer", "first", "last"],
            how="left", maintain_order="left",
        )
        .join(payers_of_member, left_on="claim.member_id", right_on="member", how="left", maintain_order="left")
        .with_columns((pl.col("elig.member_payers").list.len().fill_null(0) > 0).alias("elig.member_known_any_payer"))
    )


def _same_day_units(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """A code's units per patient, provider and date (MUE MAI 2 and 3), across lines, claims and earlier runs.

    CMS counts one provider's units (rendering NPI, else billing NPI) for one patient on one date of
    service; each payer counts its own claims, so the claim to a secondary payer adds nothing. A void (frequency 8) counts nothing; a replacement (7) stands for its original, so the
    original's lines of that code that day (in this batch or an earlier run) are not counted; a line that
    repeats another exactly (DUP001's service identity and the same units) is the duplicate finding, not
    more units. Lines run in claim and line order after the earlier runs' units, so the finding falls on
    the line that takes the day past the limit. Only lines that share their key with another line or
    an earlier run are grouped (at 1M lines 0.2 s, where grouping every line took 0.45 s).
    """
    row = [CLAIM_ROW, LINE_ROW]
    group = ["claim.patient_id", "_day_provider", "line.procedure_code", "line.service_date", "claim.payer_id"]
    frequency = pl.col("claim.frequency_code").str.strip_chars().fill_null("1")
    label = pl.concat_str(pl.lit("claim "), "claim.claim_id", pl.lit(" line "), "line.line_number")
    keyed = frame.with_columns(pl.coalesce("claim.rendering_npi", "claim.billing_npi").alias("_day_provider"))
    earlier = _earlier_units(ctx, group)
    if earlier is not None:
        keyed = keyed.join(earlier, on=group, how="left", maintain_order="left")
    else:
        keyed = keyed.with_columns(
            pl.lit(None, pl.Decimal(12, 3)).alias("_day_earlier_units"),
            pl.lit(None, pl.List(pl.String)).alias("_day_earlier_lines"),
        )
    replaced = (frequency == "7").any().over(group) & ~frequency.is_in(["7", "8"])
    restated = keyed.filter(shares_key(group) | pl.col("_day_earlier_units").is_not_null())
    identity = [e.name.prefix("_dup_") for e in service_identity()]
    counted = (
        restated.with_columns(*identity, (frequency != "8").alias("_day_kept"))
        .with_columns((pl.col("_day_kept") & ~replaced).alias("_day_kept"))
        .sort("claim.claim_id", "line.line_number", *row)
        .with_columns(
            (pl.col("_day_kept") & (pl.col("_day_kept").cum_sum().over([*(f"_dup_{n}" for n in IDENTITY), "line.units"]) == 1)).alias(
                "_day_kept"
            ),
            # A replacement restates what earlier runs billed too.
            pl.when((frequency == "7").any().over(group)).then(None).otherwise(pl.col("_day_earlier_units")).alias(
                "_day_earlier_units"
            ),
        )
        .with_columns(pl.when("_day_kept").then(pl.col("line.units")).otherwise(0).alias("_day_own"), label.alias("_day_label"))
        .select(
            *row,
            "_day_kept",
            (pl.col("_day_own").cum_sum().over(group) + pl.col("_day_earlier_units").fill_null(0)).alias("_day_through"),
            (pl.col("_day_own").sum().over(group) + pl.col("_day_earlier_units").fill_null(0)).alias("_day_units"),
            (pl.col("_day_kept").sum().over(group) + pl.col("_day_earlier_lines").list.len().fill_null(0)).alias("_day_lines"),
            pl.concat_list(
                pl.col("_day_earlier_lines").fill_null(pl.lit([], pl.List(pl.String))),
                pl.col("_day_label").filter("_day_kept").over(group, mapping_strategy="join"),
            )
            .list.set_difference(pl.concat_list("_day_label"))
            .alias("_day_others"),
        )
    )
    own_units = pl.col("line.units").fill_null(0)
    return (
        keyed.join(counted, on=row, how="left", maintain_order="left")
        .with_columns(
            pl.col("_day_provider").alias("day.provider_npi"),
            pl.coalesce("_day_kept", frequency != "8").alias("day.line_counted"),
            pl.coalesce("_day_units", own_units).alias("day.units_same_code"),
            pl.coalesce("_day_through", own_units).alias("day.units_through_line"),
            pl.coalesce("_day_lines", pl.lit(1, pl.UInt32)).alias("day.lines_same_code"),
            pl.col("_day_others").fill_null(pl.lit([], pl.List(pl.String))).alias("day.other_lines"),
        )
        .drop("_day_provider", "_day_kept", "_day_units", "_day_through", "_day_lines", "_day_others",
              "_day_earlier_units", "_day_earlier_lines")
    )


def _earlier_units(ctx: RunContext, group: list[str]) -> pl.LazyFrame | None:
    """Units earlier runs billed per patient, provider, code and date, with the lines that billed them.

    A claim in tonight's batch again is being resent, so its earlier lines are not counted twice.
    Runs written before billed lines kept their units count nothing (a miss, never a false limit).
    """
    if ctx.history is None:
        return None
    resent = ctx.batch.claims.lazy().select("claim_id").unique()
    history = ctx.history.join(resent, on="claim_id", how="anti")
    return history.group_by(
        pl.col("patient_id").alias(group[0]),
        pl.col("provider_npi").alias(group[1]),
        pl.col("procedure_code").alias(group[2]),
        pl.col("service_date").alias(group[3]),
        pl.col("payer_id").alias(group[4]),
    ).agg(
        pl.col("units").fill_null(0).sum().alias("_day_earlier_units"),
        pl.concat_str(
            pl.lit("claim "), "claim_id", pl.lit(" line "), "line_number", pl.lit(" (run of "), pl.col("billed_in_run").cast(pl.String), pl.lit(")")
        ).alias("_day_earlier_lines"),
    )


def restates_original() -> pl.Expr:
    """A replacement (frequency 7) or void (8) the payer applies to the claim it already has.

    Such a claim restates a service rather than billing it again. Medicare Part B takes neither
    (payer.accepts_replacement_claims false): it processes every claim as new, so there a
    frequency-7 claim is one more claim for the service and is denied as a duplicate (CO-18).
    """
    restating = pl.col("claim.frequency_code").str.strip_chars().is_in(["7", "8"]).fill_null(False)
    return restating & pl.col("payer.accepts_replacement_claims").fill_null(True)


RESTATES_READS = frozenset({"claim.frequency_code", "payer.accepts_replacement_claims"})


def _duplicates(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """Each line's place among the lines billing the same service, first by claim id and line number.

    Only lines that may share their service are sorted and ranked (at 1M lines 0.1 s instead of 0.7 s).
    """
    original = ~restates_original()
    identity = [e.name.prefix("_dup_") for e in service_identity()]
    keys = [f"_dup_{name}" for name in IDENTITY]
    row = [CLAIM_ROW, LINE_ROW]
    ranked = (
        frame.filter(original)
        .select(*row, "claim.claim_id", "line.line_number", *identity)
        .filter(shares_key(keys))
        .sort("claim.claim_id", "line.line_number", *row)
        .select(
            *row,
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(keys).alias("_dup_occurrence"),
            pl.col("claim.claim_id").first().over(keys).alias("_dup_first_claim"),
            pl.col("line.line_number").first().over(keys).alias("_dup_first_line"),
        )
    )
    return (
        frame.join(ranked, on=row, how="left", maintain_order="left")
        .with_columns(
            # A line alone with its service is its own first occurrence.
            pl.when(original).then(pl.col("_dup_occurrence").fill_null(1)).alias("dup.occurrence"),
            pl.when(original).then(pl.coalesce("_dup_first_claim", "claim.claim_id")).alias("dup.first_claim_id"),
            pl.when(original).then(pl.coalesce("_dup_first_line", "line.line_number")).alias("dup.first_line_number"),
        )
        .drop("_dup_occurrence", "_dup_first_claim", "_dup_first_line")
    )


def _billed_before(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """The same service on another claim in an earlier run.

    A resubmitted claim keeps its id, so an earlier claim that is in tonight's batch again is
    being resent, not billed twice; if it repeats another claim of the batch, DUP001 says so.
    A replacement or void the payer applies to its original is not a new billing either.
    """
    keyed = frame.with_columns(*[e.name.prefix("_hist_") for e in service_identity()]).with_columns(
        # A null key matches nothing: a restating claim looks nothing up.
        pl.when(~restates_original()).then(pl.col("_hist_payer_id")).alias("_hist_payer_id")
    )
    keys = [f"_hist_{name}" for name in IDENTITY]
    identity = keyed.select(*[pl.col(k).alias(name) for k, name in zip(keys, IDENTITY)], pl.col("claim.claim_id").alias("_claim"))
    resent = ctx.batch.claims.lazy().select("claim_id").unique()
    earlier = (
        identity.unique()
        .join(ctx.history.join(resent, on="claim_id", how="anti"), on=IDENTITY, how="inner")
        .group_by(*IDENTITY, "_claim")
        .agg(
            pl.col("claim_id").sort_by("billed_in_run", "claim_id").first().alias("hist.previous_claim_id"),
            pl.col("billed_in_run").min().alias("hist.previous_run_date"),
        )
    )
    return (
        keyed.join(earlier, left_on=[*keys, "claim.claim_id"], right_on=[*IDENTITY, "_claim"], how="left", maintain_order="left")
        .with_columns(pl.col("hist.previous_claim_id").is_not_null().alias("hist.billed_before"))
        .drop(keys)
    )


def _filing_clock(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """When the payer's filing limit runs out (scrubber.engine.filing: months or days, next workday).

    Medicare counts a professional claim line by line, from each line's date of service (Pub.
    100-04 ch. 1 §70.1: the line's "from" date), so one old line is denied while the rest are
    paid; an institutional claim counts from its "through" date. Commercial and Medicaid
    contracts state their limits "from the date of service" and adjudicate professional lines
    the same way, so the same clock serves every payer. In claim scope a professional claim's
    clock is its earliest line, the first to run out.
    """
    institutional = pl.col("claim.institutional")
    own_date = "line.service_date" if scope == "line" else "claim.first_service_date"
    start = pl.when(institutional).then(pl.col("claim.last_service_date")).otherwise(pl.col(own_date))
    return frame.with_columns(
        (~institutional).alias("tf.per_line"),
        start.alias("tf.clock_start"),
        payer_filing_deadline(start).alias("tf.deadline"),
    ).with_columns((pl.col("tf.deadline") - pl.lit(ctx.as_of)).dt.total_days().alias("tf.days_left"))


def _original_reference(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    return frame.with_columns(
        pl.col("claim.frequency_code").str.strip_chars().is_in(["7", "8"]).fill_null(False).alias("orig.restates_claim"),
        pl.col("claim.payer_claim_number").alias("orig.payer_claim_number"),
    )


def _encounters(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """Documented visits on the dates a line (or every line of a claim) bills.

    The claim's provider is its rendering NPI, or the billing NPI when a solo provider bills
    under their own number and leaves rendering empty. Rows are told apart by their batch row
    numbers, which stay distinct even where a claim id repeats.
    """
    unit = [CLAIM_ROW, LINE_ROW] if scope == "line" else [CLAIM_ROW]
    provider = pl.coalesce("claim.rendering_npi", "claim.billing_npi").alias("provider")
    patient = pl.col("claim.patient_id").alias("patient")
    # Most claims bill one date (their first is their last): their facts are that date's, with no
    # look at their lines and no grouping of lists.
    one_date = pl.lit(True) if scope == "line" else pl.col("claim.first_service_date") == pl.col("claim.last_service_date")
    own_date = "line.service_date" if scope == "line" else "claim.first_service_date"
    single = frame.filter(one_date).select(*unit, patient, provider, pl.col(own_date).alias("date"))
    line_dates = ctx.batch.claim_lines.lazy().select("claim_id", date=pl.col("service_date"))
    several = (
        frame.filter(~one_date.fill_null(False))
        .select(*unit, patient, provider, "claim.claim_id")
        .join(line_dates, left_on="claim.claim_id", right_on="claim_id")
        .filter(pl.col("date").is_not_null())
        .select(*unit, "patient", "provider", "date")
        .unique()
    )
    seen = ctx.batch.encounters.lazy().select(
        patient=pl.col("patient_id"), date=pl.col("encounter_date"), npi=pl.col("rendering_npi")
    )
    # Most patients have one visit a day: its NPI is the day's list, with no grouping.
    npi_list = pl.when(pl.col("npi").is_null()).then(pl.lit([], pl.List(pl.String))).otherwise(pl.concat_list("npi"))
    one_visit = seen.filter(~shares_key(["patient", "date"])).select("patient", "date", npi_list.alias("npis"))
    several_visits = seen.filter(shares_key(["patient", "date"])).group_by("patient", "date").agg(
        pl.col("npi").drop_nulls().unique().sort().alias("npis")
    )
    visits = pl.concat([one_visit, several_visits], how="vertical")

    def with_visits(dates: pl.LazyFrame) -> pl.LazyFrame:
        return (
            dates.join(visits, on=["patient", "date"], how="left")
            .with_columns(pl.col("npis").is_not_null().alias("seen"), (pl.col("npis").list.len().fill_null(0) > 0).alias("named"))
            .with_columns((pl.col("named") & ~pl.col("npis").list.contains(pl.col("provider"))).alias("other"))
        )

    no_dates = pl.lit([], pl.List(pl.Date))
    one_date_facts = with_visits(single.filter(pl.col("date").is_not_null())).select(
        *unit,
        pl.col("seen").alias("enc.visit_on_date"),
        pl.when(pl.col("seen")).then(no_dates).otherwise(pl.concat_list("date")).alias("enc.dates_without_visit"),
        pl.col("npis").fill_null(pl.lit([], pl.List(pl.String))).alias("enc.visit_rendering_npis"),
        pl.when(pl.col("other")).then(pl.concat_list("date")).otherwise(no_dates).alias("enc.dates_other_provider"),
        pl.col("named").alias("_named"),
    )
    several_dates_facts = with_visits(several).group_by(unit).agg(
        pl.col("seen").all().alias("enc.visit_on_date"),
        pl.col("date").filter(~pl.col("seen")).sort().alias("enc.dates_without_visit"),
        pl.col("npis").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("enc.visit_rendering_npis"),
        pl.col("date").filter(pl.col("other")).sort().alias("enc.dates_other_provider"),
        pl.col("named").any().alias("_named"),
    )
    facts = pl.concat([one_date_facts, several_dates_facts], how="vertical")
    return (
        frame.join(facts, on=unit, how="left", maintain_order="left")
        .with_columns(
            # Unknown (null) when no visit that day names its provider: nothing to compare with.
            pl.when(pl.col("_named")).then(pl.col("enc.dates_other_provider").list.len() == 0).alias(
                "enc.rendering_matches_visit"
            )
        )
        .drop("_named")
    )


def _visit_payer(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """The payer an unbilled visit would most likely go to: the patient's latest claim in the batch."""
    # The claim scope knows each claim's last date (already built when claim rules run).
    latest = (
        claim_scope(ctx)
        .filter(pl.col("claim.line_count") > 0)
        .group_by(patient_id=pl.col("claim.patient_id"))
        .agg(
            pl.col("claim.payer_id")
            .sort_by("claim.last_service_date", "claim.claim_id", nulls_last=False)
            .last()
            .alias("visit.payer_id")
        )
    )
    profiles = ctx.profiles.frame()
    name = "payer.unbilled_encounter_days"
    limit = pl.col(name) if name in profiles.columns else pl.lit(None, pl.Int64)
    limits = profiles.lazy().select(pl.col("payer.payer_id"), limit.alias("_limit"))
    default = ctx.profiles.defaults.get("unbilled_encounter_days")
    return (
        frame.join(latest, left_on="encounter.patient_id", right_on="patient_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("encounter.claim_payer_id", "visit.payer_id").alias("visit.payer_id"))
        .join(limits, left_on="visit.payer_id", right_on="payer.payer_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce(pl.col("_limit"), pl.lit(default, pl.Int64)).alias("visit.unbilled_days_limit"))
        .drop("_limit")
    )


FAMILIES: dict[str, Family] = {
    f.namespace: f
    for f in (
        Family(
            "elig",
            "eligibility",
            ("line", "claim"),
            {
                "elig.covered": "an active span of the member at the claim's payer covers the date (claim: the first date)",
                "elig.covered_on_last_date": "an active span covers the claim's last date (line: the line's date)",
                "elig.inactive_on_date": "an inactive span covers the date",
                "elig.member_known": "the member has any eligibility row at the claim's payer",
                "elig.member_known_any_payer": "the member has eligibility rows at some payer",
                "elig.member_payers": "the payers at which the member id has eligibility rows",
                "elig.coverage_end_in_span": "end of the active span covering the first date, when it stops before the last date",
                "elig.last_coverage_end": "the latest end of an active span that ended before the date",
            },
            frozenset({"claim.member_id", "claim.payer_id", "line.service_date", "claim.first_service_date", "claim.last_service_date"}),
            _eligibility,
        ),
        Family(
            "day",
            None,
            ("line",),
            {
                "day.provider_npi": "the provider the day's units are counted for: rendering NPI, else billing NPI",
                "day.units_same_code": "units of the code for the patient by that provider on that date, to the claim's "
                "payer: every counted line and claim of the batch and of earlier runs",
                "day.units_through_line": "the same, counting lines in claim and line order up to and including this one",
                "day.lines_same_code": "counted lines of the code for the patient by that provider on that date",
                "day.line_counted": "the line counts: not a void, not an original its replacement restates, not an exact duplicate",
                "day.other_lines": "the other counted lines of that day ('claim C1 line 2', earlier runs with their date)",
            },
            frozenset(SERVICE | {CLAIM_ROW, LINE_ROW, "claim.claim_id", "line.line_number", "claim.frequency_code",
                                 "claim.rendering_npi", "claim.billing_npi", "claim.payer_id", "line.units"}),
            _same_day_units,
        ),
        Family(
            "dup",
            None,
            ("line",),
            {
                "dup.occurrence": "1 for the first line billing this payer/member/patient/code/date/provider/modifiers/NDC,"
                " 2 for the next ...; null on a replacement or void the payer applies to its original",
                "dup.first_claim_id": "claim of the first such line",
                "dup.first_line_number": "line number of the first such line",
            },
            frozenset(SERVICE | RESTATES_READS | {"claim.claim_id", "line.line_number", CLAIM_ROW, LINE_ROW}),
            _duplicates,
        ),
        Family(
            "hist",
            "history",
            ("line",),
            {
                "hist.billed_before": "the same payer/member/patient/code/date/provider/modifiers/NDC was billed on another"
                " claim in an earlier run (never true of a replacement or void the payer applies to its original)",
                "hist.previous_claim_id": "that earlier claim",
                "hist.previous_run_date": "the date of the earlier run",
            },
            frozenset(SERVICE | RESTATES_READS | {"claim.claim_id"}),
            _billed_before,
        ),
        Family(
            "tf",
            None,
            ("line", "claim"),
            {
                "tf.per_line": "the claim's lines each start their own filing clock (every claim but an institutional one)",
                "tf.clock_start": "the date the filing limit counts from: the line's date, or an institutional claim's through date",
                "tf.deadline": "the last day the payer accepts the claim: clock start + payer.timely_filing_months (else"
                " _days), moved to the next workday when it falls on a weekend or federal holiday",
                "tf.days_left": "days from the run's as-of date to tf.deadline (negative once it has passed)",
            },
            frozenset({"claim.institutional", "line.service_date", "claim.first_service_date", "claim.last_service_date",
                       *FILING_LIMIT_COLUMNS}),
            _filing_clock,
        ),
        Family(
            "orig",
            "claims.payer_claim_number",
            ("claim",),
            {
                "orig.restates_claim": "the claim is a replacement (frequency 7) or void (8) of an earlier claim",
                "orig.payer_claim_number": "the payer's claim number of that earlier claim (claims.payer_claim_number)",
            },
            frozenset({"claim.frequency_code", "claim.payer_claim_number"}),
            _original_reference,
        ),
        Family(
            "enc",
            "encounters",
            ("line", "claim"),
            {
                "enc.visit_on_date": "the patient has a documented visit on the line's date (claim: on every date it bills)",
                "enc.dates_without_visit": "the dates billed with no documented visit for the patient",
                "enc.visit_rendering_npis": "rendering NPIs of the visits on those dates",
                "enc.dates_other_provider": "dates whose visits name only providers other than the claim's",
                "enc.rendering_matches_visit": "the claim's rendering NPI (or billing NPI) is that of the visits on its dates",
            },
            frozenset({CLAIM_ROW, LINE_ROW, "claim.claim_id", "claim.patient_id", "claim.rendering_npi", "claim.billing_npi",
                       "line.service_date", "claim.first_service_date", "claim.last_service_date"}),
            _encounters,
        ),
        Family(
            "visit",
            "encounters",
            ("encounter",),
            {
                "visit.payer_id": "the visit's claim's payer, else the payer of the patient's latest claim in the batch",
                "visit.unbilled_days_limit": "that payer's unbilled_encounter_days, else the default",
            },
            frozenset({"encounter.patient_id", "encounter.claim_payer_id"}),
            _visit_payer,
        ),
    )
}


def namespace_of(column: str) -> str:
    return column.split(".", 1)[0]
