"""`scrubber validate`: every problem in the rules, payer profiles and reference tables at once.

Unlike a run, which stops at the first unusable file, validation collects every
problem as `file:line: what is wrong`, so one pull-request check lists them all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from scrubber.batch.load import empty_batch
from scrubber.engine.compile import compile_rule
from scrubber.engine.context import RunContext
from scrubber.engine.run import available_columns
from scrubber.errors import ScrubberInputError
from scrubber.rulebook.profiles import DEFAULTS_FILE, Profiles, load_profiles
from scrubber.rulebook.reference import TABLE_SCHEMA, ReferenceLibrary, load_table
from scrubber.rulebook.rules import Rule, parse_rule, rule_files
from scrubber.rulebook.schema import PROFILE_SCHEMA, RULE_SCHEMA
from scrubber.rulebook.yamlfile import read_yaml, schema_problems


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _line_mentioning(path: Path, text: str) -> int:
    """The first line of a file containing text (for problems found after parsing)."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if text in line:
                return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1


def _located(error: ScrubberInputError, path: Path) -> Problem:
    """A run-time error message (`path[:line]: message`) as a Problem."""
    text = str(error)
    match = re.match(rf"{re.escape(str(path))}(?::(\d+))?: (.*)", text, re.S)
    if not match:
        return Problem(str(path), 1, text)
    line, message = match.groups()
    if line is None:
        quoted = re.search(r"'([^']+)'", message)
        line = _line_mentioning(path, quoted.group(1)) if quoted else 1
    return Problem(str(path), int(line), message)


def _parsed(path: Path, schema: dict, problems: list[Problem]):
    try:
        document = read_yaml(path)
    except ScrubberInputError as error:
        problems.append(_located(error, path))
        return None
    found = schema_problems(path, document, schema)
    problems.extend(Problem(str(path), line, message) for line, message in found)
    return None if found else document


def check_reference(reference_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    for meta in sorted(Path(reference_dir).glob("*/table.yaml")):
        if _parsed(meta, TABLE_SCHEMA, problems) is None:
            continue
        try:
            table = load_table(reference_dir, meta.parent.name)
            rows = table.rows
            repeated = rows.filter(rows.select([*table.key, "_from"]).is_duplicated())
            if repeated.height:
                first = repeated.row(0, named=True)
                key = ", ".join(str(first[k]) for k in table.key)
                problems.append(Problem(str(meta), _line_mentioning(meta, "key:"), f"key ({key}) appears twice in one release"))
        except ScrubberInputError as error:
            problems.append(_located(error, meta))
        except Exception as error:  # a data file polars cannot read: name it, keep validating
            problems.append(Problem(str(meta), 1, f"data cannot be read: {str(error).splitlines()[0]}"))
    return problems


def check_rules(rules_dir: Path, profiles: Profiles | None, references: ReferenceLibrary) -> tuple[list[Rule], list[Problem]]:
    problems: list[Problem] = []
    rules: list[Rule] = []
    for path in rule_files(rules_dir):
        document = _parsed(path, RULE_SCHEMA, problems)
        if document is None:
            continue
        try:
            rules.append(parse_rule(path, document))
        except ScrubberInputError as error:
            problems.append(_located(error, path))
            continue
        names = [example["name"] for kind in ("fire", "pass") for example in document["examples"][kind]]
        for name in {n for n in names if names.count(n) > 1}:
            problems.append(Problem(str(path), _line_mentioning(path, name), f"example name {name!r} is used twice"))
    seen: dict[str, Path] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(Problem(str(rule.path), _line_mentioning(rule.path, "id:"), f"rule id {rule.id} is already used by {seen[rule.id]}"))
        seen.setdefault(rule.id, rule.path)
    if profiles is not None:
        ctx = RunContext(empty_batch(), profiles, references, dt.date.today())
        columns = {scope: available_columns(ctx, scope) for scope in {r.scope for r in rules}}
        for rule in rules:
            try:
                compile_rule(rule, columns[rule.scope], profiles, references)
            except ScrubberInputError as error:
                problems.append(_located(error, rule.path))
    return rules, problems


REMIT_CODES = "remit_codes"  # the reference table of the CARCs and RARCs rules may name


def check_denial_codes(rules: list[Rule], references: ReferenceLibrary) -> list[Problem]:
    """Every rule's CARC (without its group code) and RARCs are real X12 codes listed in remit_codes."""
    try:
        rows = references.get(REMIT_CODES).rows
    except ScrubberInputError as error:
        return [Problem(str(references.reference_dir / REMIT_CODES), 1, f"CARCs and RARCs cannot be checked: {error}")]
    known = set(zip(rows["kind"].to_list(), rows["code"].to_list()))
    problems = []
    for rule in rules:
        named = [("CARC", rule.carc.split("-", 1)[1])] + [("RARC", code) for code in rule.rarc]
        for kind, code in named:
            if (kind, code) not in known:
                problems.append(Problem(str(rule.path), _line_mentioning(rule.path, "denial:"),
                                        f"{kind} {code} is not in rules/reference/{REMIT_CODES} (the X12 codes the pack "
                                        "may name): use the code whose X12 text fits, or add it with its official text"))
    return problems


def check_profiles(profiles_dir: Path, rule_ids: set[str]) -> tuple[Profiles | None, list[Problem]]:
    problems: list[Problem] = []
    for path in sorted(Path(profiles_dir).glob("*.yaml")):
        if path.name == DEFAULTS_FILE:
            continue
        document = _parsed(path, PROFILE_SCHEMA, problems)
        if document is None:
            continue
        if document["payer_id"] != path.stem:
            problems.append(Problem(str(path), _line_mentioning(path, "payer_id"), f"payer_id {document['payer_id']!r} must match the file name {path.stem!r}"))
        for rule_id in document.get("rules", {}):
            if rule_id not in rule_ids:
                problems.append(Problem(str(path), _line_mentioning(path, rule_id), f"rule {rule_id} does not exist"))
    try:
        return load_profiles(profiles_dir), problems
    except ScrubberInputError as error:
        if not problems:
            problems.append(Problem(str(profiles_dir), 1, str(error)))
        return None, problems


def validate(rules_dir: Path, profiles_dir: Path) -> list[Problem]:
    references = ReferenceLibrary(Path(rules_dir) / "reference")
    problems = check_reference(references.reference_dir)
    try:
        profiles = load_profiles(profiles_dir)
    except ScrubberInputError:
        profiles = None  # reported by check_profiles below
    rules, rule_problems = check_rules(rules_dir, profiles, references)
    rule_problems += check_denial_codes(rules, references)
    _, profile_problems = check_profiles(profiles_dir, {r.id for r in rules})
    return sorted(set(problems + rule_problems + profile_problems))
