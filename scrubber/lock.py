"""One run at a time per output folder.

Cron starts the next night's run whether or not the last one finished, and two
runs writing one report folder would interleave their files. A run holds an
exclusive `flock` on `.<folder>.lock` beside the output folder for its whole
length; the kernel drops the lock when the process ends, however it ends, so a
run killed with SIGKILL never blocks the next one. The file also says who holds
it (pid, host, start time) for the message a second run prints, and a lock file
still holding that text when its lock is free is the sign of a run that died.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scrubber.errors import RunInProgressError

ATTEMPTS = 5  # a lock file unlinked by a finishing run between our open and flock is retried


def lock_path(out_dir: Path) -> Path:
    """Beside the folder, not in it: the folder itself is replaced when a run completes."""
    out_dir = Path(out_dir)
    return out_dir.parent / f".{out_dir.name}.lock"


@contextmanager
def run_lock(out_dir: Path, on_stale: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the output folder's lock, or raise RunInProgressError at once if another run holds it."""
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, Path(out_dir))
    try:
        left = _read(fd)
        if left:
            on_stale(f"{Path(out_dir)}: taking over the lock of a run that stopped without finishing ({left})")
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder().encode(), 0)
        yield
    finally:
        # Unlink while still holding the lock: a run that opened the old file sees it was
        # replaced (_acquire compares inodes) and starts over on a fresh one.
        path.unlink(missing_ok=True)
        os.close(fd)


def _acquire(path: Path, out_dir: Path) -> int:
    for _ in range(ATTEMPTS):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd) or "starting"
            os.close(fd)
            raise RunInProgressError(
                f"{out_dir}: another scrubber run is writing this folder ({holder}); "
                "this run stopped without touching it"
            ) from None
        try:
            same_file = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            return fd
        os.close(fd)
    raise RunInProgressError(
        f"{out_dir}: the run lock {path} keeps changing hands; another run is starting or finishing"
    )


def _holder() -> str:
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return f"pid {os.getpid()} on {socket.gethostname()}, started {started}"


def _read(fd: int) -> str:
    return os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
