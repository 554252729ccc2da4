"""A rule that needs a reference row drops the lines the table says nothing about, and finds the same."""

from __future__ import annotations

import dataclasses

import pytest

from bench.generate import AS_OF, generate, write_batch
from scrubber.batch import load_batch
from scrubber.engine.compile import findings_query
from scrubber.engine.context import RunContext
from scrubber.engine.run import compile_all, materialise_scopes, scope_and_rows
from tests.conftest import DEMO, DEMO_AS_OF


@pytest.fixture(scope="module")
def compiled(rules, profiles, references):
    ctx = RunContext(load_batch(DEMO), profiles, references, DEMO_AS_OF)
    return {c.rule.id: c for c in compile_all([r for r in rules if r.status != "retired"], ctx)}


@pytest.mark.parametrize(
    ("rule_id", "needs"),
    [
        ("MUE001", {"mue"}),  # units over a limit the MUE table must state
        ("DX002", {"icd"}),  # a header code is one the ICD-10-CM table lists as not billable
        ("NCD001", {"ncd"}),  # only tests the NCD lists cover
        ("PTP002", {"ptp"}),
        ("DX001", set()),  # fires on codes the table does NOT hold
        ("PROC003", set()),
        ("MOD006", set()),
    ],
)
def test_a_rule_needs_the_tables_its_condition_cannot_hold_without(compiled, rule_id, needs):
    assert compiled[rule_id].required == needs


@pytest.mark.parametrize("source", ["demo", "benchmark"])
def test_dropping_lines_a_needed_table_says_nothing_about_changes_no_finding(
    source, rules, profiles, references, tmp_path
):
    if source == "demo":
        batch, as_of = load_batch(DEMO), DEMO_AS_OF
    else:  # real MUE, NCD, MCE and HCPCS codes mixed at random
        batch, as_of = load_batch(write_batch(generate(8_000, seed=5), tmp_path, "parquet")), AS_OF
    ctx = RunContext(batch, profiles, references, as_of)
    needing = [c for c in compile_all([r for r in rules if r.status != "retired"], ctx) if c.required]
    assert len(needing) >= 10
    scopes = materialise_scopes(needing, ctx)
    fired = 0
    for item in needing:
        everything = dataclasses.replace(item, required=set(), side_filters=item.side_filters and {"a": [], "b": []})
        narrowed = (
            findings_query(item, *scope_and_rows(item, scopes), profiles)
            .collect()
            .sort("claim_id", "line_number", "message")
        )
        whole = (
            findings_query(everything, *scope_and_rows(everything, scopes), profiles)
            .collect()
            .sort("claim_id", "line_number", "message")
        )
        assert narrowed.equals(whole), item.rule.id
        fired += narrowed.height
    assert fired > 0
