"""`dup.`: each line's place among the lines of the batch billing the same service."""

from __future__ import annotations

import polars as pl

from scrubber.billing import IDENTITY, service_identity
from scrubber.engine.context import RunContext
from scrubber.engine.families.base import RESTATES_READS, SERVICE, Family, restates_original, shares_key
from scrubber.engine.scopes import LINE_ROW


def _duplicates(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """Each line's place among the lines billing the same service, first by claim id and line number.

    Only lines that may share their service are sorted and ranked (at 1M lines 0.1 s instead of 0.7 s).
    """
    original = ~restates_original()
    identity = [e.name.prefix("_dup_") for e in service_identity()]
    keys = [f"_dup_{name}" for name in IDENTITY]
    row = [LINE_ROW]
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


FAMILY = Family(
    namespace="dup",
    requires=None,
    scopes=("line",),
    columns={
        "dup.occurrence": "1 for the first line billing this payer/member/patient/code/date/provider/modifiers/NDC,"
        " 2 for the next ...; null on a replacement or void the payer applies to its original",
        "dup.first_claim_id": "claim of the first such line",
        "dup.first_line_number": "line number of the first such line",
    },
    reads=frozenset(SERVICE | RESTATES_READS | {"claim.claim_id", "line.line_number", LINE_ROW}),
    add=_duplicates,
)
