"""The demo batch shows each billing edit on its claim or visit, and the clean claim beside it stays clean."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.batch.load import load_batch
from scrubber.pipeline import scrub
from tests.conftest import DEMO, DEMO_AS_OF

# rule -> the (claim, line) it fires on in the demo; line None = a claim-level finding.
SHOWN = {
    "ELIG001": [("C3005", 2)],  # the therapy visit after coverage ended
    "ELIG002": [("C3001", 1)],
    "ELIG003": [("C3003", None)],
    "ELIG004": [("C3004", None)],
    "ELIG005": [("C3005", None)],
    "TF001": [("C3006", 1), ("C3007", 1)],
    "TF002": [("C3007", 2), ("C3008", 1)],  # C3007: one claim, a line past the limit and a line near it
    "DUP001": [("C3011", 1)],
    "DUP003": [("C3013", None)],
    "PRV001": [("C3015", None)],
    "PRV002": [("C3016", None)],
    "PRV003": [("C3017", None)],
    "PRV004": [("C3018", None)],
    "PRV005": [("C3019", 2)],
    "AUTH001": [("C3021", 1), ("C3023", 1)],
    "AUTH002": [("C3024", 1)],
    "ENC002": [("C3025", None), ("C3031", None)],  # C3031: the visit dated after the run
    "ENC003": [("C3026", None)],
    "DQ005": [("C3027", None)],
    "DQ006": [("C3028", 1)],
    "DQ007": [("C3030", 2)],
    "DQ008": [("C3031", 1)],
    "DQ009": [("C3032", None)],
    "DQ010": [("C3033", None)],
    "DQ011": [("C3034", None)],
    "DQ012": [("C3035", 1)],
}
# Same payer and service as a claim above, differing only in what the edit checks.
CLEAN = ["C3002", "C3009", "C3010", "C3012", "C3014", "C3020", "C3022", "C3029"]


@pytest.fixture(scope="module")
def findings(rulebook) -> pl.DataFrame:
    return scrub(load_batch(DEMO), rulebook, DEMO_AS_OF).findings


@pytest.mark.parametrize("rule_id", sorted(SHOWN))
def test_each_billing_edit_fires_on_its_demo_claim(findings, rule_id):
    hits = findings.filter((pl.col("rule_id") == rule_id) & pl.col("claim_id").str.starts_with("C30")).sort(
        "claim_id", "line_number", nulls_last=False
    )
    assert hits.select("claim_id", "line_number").rows() == SHOWN[rule_id]


def test_unbilled_visits_are_flagged_by_the_window_of_the_patients_payer(findings):
    # E3001: a patient with no claim gets the default 7 days (11 unbilled); E3002: Aetna's 5 days (6 unbilled);
    # E3003 is 4 days old and still inside Aetna's window.
    unbilled = findings.filter(pl.col("rule_id") == "ENC001")
    assert sorted(unbilled["encounter_id"]) == ["E3001", "E3002"]
    assert unbilled["claim_id"].is_null().all()


def test_the_clean_neighbours_have_no_finding(findings):
    flagged = findings.filter(pl.col("claim_id").is_in(CLEAN))
    assert flagged.is_empty(), flagged.select("claim_id", "rule_id", "message").rows()


def test_every_billing_family_fires_on_the_demo(findings):
    shown = set(findings["category"])
    assert {
        "eligibility",
        "timely_filing",
        "duplicate",
        "provider",
        "authorization",
        "encounter",
        "data_quality",
    } <= shown
