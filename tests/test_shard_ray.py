"""The same night as Ray tasks on a local Ray cluster (2 CPUs) started and stopped here: the files of one run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli import cli
from scrubber.lock import lock_path
from scrubber.pipeline import run
from scrubber.shard import ray_backend
from scrubber.shard.contract import ShardFailedError, run_shard
from scrubber.shard.driver import ShardPlan
from tests.conftest import DEMO, DEMO_AS_OF
from tests.shard_support import assert_same_outputs, scrub_second_night, two_nights

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]' (CI's [test] has it)")


@pytest.fixture(scope="module")
def local_ray():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # patient data: no usage statistics, here as in the scrubber
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_a_second_night_as_ray_tasks_writes_the_files_of_one_run(local_ray, tmp_path, rulebook):
    nights = two_nights(tmp_path / "practice")
    one = scrub_second_night(nights, tmp_path / "one", rulebook)
    on_ray = scrub_second_night(nights, tmp_path / "ray", rulebook, ShardPlan(engine="ray", shards=3))
    assert_same_outputs(one, on_ray)
    assert ray.is_initialized()  # the scrubber leaves a Ray it did not start running


def test_scrubber_run_engine_ray_on_the_demo_with_the_default_cut(local_ray, tmp_path):
    one, on_ray = tmp_path / "one" / "demo", tmp_path / "ray" / "demo"
    args = ["run", str(DEMO), "--as-of", DEMO_AS_OF.isoformat(), "--out"]
    for out, flags in ((one, []), (on_ray, ["--engine", "ray", "--stage", str(tmp_path / "stage")])):
        result = CliRunner().invoke(cli, [*args, str(out), *flags])
        assert result.exit_code == 0, result.output
    assert_same_outputs(one, on_ray)
    assert list((tmp_path / "stage").iterdir()) == []


def test_a_ray_worker_that_dies_is_replaced_and_its_shard_run_again(local_ray, tmp_path, rulebook, monkeypatch):
    def die_once(folder: str, settings) -> dict:
        marker = Path(folder) / "died-once"
        if not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process is gone, as when a node is lost
        return run_shard(Path(folder), settings)

    monkeypatch.setattr(ray_backend, "_task", die_once)
    one = run(DEMO, tmp_path / "one" / "demo", DEMO_AS_OF, rulebook).out_dir
    on_ray = run(DEMO, tmp_path / "ray" / "demo", DEMO_AS_OF, rulebook, shards=ShardPlan(engine="ray", shards=2))
    assert_same_outputs(Path(one), on_ray.out_dir)


def test_a_shard_that_keeps_failing_on_ray_fails_the_run_and_writes_nothing(local_ray, tmp_path, rulebook, monkeypatch):
    tries = tmp_path / "tries"
    tries.mkdir()

    def always_fails(folder: str, settings) -> dict:
        (tries / str(len(list(tries.iterdir())))).touch()
        raise OSError("disk full")

    monkeypatch.setattr(ray_backend, "_task", always_fails)
    out = tmp_path / "reports" / "demo"
    with pytest.raises(ShardFailedError, match="disk full"):
        run(DEMO, out, DEMO_AS_OF, rulebook, shards=ShardPlan(engine="ray", shards=1))
    assert len(list(tries.iterdir())) == ray_backend.RETRIES + 1
    assert not out.exists() and not lock_path(out).exists()
