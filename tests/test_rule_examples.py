"""Every rule's own examples, run through the real loader and compiler.

Test ids are `<RULE>_<fire|pass>_<example>`, so `pytest -k MOD001` runs one rule.
"""

from __future__ import annotations

import pytest

from scrubber.examples import run_example, unmet_expectations
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
    if kind == "fire":
        assert findings.height > 0, f"{rule.id} should fire on {example['name']}"
        assert not unmet_expectations(findings, example.get("expect", [])), findings.to_dicts()
    else:
        assert findings.height == 0, f"{rule.id} should pass {example['name']}: {findings['message'].to_list()}"


def test_every_rule_has_fire_and_pass_examples():
    for rule in load_rules(RULES):
        assert rule.examples["fire"] and rule.examples["pass"], rule.id
