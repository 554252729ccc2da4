"""What a cron job sees on stderr: nothing on success, one line per stage when asked, one line per failure.

Logs never carry a value from the batch: stage lines hold counts only, and library error text that
quotes cells is cut before it is printed.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time

import polars as pl
import pytest

from scrubber.logs import RunLog, redact
from tests.conftest import DEMO, DEMO_AS_OF, REPO

STAGE_LINE = re.compile(r"^scrubber: (rules|load|rules_run|write) \d+\.\d\ds( [a-z_]+=\d+)*$")
# The rules line also says which rule and profile folders the run used, and how they were found.
RULES_LINE = re.compile(r"^scrubber: rules \d+\.\d\ds \(rules_dir: \S+; profiles_dir: \S+; found: .+\)$")


def scrubber(*args, driver: str | None = None):
    command = [sys.executable, "-c", driver, *args] if driver else [sys.executable, "-m", "scrubber", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)


def identifiers() -> set[str]:
    """Every patient, member and claim id and birth date of the demo batch."""
    claims = pl.read_csv(DEMO / "claims.csv", infer_schema=False)
    patients = pl.read_csv(DEMO / "patients.csv", infer_schema=False)
    return set(claims["claim_id"]) | set(claims["patient_id"]) | set(claims["member_id"]) | set(patients["birth_date"])


def test_verbose_prints_one_line_per_stage_with_timings_and_no_identifiers(tmp_path):
    result = scrubber("run", str(DEMO), "--as-of", DEMO_AS_OF.isoformat(), "--out", str(tmp_path / "out"), "--verbose")
    assert result.returncode == 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split()[1] for line in lines] == ["rules", "load", "rules_run", "write", "done"]
    assert RULES_LINE.match(lines[0]) and f"rules_dir: {REPO / 'rules'};" in lines[0], lines[0]
    assert all(STAGE_LINE.match(line) for line in lines[1:-1]), lines
    assert f"claims_total={pl.read_csv(DEMO / 'claims.csv').height}" in lines[-1]
    assert not any(value in result.stderr for value in identifiers())


def test_json_lines_are_one_object_per_stage(tmp_path):
    result = scrubber(
        "run",
        str(DEMO),
        "--as-of",
        DEMO_AS_OF.isoformat(),
        "--out",
        str(tmp_path / "out"),
        "-v",
        "--log-format",
        "json",
    )
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [r["stage"] for r in records] == ["rules", "load", "rules_run", "write", "done"]
    assert all(r["level"] == "info" and "time" in r for r in records)
    assert all(isinstance(r["seconds"], float) for r in records[:-1])
    assert (
        records[0]["rules_dir"] == str(REPO / "rules")
        and records[0]["found"] == f"{REPO} (found upward from the working directory)"
    )
    load = records[1]
    assert load["claims"] == pl.read_csv(DEMO / "claims.csv").height and load["load_issues"] >= 1
    assert not any(value in result.stderr for value in identifiers())


def test_a_failure_is_one_json_line_with_the_exit_status(tmp_path):
    result = scrubber("run", str(tmp_path / "no-such-batch"), "--out", str(tmp_path / "out"), "--log-format", "json")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    record = json.loads(line)
    assert record["level"] == "error" and record["exit"] == 2 and "batch folder not found" in record["message"]


CRASH = r"""
import sys
import scrubber.pipeline
def broken(*args, **kwargs):
    raise KeyError("claim `C1001` of patient `P001`")
scrubber.pipeline.run_rules = broken
sys.argv = ["scrubber", "run", *sys.argv[1:]]
from scrubber.cli import main
main()
"""


def test_a_crash_is_one_line_without_batch_values_and_exit_1(tmp_path):
    result = scrubber(str(DEMO), "--out", str(tmp_path / "out"), driver=CRASH)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("scrubber: error: internal error (a bug; rerun with --verbose for the traceback): KeyError")
    assert "C1001" not in line and "P001" not in line
    # Nothing left: not the staging folder the billed lines were being written into while the rules ran.
    assert list(tmp_path.iterdir()) == []
    traced = scrubber(str(DEMO), "--out", str(tmp_path / "out"), "--verbose", driver=CRASH)
    assert "Traceback" in traced.stderr


STALL = r"""
import sys, time
from pathlib import Path
import scrubber.report.write as write
ready = Path(sys.argv[1])
def stall(folder, report, beside=None):
    (folder / "findings.csv").write_text("half")
    ready.touch()
    time.sleep(60)
write.write_outputs = stall
import scrubber.pipeline
scrubber.pipeline.write_outputs = stall
sys.argv = ["scrubber", "run", *sys.argv[2:]]
from scrubber.cli import main
main()
"""


def test_sigterm_stops_cleanly_leaving_no_staging_folder_and_no_lock(tmp_path):
    ready = tmp_path / "ready"
    out = tmp_path / "reports" / "out"
    process = subprocess.Popen(
        [sys.executable, "-c", STALL, str(ready), str(DEMO), "--out", str(out)],
        stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.strip() == "scrubber: error: stopped by SIGTERM; no output written, the previous report is untouched"
    assert list(out.parent.iterdir()) == []  # staging folder removed, lock released and removed


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, drawn", [(Terminal(), True), (io.StringIO(), False)])
def test_the_progress_bar_is_drawn_on_a_terminal_only(stream, drawn):
    log = RunLog(stream=stream, stages=2)
    with log.stage("load"):
        pass
    with log.stage("write"):
        pass
    log.finish({"claims_total": 3})
    assert ("[##########----------] 1/2 write" in stream.getvalue()) is drawn
    assert stream.getvalue().endswith("\r\033[K") is drawn
    assert stream.getvalue() == "" or drawn


def test_stage_lines_accept_counts_only():
    log = RunLog(verbose=True, stream=io.StringIO())
    with pytest.raises(TypeError, match="must be a number"), log.stage("load") as facts:
        facts["first_claim"] = "C1001"


def test_library_errors_lose_the_cells_they_quote():
    message = "conversion from `str` to `i64` failed in column 'units' for 1 out of 3 values: [\"P001-abc\"]"
    assert redact(message) == "conversion from … to … failed in column 'units' for 1 out of 3 values: …"
