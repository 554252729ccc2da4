"""Two nights of a generated practice scrubbed in one process: what every shard backend must reproduce exactly."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl

from bench.generate import generate, write_batch
from scrubber.pipeline import run
from scrubber.shard.driver import ShardPlan

FIRST_NIGHT = dt.date(2026, 9, 1)
SECOND_NIGHT = dt.date(2026, 9, 2)
OUTPUTS = {"findings.parquet", "findings.csv", "summary.json", "fix_list.html", "billed_lines.parquet", "worklist.xlsx"}


def two_nights(root: Path, lines: int = 3000) -> tuple[Path, Path]:
    """Night one's batch, and night two: the same claims where every other one is billed again under a new id
    (DUP002 and the other history edits fire on those) and the rest are resent under their own ids (which the
    history must not count)."""
    tables = {name: frame for name, frame in generate(lines, seed=7).items() if name != "defects"}
    first = write_batch(tables, root / "night1", "parquet")
    renamed = pl.col("claim_id").str.slice(1).cast(pl.Int64) % 2 == 0
    new_id = pl.when(renamed).then(pl.lit("R") + pl.col("claim_id")).otherwise(pl.col("claim_id")).alias("claim_id")
    again = {
        name: frame.with_columns(new_id) if "claim_id" in frame.columns else frame for name, frame in tables.items()
    }
    return first, write_batch(again, root / "night2", "parquet")


def scrub_second_night(nights: tuple[Path, Path], root: Path, rulebook, plan: ShardPlan | None = None) -> Path:
    """Night two scrubbed beside a run of night one (its history), under root."""
    first, second = nights
    earlier = nights[0].parent / "reports" / FIRST_NIGHT.isoformat()
    if not earlier.is_dir():
        run(first, earlier, FIRST_NIGHT, rulebook)
    shutil.copytree(earlier, root / FIRST_NIGHT.isoformat())
    out = root / SECOND_NIGHT.isoformat()
    run(second, out, SECOND_NIGHT, rulebook, shards=plan)
    return out


def assert_same_outputs(expected: Path, actual: Path) -> None:
    names = {p.name for p in expected.iterdir()}
    assert names >= OUTPUTS
    assert {p.name for p in actual.iterdir()} == names
    for name in sorted(names):
        assert (actual / name).read_bytes() == (expected / name).read_bytes(), name
