"""A run's output folder appears whole or not at all.

Files are written into a temporary sibling folder readable by the owner only
(they hold patient identifiers), flushed to disk, and moved into place at the
end, so a killed run never leaves a half-written report where a biller would
open it. The folder's run lock (scrubber.lock) must be held: entering also
clears what a killed run left behind.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL = ".partial"


def previous_path(out_dir: Path) -> Path:
    """Where the last complete result waits while the new one is moved into place."""
    return out_dir.with_name(f".{out_dir.name}.previous")


def recover(out_dir: Path) -> None:
    """Undo what a run killed mid-way left: staging folders, and a result moved aside but not replaced."""
    out_dir = Path(out_dir)
    for stale in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*{PARTIAL}"):
        shutil.rmtree(stale, ignore_errors=True)
    previous = previous_path(out_dir)
    if previous.is_dir():
        if out_dir.exists():
            shutil.rmtree(previous, ignore_errors=True)
        else:
            previous.rename(out_dir)


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=PARTIAL, dir=out_dir.parent))
    os.chmod(staging, 0o700)
    try:
        yield staging
        _seal(staging)
        previous = None
        if out_dir.exists():
            previous = previous_path(out_dir)
            out_dir.rename(previous)
        staging.rename(out_dir)
        _sync_dir(out_dir.parent)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _seal(folder: Path) -> None:
    """Owner-only and on disk before the rename, so a crash after it cannot expose empty files."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(Path(root) / name, 0o700)
        for name in files:
            path = Path(root) / name
            os.chmod(path, 0o600)
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
