"""Pair rules look only at the lines that can fire them, and find exactly what all pairs would give."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from bench.generate import AS_OF, generate, write_batch
from scrubber.batch import load_batch
from scrubber.engine.compile import compile_rule, findings_query
from scrubber.engine.context import RunContext
from scrubber.engine.pairs import PAIR_SIDES, lookup_filters
from scrubber.engine.run import compile_all, materialise_scopes, scope_and_rows
from scrubber.rulebook.rules import Lookup, Rule
from tests.conftest import DEMO, DEMO_AS_OF


def _pair_findings(item, scopes, profiles) -> list[tuple]:
    found = findings_query(item, *scope_and_rows(item, scopes), profiles).select("claim_id", "line_number", "rule_id")
    return sorted(found.collect().rows())


@pytest.mark.parametrize("source", ["demo", "benchmark"])
def test_narrowed_pairs_find_what_every_pair_would(source, rules, profiles, references, tmp_path):
    if source == "demo":
        batch, as_of = load_batch(DEMO), DEMO_AS_OF
    else:  # real NCCI pairs, E/M visits, procedures and modifiers mixed at random
        batch, as_of = load_batch(write_batch(generate(8_000, seed=11), tmp_path, "parquet")), AS_OF
    ctx = RunContext(batch, profiles, references, as_of)
    compiled = compile_all([r for r in rules if r.scope == "line_pair" and r.status != "retired"], ctx)
    scopes = materialise_scopes(compiled, ctx)
    found = 0
    for item in compiled:
        unfiltered = dataclasses.replace(item, side_filters={"a": [], "b": []}, required=set())
        narrowed = _pair_findings(item, scopes, profiles)
        assert narrowed == _pair_findings(unfiltered, scopes, profiles), item.rule.id
        found += len(narrowed)
    assert found > 0  # the comparison saw pairs that fire


def _pair_rule(when: dict, lookups=()) -> Rule:
    return Rule(id="T001", title="t", category="coding", severity="error", status="active", scope="line_pair",
                payers=None, effective_from=dt.date(2000, 1, 1), effective_to=None, carc="CO-97", rarc=(),
                denial_text="", why="", reference="", lookups=tuple(lookups), finding_on="b", when=when, message="m",
                fix="f", examples={}, path=Path("t.yaml"))  # fmt: skip


PTP = Lookup("ncci_ptp", "ptp", {"setting": "a.claim.ncci_setting", "column1": "a.line.procedure_code",
                                 "column2": "b.line.procedure_code"}, "b.line.service_date", {})  # fmt: skip


PAIR_COLUMNS = {
    f"{side}.line.{c}" for side in "ab" for c in ("procedure_code", "modifiers", "units", "service_date")
} | {"a.claim.ncci_setting"}


def _filters(rule: Rule, profiles, references) -> dict[str, list[str]]:
    compiled = compile_rule(rule, PAIR_COLUMNS, profiles, references)
    return {side: [e.meta.root_names() for e in compiled.side_filters[side]] for side in PAIR_SIDES}


def _sides_kept(codes: list[str], references) -> dict[str, list[str]]:
    """Which of these lines' codes each side of a PTP pair rule keeps, the lines being the whole batch."""
    table = references.get("ncci_ptp")
    lines = pl.DataFrame({"line.procedure_code": codes, "claim.ncci_setting": "practitioner"})
    filters = lookup_filters(lines, [(PTP, table)], {"ptp"})
    sides = pl.DataFrame({f"{side}.{c}": lines[c] for side in "ab" for c in lines.columns})
    return {side: sides.filter(*filters[side])[f"{side}.line.procedure_code"].to_list() for side in "ab"}


def test_a_global_package_pair_keeps_only_procedures_whose_global_period_the_rule_reads(references):
    # MOD002 reads the fee schedule's global days of line b: of a visit, a venipuncture (XXX), a joint
    # injection (000) and a knee replacement (090), only the 090 procedure can be line b of a pair that fires.
    fee_schedule = Lookup("fee_schedule", "pfs", {"code": "b.line.procedure_code"}, "b.line.service_date", {})
    lines = pl.DataFrame({"line.procedure_code": ["99213", "36415", "20610", "27447"]})
    major = {"pfs": [pl.col("pfs.glob") == "090"]}
    filters = lookup_filters(lines, [(fee_schedule, references.get("fee_schedule"))], {"pfs"}, major)
    kept = lines.select(pl.col("line.procedure_code").alias("b.line.procedure_code")).filter(*filters["b"])
    assert kept.to_series().to_list() == ["27447"]


def test_an_ncci_pair_needs_a_column_one_code_on_one_line_and_its_column_two_code_on_another(references):
    # 43239 (EGD with biopsy) over 43235 (diagnostic EGD) is a practitioner edit of 2024 Q3; 97110
    # is in rows of the table, but with neither of them.
    assert _sides_kept(["43239", "43235", "97110"], references) == {"a": ["43239"], "b": ["43235"]}


def test_a_code_whose_partners_are_not_billed_is_not_paired(references):
    # 43239 is column one of hundreds of pairs, but none of its column-two codes is in this batch:
    # in a full release nearly every code is in some pair, so only partners billed together narrow.
    assert _sides_kept(["43239", "97110", "36415"], references) == {"a": [], "b": []}


def test_a_term_on_one_line_narrows_that_side_only(profiles, references):
    rule = _pair_rule({"all": [{"field": "a.line.modifiers", "contains": "RT"}, {"field": "b.line.units", "gt": 1}]})
    assert _filters(rule, profiles, references) == {"a": [["a.line.modifiers"]], "b": [["b.line.units"]]}


@pytest.mark.parametrize(
    "term",
    [
        {"field": "ptp.found", "eq": False},  # fires on pairs the table does NOT list
        {"field": "ptp.modifier_indicator", "is_null": True},
        {"field": "a.line.units", "gt": {"field": "b.line.units"}},  # compares the two lines
        {"any": [{"field": "a.line.modifiers", "contains": "RT"}, {"field": "b.line.units", "gt": 1}]},
    ],
)
def test_a_term_that_can_hold_for_pairs_outside_it_does_not_narrow(term, profiles, references):
    assert _filters(_pair_rule(term, [PTP]), profiles, references) == {"a": [], "b": []}
