"""Reading a batch folder (CONTRACT §1) into typed Polars tables.

Structural problems (a missing file or required column, a file that is not a
CSV table) stop the run with exit 2. Problems in single rows never do: the row is
kept, an unusable cell is read as null, and an entry in `Batch.issues` (see
batch/checks.py for the kinds) becomes a data-quality finding on the row's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from scrubber.batch.checks import ISSUE_KINDS, ISSUE_SCHEMA, MAX_CELL, TYPED, UNREADABLE, batch_issues, cell_issues
from scrubber.batch.csvfile import EXTRA, ROW, read_csv_text
from scrubber.batch.parse import parse, readable_as_text, to_text
from scrubber.batch.schema import POLARS_TYPE, TABLES, Table, empty_frame
from scrubber.errors import ScrubberInputError

__all__ = ["ISSUE_KINDS", "ISSUE_SCHEMA", "ROW", "Batch", "InputFile", "assemble", "empty_batch", "load_batch"]


@dataclass(frozen=True)
class InputFile:
    table: str
    path: str
    format: str
    rows: int
    transcoded: bool = False  # read as Windows-1252 because the bytes were not UTF-8


@dataclass
class Batch:
    claims: pl.DataFrame
    claim_lines: pl.DataFrame
    patients: pl.DataFrame
    eligibility: pl.DataFrame | None
    encounters: pl.DataFrame | None
    issues: pl.DataFrame
    inputs: list[InputFile] = field(default_factory=list)
    absent_columns: frozenset[str] = frozenset()  # optional columns a file lacked, as "table.column"

    def has(self, source: str) -> bool:
        """A table (`encounters`) or an optional column of one (`claims.payer_claim_number`) was given."""
        table = source.split(".", 1)[0]
        return getattr(self, table) is not None and source not in self.absent_columns


def load_batch(batch_dir: Path) -> Batch:
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise ScrubberInputError(f"{batch_dir}: batch folder not found")
    raw = {table.name: _read_raw(batch_dir, table) for table in TABLES}
    return assemble(raw)


def assemble(raw: dict[str, tuple[pl.DataFrame, InputFile] | None]) -> Batch:
    """Cast raw text tables to the contract's types and collect row-level issues."""
    typed: dict[str, pl.DataFrame | None] = {}
    files: dict[str, str] = {}
    issue_frames: list[pl.DataFrame] = []
    inputs: list[InputFile] = []
    absent: set[str] = set()
    for table in TABLES:
        entry = raw.get(table.name)
        if entry is None:
            typed[table.name] = None
            continue
        frame, source = entry
        inputs.append(source)
        absent |= {f"{table.name}.{c.name}" for c in table.columns if c.name not in frame.columns}
        if ROW not in frame.columns:
            frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        files[table.name] = Path(source.path).name  # findings quote the file name; the folder is in summary.json
        cast, issues = _cast(frame, table, files[table.name], source.transcoded)
        typed[table.name] = cast
        issue_frames.append(issues)
    issue_frames.append(batch_issues(typed, files))
    issues = pl.concat(issue_frames, how="vertical")
    return Batch(
        claims=typed["claims"].drop(ROW),
        claim_lines=typed["claim_lines"].drop(ROW),
        patients=typed["patients"].drop(ROW),
        eligibility=None if typed["eligibility"] is None else typed["eligibility"].drop(ROW),
        encounters=None if typed["encounters"] is None else typed["encounters"].drop(ROW),
        issues=issues.sort("file", "row", "column", "kind", nulls_last=True),
        inputs=inputs,
        absent_columns=frozenset(absent),
    )


def _read_raw(batch_dir: Path, table: Table) -> tuple[pl.DataFrame, InputFile] | None:
    candidates = [p for p in (batch_dir / f"{table.name}.parquet", batch_dir / f"{table.name}.csv") if p.is_file()]
    if len(candidates) > 1:
        raise ScrubberInputError(
            f"{batch_dir}: both {table.name}.parquet and {table.name}.csv are present; keep one so the batch is unambiguous"
        )
    if not candidates:
        if table.required:
            raise ScrubberInputError(f"{batch_dir / (table.name + '.csv')}: required file missing (or {table.name}.parquet)")
        return None
    path = candidates[0]
    try:
        if path.suffix == ".parquet":
            frame, transcoded = _read_parquet(path, table), False
        else:
            text = read_csv_text(path)
            frame, transcoded = text.frame, text.transcoded
    except OSError as exc:
        raise ScrubberInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    if missing:
        found = ", ".join(c for c in frame.columns if c not in (ROW, EXTRA)) or "no header"
        raise ScrubberInputError(f"{path}: required column {missing[0]!r} missing (found: {found})")
    return frame, InputFile(table.name, str(path), path.suffix.lstrip("."), frame.height, transcoded)


def _read_parquet(path: Path, table: Table) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # pyarrow and polars raise several types for a corrupt file
        raise ScrubberInputError(f"{path}: cannot be read as Parquet: {str(exc).splitlines()[0]}") from None
    columns = []
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        dtype = frame.schema[column.name]
        if not readable_as_text(dtype):
            raise ScrubberInputError(f"{path}: column {column.name!r} has type {dtype}, which cannot be read as {column.kind.value}")
        columns.append(to_text(pl.col(column.name), dtype).alias(column.name))
    return frame.with_columns(columns).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _cast(frame: pl.DataFrame, table: Table, file: str, transcoded: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    present = [c for c in table.columns if c.name in frame.columns]
    parsed = {}
    for column in present:
        raw = pl.col(column.name)
        # A runaway cell (a whole file pasted into one field) is reported, never carried into messages.
        usable = pl.when(raw.str.len_chars() <= MAX_CELL).then(raw)
        parsed[column.name] = parse(column.kind, usable)
    checked = frame.with_columns(
        [value.cast(POLARS_TYPE[c.kind]).alias(TYPED + c.name) for c, (value, _) in zip(present, parsed.values())]
        + [flag.fill_null(False).alias(UNREADABLE + name) for name, (_, flag) in parsed.items()]
    )
    issues = cell_issues(checked, table, file, transcoded)
    cast = checked.select(
        [pl.col(TYPED + c.name).alias(c.name) for c in present]
        + [pl.lit(None, POLARS_TYPE[c.kind]).alias(c.name) for c in table.columns if c.name not in frame.columns]
        + [pl.col(ROW)]
    ).select([c.name for c in table.columns] + [ROW])
    return cast, issues


def empty_batch() -> Batch:
    """A batch with every table present and empty: enough to list what rules can read."""
    tables = {table.name: empty_frame(table) for table in TABLES}
    return Batch(**tables, issues=pl.DataFrame(schema=ISSUE_SCHEMA))
