"""The condition operators, each declared once: its name, the argument it takes, how it reads, what it does.

A rule leaf is `{field: NAME, OPERATOR: ARGUMENT}`. From this one table come the rule schema
(which operators a leaf may name, and the shape of each one's argument), `scrubber explain`'s
wording, and the README's operator list (`markdown()`). engine/operators.py implements each
operator by name and refuses to import when the two disagree. A new operator is a declaration
here, its implementation there, and its test in tests/test_operators.py.
"""

from __future__ import annotations

from dataclasses import dataclass

# What an operator's argument may be (rulebook/schema.py gives each kind its JSON Schema).
ARGUMENT_KINDS = {
    "value": "a literal, `{field: OTHER}` or `{param: NAME}`",
    "values": "a literal or a list of them, a list field or list parameter, or `{table: NAME, where: {...}}`",
    "range": "`[LOW, HIGH]`, each a literal, field or parameter",
    "pattern": "a regular expression the whole value must match",
    "flag": "`true` or `false`",
}


@dataclass(frozen=True)
class Operator:
    name: str
    argument: str  # one of ARGUMENT_KINDS
    # How `scrubber explain` reads the leaf: "FIELD <phrase> ARGUMENT"; a flag reads
    # "FIELD <phrase>" with the phrase for true or for false.
    phrase: str | tuple[str, str]
    doc: str  # one line, for the README's list


VOCABULARY: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", "value", "is", "equals the argument"),
        Operator("ne", "value", "is not", "differs from the argument"),
        Operator("lt", "value", "is less than", "is less than the argument (numbers, dates, text)"),
        Operator("le", "value", "is at most", "is at most the argument"),
        Operator("gt", "value", "is more than", "is more than the argument"),
        Operator("ge", "value", "is at least", "is at least the argument"),
        Operator("in", "values", "is one of", "is one of the values"),
        Operator("not_in", "values", "is none of", "is none of the values"),
        Operator("between", "range", "is between", "lies between LOW and HIGH, both included"),
        Operator("is_null", "flag", ("is missing", "is present"), "`true`: the field is empty; `false`: it is filled"),
        Operator("matches", "pattern", "matches the pattern", "the whole value matches the regular expression"),
        Operator("starts_with", "values", "starts with", "begins with one of the prefixes"),
        Operator("contains", "value", "contains", "a list field holds the value"),
        Operator("contains_any", "values", "contains any of", "a list field holds at least one of the values"),
        Operator("contains_none", "values", "contains none of", "a list field holds none of the values"),
        Operator(
            "any_starts_with",
            "values",
            "has an entry starting with one of",
            "some code of a list field starts with one of the prefixes (a line's diagnoses against a"
            " policy's diagnosis families)",
        ),
        Operator("size_gt", "value", "has more entries than", "a list field has more entries than the number"),
        Operator("size_lt", "value", "has fewer entries than", "a list field has fewer entries than the number"),
        Operator(
            "has_duplicates",
            "flag",
            ("repeats an entry", "has no repeated entry"),
            "`true`: a list field holds some entry twice; `false`: every entry once",
        ),
        Operator(
            "npi_valid",
            "flag",
            ("passes the NPI check digit", "fails the NPI check digit"),
            "`true`: ten digits with a valid Luhn check digit; `false`: anything else",
        ),
    )
}
assert all(op.argument in ARGUMENT_KINDS for op in VOCABULARY.values())
assert all(isinstance(op.phrase, tuple) == (op.argument == "flag") for op in VOCABULARY.values())


def markdown() -> str:
    """The operators as a README list: each one's argument and what it flags, then the argument kinds."""
    operators = [f"- `{op.name}` ({op.argument}): {op.doc}" for op in VOCABULARY.values()]
    kinds = [f"- *{kind}*: {text}" for kind, text in ARGUMENT_KINDS.items()]
    return "\n".join(["Operators:", *operators, "", "Arguments:", *kinds]) + "\n"
