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
    # Medicare's 365 days of the contract table are 42 CFR 424.44's "12 months after the date of
    # service", which differ from 365 days only across a February 29 (tests/test_filing_clock.py).
    limits = {p.payer_id: p.timely_filing_limit for p in profiles.payers.values()}
    assert limits == {
        "MEDICARE": "12 months",
        "MEDICAID_TX": "95 days",
        "AETNA": "90 days",
        "BCBS_TX": "90 days",
        "UHC": "90 days",
    }


def profiles_with_uhc(tmp_path, change):
    """The shipped profiles, with UHC's file changed as a payer-rule pull request would."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in PROFILES.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text())
    (folder / "UHC.yaml").write_text(change((folder / "UHC.yaml").read_text()))
    return load_profiles(folder)


def test_a_profile_can_switch_a_rule_off_for_its_payer(tmp_path, rules, references):
    profiles = profiles_with_uhc(tmp_path, lambda text: text + "rules:\n  MOD001: {enabled: false}\n")
    assert run_example(telehealth_rule(rules), TELEHEALTH_AT_HOME, profiles, references).height == 0
    other_payer = {**TELEHEALTH_AT_HOME, "claim": {"payer_id": "AETNA", "place_of_service": "10"}}
    assert run_example(telehealth_rule(rules), other_payer, profiles, references).height == 1


def test_a_profile_can_regrade_a_rule(tmp_path, rules, references):
    profiles = profiles_with_uhc(tmp_path, lambda text: text + "rules:\n  MOD001: {severity: warning}\n")
    findings = run_example(telehealth_rule(rules), TELEHEALTH_AT_HOME, profiles, references)
    assert findings["severity"].to_list() == ["warning"]


def test_a_payer_parameter_changes_what_the_rule_asks_for(tmp_path, rules, references):
    profiles = profiles_with_uhc(
        tmp_path, lambda text: text.replace('telehealth_modifier: "95"', 'telehealth_modifier: "GT"')
    )
    with_95 = {**TELEHEALTH_AT_HOME, "lines": [{"modifiers": ["95"]}]}
    findings = run_example(telehealth_rule(rules), with_95, profiles, references)
    assert findings.filter(pl.col("message").str.contains("without modifier GT")).height == 1


BOTH_KNEES_RT_LT = {
    "name": "t",
    "claim": {"payer_id": "UHC", "diagnosis_codes": ["M17.0"]},
    "lines": [{"procedure_code": "20610", "modifiers": ["RT"]}, {"procedure_code": "20610", "modifiers": ["LT"]}],
}


def test_bilateral_right_and_left_lines_pass_where_the_payer_wants_them(tmp_path, rules, references):
    # 20610 (bilateral indicator 1) on both knees: an error only for a payer that wants modifier 50.
    mod004 = next(r for r in rules if r.id == "MOD004")

    def findings(text: str) -> pl.DataFrame:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        return run_example(mod004, BOTH_KNEES_RT_LT, profiles_with_uhc(folder, lambda t: t + text), references)

    assert findings("").select("claim_id", "line_number").rows() == [("C1", 2)]  # the default, Medicare's format
    assert findings("  bilateral_format: rtlt_lines\n").height == 0
    two_units = findings("  bilateral_format: mod50_2units\n")
    assert two_units.height == 1 and "2 units for mod50_2units" in two_units["fix"][0]
