"""A night scrubbed in patient shards on local processes writes exactly the files of one run.

The driver cuts the batch and the earlier runs' billed lines by patient into shard folders,
each one is scrubbed by `scrubber shard-run` in its own process, and the findings are merged
before the same summary, fix list, workbook and billed lines are written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from scrubber.batch import load_batch
from scrubber.cli import cli
from scrubber.engine.context import RunContext
from scrubber.lock import lock_path
from scrubber.pipeline import run, scrub
from scrubber.shard import local
from scrubber.shard.contract import FINDINGS, MANIFEST, Manifest, ShardFailedError
from scrubber.shard.cut import cut
from scrubber.shard.driver import ShardPlan
from scrubber.versioning import rules_version
from tests.conftest import DEMO, DEMO_AS_OF, REPO
from tests.shard_support import assert_same_outputs, scrub_second_night, two_nights


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    return two_nights(tmp_path_factory.mktemp("practice"))


@pytest.fixture(scope="module")
def one_process(nights, tmp_path_factory, rulebook) -> Path:
    return scrub_second_night(nights, tmp_path_factory.mktemp("one"), rulebook)


def test_the_demo_in_three_shards_on_two_processes_writes_the_files_of_one_run(tmp_path, rulebook):
    one = run(DEMO, tmp_path / "one" / "demo", DEMO_AS_OF, rulebook).out_dir
    sharded = run(DEMO, tmp_path / "sharded" / "demo", DEMO_AS_OF, rulebook, shards=ShardPlan(workers=2, shards=3))
    assert_same_outputs(one, sharded.out_dir)


def test_a_second_night_in_shards_flags_the_services_billed_the_night_before_exactly_as_one_run(
    nights, one_process, tmp_path, rulebook
):
    sharded = scrub_second_night(nights, tmp_path, rulebook, ShardPlan(workers=2, shards=4))
    assert_same_outputs(one_process, sharded)
    findings = pl.read_parquet(sharded / "findings.parquet").filter(pl.col("rule_id") == "DUP002")
    # Billed again under a new id: flagged against the first night's claim. Resent under its own id: not.
    assert findings.height > 50
    assert findings.get_column("claim_id").str.starts_with("R").all()


def test_a_killed_shard_is_started_again_and_the_night_is_the_same(
    nights, one_process, tmp_path, rulebook, monkeypatch
):
    # Each shard's first process is killed (SIGKILL) before it reads anything; the second one runs it.
    kill_first = (
        "import os, signal, sys; d = sys.argv[1]; m = os.path.join(d, 'killed-once'); "
        "os.path.exists(m) or (open(m, 'w').close(), os.kill(os.getpid(), signal.SIGKILL)); "
        "os.execv(sys.executable, [sys.executable, '-m', 'scrubber', 'shard-run', *sys.argv[1:]])"
    )
    monkeypatch.setattr(local, "SHARD_COMMAND", [sys.executable, "-c", kill_first])
    sharded = scrub_second_night(nights, tmp_path, rulebook, ShardPlan(workers=2, shards=2))
    assert_same_outputs(one_process, sharded)


def test_a_shard_that_keeps_failing_fails_the_run_with_exit_1_writing_nothing_and_releasing_the_lock(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(local, "SHARD_COMMAND", [sys.executable, "-c", "import sys; sys.exit('disk full')"])
    out = tmp_path / "reports" / "night"
    stage = tmp_path / "stage"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(DEMO),
            "--as-of",
            DEMO_AS_OF.isoformat(),
            "--out",
            str(out),
            "--workers",
            "2",
            "--stage",
            str(stage),
        ],
    )
    assert result.exit_code == ShardFailedError.exit_code == 1
    assert f"failed {local.RETRIES + 1} times; the last: disk full" in result.output
    assert not out.exists() and not lock_path(out).exists()
    assert list(stage.iterdir()) == []  # the shard folders (patient data) are gone too


@pytest.fixture
def demo_shards(tmp_path, rulebook) -> list[Path]:
    """The demo cut into two shard folders, as the driver leaves them for any scheduler."""
    version = rules_version(rulebook.source.rules_dir, rulebook.source.profiles_dir)
    folders = []

    def cut_only(rule_ids: list[str], ctx: RunContext) -> list[pl.DataFrame]:
        folders.extend(cut(ctx, rule_ids, 2, version, tmp_path))
        return []

    scrub(load_batch(DEMO), rulebook, DEMO_AS_OF, groups=cut_only)
    return folders


def test_shard_run_scrubs_one_shard_folder_on_its_own(demo_shards):
    result = subprocess.run(
        [sys.executable, "-m", "scrubber", "shard-run", str(demo_shards[0])], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads((demo_shards[0] / "stats.json").read_text())
    assert stats["findings"] == pl.read_parquet(demo_shards[0] / FINDINGS).height > 0


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("rules_version", "0123abcd+ffffffffffff", "cut for rules 0123abcd+ffffffffffff"),
        ("libraries", {"polars": "0.20.0"}, "polars 0.20.0"),
    ],
)
def test_shard_run_refuses_a_shard_cut_for_other_rules_or_libraries_with_exit_2(demo_shards, field, value, said):
    manifest = json.loads((demo_shards[0] / MANIFEST).read_text())
    manifest[field] = value if field != "libraries" else manifest[field] | value
    (demo_shards[0] / MANIFEST).write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli, ["shard-run", str(demo_shards[0])])
    assert result.exit_code == 2
    assert said in result.output
    assert not (demo_shards[0] / FINDINGS).exists()


def test_the_manifest_names_the_as_of_date_the_cut_and_the_library_versions(demo_shards):
    manifest = Manifest.read(demo_shards[1])
    assert (manifest.as_of, manifest.shard, manifest.shards) == (DEMO_AS_OF.isoformat(), 1, 2)
    assert {"claim-scrubber", "polars", "pyarrow", "python"} <= set(manifest.libraries)


def test_a_local_sharded_run_never_imports_ray(tmp_path):
    code = (
        "import sys; from scrubber.cli import main; sys.argv = ['scrubber', 'run', sys.argv[1], '--as-of', "
        f"'{DEMO_AS_OF.isoformat()}', '--out', sys.argv[2], '--workers', '2']\n"
        "try:\n    main()\nfinally:\n    assert 'ray' not in sys.modules, 'ray imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(DEMO), str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
