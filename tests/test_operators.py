"""Each condition operator on its own: what it flags and what it leaves alone."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from jsonschema import Draft202012Validator

from scrubber.engine.operators import Resolver, compile_condition, npi_is_valid
from scrubber.maintain.explain import describe
from scrubber.rulebook.schema import RULE_SCHEMA
from scrubber.rulebook.vocabulary import VOCABULARY


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


def test_a_code_on_the_payers_prior_auth_list_is_found_per_payer_with_the_default_for_the_rest():
    # 70551 (MRI brain) is on Aetna's list and on the shared default; UHC's own list lacks it.
    resolver = Resolver(
        param_defaults={"prior_auth_codes": ["70551"]},
        payer_lists={"prior_auth_codes": {"AETNA": ["70551", "72148"], "UHC": ["72148"]}},
    )
    frame = pl.DataFrame(
        {
            "_payer_id": ["AETNA", "AETNA", "UHC", "UHC", "CIGNA", None, "AETNA"],
            "line.procedure_code": ["70551", "99213", "70551", "72148", "70551", "70551", None],
        }
    )
    condition = {"field": "line.procedure_code", "in": {"param": "prior_auth_codes"}}
    hits = frame.select(compile_condition(condition, resolver).alias("hit"))["hit"].to_list()
    assert hits == [True, False, False, True, True, True, None]


def test_a_list_parameter_no_payer_sets_and_with_no_default_never_fires():
    resolver = Resolver(param_defaults={}, payer_lists={"referring_required_for": {"MEDICARE": ["lab"]}})
    frame = pl.DataFrame({"_payer_id": ["MEDICARE", "AETNA"], "ordref.service_type": ["lab", "lab"]})
    condition = {"not": {"field": "ordref.service_type", "in": {"param": "referring_required_for"}}}
    assert frame.select(compile_condition(condition, resolver).alias("hit"))["hit"].to_list() == [False, None]


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


LEAF = Draft202012Validator({"$defs": RULE_SCHEMA["$defs"], "$ref": "#/$defs/condition"})


@pytest.mark.parametrize(
    "leaf",
    [
        {"field": "claim.prior_auth_number", "is_null": "no"},  # YAML 1.2 keeps `no` as text, which is truthy
        {"field": "line.units", "between": [1]},
        {"field": "line.units", "between": [1, 5, 9]},
        {"field": "line.procedure_code", "eq": ["99213", "99214"]},  # a list is `in`
        {"field": "line.procedure_code", "matches": {"param": "code_pattern"}},
        {"field": "line.procedure_code", "is_one_of": ["99213"]},
    ],
)
def test_a_leaf_whose_argument_is_not_of_its_operators_kind_does_not_load(leaf):
    assert not LEAF.is_valid(leaf)


@pytest.mark.parametrize(
    "leaf",
    [
        {"field": "line.units", "between": [1, {"param": "max_units"}]},
        {"field": "line.modifiers", "contains_any": {"table": "modifiers", "where": {"ncci_associated": "Y"}}},
        {"field": "line.procedure_code", "in": {"param": "prior_auth_codes"}},
        {"field": "claim.billing_npi", "npi_valid": False},
        {"field": "line.service_date", "ge": {"field": "patient.birth_date"}},
    ],
)
def test_each_kind_of_argument_loads(leaf):
    assert LEAF.is_valid(leaf)


@pytest.mark.parametrize("name", VOCABULARY)
def test_explain_reads_every_operator_in_words(name):
    op = VOCABULARY[name]
    argument = {"flag": True, "range": [1, 9], "pattern": "9921[0-5]"}.get(op.argument, "99213")
    (line,) = describe({"field": "line.procedure_code", name: argument})
    assert line.startswith("- line.procedure_code ")
    assert (op.phrase[0] if isinstance(op.phrase, tuple) else op.phrase) in line


def test_any_starts_with_matches_a_diagnosis_family_from_a_literal_list():
    frame = pl.DataFrame({"line.pointed_diagnoses": [["I10", "E785"], ["I10"], [], None]})
    assert evaluate({"field": "line.pointed_diagnoses", "any_starts_with": ["E78", "I70"]}, frame) == [
        True,
        False,
        False,
        False,
    ]


def test_any_starts_with_reads_each_rows_own_prefixes():
    # A lipid panel's policy lists the E78 family; a TSH's lists E03. Dots are literal, not wildcards.
    frame = pl.DataFrame(
        {
            "line.pointed_diagnoses": [["E785"], ["E785"], ["I10"], ["E039"], ["D440"]],
            "ncd.dx_code": [["E78", "I70"], ["E03"], ["E78"], [], ["D4."]],
        }
    )
    hits = evaluate({"field": "line.pointed_diagnoses", "any_starts_with": {"field": "ncd.dx_code"}}, frame)
    assert hits == [True, False, False, False, False]


def test_contains_any_against_a_missing_list_is_false_not_unknown():
    frame = pl.DataFrame({"line.pointed_diagnoses": [["C73"], ["C73"]], "ncd.dx_code": [["C73", "D34"], None]})
    condition = {"not": {"field": "line.pointed_diagnoses", "contains_any": {"field": "ncd.dx_code"}}}
    assert evaluate(condition, frame) == [False, True]


def test_a_reference_table_can_stand_for_a_code_list():
    listed = {("modifiers", ("ncci_associated", "Y")): ["25", "59", "LT", "RT", "XS"]}
    resolver = Resolver(param_defaults={}, listed=lambda name, where: listed[(name, *where.items())])
    frame = pl.DataFrame({"a.line.modifiers": [["XS"], ["GA"], ["RT", "GA"], []]})
    condition = {"field": "a.line.modifiers", "contains_any": {"table": "modifiers", "where": {"ncci_associated": "Y"}}}
    assert frame.select(compile_condition(condition, resolver))[:, 0].to_list() == [True, False, True, False]


def test_a_date_written_in_a_rule_compares_as_a_date():
    # HbA1c diabetes screening is a Medicare benefit for dates of service from 2024-01-01 on.
    frame = pl.DataFrame({"line.service_date": [dt.date(2023, 12, 31), dt.date(2024, 1, 1), None]})
    assert evaluate({"field": "line.service_date", "ge": "2024-01-01"}, frame) == [False, True, None]
