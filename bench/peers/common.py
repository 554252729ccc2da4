"""What both peers read besides the batch: the pack's reference tables and payer profiles.

They read the same files the engine reads (rules/reference, payer_profiles), through
the same table loader, so all three agree on which code is valid on which date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber import paths
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import VALID_FROM, VALID_TO, ReferenceLibrary


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
    sex_edit_off: set[str]  # payers whose profile switches the payer sex edit (DX013) off


def reference(name: str, reference_dir: Path | None = None) -> Reference:
    table = ReferenceLibrary(reference_dir or paths.rules_dir() / "reference").get(name)
    # The rows' own date columns are folded into _from/_to: the peers read those, renamed.
    rows = table.rows.drop(table.row_validity or []).rename({VALID_FROM: "valid_from", VALID_TO: "valid_to"})
    return Reference(rows, [(r.effective_from, r.effective_to) for r in table.releases])


def payers() -> Payers:
    profiles = load_profiles(paths.profiles_dir())
    frame = profiles.frame()
    modifiers = dict(zip(frame["payer.payer_id"].to_list(), frame["payer.telehealth_modifier"].to_list()))
    days = dict(zip(frame["payer.payer_id"].to_list(), frame["payer.timely_filing_days"].to_list()))
    return Payers(set(modifiers), {k: v for k, v in modifiers.items() if v}, profiles.defaults.get("telehealth_modifier"), days,
                  set(profiles.disabled("DX013")))


def effective(rule_ids: list[str]) -> dict[str, tuple]:
    """Each rule's effective window on the date of service, as the engine applies it."""
    from scrubber.rulebook.rules import load_rules

    return {r.id: (r.effective_from, r.effective_to) for r in load_rules(paths.rules_dir()) if r.id in set(rule_ids)}
