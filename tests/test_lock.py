"""One run at a time per output folder: the second exits 3 at once, a dead run's lock is taken over."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from scrubber.errors import RunInProgressError
from scrubber.lock import lock_path, run_lock
from tests.conftest import DEMO, DEMO_AS_OF, REPO


def scrubber_run(out, *extra):
    return subprocess.run(
        [sys.executable, "-m", "scrubber", "run", str(DEMO), "--as-of", DEMO_AS_OF.isoformat(),
         "--out", str(out), *extra],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip


def test_a_second_run_on_the_same_folder_exits_3_at_once_and_touches_nothing(tmp_path):
    out = tmp_path / "2026-09-14"
    with run_lock(out):  # the first run, still writing
        started = time.monotonic()
        second = scrubber_run(out)
        elapsed = time.monotonic() - started
    assert second.returncode == 3
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "another scrubber run is writing this folder" in lines[0] and "pid " in lines[0]
    assert second.stdout == ""
    assert not out.exists()
    assert elapsed < 10  # it does not wait for the first run, nor load the batch


def test_a_lock_left_by_a_killed_run_is_taken_over_with_a_warning(tmp_path):
    out = tmp_path / "2026-09-14"
    lock_path(out).write_text("pid 4242 on billing-01, started 2026-09-14T02:00:01-05:00")  # no process holds it
    result = scrubber_run(out)
    assert result.returncode == 0, result.stderr
    assert "taking over the lock of a run that stopped without finishing (pid 4242 on billing-01" in result.stderr
    assert (out / "summary.json").is_file()
    assert not lock_path(out).exists()  # released and removed when the run ends


def test_runs_on_different_folders_do_not_block_each_other(tmp_path):
    with run_lock(tmp_path / "2026-09-14"), run_lock(tmp_path / "2026-09-15"):
        pass


def test_the_lock_is_released_when_the_run_fails(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError), run_lock(out):
        raise ValueError("the batch could not be read")
    assert not lock_path(out).exists()
    with (
        run_lock(out),
        pytest.raises(RunInProgressError, match="another scrubber run is writing this folder"),
        run_lock(out),
    ):
        pass


def test_the_lock_file_is_owner_only_and_names_its_holder(tmp_path):
    out = tmp_path / "out"
    with run_lock(out):
        path = lock_path(out)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_text().startswith("pid ")
