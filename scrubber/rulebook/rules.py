"""Rule files: one edit per YAML file under rules/<family>/, validated on load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrubber.errors import ScrubberInputError
from scrubber.rulebook.schema import RULE_SCHEMA
from scrubber.rulebook.yamlfile import check, read_yaml

REFERENCE_FOLDER = "reference"


@dataclass(frozen=True)
class Lookup:
    table: str
    alias: str
    on: dict[str, str]  # table column -> scope field
    date: str | None
    where: dict[str, Any]


@dataclass(frozen=True)
class Pairing:
    """How a line_pair rule pairs lines: whose lines, and how many days line a may come before line b."""

    provider: str = "rendering"  # rendering NPI, else billing NPI; "billing": the billing NPI (the group)
    days_before: int = 0  # 0: same date only; 1: line a on b's date or the day before


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    category: str
    severity: str
    status: str
    scope: str
    payers: tuple[str, ...] | None  # None = every payer
    effective_from: dt.date
    effective_to: dt.date | None
    carc: str
    rarc: tuple[str, ...]  # remark codes sent with the CARC, e.g. ("N362",)
    denial_text: str
    why: str
    reference: str
    lookups: tuple[Lookup, ...]
    finding_on: str
    when: dict
    message: str
    fix: str
    examples: dict
    path: Path = field(compare=False)
    pairing: Pairing = Pairing()


def denial_codes(rule: Rule) -> str:
    """The CARC and the remark codes payers send with it, as a biller reads them: `CO-151, N362`."""
    return ", ".join((rule.carc, *rule.rarc))


def rule_files(rules_dir: Path) -> list[Path]:
    """Every rule file, in a stable order; reference tables live apart under rules/reference/."""
    return sorted(
        p for p in Path(rules_dir).rglob("*.yaml") if REFERENCE_FOLDER not in p.relative_to(rules_dir).parts
    )


def load_rules(rules_dir: Path) -> list[Rule]:
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise ScrubberInputError(f"{rules_dir}: rules folder not found")
    rules = [parse_rule(path, read_yaml(path)) for path in rule_files(rules_dir)]
    seen: dict[str, Path] = {}
    for rule in rules:
        if rule.id in seen:
            raise ScrubberInputError(f"{rule.path}: rule id {rule.id} is already used by {seen[rule.id]}")
        seen[rule.id] = rule.path
    return rules


def parse_rule(path: Path, document: Any) -> Rule:
    if not isinstance(document, dict):
        raise ScrubberInputError(f"{path}: a rule file must hold one mapping (id, title, when, examples ...)")
    check(path, document, RULE_SCHEMA)
    effective = document["effective"]
    start = dt.date.fromisoformat(effective["from"])
    end = dt.date.fromisoformat(effective["to"]) if effective.get("to") else None
    if end is not None and end < start:
        raise ScrubberInputError(f"{path}: effective.to {end} is before effective.from {start}")
    if document["scope"] == "line_pair" and "finding_on" not in document:
        raise ScrubberInputError(f"{path}: a line_pair rule must say which line the finding is on (finding_on: a or b)")
    if "pairing" in document and document["scope"] != "line_pair":
        raise ScrubberInputError(f"{path}: only a line_pair rule says how its lines pair (pairing)")
    lookups = tuple(
        Lookup(item["table"], item["as"], dict(item["match"]), item.get("date"), dict(item.get("where", {})))
        for item in document.get("lookups", [])
    )
    aliases = [lookup.alias for lookup in lookups]
    if len(set(aliases)) != len(aliases):
        raise ScrubberInputError(f"{path}: two lookups share the name (as:) {aliases}")
    payers = document["payers"]
    return Rule(
        id=document["id"],
        title=document["title"],
        category=document["category"],
        severity=document["severity"],
        status=document.get("status", "active"),
        scope=document["scope"],
        payers=None if payers == "all" else tuple(payers),
        effective_from=start,
        effective_to=end,
        carc=document["denial"]["carc"],
        rarc=tuple(document["denial"].get("rarc", ())),
        denial_text=document["denial"].get("text", ""),
        why=document["why"].strip(),
        reference=document["reference"].strip(),
        lookups=lookups,
        finding_on=document.get("finding_on", "a"),
        when=document["when"],
        message=document["message"].strip(),
        fix=document["fix"].strip(),
        examples=document["examples"],
        path=Path(path),
        pairing=Pairing(**document.get("pairing", {})),
    )
