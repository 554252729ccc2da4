"""Reading one batch CSV file the way practice systems really write them.

The contract asks for UTF-8 and commas; exports arrive with a byte-order mark,
CRLF line ends, Windows-1252 bytes from older systems, blank lines, and rows with
a stray unquoted comma. None of those is a reason to stop the night: the file is
read, and what had to be guessed is reported on the rows it touches. A file that
is not a CSV table at all (empty, semicolon- or tab-separated, an unclosed quote)
stops the run with exit 2 and one line naming the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.errors import ScrubberInputError
from scrubber.logs import redact
from scrubber.text import decode

ROW = "_row"  # the row as a spreadsheet shows it: the header is row 1, the first record row 2
FILE = "_file"  # the file a row came from: a batch may mix CSV and X12 files
EXTRA = "_extra_fields"  # what a row held beyond the header's last column
SPARE_FIELDS = 8  # fields read beyond the header to tell a stray comma from a trailing empty cell
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


class _NotUtf8(Exception):
    pass


@dataclass(frozen=True)
class CsvText:
    frame: pl.DataFrame  # every column as text, plus ROW and (when some row was too long) EXTRA
    transcoded: bool  # the bytes were not UTF-8 and were read as Windows-1252


def read_csv_text(path: Path) -> CsvText:
    source: Path | bytes = path
    transcoded = False
    try:
        frame = _read(source, path)
    except _NotUtf8:
        source, transcoded = _as_utf8(path), True
        frame = _read(source, path)
    frame = frame.rename({name: name.strip() for name in frame.columns})
    _refuse_other_separators(frame, path)
    return CsvText(_without_blank_rows(frame), transcoded)


def _read(source: Path | bytes, path: Path) -> pl.DataFrame:
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        frame = pl.read_csv(data, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise ScrubberInputError(
            f"{path}: file is empty (expected a header row); was the export interrupted?"
        ) from None
    except pl.exceptions.ComputeError as exc:
        message = str(exc)
        if "utf-8" in message.lower() or "utf8" in message.lower():
            raise _NotUtf8 from None
        if "more fields" not in message:
            raise ScrubberInputError(
                f"{path}: not a readable CSV file (an unclosed quote?): {redact(message.splitlines()[0])}"
            ) from None
        return _read_ragged(source, path)
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _read_ragged(source: Path | bytes, path: Path) -> pl.DataFrame:
    """Some row has more fields than the header: keep every row, set the surplus aside for a finding."""
    data = (lambda: io.BytesIO(source)) if isinstance(source, bytes) else (lambda: source)
    header = pl.read_csv(data(), n_rows=0, infer_schema=False, encoding="utf8").columns
    spare = [f"{EXTRA}{n}" for n in range(SPARE_FIELDS)]
    raw = pl.read_csv(
        data(),
        has_header=False,
        schema={f"column_{n + 1}": pl.String for n in range(len(header) + SPARE_FIELDS)},
        missing_columns="insert",
        truncate_ragged_lines=True,
        encoding="utf8",
    )
    raw = raw.rename(dict(zip(raw.columns, [*header, *spare], strict=True)))
    return (
        raw.with_row_index(ROW, offset=1)
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .slice(1)
        .with_columns(pl.concat_str(spare, separator=",", ignore_nulls=True).alias(EXTRA))
        .with_columns(pl.when(pl.col(EXTRA).str.len_chars() > 0).then(pl.col(EXTRA)).alias(EXTRA))
        .drop(spare)
    )


def _as_utf8(path: Path) -> bytes:
    """A file Polars could not read as UTF-8, decoded by the scrubber's one policy (scrubber.text)."""
    return decode(path.read_bytes()).encode("utf-8")


def _refuse_other_separators(frame: pl.DataFrame, path: Path) -> None:
    header = [c for c in frame.columns if c not in (ROW, EXTRA)]
    if len(header) != 1:
        return
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header[0]:
            raise ScrubberInputError(
                f"{path}: columns are separated by {name}, not commas; export the file as comma-separated CSV "
                f"(inside a cell ';' separates list items, so a semicolon file cannot be read unambiguously)"
            )


def _without_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """An empty line is not a record: dropped, and the rows after it keep their spreadsheet numbers."""
    cells = [c for c in frame.columns if c != ROW]
    if not cells:
        return frame
    blank = pl.all_horizontal(pl.col(c).str.strip_chars().fill_null("") == "" for c in cells)
    return frame.filter(~blank)
