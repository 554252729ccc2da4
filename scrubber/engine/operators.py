"""Condition operators: each turns one YAML leaf `{field: X, OP: ARG}` into a boolean Polars expression.

rulebook/vocabulary.py declares each operator (its argument, wording and doc); this module
implements them by name and will not import while the two lists differ.

A condition states what is WRONG: true means a finding. Comparisons with a null
value are null, and a null condition never fires, so a rule never flags a claim
for data it does not have.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from scrubber.rulebook.vocabulary import VOCABULARY

Operator = Callable[[pl.Expr, Any, "Resolver"], pl.Expr]
OPERATORS: dict[str, Operator] = {}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def operator(name: str):
    def register(function: Operator) -> Operator:
        OPERATORS[name] = function
        return function

    return register


@dataclass
class Resolver:
    """Turns argument values into expressions and records which columns a rule reads."""

    param_defaults: dict[str, Any]
    fields: set[str] = field(default_factory=set)
    # Table name -> the codes it lists, for `{table: NAME}` arguments; None outside a rule pack.
    listed: Callable[[str, dict], list[str]] | None = None
    # List-valued payer parameter -> its list per payer id (see in_payer_list).
    payer_lists: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def column(self, name: str) -> pl.Expr:
        self.fields.add(name)
        return pl.col(name)

    def is_reference(self, value: Any) -> bool:
        return isinstance(value, dict) and ("field" in value or "param" in value)

    def value(self, value: Any) -> pl.Expr:
        if isinstance(value, dict) and "field" in value:
            return self.column(value["field"])
        if isinstance(value, dict) and "param" in value:
            name = value["param"]
            column = self.column(f"payer.{name}")
            # Scopes without a payer (an unbilled visit) still see the shared default.
            default = self.param_defaults.get(name)
            return column if default is None else pl.coalesce(column, pl.lit(default))
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            # A date written in a rule (rule YAML keeps dates as text) compares with date fields.
            return pl.lit(dt.date.fromisoformat(value))
        return pl.lit(value)

    def in_payer_list(self, subject: pl.Expr, name: str) -> pl.Expr:
        """`subject` is in the row's payer's list parameter `name`, tested as (payer, value) pairs.

        The same answer as the list column `payer.<name>` would give, without copying a payer's
        list (hundreds of prior-authorisation codes) onto every line of the batch. A payer with
        no profile has the shared default; with no default either, the answer is unknown (null).
        """
        lists = self.payer_lists[name]
        pairs = [f"{payer}\x1f{value}" for payer, values in lists.items() for value in values]
        default = self.param_defaults.get(name)
        elsewhere = subject.is_in(default) if default is not None else pl.lit(None, pl.Boolean)
        payer = pl.col("_payer_id")
        return (
            pl.when(payer.is_in(list(lists)))
            .then(pl.concat_str(payer, pl.lit("\x1f"), subject).is_in(pairs))
            .otherwise(elsewhere)
        )

    def values(self, value: Any) -> list[Any]:
        """A literal list: written out, or the codes a reference table lists (`{table: modifiers, where: ...}`)."""
        if isinstance(value, dict) and "table" in value:
            if self.listed is None:
                raise ValueError(f"no reference tables to read {value['table']!r} from")
            return self.listed(value["table"], value.get("where", {}))
        values = value if isinstance(value, list) else [value]
        return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in values]


def _compare(method: str) -> Operator:
    def compare(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
        # A date written in a rule (`ge: 2024-01-01`, a coverage start) compares as a date; the
        # YAML loader keeps every scalar as text.
        if isinstance(argument, str) and ISO_DATE.fullmatch(argument):
            return getattr(subject, method)(pl.lit(dt.date.fromisoformat(argument)))
        return getattr(subject, method)(resolver.value(argument))

    return compare


for _name, _method in (("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")):
    operator(_name)(_compare(_method))


@operator("in")
def _in(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    if isinstance(argument, dict) and argument.get("param") in resolver.payer_lists:
        return resolver.in_payer_list(subject, argument["param"])
    if resolver.is_reference(argument):  # a list column
        return resolver.value(argument).list.contains(subject)
    return subject.is_in(resolver.values(argument))


@operator("not_in")
def _not_in(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return ~_in(subject, argument, resolver)


@operator("between")
def _between(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    low, high = argument
    return subject.is_between(resolver.value(low), resolver.value(high), closed="both")


@operator("is_null")
def _is_null(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return subject.is_null() if argument else subject.is_not_null()


@operator("matches")
def _matches(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return subject.str.contains(f"^(?:{argument})$")


@operator("starts_with")
def _starts_with(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return pl.any_horizontal(subject.str.starts_with(str(prefix)) for prefix in resolver.values(argument))


@operator("contains")
def _contains(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    """A list field holds the value (a literal, a field or a payer parameter)."""
    return subject.list.contains(resolver.value(argument)).fill_null(False)


@operator("contains_any")
def _contains_any(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    if resolver.is_reference(argument):
        other = resolver.value(argument)
        # A missing list on either side holds nothing in common.
        return (subject.list.set_intersection(other).list.len() > 0).fill_null(False)
    wanted = [str(v) for v in resolver.values(argument)]
    return subject.list.eval(pl.element().is_in(wanted)).list.any().fill_null(False)


@operator("contains_none")
def _contains_none(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return ~_contains_any(subject, argument, resolver)


@operator("any_starts_with")
def _any_starts_with(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    """Some code of a list field starts with one of the prefixes (E78 covers E78.5 and E78.01).

    Prefixes from a list field (a policy's diagnosis families, one list per row) become one
    anchored pattern per row, matched against the row's codes joined one per line.
    """
    if not resolver.is_reference(argument):
        prefixes = [str(p) for p in resolver.values(argument)]
        starts = pl.any_horizontal(pl.element().str.starts_with(p) for p in prefixes) if prefixes else pl.lit(False)
        return subject.list.eval(starts).list.any().fill_null(False)
    other = resolver.value(argument)
    escaped = other.list.eval(pl.element().str.replace_all(r"([\\.^$|?*+()\[\]{}])", r"\$1"))
    pattern = pl.lit("(?m)^(?:") + escaped.list.join("|") + pl.lit(")")
    found = subject.list.join("\n").str.contains(pattern)
    return (found & (other.list.len() > 0)).fill_null(False)


@operator("size_gt")
def _size_gt(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return subject.list.len().fill_null(0) > resolver.value(argument)


@operator("size_lt")
def _size_lt(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    return subject.list.len().fill_null(0) < resolver.value(argument)


@operator("has_duplicates")
def _has_duplicates(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    repeated = subject.list.len() != subject.list.unique().list.len()
    return repeated if argument else ~repeated


@operator("npi_valid")
def _npi_valid(subject: pl.Expr, argument: Any, resolver: Resolver) -> pl.Expr:
    valid = npi_is_valid(subject)
    return valid if argument else ~valid


def npi_is_valid(npi: pl.Expr) -> pl.Expr:
    """Ten digits whose last is the Luhn check digit over 80840 + the first nine.

    The 80840 prefix contributes a constant 24 to the Luhn sum; of the nine base
    digits, the 1st, 3rd, 5th, 7th and 9th are doubled.
    """
    digits = [npi.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(10)]
    doubled = [pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2) for d in digits[0:9:2]]
    total = pl.sum_horizontal(*doubled, *digits[1:9:2]) + 24
    check = (10 - total % 10) % 10
    return npi.str.contains(r"^\d{10}$").fill_null(False) & (check == digits[9]).fill_null(False)


_unimplemented = VOCABULARY.keys() - OPERATORS.keys()
_undeclared = OPERATORS.keys() - VOCABULARY.keys()
if _unimplemented or _undeclared:
    raise ImportError(
        f"operators declared in rulebook/vocabulary.py but not implemented: {sorted(_unimplemented)}; "
        f"implemented but not declared: {sorted(_undeclared)}"
    )


def compile_condition(node: dict, resolver: Resolver) -> pl.Expr:
    if "all" in node:
        return pl.all_horizontal(compile_condition(child, resolver) for child in node["all"])
    if "any" in node:
        return pl.any_horizontal(compile_condition(child, resolver) for child in node["any"])
    if "not" in node:
        return ~compile_condition(node["not"], resolver)
    ((name, argument),) = ((k, v) for k, v in node.items() if k != "field")
    return OPERATORS[name](resolver.column(node["field"]), argument, resolver)
