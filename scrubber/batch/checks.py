"""Row-level problems in a batch, each one an issue row naming file, row and column.

The loader never drops a row: what cannot be read from the file is reported
here and turned into a `data_quality` finding on the row's claim by the rules
under rules/data_quality/ (one rule per kind, matching `issue.kind`). Values that
read fine but no payer would accept (zero units, a future date, a 13th diagnosis)
are the rules' business, not the loader's. Every check is a vectorised filter.
"""

from __future__ import annotations

import polars as pl

from scrubber.batch.csvfile import EXTRA, FILE, ROW
from scrubber.batch.schema import CLAIM_LINES, Kind, Table
from scrubber.frames import repeated_keys

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
MAX_CELL = 256  # no contract value comes near this; a longer cell is an export fault, read as empty
TYPED = "~"  # prefix of a column's typed value beside its raw text while checking
UNREADABLE = "!"  # prefix of the flag: the cell held text its type cannot read

ISSUE_KINDS = {
    "unreadable_value": (
        "a cell holds text that cannot be read as its column's type (a date 2024-13-45, units 'abc'); read as empty"
    ),
    "missing_value": "a cell the contract requires is empty",
    "value_too_long": f"a cell longer than {MAX_CELL} characters (an export fault); read as empty",
    "transcoded_text": (
        "the file is not UTF-8; this cell's accented characters were read as Windows-1252 and should be checked"
    ),
    "extra_fields": (
        "the row has more fields than the header (an unquoted comma in a value?); its cells may be in the wrong columns"
    ),
    "unknown_claim": "a service line whose claim_id is not in claims",
    "duplicate_claim_id": "a claim_id used by more than one row of claims (one issue per id; value lists its rows)",
    "duplicate_line": "two lines of one claim with the same line number (one issue per number; value lists its rows)",
    "x12_problem": (
        "an X12 837 file's envelope or segments are broken or incomplete (row = segment position, column = segment id)"
    ),
}


# A text cell the parser would rewrite or report: blank, surrounded by whitespace (trimmed), and
# for a code anything upper-casing could change (lower case, any non-ASCII character).
_REWRITTEN = {Kind.STRING: r"^\s|\s$", Kind.CODE: r"^\s|\s$|[^\x00-\x60\x7B-\x7F]"}


def as_given(kind: Kind, raw: pl.Expr) -> pl.Expr | None:
    """True when no cell of a text column of this kind would be changed or reported by the text
    parser, so the column passes through as it is (None: every column of the kind is parsed).

    Checking costs a fraction of parsing: trimming and upper-casing write every cell anew.
    A cell longer than MAX_CELL bytes may or may not be over MAX_CELL characters: parsed, to be sure.
    """
    if kind not in _REWRITTEN:
        return None
    size = raw.str.len_bytes()
    return ~(raw.str.contains(_REWRITTEN[kind]) | (size == 0) | (size > MAX_CELL)).any()


def _typed(name: str) -> pl.Expr:
    return pl.col(TYPED + name)


def cell_issues(checked: pl.DataFrame, table: Table, parsed: set[str], transcoded_files: set[str]) -> pl.DataFrame:
    """Issues of one table: `checked` holds each column as read, its typed value (TYPED + name),
    its unreadable flag (UNREADABLE + name), ROW and FILE; `parsed` names the columns read from
    text (the others were already typed, or text that needed no change)."""
    transcoded = pl.col(FILE).is_in(sorted(transcoded_files))
    present = [c for c in table.columns if c.name in checked.columns]
    checks: list[tuple[str, str | None, pl.Expr, pl.Expr]] = []
    for column in present:
        raw = pl.col(column.name)
        if column.name not in parsed:
            # Typed, or text as given: only emptiness can be wrong with it, and a column without
            # nulls (which Parquet records) has no empty scalar to look for.
            values = checked.get_column(column.name)
            is_list = isinstance(values.dtype, pl.List)
            if not column.nullable and (is_list or values.null_count()):
                empty = raw.is_null() | (raw.list.len() == 0) if is_list else raw.is_null()
                checks.append(("missing_value", column.name, empty, pl.lit(None, pl.String)))
            continue
        blank = raw.str.strip_chars().fill_null("") == ""
        too_long = raw.str.len_chars() > MAX_CELL
        checks += [
            ("value_too_long", column.name, too_long, raw),
            ("unreadable_value", column.name, pl.col(UNREADABLE + column.name) & ~too_long, raw),
        ]
        if not column.nullable:
            checks.append(("missing_value", column.name, blank, raw))
        if transcoded_files:
            checks.append(("transcoded_text", column.name, transcoded & raw.str.contains(r"[^\x00-\x7F]"), raw))
    if EXTRA in checked.columns:
        checks.append(("extra_fields", None, pl.col(EXTRA).is_not_null(), pl.col(EXTRA)))
    key = (
        _typed(table.claim_key)
        if table.claim_key and TYPED + table.claim_key in checked.columns
        else pl.lit(None, pl.String)
    )
    line = (
        _typed("line_number")
        if table is CLAIM_LINES and TYPED + "line_number" in checked.columns
        else pl.lit(None, pl.Int64)
    )
    # One lazy query per check, run together: each reads only the columns it needs.
    rows = checked.lazy()
    return _concat(
        pl.collect_all(
            rows.filter(wrong.fill_null(False)).select(
                kind=pl.lit(kind, pl.String),
                file=pl.col(FILE),
                row=pl.col(ROW),
                column=pl.lit(name, pl.String),
                value=shown.str.slice(0, VALUE_SHOWN),
                claim_id=key,
                line_number=line,
            )
            for kind, name, wrong, shown in checks
        )
    )


