"""What both peers read besides the batch: the pack's reference tables and payer profiles.

They read the same files the engine reads (rules/reference, payer_profiles), through
the same table loader, so all three agree on which code is valid on which date. The
policy facts below are PTP002's (rules/modifier/PTP002-...yaml) as each peer applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber import paths
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
    ncci_professional_setting: dict[str, str]  # payer -> which NCCI tables judge its professional claims


def reference(name: str, reference_dir: Path | None = None) -> Reference:
    table = ReferenceLibrary(reference_dir or paths.rules_dir() / "reference").get(name)
    rows = table.rows.rename({VALID_FROM: "valid_from", VALID_TO: "valid_to"})
    return Reference(rows, [(r.effective_from, r.effective_to) for r in table.releases])


def payers() -> Payers:
    profiles = load_profiles(paths.profiles_dir())
    frame = profiles.frame()
    modifiers = dict(zip(frame["payer.payer_id"].to_list(), frame["payer.telehealth_modifier"].to_list()))
    days = dict(zip(frame["payer.payer_id"].to_list(), frame["payer.timely_filing_days"].to_list()))
    settings = dict(zip(frame["payer.payer_id"].to_list(), frame["payer.ncci_professional_setting"].to_list()))
    return Payers(
        set(modifiers), {k: v for k, v in modifiers.items() if v}, profiles.defaults.get("telehealth_modifier"), days,
        {k: v for k, v in settings.items() if v},
    )


def anatomic_modifiers() -> list[str]:
    """Body-site modifiers (RT, LT, F1, T2, E1, LC ...): two lines on different sites are distinct services."""
    return sorted(set(reference("modifiers").rows.filter(pl.col("anatomic") == "Y")["code"].to_list()))


def effective(rule_ids: list[str]) -> dict[str, tuple]:
    """Each rule's effective window on the date of service, as the engine applies it."""
    from scrubber.rulebook.rules import load_rules

    return {r.id: (r.effective_from, r.effective_to) for r in load_rules(paths.rules_dir()) if r.id in set(rule_ids)}
