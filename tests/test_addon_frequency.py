"""Add-on codes and preventive frequency limits across runs: the demo is billed one night, and a later
export bills the follow-up services (as a practice system exports only the new claims)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from scrubber.batch.load import load_batch
from scrubber.pipeline import run, scrub
from tests.conftest import DEMO_AS_OF as AS_OF


def bill_tonight(batch, claim_id, new_claim_id, **line_changes):
    """Tonight's export bills one of last night's claims' services again under a new claim id, with
    some line fields changed; last night's claim itself is not in tonight's export."""
    for table in ("claims", "claim_lines"):
        frame = pl.read_csv(batch / f"{table}.csv", infer_schema=False)
        renamed = frame.with_columns(pl.col("claim_id").replace(claim_id, new_claim_id))
        if table == "claim_lines":
            renamed = renamed.with_columns(
                pl.when(pl.col("claim_id") == new_claim_id).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
                for k, v in line_changes.items()
            )
        renamed.write_csv(batch / f"{table}.csv")


def findings_of(outcome, *rule_ids):
    return outcome.findings.filter(pl.col("rule_id").is_in(rule_ids))


HISTORY_LIMITS = ("FRQ001", "FRQ002")  # the limits on earlier services (FRQ003 reads eligibility)


def test_an_annual_wellness_visit_six_months_after_the_last_is_over_the_limit(demo_copy, tmp_path, rulebook):
    # Last night's run billed P511's subsequent AWV of 2026-09-11 (claim C5012).
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    bill_tonight(demo_copy, "C5012", "C5098", service_date="2027-03-10")
    outcome = run(demo_copy, reports / "2027-03-15", dt.date(2027, 3, 15), rulebook)

    found = findings_of(outcome, *HISTORY_LIMITS)
    assert found.select("claim_id", "line_number", "rule_id", "severity", "denial_code").rows() == [
        ("C5098", 1, "FRQ002", "error", "CO-119")
    ]
    message = found["message"][0]
    assert "G0439 was billed for the patient to MEDICARE on 2026-09-11" in message
    assert "(claim C5012 line 1, run of 2026-09-14)" in message
    # 11 full months after September 2026: October 2026 to August 2027.
    assert "G0439 is payable again from 2027-09-01" in message


def test_the_same_wellness_visit_in_the_month_it_is_payable_again_is_clean(demo_copy, tmp_path, rulebook):
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    bill_tonight(demo_copy, "C5012", "C5098", service_date="2027-09-01")
    outcome = run(demo_copy, reports / "2027-09-10", dt.date(2027, 9, 10), rulebook)
    assert findings_of(outcome, *HISTORY_LIMITS).height == 0


def test_a_welcome_visit_billed_again_the_next_night_is_once_per_lifetime(demo_copy, tmp_path, rulebook):
    # P509's IPPE (C5011, 2026-09-11) went last night; tonight another provider's IPPE for her a week later.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    bill_tonight(demo_copy, "C5011", "C5097", service_date="2026-09-14")
    outcome = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)
    found = findings_of(outcome, "FRQ001")
    assert found.select("claim_id", "line_number", "remark_codes").rows() == [("C5097", 1, "N117")]
    assert "(claim C5011 line 1, run of 2026-09-14)" in found["message"][0]


def test_without_an_earlier_run_the_frequency_limits_are_not_checked_never_passed(demo_copy, rulebook):
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    reasons = {item["rule_id"]: item["reason"] for item in result.not_checked}
    for rule_id in ("FRQ001", "FRQ002"):
        assert reasons[rule_id] == "no earlier run under reports/ to compare with"
        assert rule_id not in result.ran
    # The IPPE window reads eligibility, not history: it runs on a first night.
    assert "FRQ003" in result.ran


def test_a_prolonged_service_line_sent_the_night_after_its_visit_is_paid_with_it(demo_copy, tmp_path, rulebook):
    # C5001 (99215 and 99417) went last night; tonight a second 99417 line for the same visit comes on
    # its own claim: the primary is in the earlier run. Without that run it would have no primary.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    lines = pl.read_csv(demo_copy / "claim_lines.csv", infer_schema=False)
    late = lines.filter((pl.col("claim_id") == "C5001") & (pl.col("procedure_code") == "99417"))
    pl.concat([lines.filter(pl.col("claim_id") != "C5001"), late.with_columns(claim_id=pl.lit("C5096"))]).write_csv(
        demo_copy / "claim_lines.csv"
    )
    claims.with_columns(
        claim_id=pl.col("claim_id").replace("C5001", "C5096"),
        total_charge=pl.when(pl.col("claim_id") == "C5001").then(pl.lit("65.00")).otherwise(pl.col("total_charge")),
    ).write_csv(demo_copy / "claims.csv")

    tonight = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)
    assert findings_of(tonight, "ADD001").select("claim_id").to_series().to_list() == ["C5002"]
    first_night = scrub(load_batch(demo_copy), rulebook, dt.date(2026, 9, 15))
    assert sorted(findings_of(first_night, "ADD001")["claim_id"].to_list()) == ["C5002", "C5096"]
