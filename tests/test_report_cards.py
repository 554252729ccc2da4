"""The fix list's work queue: which claim a biller sees first, and what each card shows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from scrubber.examples import example_batch
from scrubber.pipeline import scrub
from scrubber.report.cards import claim_cards, claim_facts, unbilled_visits
from scrubber.report.compare import compare
from scrubber.report.worklist import worklist_rows

AS_OF = dt.date(2026, 3, 16)
TELEHEALTH = {"place_of_service": "10"}  # MOD001 fires: no modifier 95


def queue(rulebook, profiles, claims: list[dict], **limit):
    built = example_batch({"claims": claims, "as_of": AS_OF.isoformat()})
    findings, _ = compare(scrub(built.batch, rulebook, AS_OF).findings, [])
    facts = claim_facts(built.batch.claims, built.batch.claim_lines, findings, profiles, AS_OF)
    return claim_cards(facts, built.batch.claim_lines, findings, **limit)


def test_the_claim_closest_to_its_filing_deadline_comes_first(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            # Medicare allows 12 months: 2026-01-05 is due Tuesday 2027-01-05, 295 days away.
            {
                "claim": {"claim_id": "MCR1", "payer_id": "MEDICARE", **TELEHEALTH},
                "lines": [{"service_date": "2026-01-05"}],
            },
            # Aetna allows 90 days: 2025-12-16 is due today, the last day to file.
            {
                "claim": {"claim_id": "AET1", "payer_id": "AETNA", **TELEHEALTH},
                "lines": [{"service_date": "2025-12-16"}],
            },
            # UHC allows 90 days: 2025-12-01 was due on Sunday 2026-03-01, so on Monday the 2nd, 14 days ago.
            {"claim": {"claim_id": "UHC1", "payer_id": "UHC", **TELEHEALTH}, "lines": [{"service_date": "2025-12-01"}]},
        ],
    )
    rows = cards.select("claim_id", "days_left", "deadline", "deadline_label", "urgency", "bucket").rows()
    assert rows == [
        ("AET1", 0, "2026-03-16", "last day to file", "urgent", "on_time"),
        ("MCR1", 295, "2027-01-05", "295 days left to file", "ok", "on_time"),
        # Past saving by a corrected claim: appeal with proof of timely filing or write off, after the savable ones.
        ("UHC1", -14, "2026-03-02", "14 days past the filing deadline", "late", "past"),
    ]


def test_a_page_too_long_to_work_keeps_the_most_urgent_claims(rulebook, profiles):
    claims = [
        {
            "claim": {"claim_id": f"AET{days}", "payer_id": "AETNA", **TELEHEALTH},
            "lines": [{"service_date": (AS_OF - dt.timedelta(days=days)).isoformat()}],
        }
        for days in (10, 80, 40, 95)
    ]
    cards = queue(rulebook, profiles, claims, limit=2)
    assert cards["claim_id"].to_list() == ["AET80", "AET40"]  # 10 and 50 days left; AET95 is past due
    assert cards["lines"].list.len().to_list() == [1, 1]


def test_the_deadline_counts_from_the_claims_first_date_of_service(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            {
                "claim": {"claim_id": "AET2", "payer_id": "AETNA", **TELEHEALTH},
                "lines": [{"service_date": "2026-03-02"}, {"service_date": "2026-02-20", "procedure_code": "36415"}],
            },
        ],
    )
    card = cards.row(0, named=True)
    assert card["service_dates"] == "2026-02-20 to 2026-03-02"
    assert card["deadline"] == "2026-05-21" and card["days_left"] == 66


def test_with_the_same_deadline_more_dollars_at_risk_come_first(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            {"claim": {"claim_id": "SMALL", "payer_id": "AETNA", **TELEHEALTH}, "lines": [{"charge": "95.00"}]},
            {"claim": {"claim_id": "LARGE", "payer_id": "AETNA", **TELEHEALTH}, "lines": [{"charge": "240.00"}]},
        ],
    )
    assert cards["claim_id"].to_list() == ["LARGE", "SMALL"]
    assert cards["total_text"].to_list() == ["$240.00", "$95.00"]


def test_a_finding_sits_beside_the_line_it_concerns(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            {
                "claim": {"claim_id": "TWO", "payer_id": "AETNA"},
                "lines": [
                    {"procedure_code": "99213", "modifiers": ["95"], "place_of_service": "10"},
                    {"procedure_code": "99214", "place_of_service": "02", "service_date": "2026-03-03"},
                ],
            },
        ],
    )
    lines = cards.row(0, named=True)["lines"]
    assert [line["procedure_code"] for line in lines] == ["99213", "99214"]
    assert lines[0]["findings"] == []
    assert [f["rule_id"] for f in lines[1]["findings"]] == ["MOD001"]
    assert lines[1]["findings"][0]["queue"] == "coder"
    assert "modifier 95" in lines[1]["findings"][0]["fix"]


def test_claim_level_findings_are_above_the_lines_and_codes_read_with_their_dot(rulebook, profiles):
    # E11 is a category header (DX002); E1165 is billable and is shown as E11.65.
    cards = queue(
        rulebook,
        profiles,
        [
            {"claim": {"claim_id": "DX", "payer_id": "AETNA", "diagnosis_codes": ["E11", "E1165"]}},
        ],
    )
    card = cards.row(0, named=True)
    assert card["diagnoses"] == "E11, E11.65"
    assert [f["rule_id"] for f in card["claim_findings"]] == ["DX002"]
    assert card["lines"][0]["findings"] == []


def test_a_clean_claim_gets_no_card(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            {"claim": {"claim_id": "CLEAN", "payer_id": "AETNA"}},
            {"claim": {"claim_id": "TELE", "payer_id": "AETNA", **TELEHEALTH}},
        ],
    )
    assert cards["claim_id"].to_list() == ["TELE"]


def test_preview_findings_never_make_a_card_or_count_as_errors(rulebook, profiles):
    built = example_batch({"claims": [{"claim": {"claim_id": "TELE", "payer_id": "AETNA", **TELEHEALTH}}]})
    findings = scrub(built.batch, rulebook, AS_OF).findings.with_columns(pl.lit("preview").alias("rule_status"))
    findings, _ = compare(findings, [])
    facts = claim_facts(built.batch.claims, built.batch.claim_lines, findings, profiles, AS_OF)
    assert facts.height == 0
    assert claim_cards(facts, built.batch.claim_lines, findings).height == 0


def test_dollars_at_risk_count_only_claims_with_errors(rulebook, profiles):
    built = example_batch(
        {
            "claims": [
                {"claim": {"claim_id": "ERR", "payer_id": "AETNA", **TELEHEALTH}, "lines": [{"charge": "150.00"}]},
                {"claim": {"claim_id": "WARN", "payer_id": "AETNA", **TELEHEALTH}, "lines": [{"charge": "80.00"}]},
            ]
        }
    )
    findings = scrub(built.batch, rulebook, AS_OF).findings.with_columns(
        pl.when(pl.col("claim_id") == "WARN").then(pl.lit("warning")).otherwise(pl.col("severity")).alias("severity")
    )
    findings, _ = compare(findings, [])
    facts = claim_facts(built.batch.claims, built.batch.claim_lines, findings, profiles, AS_OF)
    at_risk = dict(facts.select("claim_id", "at_risk").rows())
    assert at_risk == {"ERR": pytest.approx(150.0), "WARN": 0.0}


def test_the_worklist_lists_the_most_urgent_claims_with_every_finding_and_counts_the_rest(rulebook, profiles):
    claims = [
        {
            "claim": {"claim_id": f"AET{days}", "payer_id": "AETNA", **TELEHEALTH},
            "lines": [{"service_date": (AS_OF - dt.timedelta(days=days)).isoformat()}],
        }
        for days in (10, 80, 40, 95)
    ]
    built = example_batch({"claims": claims, "as_of": AS_OF.isoformat()})
    findings, _ = compare(scrub(built.batch, rulebook, AS_OF).findings, [])
    facts = claim_facts(built.batch.claims, built.batch.claim_lines, findings, profiles, AS_OF)
    visits = unbilled_visits(findings, None, built.batch.claims, built.batch.claim_lines, profiles, AS_OF)
    rows, left_out = worklist_rows(findings, facts, visits, limit=2)
    assert rows["Claim"].to_list() == ["AET80", "AET40"] and left_out == 2  # 10 and 50 days left to file
    assert rows["Every finding and its fix"].str.contains("Line 1 · MOD001 (error):", literal=True).all()


def aetna(claim_id: str, service_date: str, charge: str) -> dict:
    """A telehealth visit without modifier 95 (MOD001), billed to Aetna (90-day filing limit)."""
    return {
        "claim": {"claim_id": claim_id, "payer_id": "AETNA", **TELEHEALTH},
        "lines": [{"service_date": service_date, "charge": charge}],
    }


def test_what_can_still_be_saved_comes_first_and_a_claim_past_its_deadline_goes_to_its_own_bucket(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [
            # Aetna's 90 days from 2025-12-01 ended on Sunday 2026-03-01, so Monday the 2nd: 14 days ago.
            aetna("PAST", "2025-12-01", "900.00"),
            aetna("LATER", "2026-01-15", "5000.00"),  # due Wednesday 2026-04-15: 30 days left
            aetna("SOON", "2025-12-19", "100.00"),  # due Thursday 2026-03-19: 3 days left
        ],
    )
    rows = cards.select("claim_id", "days_left", "total", "bucket", "priority").rows()
    assert rows == [
        ("SOON", 3, 100.0, "on_time", 1),  # fewest days left first, whatever the dollars
        ("LATER", 30, 5000.0, "on_time", 2),
        ("PAST", -14, 900.0, "past", 3),  # the largest loss would still lead the past-deadline bucket
    ]


def test_a_claim_whose_payer_has_no_profile_is_placed_by_its_dollars_among_the_savable_ones(rulebook, profiles):
    # CIGNA has no payer profile here: nobody checked its filing limit, so the claim is not sent to the end.
    cigna = lambda claim_id, charge: {  # noqa: E731
        "claim": {"claim_id": claim_id, "payer_id": "CIGNA", **TELEHEALTH},
        "lines": [{"charge": charge}],
    }
    cards = queue(
        rulebook,
        profiles,
        [
            aetna("PAST", "2025-12-01", "900.00"),
            aetna("SOON", "2025-12-19", "100.00"),
            aetna("LATER", "2026-01-15", "5000.00"),
            cigna("CIGNA_BIG", "1000.00"),  # worth more than SOON, the first savable claim: ahead of it
            cigna("CIGNA_SMALL", "60.00"),  # worth less than every savable claim: after them, still before PAST
        ],
    )
    assert cards["claim_id"].to_list() == ["CIGNA_BIG", "SOON", "LATER", "CIGNA_SMALL", "PAST"]
    unknown = cards.row(0, named=True)
    assert unknown["bucket"] == "on_time" and unknown["days_left"] is None and unknown["urgency"] == "unknown"
    assert unknown["deadline_label"] == "deadline unknown: no payer profile, check the payer's limit"
    assert unknown["team"] == "No payer profile"


def test_a_claim_row_names_its_owner_queue_and_its_top_finding(rulebook, profiles):
    cards = queue(
        rulebook,
        profiles,
        [{"claim": {"claim_id": "DX", "payer_id": "AETNA", "diagnosis_codes": ["E11"], **TELEHEALTH}}],
    )
    row = cards.row(0, named=True)
    # DX002 (a category header) sits on the claim, MOD001 on its line: the claim's own finding leads.
    assert (row["top_rule"], row["n_findings"], row["owner"]) == ("DX002", 2, "coder")
    assert row["rules"] == ["DX002", "MOD001"]


def test_a_claim_with_a_coding_and_a_billing_finding_is_owned_by_both_queues(rulebook, profiles):
    claim = {"claim_id": "BOTH", "payer_id": "AETNA", "diagnosis_codes": ["E11"], "billing_npi": "1234567890"}
    row = queue(rulebook, profiles, [{"claim": claim}]).row(0, named=True)
    # DX002 (a category header) is the coder's; PRV001 (the NPI fails its check digit) the biller's.
    assert {"DX002", "PRV001"} <= set(row["rules"])
    assert row["owner"] == "biller + coder"


def test_a_finding_on_a_line_the_claim_does_not_have_is_still_shown_on_its_card(rulebook, profiles):
    # A load issue can name a line number the claim's lines do not hold (a repeated or unreadable one).
    built = example_batch(
        {"claims": [{"claim": {"claim_id": "AET9", "payer_id": "AETNA", **TELEHEALTH}}], "as_of": AS_OF.isoformat()}
    )
    found = scrub(built.batch, rulebook, AS_OF).findings
    stray = [
        found.head(1).with_columns(pl.lit(line, pl.Int64).alias("line_number"), pl.lit(rule).alias("rule_id"))
        for line, rule in [(9, "DQ015"), (7, "DQ016")]
    ]
    findings, _ = compare(pl.concat([found, *stray]), [])
    facts = claim_facts(built.batch.claims, built.batch.claim_lines, findings, profiles, AS_OF)
    card = claim_cards(facts, built.batch.claim_lines, findings).row(0, named=True)
    # Two missing lines: by line number, the same order every run.
    assert [f["rule_id"] for f in card["other_findings"]] == ["DQ016", "DQ015"]
    assert [f["rule_id"] for line in card["lines"] for f in line["findings"]] == ["MOD001"]
