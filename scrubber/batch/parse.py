"""Vectorised parsing of the contract's CSV text form into typed columns.

Each parser takes the raw text column and returns the typed value plus a flag for
cells that held text but could not be read, so the loader can report them as
data-quality findings instead of dropping the row.
"""

from __future__ import annotations

import polars as pl

from scrubber.batch.schema import POLARS_TYPE, Kind


def _blank_to_null(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def _split_list(text: pl.Expr) -> pl.Expr:
    # An empty cell is an empty list ("no modifiers"), not an unknown one.
    return (
        text.fill_null("")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars().str.len_chars() > 0))
    )


def parse(kind: Kind, raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, cell unreadable) for a raw String column."""
    text = _blank_to_null(raw)
    target = POLARS_TYPE[kind]
    if kind is Kind.STRING:
        return text, pl.lit(False)
    if kind is Kind.CODE:
        return text.str.to_uppercase(), pl.lit(False)
    if kind is Kind.DATE:
        value = text.str.to_date("%Y-%m-%d", strict=False)
    elif kind in (Kind.MONEY, Kind.UNITS, Kind.INT):
        value = text.cast(target, strict=False)
    elif kind is Kind.ICD_LIST:
        return _split_list(text).list.eval(
            pl.element().str.replace_all(".", "", literal=True).str.to_uppercase()
        ), pl.lit(False)
    elif kind is Kind.CODE_LIST:
        return _split_list(text).list.eval(pl.element().str.to_uppercase()), pl.lit(False)
    elif kind is Kind.INT_LIST:
        numbers = _split_list(text).list.eval(pl.element().cast(pl.Int64, strict=False))
        return numbers.list.filter(pl.element().is_not_null()), numbers.list.eval(pl.element().is_null()).list.any()
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(kind)
    return value, text.is_not_null() & value.is_null()


def dotted(code: pl.Expr) -> pl.Expr:
    """An ICD-10-CM code as coders and billers write it: a dot after the category (E1165 -> E11.65).

    The batch keeps diagnosis codes without their dot (parse drops it, so E11.65 and E1165 are one
    code); rules and reports that show a code to a person put it back. A code already dotted stays.
    """
    return (
        pl.when((code.str.len_chars() > 3) & ~code.str.contains(".", literal=True))
        .then(pl.concat_str(code.str.slice(0, 3), pl.lit("."), code.str.slice(3)))
        .otherwise(code)
    )


def is_native(kind: Kind, dtype: pl.DataType) -> bool:
    """A Parquet column already of the contract's type needs no text round trip, only normalising."""
    if kind is Kind.DATE:
        return dtype == pl.Date
    if kind in (Kind.MONEY, Kind.UNITS):
        return isinstance(dtype, pl.Decimal) or dtype.is_integer()
    if kind is Kind.INT:
        return dtype.is_integer()
    if kind in (Kind.ICD_LIST, Kind.CODE_LIST):
        return dtype == pl.List(pl.String)
    if kind is Kind.INT_LIST:
        return isinstance(dtype, pl.List) and dtype.inner.is_integer()
    return False  # text columns take the text path, which is only trimming


def native_value(values: pl.Series, kind: Kind) -> pl.Expr:
    """What from_native gives for this native Parquet column, by the cheapest route its contents allow.

    Most exports hold every list and every element, with codes already in upper case: such lists
    need no rewriting, or only their dots removed (rewriting the list pointers alone is costly at
    scale: bench/README.md). Checking the flattened values first costs a fraction of that.
    """
    column = pl.col(values.name)
    lists = (Kind.ICD_LIST, Kind.CODE_LIST, Kind.INT_LIST)
    inner = values.explode(empty_as_null=False) if kind in lists and not values.null_count() else None
    if inner is None or inner.null_count():
        return from_native(kind, column)
    if kind is Kind.INT_LIST:
        return column.cast(POLARS_TYPE[kind])
    # Upper-case letters and digits only (and the dots ICD codes are written with), none empty
    # (an ICD code of nothing but dots is empty once they are removed): one regex pass.
    other = r"[^A-Z0-9.]|^\.*$" if kind is Kind.ICD_LIST else r"[^A-Z0-9]|^$"
    if inner.str.contains(other).any():
        return from_native(kind, column)
    if kind is Kind.ICD_LIST and inner.str.contains(".", literal=True).any():
        return column.list.eval(pl.element().str.replace_all(".", "", literal=True))
    return column


def from_native(kind: Kind, column: pl.Expr) -> pl.Expr:
    """The typed value of a native Parquet column, normalised as the text path would."""
    target = POLARS_TYPE[kind]
    if kind in (Kind.ICD_LIST, Kind.CODE_LIST):
        code = pl.element().str.strip_chars().str.to_uppercase()
        if kind is Kind.ICD_LIST:
            code = code.str.replace_all(".", "", literal=True)
        cleaned = column.list.eval(code.filter(code.str.len_chars() > 0))
        return pl.when(column.is_null()).then(pl.lit([], target)).otherwise(cleaned)
    if kind is Kind.INT_LIST:
        return (
            pl.when(column.is_null())
            .then(pl.lit([], target))
            .otherwise(column.cast(target).list.filter(pl.element().is_not_null()))
        )
    return column.cast(target)


def readable_as_text(dtype: pl.DataType) -> bool:
    """Scalars and lists of scalars have a CSV text form; records, arrays of them and bytes do not."""
    if isinstance(dtype, pl.List):
        return readable_as_text(dtype.inner)
    return dtype.is_numeric() or dtype.is_temporal() or isinstance(dtype, (pl.String, pl.Categorical, pl.Enum, pl.Null))


def to_text(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A typed Parquet column back to its CSV text form, so one parser reads both formats."""
    if isinstance(dtype, pl.List):
        return column.cast(pl.List(pl.String)).list.join(";")
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return column.dt.to_string("%Y-%m-%d")
    if dtype.is_float():
        # pandas stores an integer column with gaps as float: line 1 arrives as 1.0.
        column = column.fill_nan(None)
        whole = column.is_finite() & (column == column.floor())
        return (
            pl.when(whole).then(column.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(column.cast(pl.String))
        )
    return column.cast(pl.String)
