"""Every rule's own examples, run through the real loader and compiler.

Test ids are `<RULE>_<fire|pass>_<example>`, so `pytest -k MOD001` runs one rule.
"""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.examples import compare, run_example
from scrubber.rulebook.rules import load_rules
from tests.conftest import RULES

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.id}_{kind}_{example['name']}")
    for rule in load_rules(RULES)
    for kind in ("fire", "pass")
    for example in rule.examples[kind]
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(rule, kind, example, profiles, references):
    findings = run_example(rule, example, profiles, references)
    # A pass example expects nothing; a fire example lists every finding, one entry each.
    mismatch = compare(findings, example.get("expect", []))
    assert not mismatch, f"{rule.id} {kind} example {example['name']}: {mismatch}"


def test_every_rule_has_fire_and_pass_examples():
    for rule in load_rules(RULES):
        assert rule.examples["fire"] and rule.examples["pass"], rule.id


def _findings(*rows):
    return pl.DataFrame(
        [{"claim_id": c, "line_number": n, "severity": s, "message": "m"} for c, n, s in rows],
        schema={"claim_id": pl.String, "line_number": pl.Int64, "severity": pl.String, "message": pl.String},
    )


def test_an_example_lists_every_finding_one_entry_each():
    two_lines = _findings(("C1", 1, "error"), ("C1", 2, "error"))
    assert not compare(two_lines, [{"claim_id": "C1", "line_number": 1}, {"claim_id": "C1", "line_number": 2}])
    mismatch = compare(two_lines, [{"claim_id": "C1", "line_number": 1}])
    assert mismatch.missing == [] and [(u["claim_id"], u["line_number"]) for u in mismatch.unexpected] == [("C1", 2)]
    assert "unexpected {claim_id: C1, line_number: 2" in str(mismatch)
    # One entry cannot stand for two findings on the same line.
    assert compare(_findings(("C1", 1, "error"), ("C1", 1, "error")), [{"claim_id": "C1", "line_number": 1}]).unexpected


def test_a_missing_finding_is_named():
    mismatch = compare(
        _findings(("C1", 1, "error")), [{"claim_id": "C1", "line_number": 1}, {"claim_id": "C2", "line_number": 1}]
    )
    assert mismatch.missing == [{"claim_id": "C2", "line_number": 1}] and not mismatch.unexpected
    assert str(mismatch) == "missing {claim_id: C2, line_number: 1}"


def test_an_entry_without_line_number_means_a_claim_level_finding():
    assert not compare(_findings(("C1", None, "error")), [{"claim_id": "C1"}])
    assert compare(_findings(("C1", 3, "error")), [{"claim_id": "C1"}])
    assert not compare(_findings((None, None, "error")), [{"claim_id": None}])  # a file-level finding


def test_a_precise_entry_is_paired_before_a_loose_one():
    findings = _findings(("C1", 1, "warning"), ("C1", 1, "error"))
    assert not compare(
        findings, [{"claim_id": "C1", "line_number": 1}, {"claim_id": "C1", "line_number": 1, "severity": "warning"}]
    )
    assert compare(findings, [{"claim_id": "C1", "line_number": 1, "severity": "error"}] * 2).missing
