"""From the bytes of an X12 interchange to one row per segment, for every transaction set the scrubber reads.

- Bytes become text by the scrubber's one policy (scrubber.text.decode: UTF-8, UTF-16 with or
  without a byte-order mark, else Windows-1252); leading whitespace is skipped.
- Separators come from the ISA header: element = the 4th character, component = ISA16, segment
  terminator = the character after ISA16 (CR/LF around segments is ignored).
- Each reader says how many elements it reads (e1..eN); later elements are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.text import decode

# Enough for a byte-order mark and some leading blank lines before "ISA".
_SNIFF_BYTES = 256
_POS = pl.col("pos")


@dataclass(frozen=True)
class Interchange:
    segments: pl.DataFrame  # pos (1-based), seg (its id), e1..eN (null when empty)
    component: str  # the component separator ISA16 declares


def is_x12(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return decode(head).lstrip().startswith("ISA")


def read_interchange(path: Path, max_element: int) -> Interchange | str:
    """The file's segments, or why it cannot be read as X12 at all."""
    text = decode(Path(path).read_bytes()).lstrip()
    if not text.startswith("ISA"):
        return "the file does not begin with an ISA interchange header; it is not an X12 file"
    delimiters = _delimiters(text)
    if isinstance(delimiters, str):
        return delimiters
    element, component, terminator = delimiters
    return Interchange(_tokenize(text, element, terminator, max_element), component)


def _delimiters(text: str) -> tuple[str, str, str] | str:
    """Element separator, component separator and segment terminator, or why not."""
    element = text[3:4]
    if not element or element.isalnum() or element.isspace():
        return "the ISA header has no valid element separator after 'ISA'"
    # ISA16 follows the 16th element separator; position-based, so short
    # (unpadded) ISA fields from non-conforming senders still work.
    at = -1
    for _ in range(16):
        at = text.find(element, at + 1)
        if at < 0:
            return "the ISA header is incomplete: it has fewer than 16 elements"
    component, terminator = text[at + 1 : at + 2], text[at + 2 : at + 3]
    if not component or not terminator:
        return "the ISA header is incomplete: ISA16 or the segment terminator is missing"
    if terminator.isalnum() or len({element, component, terminator}) < 3:
        return (
            f"the ISA header declares unusable separators (element {element!r}, "
            f"component {component!r}, segment terminator {terminator!r})"
        )
    return element, component, terminator


def _tokenize(text: str, element: str, terminator: str, max_element: int) -> pl.DataFrame:
    """One row per segment: pos (1-based), seg (its id) and e1..eN (null when empty)."""
    # Stripping each segment drops the CR/LF that senders put between segments,
    # and the other half of a CR LF pair when one of them is the terminator.
    raw = pl.Series("raw", [text]).str.split(terminator).explode().str.strip_chars()
    frame = pl.DataFrame({"raw": raw}).filter(pl.col("raw") != "").with_row_index("pos", offset=1)
    elements = frame.select(
        pl.col("pos").cast(pl.Int64), pl.col("raw").str.split_exact(element, max_element).alias("e")
    ).unnest("e")
    names = {f"field_{i}": f"e{i}" for i in range(1, max_element + 1)} | {"field_0": "seg"}
    return elements.rename(names).with_columns(
        [pl.when(pl.col(f"e{i}") != "").then(pl.col(f"e{i}")).alias(f"e{i}") for i in range(1, max_element + 1)]
    )


def component_in_use(segments: pl.DataFrame, declared: str, seg: str, element: str) -> tuple[str, int | None]:
    """The component separator the composites really use, and the position of the first one when it is not ISA16's.

    Some senders (and several TR3 transcriptions) declare ':' in ISA16 but write '>' inside the
    composites. `seg`/`element` name a composite every claim or line has (CLM05 in an 837, SVC01
    in an 835): when none of them holds the declared separator and all that hold one agree on
    another, that one is used and the file is still read.
    """
    values = segments.filter((pl.col("seg") == seg) & pl.col(element).is_not_null()).select("pos", element)
    if values.is_empty() or values[element].str.contains(declared, literal=True).any():
        return declared, None
    used = values.with_columns(sep=pl.col(element).str.extract(r"^[A-Za-z0-9]*([^A-Za-z0-9])", 1)).drop_nulls("sep")
    if used.is_empty() or used["sep"].n_unique() > 1:
        return declared, None
    return used["sep"][0], used["pos"][0]


def opened(mark: pl.Expr, restart: pl.Expr) -> pl.Expr:
    """Position of the latest `mark` segment, null again after each `restart`: the loop a segment is in."""
    filled = pl.when(mark).then(_POS).when(restart).then(pl.lit(-1, pl.Int64)).forward_fill()
    return pl.when(filled >= 0).then(filled)


def first_of(frame: pl.DataFrame, key: str, **columns: pl.Expr) -> pl.DataFrame:
    """`columns` of the first segment of each `key` (a loop): later repeats are not that loop's data."""
    return frame.select(pl.col(key), **columns).unique(subset=key, keep="first", maintain_order=True)


def with_loop_data(frame: pl.DataFrame, key: str, *pieces: pl.DataFrame) -> pl.DataFrame:
    """Each loop of `frame` with the columns of its pieces (first_of tables keyed the same), null where absent."""
    for piece in pieces:
        frame = frame.join(piece, on=key, how="left")
    return frame


def joined(values: pl.Expr) -> pl.Expr:
    """A list of components as a `;` cell (the batch form of modifiers), empty components dropped."""
    return values.list.join(";").str.replace_all(";{2,}", ";").str.strip_chars(";")
