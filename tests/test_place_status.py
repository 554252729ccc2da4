"""Place of service, preventive visits and Medicare fee-schedule status, as a biller would specify them:
each edit fires on its demo claim and not on the clean twin, and what Medicare pays under another fee
schedule (lab, DMEPOS, drugs, vaccines, ambulance) stays clean for every status edit."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.batch.load import load_batch
from scrubber.examples import run_example
from scrubber.pipeline import scrub
from tests.conftest import DEMO, DEMO_AS_OF

STATUS_RULES = ["PFS001", "PFS002", "PFS003", "PFS004", "PFS005", "PFS006"]
PLACE_RULES = ["POS001", "POS002", "POS003", "POS004", "POS005", "POS006"]
FAMILY = ["PREV001", "PREV002", *PLACE_RULES, *STATUS_RULES]

# rule -> the (claim, line, severity) it fires on in the demo.
SHOWN = {
    "PREV001": [("C7001", 2, "error")],
    "PREV002": [("C7005", 1, "error")],
    "POS001": [("C7007", 1, "error")],
    "POS002": [("C7009", 1, "warning")],
    "POS003": [("C7011", 1, "error")],
    "POS004": [("C7013", 1, "error")],
    "POS005": [("C7015", 1, "warning")],
    "POS006": [("C7017", 1, "warning")],
    "PFS001": [("C7019", 1, "error")],
    "PFS002": [("C7021", 1, "error")],
    "PFS003": [("C7023", 2, "error")],
    "PFS004": [("C7025", 1, "warning")],
    "PFS005": [("C7027", 1, "error")],
    "PFS006": [("C7032", 3, "error")],
}
# Each differs from the claim before it only in what the edit checks; C7029-C7031 bill lab, DME and a
# vaccine, which Medicare pays under other fee schedules.
CLEAN = ["C7002", "C7004", "C7006", "C7008", "C7010", "C7012", "C7014", "C7016", "C7018", "C7020", "C7022"]
CLEAN += ["C7024", "C7026", "C7028", "C7029", "C7030", "C7031", "C7033"]


@pytest.fixture(scope="module")
def findings(rulebook) -> pl.DataFrame:
    return scrub(load_batch(DEMO), rulebook, DEMO_AS_OF).findings


@pytest.mark.parametrize("rule_id", sorted(SHOWN))
def test_each_edit_fires_on_its_demo_claim_and_nowhere_else(findings, rule_id):
    hits = findings.filter(pl.col("rule_id") == rule_id).sort("claim_id", "line_number")
    assert hits.select("claim_id", "line_number", "severity").rows() == SHOWN[rule_id]


def test_the_clean_twins_have_no_finding(findings):
    flagged = findings.filter(pl.col("claim_id").is_in(CLEAN))
    assert flagged.is_empty(), flagged.select("claim_id", "rule_id", "message").rows()


def test_the_annual_wellness_visit_with_a_problem_visit_is_one_ncci_finding(findings):
    # G0439 with 99213 is an NCCI pair: PTP003 says "add 25", and no preventive edit repeats it.
    on_claim = findings.filter(pl.col("claim_id") == "C7003")
    assert on_claim.select("line_number", "rule_id").rows() == [(2, "PTP003")]


def test_codes_medicare_pays_under_another_fee_schedule_are_clean(rules, profiles, references):
    """80053 and 36415 (clinical lab fee schedule), an E-code DME item (DMEPOS), J1100 (drug at ASP), a flu
    vaccine with G0008 (Part B vaccine), ground ambulance with its mileage: status X or E, or not in the
    physician fee schedule at all, and no status or place-of-service edit may fire on them for Medicare."""
    by_id = {rule.id: rule for rule in rules}
    claims = [
        {"claim": {"diagnosis_codes": ["E11.9"]}, "lines": [{"procedure_code": "80053"}, {"procedure_code": "36415"}]},
        {"claim": {"place_of_service": "12", "diagnosis_codes": ["M17.11"]}, "lines": [{"procedure_code": "E0143"}]},
        {"claim": {"diagnosis_codes": ["J45.901"]}, "lines": [{"procedure_code": "J1100", "units": 10}]},
        {"claim": {"diagnosis_codes": ["Z23"]}, "lines": [{"procedure_code": "90686"}, {"procedure_code": "G0008"}]},
        {
            "claim": {"place_of_service": "41", "diagnosis_codes": ["R07.9"]},
            "lines": [{"procedure_code": "A0427"}, {"procedure_code": "A0425", "units": 12}],
        },
    ]
    for example in claims:
        for rule_id in [*STATUS_RULES, *PLACE_RULES]:
            found = run_example(by_id[rule_id], example, profiles, references)
            assert found.is_empty(), (rule_id, example["lines"], found["message"].to_list())


def test_the_same_codes_are_status_x_or_e_in_the_physician_fee_schedule(references):
    """The test above is not empty: the fee schedule does mark these codes as not its own to pay."""
    pfs = references.get("fee_schedule").rows
    status = dict(
        pfs.filter(pl.col("code").is_in(["80053", "36415", "J1100", "90686", "G0008", "A0427"]))
        .select("code", "status")
        .iter_rows()
    )
    assert status == {"80053": "X", "36415": "X", "J1100": "E", "90686": "X", "G0008": "X", "A0427": "X"}
    assert pfs.filter(pl.col("code") == "E0143").is_empty()


def test_a_status_t_line_paired_with_several_services_is_one_finding_naming_the_first(findings):
    # C7032 bills 94760 with the visit (line 1) and the nebulizer treatment (line 2): one finding, on the
    # oximetry line, naming the visit.
    (message,) = findings.filter(pl.col("rule_id") == "PFS006")["message"].to_list()
    assert "with 99214 (claim C7032 line 1)" in message


def test_the_status_edits_are_medicare_only(rules, profiles, references):
    # A consultation, a general health panel, hot packs and a preventive visit are a commercial plan's to judge.
    by_id = {rule.id: rule for rule in rules}
    for code in ("99244", "80050", "97010", "11055", "99605", "99396", "94760"):
        example = {
            "claim": {"payer_id": "AETNA"},
            "lines": [{"procedure_code": "99213", "modifiers": ["25"]}, {"procedure_code": code}],
        }
        for rule_id in [*STATUS_RULES, "PREV002"]:
            assert run_example(by_id[rule_id], example, profiles, references).is_empty(), (rule_id, code)
