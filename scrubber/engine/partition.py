"""Splitting a large batch by patient, so the rule pack runs in bounded memory.

Every edit that compares claims (NCCI pairs, per-day MUE units, duplicates, visits,
earlier runs) compares claims of one patient, so running the pack on groups of
patients and concatenating the findings gives exactly the findings of one run over
the whole batch; only the scopes of one group are held in memory at a time.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from scrubber.batch import Batch

LINES_PER_PART = 1_500_000  # about 3.5 GiB of scopes for the full pack on the 2-core, 24 GiB target


def part_count(batch: Batch) -> int:
    return max(1, -(-batch.claim_lines.height // LINES_PER_PART))


def _part(column: str, parts: int) -> pl.Expr:
    return pl.col(column).fill_null("").hash(seed=20260901) % parts


def split(batch: Batch, parts: int) -> list[Batch]:
    """The batch as `parts` batches of whole patients (load issues are run apart, over the whole batch)."""
    if parts <= 1:
        return [batch]
    claims = batch.claims.with_columns(_part("patient_id", parts).alias("_part"))
    lines = batch.claim_lines.join(claims.select("claim_id", "_part").unique("claim_id", keep="first"), on="claim_id", how="inner")
    patients = batch.patients.with_columns(_part("patient_id", parts).alias("_part"))
    encounters = None if batch.encounters is None else batch.encounters.with_columns(_part("patient_id", parts).alias("_part"))
    return [
        replace(
            batch,
            claims=claims.filter(pl.col("_part") == k).drop("_part"),
            claim_lines=lines.filter(pl.col("_part") == k).drop("_part"),
            patients=patients.filter(pl.col("_part") == k).drop("_part"),
            encounters=None if encounters is None else encounters.filter(pl.col("_part") == k).drop("_part"),
            issues=batch.issues.clear(),
        )
        for k in range(parts)
    ]
