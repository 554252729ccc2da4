"""`addon.`: the other codes one practitioner billed a patient on an add-on code's date, for the add-on edits."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family, earlier_runs

GROUP = ["claim.patient_id", "claim.payer_id", "addon.provider_npi", "line.service_date"]


# The tables that say which codes are add-on codes: only their lines' days are gathered.
ADD_ON_TABLES = ("ncci_add_on", "add_on_policy")


def _same_day_codes(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """For an add-on code's line, the other codes billed for the patient to the payer by the same practitioner that day.

    NCCI pays an add-on code only with a primary code by the same practitioner for the same patient
    on the same date: the practitioner is the rendering NPI, else the billing NPI (as for the MUE day
    count). Other claims of the batch and earlier runs count (a claim resent tonight only once); a
    void bills nothing. Only the days of lines billing a code the add-on tables list are gathered
    (a few in a hundred lines); other lines get an empty list.
    """
    add_on_codes = pl.concat([ctx.references.get(name).rows.get_column("add_on_code") for name in ADD_ON_TABLES])
    keyed = frame.with_columns(
        pl.coalesce("claim.rendering_npi", "claim.billing_npi").alias("addon.provider_npi"),
        (pl.col("claim.frequency_code").str.strip_chars().fill_null("1") != "8").alias("addon.billed"),
    )
    days = keyed.filter(pl.col("line.procedure_code").is_in(add_on_codes.unique().implode())).select(GROUP).unique()
    sources = [keyed.filter("addon.billed").select(*GROUP, "line.procedure_code")]
    history = earlier_runs(ctx)
    if history is not None:
        sources.append(
            history.select(
                pl.col("patient_id").alias(GROUP[0]),
                pl.col("payer_id").alias(GROUP[1]),
                pl.col("provider_npi").alias(GROUP[2]),
                pl.col("service_date").alias(GROUP[3]),
                pl.col("procedure_code").alias("line.procedure_code"),
            )
        )
    codes = (
        pl.concat([source.join(days, on=GROUP, how="semi") for source in sources], how="vertical_relaxed")
        .group_by(GROUP)
        .agg(pl.col("line.procedure_code").drop_nulls().unique().sort().alias("_addon_codes"))
    )
    return (
        keyed.join(codes, on=GROUP, how="left", maintain_order="left")
        .with_columns(
            # No add-on code is its own primary (CMS's table lists none), so the line's own code is left out.
            pl.col("_addon_codes")
            .fill_null(pl.lit([], pl.List(pl.String)))
            .list.set_difference(pl.concat_list("line.procedure_code"))
            .alias("addon.other_codes_same_day")
        )
        .drop("_addon_codes")
    )


FAMILY = Family(
    namespace="addon",
    requires=None,
    scopes=("line",),
    columns={
        "addon.provider_npi": "the practitioner an add-on code is paired with its primary for: rendering NPI, else"
        " billing NPI",
        "addon.billed": "the line bills a service (not on a void, frequency 8)",
        "addon.other_codes_same_day": "on a line billing an add-on code (tables ncci_add_on, add_on_policy): the"
        " other codes billed for the patient to the claim's payer by that practitioner on the line's date, on"
        " every claim of the batch (voids left out) and of earlier runs; empty on other lines",
    },
    reads=frozenset(
        {
            "claim.patient_id",
            "claim.payer_id",
            "claim.rendering_npi",
            "claim.billing_npi",
            "claim.frequency_code",
            "line.service_date",
            "line.procedure_code",
        }
    ),
    add=_same_day_codes,
)
