"""The rulebook a run uses: its rules, payer profiles and reference tables, loaded once, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass

from scrubber.paths import Settings
from scrubber.rulebook.profiles import Profiles, load_profiles
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.rules import Rule, load_rules
from scrubber.rulebook.yamlfile import CheckedFiles


@dataclass(frozen=True)
class Rulebook:
    rules: list[Rule]
    profiles: Profiles
    references: ReferenceLibrary  # tables are read on first use, then kept
    source: Settings  # the folders, and how they were found (logs, summary.json)


def load_rulebook(settings: Settings) -> Rulebook:
    """The rules and payer profiles of settings' folders; stops at the first problem of a file (the rules' first).

    Files checked against their schema by an earlier run with the same bytes are not checked again
    (yamlfile.CheckedFiles); `scrubber validate` checks every file every time.
    """
    checked = CheckedFiles.for_pack(settings.rules_dir)
    rules = load_rules(settings.rules_dir, checked)
    profiles = load_profiles(settings.profiles_dir, checked)
    checked.save()
    return Rulebook(rules, profiles, ReferenceLibrary(settings.reference_dir, checked), settings)
