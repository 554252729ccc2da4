"""Writing a run's output folder: all files appear together, or none do.

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

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(p) for p in FORMULA_PREFIXES))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_columns
    )


def write_findings(folder: Path, findings: pl.DataFrame) -> None:
    findings.write_parquet(folder / "findings.parquet")
    spreadsheet_safe(findings).write_csv(folder / "findings.csv")
