"""Derived column families that rules may read, each computed only when a rule uses it.

A family is a namespace (`elig.`, `day.`, `dup.`, `enc.`) with the batch table it
needs; a rule that reads a family whose table is absent is reported as not checked.
Every family is a join or window over the whole batch, never a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.history import IDENTITY, service_identity


@dataclass(frozen=True)
class Family:
    namespace: str
    requires: str | None  # batch table that must be present
    scopes: tuple[str, ...]
    columns: dict[str, str]  # column -> what it means (for `scrubber explain` and the docs)
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
    covers = (pl.col("start") <= pl.col("first")) & (pl.col("end").is_null() | (pl.col("first") <= pl.col("end")))
    facts = (
        keys.join(spans, on=["member", "payer"], how="left")
        .group_by("member", "payer", "first", "last")
        .agg(
            (pl.col("active") & covers).any().alias("elig.covered"),
            (~pl.col("active") & covers).any().alias("elig.inactive_on_date"),
            pl.col("start").is_not_null().any().alias("elig.member_known"),
            pl.col("end")
            .filter(pl.col("active") & covers & (pl.col("end") < pl.col("last")))
            .max()
            .alias("elig.coverage_end_in_span"),
            pl.col("end").filter(pl.col("active") & (pl.col("end") < pl.col("first"))).max().alias("elig.last_coverage_end"),
        )
    )
    known_anywhere = ctx.batch.eligibility.lazy().select(member=pl.col("member_id")).unique().with_columns(
        pl.lit(True).alias("elig.member_known_any_payer")
    )
    return (
        frame.join(
            facts,
            left_on=["claim.member_id", "claim.payer_id", first, last],
            right_on=["member", "payer", "first", "last"],
            how="left",
        )
        .join(known_anywhere, left_on="claim.member_id", right_on="member", how="left")
        .with_columns(pl.col("elig.member_known_any_payer").fill_null(False))
    )


def _same_day_units(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    # MUE MAI 2 and 3 count a code's units per patient per date across every line and claim.
    group = ["claim.patient_id", "line.procedure_code", "line.service_date"]
    return frame.with_columns(
        pl.col("line.units").sum().over(group).alias("day.units_same_code"),
        pl.len().over(group).alias("day.lines_same_code"),
    )


def _duplicates(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    # Replacement and void claims (frequency 7/8) restate an original, so they never count as repeats.
    is_original = ~pl.col("claim.frequency_code").fill_null("1").is_in(["7", "8"])
    group = [*service_identity(), is_original]
    order = pl.struct("claim.claim_id", "line.line_number")
    rank = order.rank("ordinal").over(group)
    return frame.with_columns(
        pl.when(is_original).then(rank).alias("dup.occurrence"),
        pl.when(is_original).then(pl.col("claim.claim_id").sort_by(order).first().over(group)).alias("dup.first_claim_id"),
        pl.when(is_original).then(pl.col("line.line_number").sort_by(order).first().over(group)).alias("dup.first_line_number"),
    )


def _billed_before(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    """The same service on another claim in an earlier run (a resubmitted claim keeps its id)."""
    identity = frame.select(*service_identity(), pl.col("claim.claim_id").alias("_claim")).unique()
    earlier = (
        identity.join(ctx.history, on=IDENTITY, how="inner")
        .filter(pl.col("claim_id") != pl.col("_claim"))
        .group_by(*IDENTITY, "_claim")
        .agg(
            pl.col("claim_id").sort_by("billed_in_run", "claim_id").first().alias("hist.previous_claim_id"),
            pl.col("billed_in_run").min().alias("hist.previous_run_date"),
        )
    )
    return frame.join(
        earlier, left_on=[*service_identity(), pl.col("claim.claim_id")], right_on=[*IDENTITY, "_claim"], how="left"
    ).with_columns(pl.col("hist.previous_claim_id").is_not_null().alias("hist.billed_before"))


def _encounters(frame: pl.LazyFrame, ctx: RunContext, scope: str) -> pl.LazyFrame:
    date = "line.service_date" if scope == "line" else "claim.first_service_date"
    visits = ctx.batch.encounters.lazy()
    on_date = (
        visits.group_by(patient=pl.col("patient_id"), date=pl.col("encounter_date"))
        .agg(
            pl.lit(True).alias("enc.visit_on_date"),
            pl.col("rendering_npi").drop_nulls().unique().sort().alias("enc.visit_rendering_npis"),
        )
    )
    return (
        frame.join(on_date, left_on=["claim.patient_id", date], right_on=["patient", "date"], how="left")
        .with_columns(pl.col("enc.visit_on_date").fill_null(False))
        .with_columns(
            pl.when(pl.col("enc.visit_on_date"))
            .then(pl.col("enc.visit_rendering_npis").list.contains(pl.col("claim.rendering_npi")))
            .alias("enc.rendering_matches_visit")
        )
    )


FAMILIES: dict[str, Family] = {
    f.namespace: f
    for f in (
        Family(
            "elig",
            "eligibility",
            ("line", "claim"),
            {
                "elig.covered": "an active span of the member at the claim's payer covers the date",
                "elig.inactive_on_date": "an inactive span covers the date",
                "elig.member_known": "the member has any eligibility row at the claim's payer",
                "elig.member_known_any_payer": "the member has eligibility rows at some payer",
                "elig.coverage_end_in_span": "end of the active span that stops before the claim's last date",
                "elig.last_coverage_end": "the latest end of an active span that ended before the date",
            },
            _eligibility,
        ),
        Family(
            "day",
            None,
            ("line",),
            {
                "day.units_same_code": "units of the code for the patient on that date, all lines and claims",
                "day.lines_same_code": "lines of the code for the patient on that date",
            },
            _same_day_units,
        ),
        Family(
            "dup",
            None,
            ("line",),
            {
                "dup.occurrence": "1 for the first line billing this patient/code/date/provider/modifiers, 2 for the next ...",
                "dup.first_claim_id": "claim of the first such line",
                "dup.first_line_number": "line number of the first such line",
            },
            _duplicates,
        ),
        Family(
            "hist",
            "history",
            ("line",),
            {
                "hist.billed_before": "the same patient/code/date/provider/modifiers was billed on another claim in an earlier run",
                "hist.previous_claim_id": "that earlier claim",
                "hist.previous_run_date": "the date of the earlier run",
            },
            _billed_before,
        ),
        Family(
            "enc",
            "encounters",
            ("line", "claim"),
            {
                "enc.visit_on_date": "the patient has a documented visit on the date",
                "enc.visit_rendering_npis": "rendering NPIs of the visits that day",
                "enc.rendering_matches_visit": "the claim's rendering NPI is among that day's visits",
            },
            _encounters,
        ),
    )
}


def namespace_of(column: str) -> str:
    return column.split(".", 1)[0]
