"""Payer profiles select and adjust rules; they never change what a rule means."""

from __future__ import annotations

import polars as pl

from scrubber.examples import run_example
from scrubber.rulebook.profiles import load_profiles
from tests.conftest import PROFILES

TELEHEALTH_AT_HOME = {"name": "t", "claim": {"payer_id": "UHC", "place_of_service": "10"}}


def telehealth_rule(rules):
    return next(r for r in rules if r.id == "MOD001")


def test_contract_payers_have_profiles_with_their_filing_limits(profiles):
    limits = {p.payer_id: p.timely_filing_days for p in profiles.payers.values()}
    assert limits == {"MEDICARE": 365, "MEDICAID_TX": 95, "AETNA": 90, "BCBS_TX": 90, "UHC": 90}


def test_a_profile_can_switch_a_rule_off_for_its_payer(tmp_path, rules, references):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in PROFILES.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text())
    (folder / "UHC.yaml").write_text((folder / "UHC.yaml").read_text() + "rules:\n  MOD001: {enabled: false}\n")
    assert run_example(telehealth_rule(rules), TELEHEALTH_AT_HOME, load_profiles(folder), references).height == 0
    other_payer = {**TELEHEALTH_AT_HOME, "claim": {"payer_id": "AETNA", "place_of_service": "10"}}
    assert run_example(telehealth_rule(rules), other_payer, load_profiles(folder), references).height == 1


def test_a_profile_can_regrade_a_rule(tmp_path, rules, references):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in PROFILES.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text())
    (folder / "UHC.yaml").write_text((folder / "UHC.yaml").read_text() + "rules:\n  MOD001: {severity: warning}\n")
    findings = run_example(telehealth_rule(rules), TELEHEALTH_AT_HOME, load_profiles(folder), references)
    assert findings["severity"].to_list() == ["warning"]


def test_a_payer_parameter_changes_what_the_rule_asks_for(tmp_path, rules, references):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in PROFILES.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text().replace('telehealth_modifier: "95"', 'telehealth_modifier: "GT"'))
    with_95 = {**TELEHEALTH_AT_HOME, "lines": [{"modifiers": ["95"]}]}
    findings = run_example(telehealth_rule(rules), with_95, load_profiles(folder), references)
    assert findings.filter(pl.col("message").str.contains("without modifier GT")).height == 1
