"""The id ledger, rules/ids.txt: every rule id the pack has ever used, so none ever gets a second meaning.

Reports, payer profiles (`rules: {MOD001: ...}`) and billers' notes quote rule ids; if a deleted
rule's id came back on another check, an old fix list or a profile's switch-off would silently
mean something else. So a new rule adds its id here (`kept`), and a deleted rule's line stays,
marked `removed`. Only `scrubber validate` (and the test suite through it) reads the ledger: a
run does not need it.
"""

from __future__ import annotations

import re
from pathlib import Path

from scrubber.rulebook.rules import Rule
from scrubber.rulebook.yamlfile import Problem, line_of

LEDGER = "ids.txt"  # under rules/
KEPT, REMOVED = "kept", "removed"
_ENTRY = re.compile(rf"^(?P<id>[A-Z]{{2,5}}[0-9]{{3}})\s+(?P<state>{KEPT}|{REMOVED})\s+(?P<title>\S.*)$")


def ledger_problems(rules_dir: Path, rules: list[Rule]) -> list[Problem]:
    """The ledger against the rule files: every rule's id listed as kept, every kept id with its rule."""
    path = Path(rules_dir) / LEDGER
    if not path.is_file():
        return [Problem(str(path), 0, "no id ledger: list every rule id, one a line as `ID  kept  first title`")]
    problems: list[Problem] = []
    entries: dict[str, tuple[int, str, str]] = {}  # id -> (line, state, first title)
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip() or text.startswith("#"):
            continue
        if not (entry := _ENTRY.match(text.strip())):
            problems.append(Problem(str(path), number, f"not `ID  {KEPT}|{REMOVED}  first title`: {text.strip()!r}"))
        elif entry["id"] in entries:
            first = entries[entry["id"]][0]
            problems.append(Problem(str(path), number, f"{entry['id']} is listed twice (first on line {first})"))
        else:
            entries[entry["id"]] = (number, entry["state"], entry["title"])
    for rule in rules:
        where = (str(rule.path), line_of(rule.path, ("id",)))
        if rule.id not in entries:
            problems.append(Problem(*where, f"{rule.id} is a new id: add `{rule.id}  {KEPT}  {rule.title}` to {path}"))
        elif entries[rule.id][1] == REMOVED:
            meant = entries[rule.id][2]
            message = f"{rule.id} was removed (it meant: {meant}); an id is never reused: take a new one"
            problems.append(Problem(*where, message))
    with_files = {rule.id for rule in rules}
    for rule_id, (number, state, _) in entries.items():
        if state == KEPT and rule_id not in with_files:
            message = f"no rule file has {rule_id}: mark it {REMOVED} (its id is never reused)"
            problems.append(Problem(str(path), number, message))
    return problems
