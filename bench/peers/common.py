"""What both peers read besides the batch: the pack's reference tables and payer profiles.

They read the same files the engine reads (rules/reference, payer_profiles), through
the same table loader, so all three agree on which code is valid on which date. The
policy facts below are PTP002's (rules/modifier/PTP002-...yaml) as each peer applies it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber import paths
from scrubber.engine.filing import FEDERAL_NON_WORKDAYS
from scrubber.engine.scopes import NCCI_OUTPATIENT_BILLS
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import VALID_FROM, VALID_TO, ReferenceLibrary

# NCCI-associated modifiers and where each fits an indicator-1 pair (NCCI Policy Manual ch. I §E).
DISTINCT_SERVICE = ("59", "XE", "XS", "XP", "XU", "58", "78", "79")  # on a procedure line, never on a visit
VISIT_BYPASS = ("25", "57", "24")  # on the column-one E/M line
EM_RANGE = ("99202", "99499")  # E/M visits, compared as text as the rule does
LAB = r"8[0-9]{4}|[0-9]{4}U"  # laboratory codes: 91 (repeated test) fits a pair of two
OUTPATIENT_BILLS = tuple(NCCI_OUTPATIENT_BILLS)  # institutional bill types NCCI's outpatient hospital tables judge
DEFAULT_SETTING = "practitioner"  # a professional claim of a payer without a profile


@dataclass(frozen=True)
class Reference:
    rows: pl.DataFrame  # the table's columns plus _from / _to: the window each row is in force
    releases: list[tuple]  # (first, last) date of service each release covers


@dataclass(frozen=True)
class Payers:
    known: set[str]
    telehealth_modifier: dict[str, str]  # payer -> modifier; others get the default
    default_telehealth_modifier: str
    timely_filing_days: dict[str, int]
    timely_filing_months: dict[str, int]
    next_workday: set[str]  # payers whose filing deadline moves off a weekend or federal holiday
    takes_replacements: set[str]  # payers that apply a frequency 7/8 claim to its original
    sex_edit_off: set[str]  # payers whose profile switches the payer sex edit (DX013) off
    ncci_professional_setting: dict[str, str]  # payer -> which NCCI tables judge its professional claims


# Federal holidays and closures are calendar data, like a reference table: the peers read the same list.
NON_WORKDAYS = set(FEDERAL_NON_WORKDAYS)


def reference(name: str, reference_dir: Path | None = None) -> Reference:
    table = ReferenceLibrary(reference_dir or paths.rules_dir() / "reference").get(name)
    # The rows' own date columns are folded into _from/_to: the peers read those, renamed.
    rows = table.rows.drop(table.row_validity or []).rename({VALID_FROM: "valid_from", VALID_TO: "valid_to"})
    return Reference(rows, [(r.effective_from, r.effective_to) for r in table.releases])


def payers() -> Payers:
    profiles = load_profiles(paths.profiles_dir())
    frame = profiles.frame()
    ids = frame["payer.payer_id"].to_list()
    modifiers = dict(zip(ids, frame["payer.telehealth_modifier"].to_list(), strict=True))

    def column(name: str) -> dict:
        return {k: v for k, v in zip(ids, frame[name].to_list(), strict=True) if v is not None}

    return Payers(
        set(modifiers),
        {k: v for k, v in modifiers.items() if v},
        profiles.defaults.get("telehealth_modifier"),
        column("payer.timely_filing_days"),
        column("payer.timely_filing_months"),
        {k for k, v in column("payer.timely_filing_next_workday").items() if v},
        {k for k, v in column("payer.accepts_replacement_claims").items() if v},
        set(profiles.disabled("DX013")),
        {k: v for k, v in column("payer.ncci_professional_setting").items() if v},
    )


def filing_deadline(day: dt.date, payer: str, profiles: Payers) -> dt.date | None:
    """The last day the payer takes a claim for a service on `day`: days or calendar months, then the next workday."""
    if payer in profiles.timely_filing_months:
        months = day.month - 1 + profiles.timely_filing_months[payer]
        year, month = day.year + months // 12, months % 12 + 1
        deadline = dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    elif payer in profiles.timely_filing_days:
        deadline = day + dt.timedelta(days=profiles.timely_filing_days[payer])
    else:
        return None
    while payer in profiles.next_workday and (deadline.weekday() >= 5 or deadline in NON_WORKDAYS):
        deadline += dt.timedelta(days=1)
    return deadline


def anatomic_modifiers() -> list[str]:
    """Body-site modifiers (RT, LT, F1, T2, E1, LC ...): two lines on different sites are distinct services."""
    return sorted(set(reference("modifiers").rows.filter(pl.col("anatomic") == "Y")["code"].to_list()))


def effective(rule_ids: list[str]) -> dict[str, tuple]:
    """Each rule's effective window on the date of service, as the engine applies it."""
    from scrubber.rulebook.rules import load_rules

    return {r.id: (r.effective_from, r.effective_to) for r in load_rules(paths.rules_dir()) if r.id in set(rule_ids)}
