"""The demo batch shows each coding and modifier edit on its claim, and the clean claim beside it stays clean."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.batch.load import load_batch
from scrubber.pipeline import scrub
from tests.conftest import DEMO, DEMO_AS_OF

# rule -> the (claim, line) it fires on in the demo; line None = a claim-level (diagnosis) finding.
SHOWN = {
    "DX003": [("C2001", None)],
    "DX004": [("C2003", None)],
    "DX011": [("C2010", None)],
    "DX012": [("C2012", None)],
    "PROC001": [("C2005", 1)],
    "PROC002": [("C2006", 1)],
    "PTR001": [("C2008", 2)],
    "PTR002": [("C2009", 2)],
    "NCD001": [("C2018", 1)],
    "PTP001": [("C2014", 2)],  # 43235 inside 43239
    "PTP002": [("C2017", 1)],  # 82947 on C2017 inside the panel 80053 on C2016, same patient and day
    "PTP003": [("C2044", 1)],  # the visit with an injection, without 25 (a minor procedure's is MOD002's: C2020)
    "MUE001": [("C2040", 1), ("C2042", 1)],  # C2042: the third venipuncture of the day, after C2041's two
    "MOD002": [("C2020", 1)],
    "MOD003": [("C2022", 1)],
    "MOD004": [("C2024", 2)],
    "MOD005": [("C2026", 1)],
    # An unknown modifier on a 2026 date: the 2024 modifier list cannot prove it wrong, so a warning.
    "MOD009": [("C2028", 1)],
    "MOD007": [("C2029", 1)],
    "MOD008": [("C2030", 1)],
}
# The clean claim beside each edit: right order, right modifier, right code.
CLEAN = [
    "C2002",
    "C2004",
    "C2007",
    "C2011",
    "C2013",
    "C2015",
    "C2016",
    "C2021",
    "C2023",
    "C2025",
    "C2027",
    "C2043",
    "C2045",
]


@pytest.fixture(scope="module")
def findings(rulebook) -> pl.DataFrame:
    return scrub(load_batch(DEMO), rulebook, DEMO_AS_OF).findings


@pytest.mark.parametrize("rule_id", sorted(SHOWN))
def test_each_edit_fires_on_its_demo_claim(findings, rule_id):
    # Only this scenario's claims: other scenarios may show the same edit on their own claims.
    hits = findings.filter((pl.col("rule_id") == rule_id) & pl.col("claim_id").str.starts_with("C20")).sort("claim_id")
    assert hits.select("claim_id", "line_number").rows() == SHOWN[rule_id]


def test_the_clean_neighbours_have_no_coding_or_modifier_finding(findings):
    coder = findings.filter(pl.col("claim_id").is_in(CLEAN) & pl.col("queue").eq("coder"))
    assert coder.is_empty(), coder.select("claim_id", "rule_id", "message").rows()
