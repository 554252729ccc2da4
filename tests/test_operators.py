"""Each condition operator on its own: what it flags and what it leaves alone."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.engine.operators import OPERATORS, Resolver, compile_condition, npi_is_valid


def evaluate(condition: dict, frame: pl.DataFrame) -> list:
    return frame.select(compile_condition(condition, Resolver(param_defaults={})).alias("hit"))["hit"].to_list()


@pytest.mark.parametrize(
    ("npi", "valid"),
    [
        ("1234567893", True),  # CMS's published example NPI
        ("1234567890", False),  # wrong check digit
        ("123456789", False),  # nine digits
        ("12345678A3", False),
        (None, False),
    ],
)
def test_npi_check_digit(npi, valid):
    assert pl.select(npi_is_valid(pl.lit(npi, pl.String)))[0, 0] is valid


def test_telehealth_modifier_from_the_payer_parameter():
    frame = pl.DataFrame(
        {
            "line.modifiers": [["95"], ["25"], [], None],
            "payer.telehealth_modifier": ["95", "95", "GT", "95"],
        }
    )
    hits = evaluate({"not": {"field": "line.modifiers", "contains": {"param": "telehealth_modifier"}}}, frame)
    assert hits == [False, True, True, True]


def test_comparisons_with_missing_data_never_fire():
    frame = pl.DataFrame({"line.units": [1, None, 5]})
    assert evaluate({"field": "line.units", "gt": 2}, frame) == [False, None, True]


def test_in_accepts_numbers_written_without_quotes():
    frame = pl.DataFrame({"line.pos": ["02", "10", "11"]})
    assert evaluate({"field": "line.pos", "in": ["02", 10]}, frame) == [True, True, False]


def test_list_operators():
    frame = pl.DataFrame({"line.modifiers": [["RT", "LT"], ["59", "59"], []]})
    assert evaluate({"field": "line.modifiers", "contains_any": ["LT", "50"]}, frame) == [True, False, False]
    assert evaluate({"field": "line.modifiers", "has_duplicates": True}, frame) == [False, True, False]
    assert evaluate({"field": "line.modifiers", "size_gt": 1}, frame) == [True, True, False]


def test_matches_is_a_whole_value_match():
    frame = pl.DataFrame({"line.procedure_code": ["99213", "9921", "G0402", "99213X"]})
    assert evaluate({"field": "line.procedure_code", "matches": "[0-9]{4}[0-9FTU]|[A-V][0-9]{4}"}, frame) == [
        True,
        False,
        True,
        False,
    ]


def test_all_any_not_combine():
    frame = pl.DataFrame({"a.x": [1, 2, 3], "a.y": ["p", "q", "p"]})
    condition = {"all": [{"field": "a.x", "ge": 2}, {"not": {"field": "a.y", "eq": "q"}}]}
    assert evaluate(condition, frame) == [False, False, True]
    assert evaluate({"any": [{"field": "a.x", "eq": 1}, {"field": "a.y", "eq": "q"}]}, frame) == [True, True, False]


def test_every_schema_operator_is_implemented():
    from scrubber.rulebook.schema import OPERATORS as NAMED

    assert set(NAMED) == set(OPERATORS)
