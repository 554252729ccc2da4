"""The engine pieces the coding and modifier edits stand on: policy lookups, code lists, modifier rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from scrubber.engine.compile import apply_lookup, listed_codes
from scrubber.engine.context import RunContext
from scrubber.engine.scopes import modifier_scope
from scrubber.examples import example_batch
from scrubber.rulebook.rules import Lookup


def lines(*rows):
    return pl.LazyFrame(
        [{"line.procedure_code": code, "line.service_date": dt.date(2026, 3, 2)} for code in rows],
        schema={"line.procedure_code": pl.String, "line.service_date": pl.Date},
    )


def test_a_lookup_on_part_of_the_key_returns_every_matching_rows_values(references):
    # ncd_lab_coverage is keyed by policy, procedure and diagnosis: a procedure alone matches many rows.
    lookup = Lookup("ncd_lab_coverage", "ncd", {"procedure_code": "line.procedure_code"}, "line.service_date", {})
    found = apply_lookup(lines("80061", "99213"), lookup, references.get("ncd_lab_coverage")).collect()
    by_code = {row["line.procedure_code"]: row for row in found.to_dicts()}  # a join keeps no row order
    lipid, visit = by_code["80061"], by_code["99213"]
    assert lipid["ncd.found"] is True
    assert lipid["ncd.dx_code"] == ["E78", "I251", "I70"]
    assert lipid["ncd.policy"] == ["NCD190.23"]
    assert visit["ncd.found"] is False and visit["ncd.dx_code"] is None


def test_a_lookup_on_the_whole_key_still_returns_one_value(references):
    lookup = Lookup("fee_schedule", "bil", {"code": "line.procedure_code"}, "line.service_date", {})
    found = apply_lookup(lines("20610"), lookup, references.get("fee_schedule")).collect()
    assert found["bil.bilat_surg"].to_list() == [1]


def test_the_ncci_associated_modifiers_come_from_the_modifier_table(references):
    codes = listed_codes(references, "modifiers", {"ncci_associated": "Y"})
    assert {"25", "59", "91", "XE", "XS", "XP", "XU", "RT", "LT", "F1", "T9", "LC"} <= set(codes)
    assert not {"26", "TC", "50", "GA", "95"} & set(codes)


@pytest.mark.parametrize(("name", "where"), [("no_such_table", {}), ("ncci_ptp", {}), ("modifiers", {"nope": "Y"})])
def test_a_table_that_is_not_a_code_list_is_refused(references, name, where):
    with pytest.raises(ValueError):
        listed_codes(references, name, where)


def test_the_modifier_scope_has_one_row_per_modifier_with_its_position(profiles, references):
    built = example_batch({"name": "x", "lines": [{"modifiers": ["25", "GT"]}, {"modifiers": []}]})
    ctx = RunContext(built.batch, profiles, references, built.as_of)
    rows = modifier_scope(ctx).select("_line_number", "mod.code", "mod.position").collect()
    assert rows.rows() == [(1, "25", 1), (1, "GT", 2)]
