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

from scrubber.batch.checks import (
    ISSUE_KINDS,
    ISSUE_SCHEMA,
    MAX_CELL,
    TYPED,
    UNREADABLE,
    as_given,
    batch_issues,
    cell_issues,
    x12_issues,
)
from scrubber.batch.csvfile import EXTRA, FILE, ROW, read_csv_text
from scrubber.batch.parse import is_native, native_value, parse, readable_as_text, to_text
from scrubber.batch.schema import POLARS_TYPE, TABLES, Table, empty_frame
from scrubber.batch.x12 import X12Read, is_x12, read_837
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


X12_TABLES = ("claims", "claim_lines", "patients")  # what an 837 file carries; eligibility it does not
TABLE_FILES = {f"{t.name}.{suffix}" for t in TABLES for suffix in ("csv", "parquet")}
RawTable = tuple[pl.DataFrame, "InputFile | list[InputFile]"]


def load_batch(batch_dir: Path) -> Batch:
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise ScrubberInputError(f"{batch_dir}: batch folder not found")
    x12 = _read_x12_files(batch_dir)
    raw: dict[str, RawTable | None] = {}
    for table in TABLES:
        # With 837 files, claims, lines and patients may all come from them, and eligibility is optional
        # (its edits are then reported as not checked, never as passed).
        required = table.required and not (x12 and table.name in (*X12_TABLES, "eligibility"))
        entry = _read_raw(batch_dir, table, required)
        raw[table.name] = with_x12(entry, table, x12) if x12 and table.name in X12_TABLES else entry
    extra = [x12_issues(read.issues) for _, read in x12]
    if x12 and raw["claims"][0].height == 0:
        first = next((row for _, read in x12 for row in read.issues.iter_rows(named=True)), None)
        reason = f"{first['file']}: {first['message']}" if first else f"{x12[0][0]}: no claim could be read"
        raise ScrubberInputError(f"{batch_dir}: no claim in the batch could be read ({reason})")
    return assemble(raw, extra)


def _read_x12_files(batch_dir: Path) -> list[tuple[Path, X12Read]]:
    """Every file whose content starts with an ISA segment, whatever its name (.837, .x12, .edi, .txt ...)."""
    candidates = sorted(
        p for p in batch_dir.iterdir() if p.is_file() and p.name not in TABLE_FILES and not p.name.startswith(".")
    )
    found = []
    for path in candidates:
        try:
            if is_x12(path):
                found.append((path, read_837(path)))
        except OSError as exc:
            raise ScrubberInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return found


def with_x12(entry: RawTable | None, table: Table, x12: list[tuple[Path, X12Read]]) -> RawTable:
    """The table's CSV/Parquet rows (if any) and its rows from each 837 file, each row naming its file."""
    frames, inputs = ([entry[0]], [entry[1]]) if entry else ([], [])
    for path, read in x12:
        rows = getattr(read, table.name)
        position = (
            pl.col("source_segment").cast(pl.Int64) if "source_segment" in rows.columns else pl.lit(None, pl.Int64)
        )
        frames.append(rows.with_columns(pl.lit(path.name).alias(FILE), position.alias(ROW)))
        inputs.append(InputFile(table.name, str(path), "x12", rows.height))
    return pl.concat(frames, how="diagonal_relaxed"), inputs


def assemble(raw: dict[str, RawTable | None], extra_issues: list[pl.DataFrame] = ()) -> Batch:
    """Cast raw text tables to the contract's types and collect row-level issues.

    `raw` is consumed: each table's text frame is dropped as soon as it is cast, which lowers
    the peak memory of a large batch by about a fifth.
    """
    typed: dict[str, pl.DataFrame | None] = {}
    issue_frames: list[pl.DataFrame] = list(extra_issues)
    inputs: list[InputFile] = []
    absent: set[str] = set()
    for table in TABLES:
        entry = raw.pop(table.name, None)  # consumed: each raw text table is freed once cast
        if entry is None:
            typed[table.name] = None
            continue
        frame, sources = entry
        sources = sources if isinstance(sources, list) else [sources]
        inputs.extend(sources)
        absent |= {f"{table.name}.{c.name}" for c in table.columns if c.name not in frame.columns}
        if ROW not in frame.columns:
            frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        if FILE not in frame.columns:  # findings quote the file name; the folder is in summary.json
            frame = frame.with_columns(pl.lit(Path(sources[0].path).name).alias(FILE))
        transcoded = {Path(s.path).name for s in sources if s.transcoded}
        cast, issues = _cast(frame, table, transcoded)
        typed[table.name] = cast
        issue_frames.append(issues)
    issue_frames.append(batch_issues(typed))
    issues = pl.concat(issue_frames, how="vertical")
    claims = typed["claims"].with_columns(
        pl.col(FILE).alias("source_file"),
        pl.col(ROW).alias("source_position"),  # row in a CSV, CLM segment in an 837
    )
    return Batch(
        claims=claims.drop(ROW, FILE),
        claim_lines=typed["claim_lines"].drop(ROW, FILE),
        patients=typed["patients"].drop(ROW, FILE),
        eligibility=None if typed["eligibility"] is None else typed["eligibility"].drop(ROW, FILE),
        encounters=None if typed["encounters"] is None else typed["encounters"].drop(ROW, FILE),
        issues=issues.sort("file", "row", "column", "kind", nulls_last=True),
        inputs=inputs,
        absent_columns=frozenset(absent),
    )


