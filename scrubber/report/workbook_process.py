"""worklist.xlsx written by a process of its own, started while the rules run.

The workbook writer (rust_xlsxwriter) holds Python's interpreter lock for much of its work, so in a thread
beside the fix list it held the page back: at 1M lines the cards took 0.2 s alone and 1.0-1.2 s beside it.
A process started before it is needed has imported Polars and the writer by the time the rows exist (the
cost that made an earlier second process lose: 0.5 s of start-up on the critical path). The rows travel as
an Arrow file in the run's staging folder (owner-only), removed once the workbook is written.

    python -m scrubber.report.workbook_process   # reads one command line of JSON on stdin, then exits
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from scrubber.report.worklist import write_workbook

ROWS_FILE = ".worklist_rows.arrow"
# The child's command line; a test puts a failing one here.
COMMAND = [sys.executable, "-m", __name__]
# The package's folder, so the child imports this scrubber however the parent found it.
SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


class WorkbookProcess:
    """One workbook, written by a child process started now and told what to write by `write`; leaving its
    `with` block stops the child."""

    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
        self._child = subprocess.Popen(
            COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
            text=True,
        )
        self._rows: Path | None = None

    def __enter__(self) -> WorkbookProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def returncode(self) -> int | None:
        """The child's exit status; None while it runs."""
        return self._child.poll()

    def write(self, path: Path, rows: pl.DataFrame, left_out: int, as_of: dt.date) -> None:
        """Hand the rows over (worklist.worklist_rows: the most urgent claims, and how many are left out); the
        child writes the workbook at `path` while the caller goes on."""
        self._rows = path.with_name(ROWS_FILE)
        rows.write_ipc(self._rows, compression="uncompressed")  # 48,000 rows at 1M lines: a few ms
        command = {"path": str(path), "rows": str(self._rows), "left_out": left_out, "as_of": as_of.isoformat()}
        with contextlib.suppress(BrokenPipeError):  # the child has died: finish() says how
            self._child.stdin.write(json.dumps(command) + "\n")
            self._child.stdin.close()

    def finish(self) -> None:
        """Wait for the workbook; the child's error, if any, is raised here, naming the file."""
        error = self._child.stderr.read()
        self._child.wait()
        if self._rows is not None:
            self._rows.unlink(missing_ok=True)
        if self.returncode:
            last = error.strip().splitlines()[-1:] or [f"exit status {self.returncode}"]
            raise OSError(f"worklist.xlsx not written: {last[0]}")

    def stop(self) -> None:
        """End the child, killing it if it still runs: the run is ending without its outputs (an error,
        SIGTERM), and nothing may write into the folder after it."""
        if self.returncode is None:
            self._child.kill()
        self._child.wait()
        self._child.stderr.close()
        if self._rows is not None:
            self._rows.unlink(missing_ok=True)


def main() -> int:
    line = sys.stdin.readline()
    if not line:
        return 0  # the run ended before its outputs
    command = json.loads(line)
    try:
        rows = pl.read_ipc(command["rows"])
        as_of = dt.date.fromisoformat(command["as_of"])
        write_workbook(Path(command["path"]), rows, command["left_out"], as_of)
    except Exception as exc:  # the parent raises it; type and message only, never the rows
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
