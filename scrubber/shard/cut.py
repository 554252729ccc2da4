"""The driver's cut: the batch and the earlier runs' billed lines into shard folders, by patient.

The batch is cut by engine/partition.py's own split (the same hash of patient_id as its groups), and the
history by the same expression over its patient_id, so a shard holds its patients' history and nobody
else's: every history edit joins on the patient.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.partition import patient_part, split
from scrubber.frames import HASH_SEED
from scrubber.shard.contract import TABLES, Manifest, library_versions, write_shard


def shard_name(k: int, shards: int) -> str:
    return f"shard-{k:05d}-of-{shards:05d}"


def cut(ctx: RunContext, rule_ids: list[str], shards: int, rules_version: str, stage: Path) -> list[Path]:
    """One folder per shard under stage, each complete with its manifest; their paths in shard order."""
    batch = ctx.batch
    history = None
    if ctx.history is not None:
        # Tonight's claims are resent, not billed again: every edit drops them from the history
        # (families.base.earlier_runs), and only the driver sees every claim of the batch.
        resent = batch.claims.lazy().select("claim_id").unique()
        history = (
            ctx.history.join(resent, on="claim_id", how="anti")
            .with_columns(patient_part("patient_id", shards))
            .collect()
        )
    common = {
        "as_of": ctx.as_of.isoformat(),
        "rules_version": rules_version,
        "libraries": library_versions(),
        "shards": shards,
        "hash_seed": HASH_SEED,
        "rules": rule_ids,
        "tables": [name for name in TABLES if getattr(batch, name) is not None],
        "absent_columns": sorted(batch.absent_columns),
        "history": history is not None,
    }
    folders = []
    for k, part in enumerate(split(batch, shards)):
        folder = stage / shard_name(k, shards)
        own = None if history is None else history.filter(pl.col("_part") == k).drop("_part")
        write_shard(folder, part, own, Manifest(shard=k, **common))
        folders.append(folder)
    return folders
