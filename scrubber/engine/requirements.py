"""What a rule cannot fire without, read from its condition before it runs.

A condition that is an `all` fires only where each of its terms holds, so each term is a
requirement on its own; an `any` needs what all its branches need. A term on a lookup's
columns that is false or null when the table has no row for the date (`ptp.modifier_indicator
eq "1"`, `mue.mai in [2, 3]`) makes the rule need a row of that table: such a lookup can drop
the rows it finds nothing for, and a pair rule can pair only the lines whose codes the table
holds (see engine/pairs.py).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from scrubber.engine.operators import Resolver, compile_condition
from scrubber.rulebook.reference import ReferenceTable
from scrubber.rulebook.rules import Lookup, Rule


def conjuncts(node: dict) -> list[dict]:
    """The terms that must all hold: those of a (nested) `all`, else the condition itself."""
    return [term for child in node["all"] for term in conjuncts(child)] if "all" in node else [node]


def term_reads(term: dict, new_resolver: Callable[[], Resolver]) -> tuple[pl.Expr, set[str]]:
    """A term's expression and the namespaces of every column it reads (payer list lookups included)."""
    expr = compile_condition(term, new_resolver())
    return expr, {name.split(".", 1)[0] for name in expr.meta.root_names()}


def required_lookups(
    rule: Rule, new_resolver: Callable[[], Resolver], lookups: list[tuple[Lookup, ReferenceTable]]
) -> set[str]:
    """Aliases of the lookups the rule cannot fire without a row of."""
    by_alias = {lookup.alias: table for lookup, table in lookups}

    def needs(node: dict) -> set[str]:
        if "all" in node:  # every term must hold: what any of them needs
            return set().union(*(needs(child) for child in node["all"]))
        if "any" in node:  # one branch must hold: what every branch needs
            branches = [needs(child) for child in node["any"]]
            return set.intersection(*branches) if branches else set()
        if "not" in node:
            return set()
        expr, heads = term_reads(node, new_resolver)
        alias = next(iter(heads)) if len(heads) == 1 else None
        return {alias} if alias in by_alias and _fails_without_a_row(expr, by_alias[alias]) else set()

    return needs(rule.when)


def _fails_without_a_row(expr: pl.Expr, table: ReferenceTable) -> bool:
    """Whether a term on one lookup's columns is false or null both when no row matches and when no release
    covers the date."""
    schema = table.rows.schema
    no_row = {}
    for name in expr.meta.root_names():
        column = name.split(".", 1)[1]
        if column == "found":
            no_row[name] = pl.Series([False, None], dtype=pl.Boolean)
        elif column == "in_force":
            no_row[name] = pl.Series([True, False], dtype=pl.Boolean)
        elif column in schema:
            no_row[name] = pl.Series([None, None], dtype=schema[column])
        else:
            return False
    try:
        fired = pl.DataFrame(no_row).select(expr).to_series()
    except pl.exceptions.PolarsError:
        return False
    return not fired.fill_null(False).any()
