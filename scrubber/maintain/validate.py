"""`scrubber validate`: every problem in the rules, payer profiles and reference tables at once.

The loaders find each file's problems (a run stops at the first of them); validation lists them all
as `file:line: what is wrong`, so one pull-request check shows every one, and adds what only a
maintainer's check needs: every rule compiles against the profiles and tables, its CARC and RARCs
are real X12 codes, profiles name existing rules, tables hold no key twice, and the id ledger.
"""

from __future__ import annotations

import re
from pathlib import Path

from scrubber.engine.compile import compile_rule
from scrubber.engine.context import RunContext
from scrubber.engine.run import available_columns
from scrubber.errors import ScrubberInputError
from scrubber.paths import Settings
from scrubber.rulebook.book import Rulebook
from scrubber.rulebook.ledger import ledger_problems
from scrubber.rulebook.profiles import read_profiles
from scrubber.rulebook.reference import ReferenceLibrary, read_table
from scrubber.rulebook.rules import Rule, read_rules
from scrubber.rulebook.yamlfile import Problem, line_of


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


def check_reference(reference_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    for meta in sorted(Path(reference_dir).glob("*/table.yaml")):
        table, found = read_table(reference_dir, meta.parent.name)
        problems += found
        if table is None:
            continue
        try:
            rows = table.rows
            repeated = rows.filter(rows.select([*table.key, "_from"]).is_duplicated())
            if repeated.height:
                first = repeated.row(0, named=True)
                key = ", ".join(str(first[k]) for k in table.key)
                message = f"key ({key}) appears twice in one release"
                problems.append(Problem(str(meta), line_of(meta, ("key",)), message))
        except ScrubberInputError as error:
            problems.append(Problem(str(meta), 0, str(error)))
        except Exception as error:  # a data file polars cannot read: name it, keep validating
            problems.append(Problem(str(meta), 1, f"data cannot be read: {str(error).splitlines()[0]}"))
    return problems


def check_compiles(rulebook: Rulebook) -> list[Problem]:
    """Every rule compiles: the fields it reads exist in its scope, its lookups' tables have the columns it names."""
    problems = []
    ctx = RunContext.of(rulebook)
    columns = {scope: available_columns(ctx, scope) for scope in {r.scope for r in rulebook.rules}}
    for rule in rulebook.rules:
        try:
            compile_rule(rule, columns[rule.scope], rulebook.profiles, rulebook.references)
        except ScrubberInputError as error:
            problems.append(_located(error, rule.path))
    return problems


REMIT_CODES = "remit_codes"  # the reference table of the CARCs and RARCs rules may name


def check_denial_codes(rules: list[Rule], references: ReferenceLibrary) -> list[Problem]:
    """Every rule's CARC (without its group code) and RARCs are real X12 codes listed in remit_codes."""
    try:
        rows = references.get(REMIT_CODES).rows
    except ScrubberInputError as error:
        return [Problem(str(references.reference_dir / REMIT_CODES), 1, f"CARCs and RARCs cannot be checked: {error}")]
    known = set(zip(rows["kind"].to_list(), rows["code"].to_list(), strict=True))
    problems = []
    for rule in rules:
        named = [("CARC", rule.carc.split("-", 1)[1])] + [("RARC", code) for code in rule.rarc]
        for kind, code in named:
            if (kind, code) not in known:
                problems.append(
                    Problem(
                        str(rule.path),
                        line_of(rule.path, ("denial",)),
                        f"{kind} {code} is not in rules/reference/{REMIT_CODES} (the X12 codes the pack "
                        "may name): use the code whose X12 text fits, or add it with its official text",
                    )
                )
    return problems


def check_profile_rules(rulebook: Rulebook) -> list[Problem]:
    """A profile switches off or regrades only rules that exist (a typo would silently do nothing)."""
    known = {rule.id for rule in rulebook.rules}
    return [
        Problem(str(profile.path), line_of(profile.path, ("rules", rule_id)), f"rule {rule_id} does not exist")
        for profile in rulebook.profiles.payers.values()
        for rule_id in profile.rule_settings
        if rule_id not in known
    ]


def validate(settings: Settings) -> list[Problem]:
    rules, problems = read_rules(settings.rules_dir)
    profiles, profile_problems = read_profiles(settings.profiles_dir)
    rulebook = Rulebook(rules, profiles, ReferenceLibrary(settings.reference_dir), settings)
    problems += profile_problems + check_reference(settings.reference_dir)
    if not profile_problems:  # against a profile missing, a rule reading its parameters would not compile
        problems += check_compiles(rulebook)
    problems += check_denial_codes(rulebook.rules, rulebook.references)
    problems += check_profile_rules(rulebook)
    problems += ledger_problems(settings.rules_dir, rulebook.rules)
    return sorted(set(problems))
