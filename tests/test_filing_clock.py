"""The timely-filing clock (tf. family): months or days from the date of service, then the next workday.

42 CFR 424.44(a): Medicare takes a claim "12 months, or 1 calendar year, after the date of
service"; Pub. 100-04 ch. 1 §70: a last day on a Saturday, Sunday or federal non-workday moves to
the next workday. Each case runs TF001 (past the limit, error) and TF002 (near it, warning) on one
Medicare or Aetna office visit.
"""

from __future__ import annotations

import datetime as dt

import pytest

from scrubber.engine.filing import FEDERAL_NON_WORKDAYS, federal_holidays
from scrubber.errors import ScrubberInputError
from scrubber.examples import run_example
from scrubber.rulebook.profiles import load_profiles
from tests.conftest import PROFILES


def rule(rules, rule_id):
    return next(r for r in rules if r.id == rule_id)


def tf_findings(rules, profiles, references, service_date, as_of, payer="MEDICARE"):
    """How many TF001 errors, and which TF002 warnings, a line gets."""
    example = {"name": "t", "claim": {"payer_id": payer}, "lines": [{"service_date": service_date}], "as_of": as_of}
    past = run_example(rule(rules, "TF001"), example, profiles, references)
    near = run_example(rule(rules, "TF002"), example, profiles, references)
    return past.height, near["message"].to_list()


def test_opm_published_holidays_are_computed_with_their_observed_dates():
    # OPM's federal holiday tables: 2026 (Independence Day on a Saturday, kept on Friday July 3).
    assert federal_holidays(2026) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 19),
        dt.date(2026, 2, 16),
        dt.date(2026, 5, 25),
        dt.date(2026, 6, 19),
        dt.date(2026, 7, 3),
        dt.date(2026, 9, 7),
        dt.date(2026, 10, 12),
        dt.date(2026, 11, 11),
        dt.date(2026, 11, 26),
        dt.date(2026, 12, 25),
    ]
    # 2022: New Year's Day on a Saturday is kept on Friday 2021-12-31; Christmas on a Sunday on Monday the 26th.
    assert dt.date(2021, 12, 31) in federal_holidays(2022) and dt.date(2022, 12, 26) in federal_holidays(2022)
    # Juneteenth is a legal public holiday from 2021 on.
    assert dt.date(2020, 6, 19) not in FEDERAL_NON_WORKDAYS and dt.date(2021, 6, 18) in FEDERAL_NON_WORKDAYS


def test_a_medicare_line_twelve_months_old_on_a_sunday_is_timely_on_monday(rules, profiles, references):
    # The review's claim I1: 2025-03-15 + 12 months = Sunday 2026-03-15, so Monday the 16th is the last day.
    past, near = tf_findings(rules, profiles, references, "2025-03-15", "2026-03-16")
    assert past == 0 and near == [
        (
            "Line 1 (99213) on 2025-03-15 must reach Medicare Part B by 2026-03-16: 0 days left of its filing limit "
            "of 12 months."
        )
    ]
    past, _ = tf_findings(rules, profiles, references, "2025-03-15", "2026-03-17")
    assert past == 1


def test_a_deadline_on_a_federal_holiday_moves_to_the_next_workday(rules, profiles, references):
    # Aetna: day 90 from 2025-10-21 is Monday 2026-01-19, Martin Luther King Jr. Day.
    assert tf_findings(rules, profiles, references, "2025-10-21", "2026-01-20", "AETNA")[0] == 0
    assert tf_findings(rules, profiles, references, "2025-10-21", "2026-01-21", "AETNA")[0] == 1


def test_a_february_29_service_files_by_february_28(rules, profiles, references):
    # FCSO: "Claims with a February 29 DOS must be filed by February 28" (Friday 2025-02-28).
    assert tf_findings(rules, profiles, references, "2024-02-29", "2025-02-28")[0] == 0
    assert tf_findings(rules, profiles, references, "2024-02-29", "2025-03-01")[0] == 1


def test_twelve_months_across_a_february_29_are_366_days(rules, profiles, references):
    # 2027-03-01 + 365 days = 2028-02-29, a day short of 12 months (2028-03-01, a Wednesday).
    assert tf_findings(rules, profiles, references, "2027-03-01", "2028-03-01")[0] == 0
    assert tf_findings(rules, profiles, references, "2027-03-01", "2028-03-02")[0] == 1


def test_a_payer_whose_contract_counts_the_last_day_as_it_falls(tmp_path, rules, references):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in PROFILES.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text())
    aetna = folder / "AETNA.yaml"
    aetna.write_text(aetna.read_text() + "timely_filing_next_workday: false\n")
    strict = load_profiles(folder)
    # Day 90 from 2025-12-15 is Sunday 2026-03-15: late on Monday for this payer, on time for the shipped one.
    assert tf_findings(rules, strict, references, "2025-12-15", "2026-03-16", "AETNA")[0] == 1
    assert tf_findings(rules, load_profiles(PROFILES), references, "2025-12-15", "2026-03-16", "AETNA")[0] == 0


@pytest.mark.parametrize("limit", ["", "timely_filing_days: 365\ntimely_filing_months: 12\n"])
def test_a_profile_gives_its_limit_in_days_or_in_months(tmp_path, limit):
    (tmp_path / "ACME.yaml").write_text(f"payer_id: ACME\nname: Acme\n{limit}")
    with pytest.raises(ScrubberInputError, match="timely_filing_days or timely_filing_months"):
        load_profiles(tmp_path)
