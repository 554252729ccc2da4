"""Rule files: one edit per YAML file under rules/<family>/, validated on load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrubber.rulebook.schema import RULE_SCHEMA
from scrubber.rulebook.yamlfile import CheckedFiles, Problem, line_of, raise_first, read_checked

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
    days_after: int = 0  # line a up to N days after line b (a visit in a procedure's postoperative period)
    with_history: bool = False  # line b may also be a line billed in an earlier run (when there is one)
    one_per_line: bool = False  # a line in several pairs that fire gets one finding, naming the latest other line


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
    return sorted(p for p in Path(rules_dir).rglob("*.yaml") if REFERENCE_FOLDER not in p.relative_to(rules_dir).parts)


def load_rules(rules_dir: Path, checked: CheckedFiles | None = None) -> list[Rule]:
    """The rule pack; a run stops at the first problem `read_rules` finds."""
    rules, problems = read_rules(rules_dir, checked)
    raise_first(problems)
    return rules


def read_rules(rules_dir: Path, checked: CheckedFiles | None = None) -> tuple[list[Rule], list[Problem]]:
    """Every rule that reads cleanly, and every problem of every rule file (what `scrubber validate` lists)."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        return [], [Problem(str(rules_dir), 0, "rules folder not found")]
    rules: list[Rule] = []
    problems: list[Problem] = []
    for path in rule_files(rules_dir):
        document, found = read_checked(path, RULE_SCHEMA, checked)
        problems += found
        if document is not None and (rule := _parse_rule(path, document, rules_dir, problems)):
            rules.append(rule)
    seen: dict[str, Path] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(_at(rule.path, ("id",), f"rule id {rule.id} is already used by {seen[rule.id]}"))
        seen.setdefault(rule.id, rule.path)
    return rules, problems


def _at(path: Path, location: tuple, message: str) -> Problem:
    return Problem(str(path), line_of(path, location), message)


def _parse_rule(path: Path, document: dict, rules_dir: Path, problems: list[Problem]) -> Rule | None:
    """The rule of a file that passed the schema, or None after adding what else is wrong with it to problems."""
    before = len(problems)
    effective = document["effective"]
    start = dt.date.fromisoformat(effective["from"])
    end = dt.date.fromisoformat(effective["to"]) if effective.get("to") else None
    if end is not None and end < start:
        problems.append(_at(path, ("effective", "to"), f"effective.to {end} is before effective.from {start}"))
    if document["scope"] == "line_pair" and "finding_on" not in document:
        message = "a line_pair rule must say which line the finding is on (finding_on: a or b)"
        problems.append(_at(path, ("scope",), message))
    if "pairing" in document and document["scope"] != "line_pair":
        problems.append(_at(path, ("pairing",), "only a line_pair rule says how its lines pair (pairing)"))
    if document.get("pairing", {}).get("with_history") and document.get("finding_on") != "a":
        # An earlier run's line is never fixed tonight: the finding must be on this batch's line.
        problems.append(_at(path, ("pairing", "with_history"), "a rule pairing with earlier runs finds on a"))
    lookups = tuple(
        Lookup(item["table"], item["as"], dict(item["match"]), item.get("date"), dict(item.get("where", {})))
        for item in document.get("lookups", [])
    )
    aliases = [lookup.alias for lookup in lookups]
    if len(set(aliases)) != len(aliases):
        problems.append(_at(path, ("lookups",), f"two lookups share the name (as:) {aliases}"))
    # An example's name is its test id (MOD001_fire_<name>), so it names one example.
    names: set[str] = set()
    for kind in ("fire", "pass"):
        for index, example in enumerate(document["examples"][kind]):
            if example["name"] in names:
                message = f"example name {example['name']!r} is used twice"
                problems.append(_at(path, ("examples", kind, index, "name"), message))
            names.add(example["name"])
    # Where a rule lives says what it is: a reader finds MOD001 as rules/modifier/MOD001-....yaml.
    if not path.name.startswith(f"{document['id']}-"):
        message = f"the file name must start with the rule id: {document['id']}-<what it checks>.yaml"
        problems.append(_at(path, ("id",), message))
    folder = path.parent.relative_to(rules_dir)
    if folder != Path(document["category"]):
        message = f"a {document['category']} rule lives in {rules_dir / document['category']}/"
        problems.append(_at(path, ("category",), message))
    if len(problems) > before:
        return None
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
