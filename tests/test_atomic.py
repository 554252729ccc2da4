"""A run killed at any moment leaves the previous complete report or nothing, never half of one.

The runs below are real `scrubber run` processes killed with SIGKILL (no cleanup handler runs) at
five points: after loading, half-way through writing, with every file written but not moved, between
moving the old report aside and the new one in, and after the move. The output folder must then hold
exactly the previous report's bytes or the new one's (or nothing in the instant between the two
renames); the next run recovers, takes over the lock and writes byte-identical findings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from scrubber.report.atomic import previous_path
from tests.conftest import DEMO, DEMO_AS_OF, REPO

# Kills its own process at the named stage, then runs the real command line.
KILLER = r"""
import os, signal, sys
from pathlib import Path
import scrubber.pipeline, scrubber.report.atomic as atomic, scrubber.report.write as write

stage, args = sys.argv[1], sys.argv[2:]
die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)

def after(function):
    def wrapped(*a, **k):
        result = function(*a, **k)
        die()
        return result
    return wrapped

if stage == "after_load":
    scrubber.pipeline.load_batch = after(scrubber.pipeline.load_batch)
elif stage == "mid_write":
    write.write_summary = die  # findings written into the staging folder, summary and fix list not yet
elif stage == "before_swap":
    atomic._seal = after(atomic._seal)
elif stage == "between_renames":
    rename = Path.rename
    def second_rename(self, target):
        if str(target).endswith(("/out", "\\out")) and ".partial" in self.name:
            die()
        return rename(self, target)
    Path.rename = second_rename
elif stage == "after_swap":
    rmtree = atomic.shutil.rmtree
    def kill_on_previous(path, *a, **k):
        if str(path).endswith(".previous"):
            die()
        return rmtree(path, *a, **k)
    atomic.shutil.rmtree = kill_on_previous
sys.argv = ["scrubber", "run", *args]
from scrubber.cli import main
main()
"""
STAGES = ["after_load", "mid_write", "before_swap", "between_renames", "after_swap"]
SAME_BYTES = ["findings.csv", "findings.parquet", "billed_lines.parquet", "worklist.xlsx"]


def scrubber_run(batch: Path, out: Path, stage: str | None = None) -> subprocess.CompletedProcess:
    args = [str(batch), "--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)]
    command = (
        [sys.executable, "-c", KILLER, stage, *args] if stage else [sys.executable, "-m", "scrubber", "run", *args]
    )
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def same_result(folder: Path, report: dict[str, bytes]) -> bool:
    """The same files, findings to the byte; summary.json equal but for the rules version (the checkout's
    commit, which moves when a rule is committed while the test runs)."""
    written = files(folder)
    summary = lambda raw: {k: v for k, v in json.loads(raw).items() if k != "rules_version"}  # noqa: E731
    return (
        written.keys() == report.keys()
        and all(written[n] == report[n] for n in SAME_BYTES)
        and summary(written["summary.json"]) == summary(report["summary.json"])
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Yesterday's report (batch A) and tonight's batch B (one claim fewer) with its report, each run once."""
    root = tmp_path_factory.mktemp("atomic")
    batch_a, batch_b = root / "batch_a", root / "batch_b"
    shutil.copytree(DEMO, batch_a)
    shutil.copytree(DEMO, batch_b)
    claims = pl.read_csv(batch_b / "claims.csv", infer_schema=False)
    claims.filter(pl.col("claim_id") != "C1001").write_csv(batch_b / "claims.csv")
    for name, batch in (("a", batch_a), ("b", batch_b)):
        assert scrubber_run(batch, root / name / "out").returncode == 0
    return root / "a" / "out", files(root / "b" / "out"), batch_b


@pytest.mark.parametrize("stage", STAGES)
def test_a_killed_run_leaves_the_previous_report_or_the_new_one_whole(stage, reports, tmp_path):
    report_a, report_b, batch_b = reports
    out = tmp_path / "out"
    shutil.copytree(report_a, out)
    before = files(out)

    killed = scrubber_run(batch_b, out, stage)
    assert killed.returncode == -9, killed.stderr

    if stage == "between_renames":
        assert not out.exists() and files(previous_path(out)) == before  # the one instant without a report
    elif stage == "after_swap":
        assert same_result(out, report_b)
    else:
        assert files(out) == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == (["out"] if out.exists() else [])

    if stage in ("mid_write", "between_renames"):
        rerun = scrubber_run(batch_b, out)
        assert rerun.returncode == 0, rerun.stderr
        assert "taking over the lock of a run that stopped without finishing" in rerun.stderr
        assert same_result(out, report_b)  # the rerun writes the findings byte for byte
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder, old report or lock left
