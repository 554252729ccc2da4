"""Message and fix templates: `{line.procedure_code}` placeholders filled per finding."""

from __future__ import annotations

import re

import polars as pl

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)\}")
MISSING = "(none)"


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    expr = pl.col(column)
    if isinstance(dtype, pl.List):
        expr = expr.cast(pl.List(pl.String)).list.join(", ")
        expr = pl.when(expr.str.len_chars() > 0).then(expr)
    elif dtype == pl.Date:
        expr = expr.dt.to_string("%Y-%m-%d")
    elif isinstance(dtype, pl.Decimal) and (dtype.scale or 0) > 2:
        # Units: "2" and "0.5", not "2.000"; money keeps its cents.
        expr = expr.cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.replace(r"\.$", "")
    elif dtype == pl.Boolean:
        expr = pl.when(expr).then(pl.lit("yes")).otherwise(pl.lit("no"))
    else:
        expr = expr.cast(pl.String)
    return expr.fill_null(MISSING)


def render(template: str, schema: pl.Schema) -> pl.Expr:
    """One string expression: the literal text with each placeholder's value."""
    parts: list[pl.Expr] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(pl.lit(template[position : match.start()]))
        parts.append(as_text(match.group(1), schema[match.group(1)]))
        position = match.end()
    parts.append(pl.lit(template[position:]))
    return pl.concat_str(parts)
