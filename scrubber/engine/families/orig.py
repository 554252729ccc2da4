"""`orig.`: the earlier claim a replacement or void restates."""

from __future__ import annotations

import polars as pl

from scrubber.billing import restates_claim
from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family


def _original_reference(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    return frame.with_columns(
        restates_claim().alias("orig.restates_claim"),
        pl.col("claim.payer_claim_number").alias("orig.payer_claim_number"),
    )


FAMILY = Family(
    namespace="orig",
    requires="claims.payer_claim_number",
    scopes=("claim",),
    columns={
        "orig.restates_claim": "the claim is a replacement (frequency 7) or void (8) of an earlier claim",
        "orig.payer_claim_number": "the payer's claim number of that earlier claim (claims.payer_claim_number)",
    },
    reads=frozenset({"claim.frequency_code", "claim.payer_claim_number"}),
    add=_original_reference,
)
