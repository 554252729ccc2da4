"""`hist.`: the same service billed on another claim in an earlier run (reports/ history)."""

from __future__ import annotations

import polars as pl

from scrubber.billing import IDENTITY, service_identity
from scrubber.engine.context import RunContext
from scrubber.engine.families.base import RESTATES_READS, SERVICE, Family, earlier_runs, restates_original


def _billed_before(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
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
    identity = keyed.select(
        *[pl.col(k).alias(name) for k, name in zip(keys, IDENTITY, strict=True)],
        pl.col("claim.claim_id").alias("_claim"),
    )
    earlier = (
        identity.unique()
        .join(earlier_runs(ctx), on=IDENTITY, how="inner")
        .group_by(*IDENTITY, "_claim")
        .agg(
            pl.col("claim_id").sort_by("billed_in_run", "claim_id").first().alias("hist.previous_claim_id"),
            pl.col("billed_in_run").min().alias("hist.previous_run_date"),
        )
    )
    return (
        keyed.join(
            earlier,
            left_on=[*keys, "claim.claim_id"],
            right_on=[*IDENTITY, "_claim"],
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("hist.previous_claim_id").is_not_null().alias("hist.billed_before"))
        .drop(keys)
    )


FAMILY = Family(
    namespace="hist",
    requires="history",
    scopes=("line",),
    columns={
        "hist.billed_before": "the same payer/member/patient/code/date/provider/modifiers/NDC was billed on another"
        " claim in an earlier run (never true of a replacement or void the payer applies to its original)",
        "hist.previous_claim_id": "that earlier claim",
        "hist.previous_run_date": "the date of the earlier run",
    },
    reads=frozenset(SERVICE | RESTATES_READS | {"claim.claim_id"}),
    add=_billed_before,
)