def _read_raw(batch_dir: Path, table: Table, required: bool) -> RawTable | None:
    candidates = [p for p in (batch_dir / f"{table.name}.parquet", batch_dir / f"{table.name}.csv") if p.is_file()]
    if len(candidates) > 1:
        raise ScrubberInputError(
            f"{batch_dir}: both {table.name}.parquet and {table.name}.csv are present; "
            "keep one so the batch is unambiguous"
        )
    if not candidates:
        if required:
            raise ScrubberInputError(
                f"{batch_dir / (table.name + '.csv')}: required file missing (or {table.name}.parquet)"
            )
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
    frame = frame.with_columns(pl.lit(path.name).alias(FILE))
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
        if is_native(column.kind, dtype):
            continue  # already typed: _cast only normalises it
        if not readable_as_text(dtype):
            raise ScrubberInputError(
                f"{path}: column {column.name!r} has type {dtype}, which cannot be read as {column.kind.value}"
            )
        columns.append(to_text(pl.col(column.name), dtype).alias(column.name))
    return frame.with_columns(columns).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _text_columns(frame: pl.DataFrame, present: list, transcoded: set[str]) -> set[str]:
    """The text columns the parser must read: all but the text and code columns it would leave as they are.

    A transcoded file's cells are all quoted in issues (transcoded_text), so all of them are read.
    """
    text = [c for c in present if frame.schema[c.name] == pl.String]
    if transcoded:
        return {c.name for c in text}
    checks = {c.name: check for c in text if (check := as_given(c.kind, pl.col(c.name))) is not None}
    unchanged = frame.select(**checks).row(0, named=True) if checks else {}
    return {c.name for c in text if not unchanged.get(c.name)}


def _cast(frame: pl.DataFrame, table: Table, transcoded: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    present = [c for c in table.columns if c.name in frame.columns]
    text = _text_columns(frame, present, transcoded)
    parsed = {}
    for column in present:
        raw = pl.col(column.name)
        if column.name not in text:
            if frame.schema[column.name] == pl.String:  # text the parser would leave as it is
                parsed[column.name] = (raw, pl.lit(False))
            else:  # a native Parquet column: nothing to read from text
                parsed[column.name] = (native_value(frame.get_column(column.name), column.kind), pl.lit(False))
            continue
        # A runaway cell (a whole file pasted into one field) is reported, never carried into messages.
        usable = pl.when(raw.str.len_chars() <= MAX_CELL).then(raw)
        parsed[column.name] = parse(column.kind, usable)
    checked = frame.with_columns(
        [
            value.cast(POLARS_TYPE[c.kind]).alias(TYPED + c.name)
            for c, (value, _) in zip(present, parsed.values(), strict=True)
        ]
        + [flag.fill_null(False).alias(UNREADABLE + name) for name, (_, flag) in parsed.items() if name in text]
    )
    issues = cell_issues(checked, table, text, transcoded)
    cast = checked.select(
        [pl.col(TYPED + c.name).alias(c.name) for c in present]
        + [pl.lit(None, POLARS_TYPE[c.kind]).alias(c.name) for c in table.columns if c.name not in frame.columns]
        + [pl.col(ROW), pl.col(FILE)]
    ).select([c.name for c in table.columns] + [ROW, FILE])
    return cast, issues


def empty_batch() -> Batch:
    """A batch with every table present and empty: enough to list what rules can read."""
    tables = {table.name: empty_frame(table) for table in TABLES}
    tables["claims"] = tables["claims"].with_columns(
        pl.lit(None, pl.String).alias("source_file"), pl.lit(None, pl.Int64).alias("source_position")
    )
    return Batch(**tables, issues=pl.DataFrame(schema=ISSUE_SCHEMA))
