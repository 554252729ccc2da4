"""Payer profiles: payer_profiles/<payer_id>.yaml, plus _defaults.yaml for shared parameters.

A profile only selects and adjusts: it names the payer, its timely-filing limit (in days, or in
months where the payer's policy words it so: Medicare's "12 months after the date of service"),
whether it takes replacement claims, and its biller team; sets parameters that rules read
(`{param: telehealth_modifier}`), and switches rules off or re-grades them for that payer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from scrubber.errors import ScrubberInputError
from scrubber.rulebook.schema import DEFAULTS_SCHEMA, PROFILE_SCHEMA
from scrubber.rulebook.yamlfile import CheckedFiles, Problem, line_of, raise_first, read_checked

DEFAULTS_FILE = "_defaults.yaml"


@dataclass(frozen=True)
class PayerProfile:
    payer_id: str
    name: str
    timely_filing_days: int | None  # exactly one of days and months is set
    timely_filing_months: int | None
    timely_filing_next_workday: bool  # a deadline on a weekend or federal holiday moves to the next workday
    # The payer applies replacement (7) and void (8) claims to the original they name; false where
    # corrections go another way (Medicare Part B: reopening) and a frequency-7 claim is a new claim.
    accepts_replacement_claims: bool
    team: str
    params: dict[str, Any]
    rule_settings: dict[str, dict[str, Any]]
    path: Path = field(compare=False)

    @property
    def timely_filing_limit(self) -> str:
        """The limit as a biller reads it: "12 months", "90 days"."""
        if self.timely_filing_months is not None:
            return f"{self.timely_filing_months} months"
        return f"{self.timely_filing_days} days"


@dataclass(frozen=True)
class Profiles:
    payers: dict[str, PayerProfile]
    defaults: dict[str, Any]

    def disabled(self, rule_id: str) -> list[str]:
        return sorted(
            p.payer_id for p in self.payers.values() if p.rule_settings.get(rule_id, {}).get("enabled") is False
        )

    def regraded(self, rule_id: str) -> dict[str, str]:
        return {
            p.payer_id: s["severity"]
            for p in self.payers.values()
            if "severity" in (s := p.rule_settings.get(rule_id, {}))
        }

    def param_names(self) -> list[str]:
        names = set(self.defaults)
        for profile in self.payers.values():
            names.update(profile.params)
        return sorted(names)

    @cached_property
    def list_params(self) -> dict[str, dict[str, list[str]]]:
        """Each list-valued parameter's value per payer (the default where a profile sets none); read by every
        rule compile."""
        names = [n for n in self.param_names() if _param_type(n, self) == pl.List(pl.String)]
        return {
            name: {
                payer_id: value
                for payer_id, profile in self.payers.items()
                if (value := profile.params.get(name, self.defaults.get(name))) is not None
            }
            for name in names
        }

    def frame(self) -> pl.DataFrame:
        """One row per payer with the columns rules see as `payer.*`."""
        names = self.param_names()
        rows = []
        for profile in self.payers.values():
            params = {**self.defaults, **profile.params}
            rows.append(
                {
                    "payer.payer_id": profile.payer_id,
                    "payer.known": True,
                    "payer.name": profile.name,
                    "payer.team": profile.team,
                    "payer.timely_filing_days": profile.timely_filing_days,
                    "payer.timely_filing_months": profile.timely_filing_months,
                    "payer.timely_filing_next_workday": profile.timely_filing_next_workday,
                    "payer.timely_filing_limit": profile.timely_filing_limit,
                    "payer.accepts_replacement_claims": profile.accepts_replacement_claims,
                    **{f"payer.{n}": params.get(n) for n in names},
                }
            )
        schema_overrides = {f"payer.{n}": _param_type(n, self) for n in names}
        base = {
            "payer.payer_id": pl.String,
            "payer.known": pl.Boolean,
            "payer.name": pl.String,
            "payer.team": pl.String,
            "payer.timely_filing_days": pl.Int64,
            "payer.timely_filing_months": pl.Int64,
            "payer.timely_filing_next_workday": pl.Boolean,
            "payer.timely_filing_limit": pl.String,
            "payer.accepts_replacement_claims": pl.Boolean,
        }
        return pl.DataFrame(rows, schema={**base, **schema_overrides}, orient="row")


def _param_type(name: str, profiles: Profiles) -> pl.DataType:
    values = [profiles.defaults.get(name)] + [p.params.get(name) for p in profiles.payers.values()]
    values = [v for v in values if v is not None]
    if values and all(isinstance(v, list) for v in values):
        return pl.List(pl.String)
    if values and all(isinstance(v, bool) for v in values):
        return pl.Boolean
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pl.Int64
    if any(isinstance(v, list) for v in values):
        raise ScrubberInputError(f"payer profiles: parameter {name!r} is a list in some profiles and not in others")
    return pl.String


def load_profiles(profiles_dir: Path, checked: CheckedFiles | None = None) -> Profiles:
    """The payer profiles; a run stops at the first problem `read_profiles` finds."""
    profiles, problems = read_profiles(profiles_dir, checked)
    raise_first(problems)
    return profiles


def read_profiles(profiles_dir: Path, checked: CheckedFiles | None = None) -> tuple[Profiles, list[Problem]]:
    """Every profile that reads cleanly, and every problem of every profile file (what `scrubber validate` lists)."""
    profiles_dir = Path(profiles_dir)
    if not profiles_dir.is_dir():
        return Profiles({}, {}), [Problem(str(profiles_dir), 0, "payer_profiles folder not found")]
    problems: list[Problem] = []
    defaults: dict[str, Any] = {}
    defaults_path = profiles_dir / DEFAULTS_FILE
    if defaults_path.is_file():
        document, problems = read_checked(defaults_path, DEFAULTS_SCHEMA, checked)
        defaults = document["params"] if document is not None else {}
    payers: dict[str, PayerProfile] = {}
    for path in sorted(profiles_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        document, found = read_checked(path, PROFILE_SCHEMA, checked)
        problems += found
        if document is None:
            continue
        if document["payer_id"] != path.stem:
            message = f"payer_id {document['payer_id']!r} must match the file name {path.stem!r}"
            problems.append(Problem(str(path), line_of(path, ("payer_id",)), message))
            continue
        if ("timely_filing_days" in document) == ("timely_filing_months" in document):
            message = "give the filing limit as timely_filing_days or timely_filing_months (one of them)"
            problems.append(Problem(str(path), line_of(path, ("timely_filing_days",)), message))
            continue
        payers[path.stem] = PayerProfile(
            payer_id=document["payer_id"],
            name=document["name"],
            timely_filing_days=document.get("timely_filing_days"),
            timely_filing_months=document.get("timely_filing_months"),
            timely_filing_next_workday=document.get("timely_filing_next_workday", True),
            accepts_replacement_claims=document.get("accepts_replacement_claims", True),
            team=document.get("team", "Unassigned"),
            params={k: _normalise(v) for k, v in document.get("params", {}).items()},
            rule_settings=document.get("rules", {}),
            path=path,
        )
    return Profiles(payers=payers, defaults={k: _normalise(v) for k, v in defaults.items()}), problems


def _normalise(value: Any) -> Any:
    # Codes are text even when YAML reads them as numbers (modifier 95, POS 02).
    if isinstance(value, list):
        return [str(v) for v in value]
    return value