def batch_issues(typed: dict[str, pl.DataFrame | None]) -> pl.DataFrame:
    """Problems between tables: lines without their claim, repeated ids."""
    # Only the columns the checks and issues read: filtering whole tables copies every column.
    claims = typed["claims"].select(FILE, ROW, "claim_id")
    lines = typed["claim_lines"].select(FILE, ROW, "claim_id", "line_number")
    known_claim = pl.col("claim_id").is_not_null()
    line_key = ["claim_id", "line_number"]
    repeated_lines = _repeated(lines.filter(known_claim & pl.col("line_number").is_not_null()), line_key)
    repeated_claims = _repeated(claims.filter(known_claim), ["claim_id"])
    unknown = _without_claim(lines.filter(known_claim), claims.filter(known_claim))
    return _concat(
        [
            unknown.select(
                kind=pl.lit("unknown_claim", pl.String),
                file=pl.col(FILE),
                row=pl.col(ROW),
                column=pl.lit("claim_id", pl.String),
                value=pl.col("claim_id").str.slice(0, VALUE_SHOWN),
                claim_id=pl.col("claim_id"),
                line_number=pl.col("line_number"),
            ),
            _one_per_key("duplicate_line", lines.join(repeated_lines, on=line_key, how="semi"), line_key),
            _one_per_key("duplicate_claim_id", claims.join(repeated_claims, on="claim_id", how="semi"), ["claim_id"]),
        ]
    )


def _in_strict_order(frame: pl.DataFrame, key: list[str]) -> bool:
    """Every row's key above the one before it (compared column by column): no key can repeat.

    Most exports are written in claim and line order, and this one pass is far cheaper than the
    hashing, sorting and joining that a batch in any order needs (figures in bench/README.md).
    """
    later, same = pl.lit(False), pl.lit(True)
    for name in key:
        value, before = pl.col(name), pl.col(name).shift()
        later, same = later | (same & (value > before)), same & (value == before)
    return frame.select(later.slice(1).all()).item()


def _repeated(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    if _in_strict_order(frame, key):
        return frame.select(key).clear()
    return repeated_keys(frame, key)


def _without_claim(lines: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """The lines whose claim_id is not in claims (both without null ids).

    Lines and claims both in claim order, with the same claim ids, need no join: the distinct ids
    of each side, read off in one pass, compare equal. Any other batch is joined.
    """
    ids, known = lines.get_column("claim_id"), claims.get_column("claim_id")
    if ids.is_sorted() and known.is_sorted():
        distinct_ids = ids.filter(ids.ne_missing(ids.shift()))
        if distinct_ids.equals(known.filter(known.ne_missing(known.shift()))):
            return lines.clear()
    return lines.join(claims.select("claim_id"), on="claim_id", how="anti")


def _one_per_key(kind: str, rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One issue per repeated key, at its first row, listing every row that holds it.

    The biller fixes a repeated line number or claim id once (renumber, re-id), so one finding
    naming all its rows beats one finding per row.
    """
    return (
        rows.sort(FILE, ROW)
        .group_by(key, maintain_order=True)
        .agg(
            pl.col(FILE).first().alias("file"),
            pl.col(ROW).first().alias("row"),
            pl.col(ROW).cast(pl.String).alias("rows"),
        )
        .select(
            kind=pl.lit(kind, pl.String),
            file=pl.col("file"),
            row=pl.col("row"),
            column=pl.lit(key[-1], pl.String),
            value=pl.col("rows").list.join(", ").str.slice(0, VALUE_SHOWN),
            claim_id=pl.col("claim_id"),
            line_number=pl.col("line_number") if "line_number" in key else pl.lit(None, pl.Int64),
        )
    )


def x12_issues(problems: pl.DataFrame) -> pl.DataFrame:
    """What the 837 reader reported, as issues: the segment position stands in for the row."""
    return _concat(
        [
            problems.select(
                kind=pl.lit("x12_problem", pl.String),
                file=pl.col("file"),
                row=pl.col("segment_position").cast(pl.Int64),
                column=pl.col("segment_id"),
                value=pl.col("message"),  # the reader's own sentence, shown whole
                claim_id=pl.col("claim_id"),
                line_number=pl.lit(None, pl.Int64),
            )
        ]
    )


def _concat(frames) -> pl.DataFrame:
    return pl.concat([pl.DataFrame(schema=ISSUE_SCHEMA), *frames], how="vertical")
