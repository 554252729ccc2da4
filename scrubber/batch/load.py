"""Reading a batch folder (CONTRACT §1) into typed Polars tables.

Structural problems (a missing file or required column) stop the run with exit 2.
Problems in single rows never do: the row is kept with the unreadable cell set to
null and an entry in `Batch.issues`, which the data-quality rules turn into
findings on the row's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from scrubber.batch.parse import parse, to_text
from scrubber.batch.schema import (
    CLAIM_LINES,
    CLAIMS,
    ELIGIBILITY,
    ENCOUNTERS,
    PATIENTS,
    POLARS_TYPE,
    TABLES,
    Table,
    empty_frame,
)
from scrubber.errors import ScrubberInputError

ROW = "_row"  # the row as a spreadsheet shows it: a CSV's header is row 1, its first claim row 2

ISSUE_SCHEMA = {
    "kind": pl.String,
    "file": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "claim_id": pl.String,
    "line_number": pl.Int64,
}
VALUE_SHOWN = 40  # characters of a bad cell quoted back in a finding


@dataclass(frozen=True)
class InputFile:
    table: str
    path: str
    format: str
    rows: int


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
        cast, issues = _cast(frame, table, Path(source.path).name)
        typed[table.name] = cast
        issue_frames.append(issues)

    claims, lines = typed["claims"], typed["claim_lines"]
    issue_frames.append(_orphan_lines(lines, claims, _source_path(inputs, CLAIM_LINES)))
    issue_frames.append(_duplicate_claims(claims, _source_path(inputs, CLAIMS)))
    issues = pl.concat(issue_frames, how="vertical") if issue_frames else pl.DataFrame(schema=ISSUE_SCHEMA)
    return Batch(
        claims=claims.drop(ROW),
        claim_lines=lines.drop(ROW),
        patients=typed["patients"].drop(ROW),
        eligibility=None if typed["eligibility"] is None else typed["eligibility"].drop(ROW),
        encounters=None if typed["encounters"] is None else typed["encounters"].drop(ROW),
        issues=issues.sort("file", "row", "column", nulls_last=True),
        inputs=inputs,
        absent_columns=frozenset(absent),
    )


def _source_path(inputs: list[InputFile], table: Table) -> str:
    """The file name findings quote (the batch folder is in summary.json)."""
    return Path(next(i.path for i in inputs if i.table == table.name)).name


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
    frame = _read_parquet(path, table) if path.suffix == ".parquet" else _read_csv(path)
    header_rows = 0 if path.suffix == ".parquet" else 1
    frame = frame.with_row_index(ROW, offset=1 + header_rows).with_columns(pl.col(ROW).cast(pl.Int64))
    missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    if missing:
        raise ScrubberInputError(f"{path}: required column {missing[0]!r} missing (found: {', '.join(frame.columns) or 'no header'})")
    return frame, InputFile(table.name, str(path), path.suffix.lstrip("."), frame.height)


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise ScrubberInputError(f"{path}: file is empty (expected a header row)") from None
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise ScrubberInputError(f"{path}: cannot be read as UTF-8 CSV: {str(exc).splitlines()[0]}") from None


def _read_parquet(path: Path, table: Table) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # pyarrow and polars raise several types for a corrupt file
        raise ScrubberInputError(f"{path}: cannot be read as Parquet: {str(exc).splitlines()[0]}") from None
    known = {c.name for c in table.columns}
    return frame.with_columns(to_text(pl.col(name), dtype).alias(name) for name, dtype in frame.schema.items() if name in known)


def _cast(frame: pl.DataFrame, table: Table, path: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    present = [c for c in table.columns if c.name in frame.columns]
    parsed = {c.name: parse(c.kind, pl.col(c.name)) for c in present}
    bad_flags = [flag.alias(f"_bad_{name}") for name, (_, flag) in parsed.items()]
    checked = frame.with_columns(bad_flags)
    key = table.claim_key if table.claim_key in frame.columns else None
    issues = [
        checked.filter(pl.col(f"_bad_{column.name}")).select(
            kind=pl.lit("unreadable_value"),
            file=pl.lit(path),
            row=pl.col(ROW),
            column=pl.lit(column.name),
            value=pl.col(column.name).str.slice(0, VALUE_SHOWN),
            claim_id=pl.col(key).str.strip_chars() if key else pl.lit(None, pl.String),
            line_number=(
                pl.col("line_number").str.strip_chars().cast(pl.Int64, strict=False)
                if table is CLAIM_LINES
                else pl.lit(None, pl.Int64)
            ),
        )
        for column in present
    ]
    cast = frame.select(
        [value.cast(POLARS_TYPE[c.kind]).alias(c.name) for c, (value, _) in zip(present, parsed.values())]
        + [pl.lit(None, POLARS_TYPE[c.kind]).alias(c.name) for c in table.columns if c.name not in frame.columns]
        + [pl.col(ROW)]
    )
    return cast, pl.concat(issues, how="vertical") if issues else pl.DataFrame(schema=ISSUE_SCHEMA)


def _orphan_lines(lines: pl.DataFrame, claims: pl.DataFrame, path: str) -> pl.DataFrame:
    """Lines whose claim_id is not in claims: reported, never silently dropped."""
    orphans = lines.join(claims.select("claim_id"), on="claim_id", how="anti")
    return orphans.select(
        kind=pl.lit("unknown_claim"),
        file=pl.lit(path),
        row=pl.col(ROW),
        column=pl.lit("claim_id"),
        value=pl.col("claim_id"),
        claim_id=pl.col("claim_id"),
        line_number=pl.col("line_number"),
    )


def _duplicate_claims(claims: pl.DataFrame, path: str) -> pl.DataFrame:
    repeated = claims.filter(pl.col("claim_id").is_duplicated() & pl.col("claim_id").is_not_null())
    return repeated.select(
        kind=pl.lit("duplicate_claim_id"),
        file=pl.lit(path),
        row=pl.col(ROW),
        column=pl.lit("claim_id"),
        value=pl.col("claim_id"),
        claim_id=pl.col("claim_id"),
        line_number=pl.lit(None, pl.Int64),
    )



def empty_batch() -> Batch:
    """A batch with every table present and empty: enough to list what rules can read."""
    tables = {table.name: empty_frame(table) for table in TABLES}
    return Batch(**tables, issues=pl.DataFrame(schema=ISSUE_SCHEMA))
