"""MUE001's per-line branch (adjudication indicator 1), which the shipped MUE sample has no row for.

The sample holds only per-day limits (MAI 2 and 3), so this builds a one-row MUE release with a
per-line limit and runs the real rule on it.
"""

from __future__ import annotations

import pytest
import yaml

from scrubber.examples import run_example
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.yamlfile import read_yaml
from tests.conftest import RULES


@pytest.fixture
def per_line_limit(tmp_path) -> ReferenceLibrary:
    """A release in which 36415 (venipuncture) may be billed once per line."""
    folder = tmp_path / "mue"
    folder.mkdir()
    table = read_yaml(RULES / "reference" / "mue" / "table.yaml")
    table["releases"] = [{"id": "TEST", "file": "mue_test.csv", "effective_from": "2026-01-01", "source": "test"}]
    (folder / "mue_test.csv").write_text("code,mue_value,mai,rationale,source\n36415,1,1,test,test\n")
    (folder / "table.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
    return ReferenceLibrary(tmp_path)


@pytest.fixture
def mue_rule(rules):
    return next(rule for rule in rules if rule.id == "MUE001")


def test_units_over_a_per_line_limit_fire_on_that_line(mue_rule, profiles, per_line_limit):
    example = {"name": "x", "lines": [{}, {"procedure_code": "36415", "units": 2}]}
    findings = run_example(mue_rule, example, profiles, per_line_limit)
    assert findings["line_number"].to_list() == [2]
    assert "MUE is 1 (adjudication indicator 1" in findings["message"][0]


def test_a_per_line_limit_allows_the_same_code_again_on_another_line(mue_rule, profiles, per_line_limit):
    example = {"name": "x", "lines": [{"procedure_code": "36415"}, {"procedure_code": "36415", "modifiers": ["59"]}]}
    assert run_example(mue_rule, example, profiles, per_line_limit).height == 0
