"""Modifier against procedure, as billing specifications on real codes: the whole rule pack runs on
each claim, so a line is reported once, by the edit whose reason it is, and the tables the edits
read agree with the fee schedule's PC/TC indicators.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from scrubber.batch.load import load_batch
from scrubber.batch.x12 import read_837
from scrubber.engine.context import RunContext
from scrubber.engine.run import run_rules
from scrubber.examples import example_batch
from scrubber.pipeline import scrub
from tests.conftest import DEMO_AS_OF

REFERENCE = Path(__file__).resolve().parent.parent / "rules" / "reference"
MODIFIER_EDITS = ("MOD008", "MOD010", "MOD011", "MOD012", "MOD013", "MOD014", "MOD015", "MOD016", "MOD017", "MUE001")


def findings_on(example: dict, rules, profiles, references) -> list[tuple[str, int]]:
    """(rule, line) of every finding of the modifier and unit edits on the example's claim."""
    built = example_batch({"name": "spec", **example})
    run = run_rules(rules, RunContext(built.batch, profiles, references, built.as_of, built.history))
    found = run.findings.filter(pl.col("rule_id").is_in(MODIFIER_EDITS))
    return sorted(zip(found["rule_id"].to_list(), found["line_number"].to_list(), strict=True))


def table(name: str) -> pl.DataFrame:
    return pl.read_csv(next((REFERENCE / name).glob("*.csv*")), infer_schema=False)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # An already-bilateral code twice: its MUE of 1 (MAI 2) reports it; no second, bilateral finding.
        ([{"procedure_code": "77067", "units": 2}], [("MUE001", 1)]),
        ([{"procedure_code": "77066", "modifiers": ["RT"]}, {"procedure_code": "77066", "modifiers": ["LT"]}],
         [("MUE001", 2)]),
        # Modifier 50 on it is MOD008's warning alone.
        ([{"procedure_code": "77067", "modifiers": ["50"]}], [("MOD008", 1)]),
        ([{"procedure_code": "77067"}], []),
    ],
)  # fmt: skip
def test_an_already_bilateral_mammogram_billed_twice_is_reported_once(lines, expected, rules, profiles, references):
    example = {"claim": {"diagnosis_codes": ["Z12.31"], "referring_npi": "1679576722"}, "lines": lines}
    assert findings_on(example, rules, profiles, references) == expected


@pytest.mark.parametrize(
    ("place", "modifiers", "expected"),
    [
        ("22", ["26"], [("MOD011", 1)]),  # not MOD010 as well: one line, one reason, the component code
        ("22", [], [("MOD011", 1)]),
        ("11", ["TC"], [("MOD011", 1)]),
        ("11", [], []),
    ],
)
def test_a_global_only_ecg_is_reported_once_with_its_component_codes(
    place, modifiers, expected, rules, profiles, references
):
    example = {
        "claim": {"place_of_service": place, "diagnosis_codes": ["R00.2"]},
        "lines": [{"procedure_code": "93000", "modifiers": modifiers}],
    }
    assert findings_on(example, rules, profiles, references) == expected


def test_the_ecg_fix_names_the_interpretation_code(profiles, references, rules):
    built = example_batch(
        {"name": "ecg", "claim": {"place_of_service": "22", "diagnosis_codes": ["R00.2"]},
         "lines": [{"procedure_code": "93000"}]}
    )  # fmt: skip
    run = run_rules([r for r in rules if r.id == "MOD011"], RunContext(built.batch, profiles, references, built.as_of))
    assert run.findings["fix"].item().startswith("Replace 93000 on line 1 with 93010 (no 26)")


@pytest.mark.parametrize(
    ("payer", "modifiers", "expected"),
    [
        ("MEDICARE", ["80"], [("MOD015", 1)]),  # assistant indicator 0 on 29881: documentation
        ("MEDICARE", ["62"], [("MOD013", 1)]),  # co-surgery indicator 0: never
        ("MEDICARE", ["66"], [("MOD014", 1)]),  # team indicator 0: never
        ("AETNA", ["62"], []),  # a payer keeping its own surgery lists is not judged by Medicare's
    ],
)
def test_surgeon_modifiers_on_a_knee_arthroscopy(payer, modifiers, expected, rules, profiles, references):
    example = {
        "claim": {"payer_id": payer, "place_of_service": "24", "diagnosis_codes": ["S83.211A"]},
        "lines": [{"procedure_code": "29881", "modifiers": [*modifiers, "RT"]}],
    }
    assert findings_on(example, rules, profiles, references) == expected


def test_every_pctc_1_code_has_a_26_and_a_tc_row_and_lab_interpretations_a_26_row():
    fees = table("fee_schedule")
    parts = table("fee_schedule_components")
    split = set(fees.filter(pl.col("pctc") == "1")["code"])
    for modifier in ("26", "TC"):
        # 80506 (a pathology add-on new in 2024) is indicator 1 but priced only whole in RVU24C.
        assert split - set(parts.filter(pl.col("modifier") == modifier)["code"]) == {"80506"}, modifier
    interpretations = parts.filter(pl.col("pctc") == "6")
    assert {"85390", "88371", "86153"} <= set(interpretations["code"])
    assert set(interpretations["modifier"]) == {"26"}
    assert parts.filter(pl.col("code").is_in(["93000", "93010", "99213", "85025"])).is_empty()


def test_global_test_components_list_every_active_global_only_test_with_its_parts():
    fees = table("fee_schedule")
    pctc = dict(zip(fees["code"], fees["pctc"], strict=True))
    components = table("global_test_components")
    active_global_only = fees.filter((pl.col("pctc") == "4") & (pl.col("status") == "A"))
    assert set(components["code"]) == set(active_global_only["code"])
    for row in components.iter_rows(named=True):
        assert {pctc[c] for c in row["professional_codes"].split(";")} == {"2"}, row["code"]
        assert {pctc[c] for c in row["technical_codes"].split(";")} == {"3"}, row["code"]


def test_without_the_unit_type_column_anesthesia_minutes_are_not_checked_never_passed(demo_copy, rulebook):
    lines = pl.read_csv(demo_copy / "claim_lines.csv", infer_schema=False)
    lines.drop("unit_type").write_csv(demo_copy / "claim_lines.csv")
    result = scrub(load_batch(demo_copy), rulebook, DEMO_AS_OF)
    assert "MOD017" not in result.ran and "MOD016" in result.ran
    assert {item["rule_id"]: item["reason"] for item in result.not_checked}["MOD017"] == (
        "no unit_type column in claim_lines (the unit basis, 837 SV103: MJ minutes, UN units)"
    )


def test_with_the_column_anesthesia_sent_as_units_is_an_error(demo_copy, rulebook):
    result = scrub(load_batch(demo_copy), rulebook, DEMO_AS_OF)
    found = result.findings.filter(pl.col("rule_id") == "MOD017")
    assert found.select("claim_id", "line_number", "severity").rows() == [("C8020", 1, "error")]


def test_the_837_unit_basis_becomes_unit_type():
    sample = Path(__file__).parent / "fixtures" / "x12" / "linuxforhealth" / "demo.ambulance.example5.837"
    lines = read_837(sample).claim_lines
    assert set(lines["unit_type"]) == {"UN"} and lines.height == 4
