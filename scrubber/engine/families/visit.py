"""`visit.`: the payer an unbilled visit would go to, and that payer's limit for billing it."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family
from scrubber.engine.scopes import claim_scope


def latest_payer(claims: pl.LazyFrame, prefix: str = "claim.") -> pl.LazyFrame:
    """Each patient's payer on their latest claim (by last date of service, then claim id): `patient_id`,
    `visit.payer_id`. The engine reads it for ENC001's window and the fix list shows it as the visit's likely payer."""
    return claims.group_by(patient_id=pl.col(f"{prefix}patient_id")).agg(
        pl.col(f"{prefix}payer_id")
        .sort_by(f"{prefix}last_service_date", f"{prefix}claim_id", nulls_last=False)
        .last()
        .alias("visit.payer_id")
    )


def _visit_payer(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """The payer an unbilled visit would most likely go to: the patient's latest claim in the batch."""
    # The claim scope knows each claim's last date (already built when claim rules run).
    latest = latest_payer(claim_scope(ctx).filter(pl.col("claim.line_count") > 0))
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


FAMILY = Family(
    namespace="visit",
    requires="encounters",
    scopes=("encounter",),
    columns={
        "visit.payer_id": "the visit's claim's payer, else the payer of the patient's latest claim in the batch",
        "visit.unbilled_days_limit": "that payer's unbilled_encounter_days, else the default",
    },
    reads=frozenset({"encounter.patient_id", "encounter.claim_payer_id"}),
    add=_visit_payer,
)
