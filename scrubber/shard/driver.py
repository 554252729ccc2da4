"""The driver's side: cut, run the shards on a backend, merge their findings into the run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.run import PatientGroups
from scrubber.paths import Settings
from scrubber.shard.contract import read_findings
from scrubber.shard.cut import cut

SHARD_LINES = 1_000_000  # the default cut: at least one shard per worker, and none much over a million lines


@dataclass(frozen=True)
class ShardPlan:
    engine: str = "local"  # local | ray
    workers: int | None = None  # local processes, or the CPUs of a local Ray (default: the cluster's)
    shards: int | None = None
    stage: Path | None = None  # shared staging folder (default: the system's temp folder, one machine only)
    address: str | None = None  # a Ray cluster (default: $RAY_ADDRESS)

    def backend(self):
        if self.engine == "ray":
            from scrubber.shard.ray_backend import RayBackend  # Ray is imported for --engine ray only

            return RayBackend(self.address, self.workers)
        from scrubber.shard.local import LocalBackend

        return LocalBackend(self.workers or 1)

    def groups(self, settings: Settings, rules_version: str, report: Callable[[list[dict]], None]) -> PatientGroups:
        """The hook engine.run_rules calls with the runnable per-patient rules; report gets each shard's stats."""

        def run(rule_ids: list[str], ctx: RunContext) -> list[pl.DataFrame]:
            backend = self.backend()
            try:
                lines = ctx.batch.claim_lines.height
                shards = self.shards or max(backend.slots(), -(-lines // SHARD_LINES))
                if self.stage is not None:
                    self.stage.mkdir(parents=True, exist_ok=True)
                # Owner-only (mkdtemp): the shard folders hold patient data. Removed however the run ends.
                stage = Path(tempfile.mkdtemp(prefix="scrubber-shards-", dir=self.stage))
                try:
                    folders = cut(ctx, rule_ids, shards, rules_version, stage)
                    report(backend.run(folders, settings))
                    return [read_findings(folder) for folder in folders]
                finally:
                    shutil.rmtree(stage, ignore_errors=True)
            finally:
                backend.close()

        return run
