"""`freq.`: a preventive service billed again inside its frequency limit (reference table frequency_limits)."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import RESTATES_READS, Family, earlier_runs, restates_original
from scrubber.engine.scopes import LINE_ROW
from scrubber.rulebook.reference import VALID_FROM, VALID_TO

TABLE = "frequency_limits"
ROW = [LINE_ROW]
# One service as the limits count it: billed tonight (a line of the batch) or in an earlier run.
SERVICE = ["patient", "payer", "code", "date", "provider", "diagnoses", "claim_id", "line_number", "run"]


def _months_later(date: pl.Expr, months: pl.Expr) -> pl.Expr:
    """The first day of the month `months` months after the date's month."""
    index = date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1 + months
    return pl.date(index // 12, index % 12 + 1, 1)


def _has_diagnosis(diagnoses: pl.Expr, wanted: pl.Expr) -> pl.Expr:
    """The limit holds for every diagnosis (none named), or the service carries a code starting with the named one.

    Codes compare without their dot, as claims send them either way (Z13.6, Z136).
    """
    named = wanted.fill_null("").str.replace_all(".", "", literal=True)
    carried = pl.concat_str(pl.lit("\n"), diagnoses.list.join("\n")).str.replace_all(".", "", literal=True)
    return (named == "") | carried.str.contains(pl.lit("\n") + named, literal=True).fill_null(False)


def _frequency(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """The earlier service that puts the line over its code's frequency limit, and when the code is payable again.

    Counted for the same patient and payer by any provider: every earlier run (a claim resent
    tonight only once) and the lines of the batch before this one by date of service, claim and
    line, so of two lines of the batch only the later one breaks a limit. A void, and a replacement
    the payer applies to its original, bill nothing new. The same code on the same date by the same
    provider is the duplicate edits' finding (DUP001, DUP002), not a second service. A limit that names
    a diagnosis (80061 screening with Z13.6) counts only services whose diagnoses include it: the
    diagnoses a batch line points to, the claim's diagnoses for an earlier run (runs written before
    billed lines kept them count nothing there). A limit of `months` full months is broken by an
    earlier service unless the later date falls on or after the first day of the month `months + 1`
    months after the earlier one's month ("at least 11 full months have passed following the month").
    """
    limits = ctx.references.get(TABLE).rows.lazy()
    frequency = pl.col("claim.frequency_code").str.strip_chars().fill_null("1")
    lines = frame.filter((frequency != "8") & ~restates_original()).select(
        *ROW,
        pl.col("claim.patient_id").alias("patient"),
        pl.col("claim.payer_id").alias("payer"),
        pl.col("line.procedure_code").alias("code"),
        pl.col("line.service_date").alias("date"),
        pl.coalesce("claim.rendering_npi", "claim.billing_npi").alias("provider"),
        pl.col("line.pointed_diagnoses").alias("diagnoses"),
        pl.col("claim.claim_id").alias("claim_id"),
        pl.col("line.line_number").cast(pl.Int64).alias("line_number"),
        pl.lit(None, pl.Date).alias("run"),
    )
    counted = limits.select(pl.col("counted_code").alias("code")).unique()
    services = [lines.join(counted, on="code", how="semi").select(SERVICE)]
    history = earlier_runs(ctx)
    if history is not None:
        services.append(
            history.join(counted, left_on="procedure_code", right_on="code", how="semi").select(
                pl.col("patient_id").alias("patient"),
                pl.col("payer_id").alias("payer"),
                pl.col("procedure_code").alias("code"),
                pl.col("service_date").alias("date"),
                pl.col("provider_npi").alias("provider"),
                pl.col("diagnosis_codes").alias("diagnoses"),
                pl.col("claim_id"),
                pl.col("line_number").cast(pl.Int64),
                pl.col("billed_in_run").alias("run"),
            )
        )
    earlier = pl.concat(services, how="vertical_relaxed").select(pl.all().name.prefix("e_"))
    checked = (
        lines.join(limits, on="code", how="inner")
        .filter(pl.col("date").is_between(pl.col(VALID_FROM), pl.col(VALID_TO)))
        .filter(_has_diagnosis(pl.col("diagnoses"), pl.col("diagnosis")))
    )
    lifetime = pl.col("period") == "lifetime"
    first, last = pl.min_horizontal("date", "e_date"), pl.max_horizontal("date", "e_date")
    same_claim = pl.col("e_claim_id") == pl.col("claim_id")
    before = (
        pl.col("e_run").is_not_null()
        | (pl.col("e_date") < pl.col("date"))
        | (
            (pl.col("e_date") == pl.col("date"))
            & (
                (pl.col("e_claim_id") < pl.col("claim_id"))
                | same_claim & (pl.col("e_line_number") < pl.col("line_number"))
            )
        )
    )
    conflicts = (
        checked.join(
            earlier,
            left_on=["patient", "payer", "counted_code"],
            right_on=["e_patient", "e_payer", "e_code"],
            how="inner",
        )
        .filter(
            before,
            ~((pl.col("e_date") == pl.col("date")) & (pl.col("counted_code") == pl.col("code")))
            | (pl.col("e_provider") != pl.col("provider")),
            _has_diagnosis(pl.col("e_diagnoses"), pl.col("diagnosis")),
            lifetime | (last < _months_later(first, pl.col("months") + 1)),
        )
        .with_columns(
            pl.when(~lifetime).then(_months_later(pl.col("e_date"), pl.col("months") + 1)).alias("next_allowed"),
            (pl.len().over(*ROW, "counted_code") >= pl.col("times")).alias("over"),
        )
        .filter("over")
    )
    where = pl.concat_str(
        pl.lit("claim "),
        "e_claim_id",
        pl.lit(" line "),
        "e_line_number",
        pl.when(pl.col("e_run").is_null())
        .then(pl.lit(" of this batch"))
        .otherwise(pl.concat_str(pl.lit(", run of "), pl.col("e_run").cast(pl.String))),
    )
    # The service to name: a lifetime limit first (never payable again), then the latest date payable again.
    worst = (
        conflicts.sort(*ROW, lifetime, "next_allowed", descending=[False, True, True], nulls_last=False)
        .group_by(*ROW, maintain_order=True)
        .first()
        .select(
            *ROW,
            pl.lit(True).alias("freq.over_limit"),
            lifetime.alias("freq.lifetime"),
            where.alias("freq.previous"),
            pl.col("e_claim_id").alias("freq.previous_claim_id"),
            pl.col("counted_code").alias("freq.previous_code"),
            pl.col("e_date").alias("freq.previous_date"),
            pl.col("e_run").alias("freq.previous_run_date"),
            pl.col("next_allowed").alias("freq.next_allowed"),
            pl.col("limit").alias("freq.limit"),
            pl.col("source").alias("freq.source"),
        )
    )
    return frame.join(worst, on=ROW, how="left", maintain_order="left").with_columns(
        pl.col("freq.over_limit").fill_null(False), pl.col("freq.lifetime").fill_null(False)
    )


FAMILY = Family(
    namespace="freq",
    requires="history",
    scopes=("line",),
    columns={
        "freq.over_limit": "an earlier service of the patient at the payer (any provider; earlier runs, or a line"
        " of the batch before this one) puts the line over its code's limit in the frequency_limits table",
        "freq.lifetime": "the limit broken is a once-per-lifetime one: the code is never payable again",
        "freq.previous": "that earlier service: 'claim C1 line 2 of this batch', 'claim C7 line 1, run of 2026-03-09'",
        "freq.previous_claim_id": "its claim",
        "freq.previous_code": "its code",
        "freq.previous_date": "its date of service",
        "freq.previous_run_date": "the date of the earlier run that billed it (null: this batch)",
        "freq.next_allowed": "the first date of service the code is payable again (null: never)",
        "freq.limit": "the limit in plain words, as the table states it",
        "freq.source": "the policy the limit comes from",
    },
    reads=frozenset(
        RESTATES_READS
        | {
            LINE_ROW,
            "claim.patient_id",
            "claim.payer_id",
            "claim.claim_id",
            "claim.rendering_npi",
            "claim.billing_npi",
            "line.procedure_code",
            "line.service_date",
            "line.line_number",
            "line.pointed_diagnoses",
        }
    ),
    add=_frequency,
)
