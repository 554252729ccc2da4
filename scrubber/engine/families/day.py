"""`day.`: a code's units per patient, provider and date (MUE), across lines, claims and earlier runs."""

from __future__ import annotations

import polars as pl

from scrubber.billing import IDENTITY, restates_claim, service_identity
from scrubber.engine.context import RunContext
from scrubber.engine.families.base import RESTATES_READS, SERVICE, Family, earlier_runs, restates_original, shares_key
from scrubber.engine.scopes import LINE_ROW


def _same_day_units(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """A code's units per patient, provider and date (MUE MAI 2 and 3), across lines, claims and earlier runs.

    CMS counts one provider's units (rendering NPI, else billing NPI) for one patient on one date of
    service; each payer counts its own claims, so the claim to a secondary payer adds nothing. A void
    (frequency 8) counts nothing; a replacement (7) the payer applies to its original stands for it, so
    the original's lines of that code that day (in this batch or an earlier run) are not counted; a line
    that repeats another exactly (DUP001's service identity and the same units) is the duplicate finding,
    not more units. Lines run in claim and line order after the earlier runs' units, so the finding falls
    on the line that takes the day past the limit. Only lines that share their key with another line or
    an earlier run are grouped.
    """
    row = [LINE_ROW]
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
    # A replacement the payer applies to its original (not Medicare Part B's, which is one more claim).
    replacing = restates_original() & (frequency == "7")
    replaced = replacing.any().over(group) & ~restates_claim()
    restated = keyed.filter(shares_key(group) | pl.col("_day_earlier_units").is_not_null())
    identity = [e.name.prefix("_dup_") for e in service_identity()]
    counted = (
        restated.with_columns(*identity, (frequency != "8").alias("_day_kept"))
        .with_columns((pl.col("_day_kept") & ~replaced).alias("_day_kept"))
        .sort("claim.claim_id", "line.line_number", *row)
        .with_columns(
            (
                pl.col("_day_kept")
                & (pl.col("_day_kept").cum_sum().over([*(f"_dup_{n}" for n in IDENTITY), "line.units"]) == 1)
            ).alias("_day_kept"),
            # A replacement restates what earlier runs billed too.
            pl.when(replacing.any().over(group))
            .then(None)
            .otherwise(pl.col("_day_earlier_units"))
            .alias("_day_earlier_units"),
        )
        .with_columns(
            pl.when("_day_kept").then(pl.col("line.units")).otherwise(0).alias("_day_own"), label.alias("_day_label")
        )
        .select(
            *row,
            "_day_kept",
            (pl.col("_day_own").cum_sum().over(group) + pl.col("_day_earlier_units").fill_null(0)).alias(
                "_day_through"
            ),
            (pl.col("_day_own").sum().over(group) + pl.col("_day_earlier_units").fill_null(0)).alias("_day_units"),
            (pl.col("_day_kept").sum().over(group) + pl.col("_day_earlier_lines").list.len().fill_null(0)).alias(
                "_day_lines"
            ),
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
        .drop(
            "_day_provider",
            "_day_kept",
            "_day_units",
            "_day_through",
            "_day_lines",
            "_day_others",
            "_day_earlier_units",
            "_day_earlier_lines",
        )
    )


def _earlier_units(ctx: RunContext, group: list[str]) -> pl.LazyFrame | None:
    """Units earlier runs billed per patient, provider, code and date, with the lines that billed them.

    Runs written before billed lines kept their units count nothing (a miss, never a false limit).
    """
    history = earlier_runs(ctx)
    if history is None:
        return None
    return history.group_by(
        pl.col("patient_id").alias(group[0]),
        pl.col("provider_npi").alias(group[1]),
        pl.col("procedure_code").alias(group[2]),
        pl.col("service_date").alias(group[3]),
        pl.col("payer_id").alias(group[4]),
    ).agg(
        pl.col("units").fill_null(0).sum().alias("_day_earlier_units"),
        pl.concat_str(
            pl.lit("claim "),
            "claim_id",
            pl.lit(" line "),
            "line_number",
            pl.lit(" (run of "),
            pl.col("billed_in_run").cast(pl.String),
            pl.lit(")"),
        ).alias("_day_earlier_lines"),
    )


FAMILY = Family(
    namespace="day",
    requires=None,
    scopes=("line",),
    columns={
        "day.provider_npi": "the provider the day's units are counted for: rendering NPI, else billing NPI",
        "day.units_same_code": "units of the code for the patient by that provider on that date, to the claim's "
        "payer: every counted line and claim of the batch and of earlier runs",
        "day.units_through_line": "the same, counting lines in claim and line order up to and including this one",
        "day.lines_same_code": "counted lines of the code for the patient by that provider on that date",
        "day.line_counted": "the line counts: not a void, not an original its replacement restates,"
        " not an exact duplicate",
        "day.other_lines": "the other counted lines of that day ('claim C1 line 2', earlier runs with their date)",
    },
    reads=frozenset(
        SERVICE
        | RESTATES_READS
        | {
            LINE_ROW,
            "claim.claim_id",
            "line.line_number",
            "claim.rendering_npi",
            "claim.billing_npi",
            "claim.payer_id",
            "line.units",
        }
    ),
    add=_same_day_units,
)
