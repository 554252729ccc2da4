"""A copy of the rule pack plus N generated payer rules, to measure how the run grows with rules.

The generated rules are the kind a billing company adds by the dozen from payer
bulletins: this payer wants prior authorization for these codes, does not pay these
codes by telehealth, caps the units of a code, pays a code only for some diagnoses.
Each is a valid rule with a fire and a pass example, so it loads like any other.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bench.generate import PAYERS
from bench.pools import EM_CODES, PROCEDURE_WEIGHTS, PROCEDURES
from scrubber import paths
from scrubber.rulebook.rules import REFERENCE_FOLDER

PREFIX = "BPR"
# The less common codes of the generated batches: a bulletin names a handful of services, so
# each generated rule fires on a small share of lines, as real payer rules do.
CODES = [c for c, w in zip(PROCEDURES, PROCEDURE_WEIGHTS, strict=True) if w <= 3] + EM_CODES[4:]
PROFILED = [p for p in PAYERS if p != "CIGNA"]


def _codes(n: int, count: int) -> list[str]:
    return [CODES[(n * 7 + k * 3) % len(CODES)] for k in range(count)]


def _common(n: int, payer: str, title: str, category: str, carc: str) -> dict:
    return {
        "id": f"{PREFIX}{n:03d}",
        "title": f"{payer}: {title}",
        "category": category,
        "severity": "error" if n % 3 else "warning",
        "status": "active",
        "scope": "line",
        "payers": [payer],
        "effective": {"from": "2026-01-01"},
        "denial": {"carc": carc},
        "why": f"Generated benchmark rule: {payer} bulletin number {n}.",
        "reference": f"{payer} provider bulletin (generated for the benchmark)",
    }


def payer_rule(n: int) -> dict:
    """The n-th generated rule: one of four bulletin kinds, for one of the payers with a profile."""
    payer = PROFILED[n % len(PROFILED)]
    codes = _codes(n, 3)
    first = {"payer_id": payer}
    line = {"procedure_code": codes[0]}
    kind = n % 4
    if kind == 0:
        rule = _common(
            n, payer, "prior authorization required in a hospital outpatient department", "authorization", "CO-197"
        )
        rule["when"] = {
            "all": [
                {"field": "line.procedure_code", "in": codes},
                {"field": "line.pos", "in": ["19", "22"]},
                {"field": "claim.prior_auth_number", "is_null": True},
            ]
        }
        first = {**first, "place_of_service": "22"}
        fire, passing = (
            {"claim": first, "lines": [line]},
            {"claim": {**first, "prior_auth_number": "PA12345"}, "lines": [line]},
        )
    elif kind == 1:
        rule = _common(n, payer, "code not paid by telehealth", "coding", "CO-5")
        rule["when"] = {
            "all": [{"field": "line.procedure_code", "in": codes}, {"field": "line.pos", "in": ["02", "10"]}]
        }
        fire = {"claim": {**first, "place_of_service": "10"}, "lines": [{**line, "modifiers": ["95"]}]}
        passing = {"claim": {**first, "place_of_service": "11"}, "lines": [line]}
    elif kind == 2:
        cap = 2 + n % 3
        rule = _common(n, payer, f"more than {cap} units on a line", "coding", "CO-151")
        rule["when"] = {"all": [{"field": "line.procedure_code", "in": codes}, {"field": "line.units", "gt": cap}]}
        fire, passing = (
            {"claim": first, "lines": [{**line, "units": cap + 1}]},
            {"claim": first, "lines": [{**line, "units": cap}]},
        )
    else:
        covered = ["E11.9", "I10", "Z00.00"][n % 3 :] or ["E11.9"]
        rule = _common(n, payer, "code paid in the emergency department only for listed diagnoses", "coding", "CO-50")
        rule["when"] = {
            "all": [
                {"field": "line.procedure_code", "in": codes},
                {"field": "line.pos", "eq": "23"},
                {"field": "claim.diagnosis_codes", "contains_none": [c.replace(".", "") for c in covered]},
            ]
        }
        first = {**first, "place_of_service": "23"}
        fire = {"claim": {**first, "diagnosis_codes": ["J06.9"]}, "lines": [line]}
        passing = {"claim": {**first, "diagnosis_codes": [covered[0]]}, "lines": [line]}
    rule["message"] = "Line {line.line_number} ({line.procedure_code}) on {line.service_date}: " + rule["title"] + "."
    rule["fix"] = "Review line {line.line_number} against the " + payer + " bulletin before sending."
    fire = {"name": "breaks_the_bulletin", **fire, "expect": [{"claim_id": "C1", "line_number": 1}]}
    rule["examples"] = {"fire": [fire], "pass": [{"name": "follows_the_bulletin", **passing}]}
    return rule


def pack_with_extra_rules(target: Path, count: int, rules_dir: Path | None = None) -> Path:
    """target/ becomes the pack (reference tables linked, not copied) plus `count` generated rules."""
    source = rules_dir or paths.rules_dir()
    target = Path(target)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(REFERENCE_FOLDER))
    (target / REFERENCE_FOLDER).symlink_to((source / REFERENCE_FOLDER).resolve())
    for n in range(1, count + 1):
        rule = payer_rule(n)  # in its category's folder, as every rule is
        path = target / rule["category"] / f"{rule['id']}-generated.yaml"
        path.write_text(yaml.safe_dump(rule, sort_keys=False), encoding="utf-8")
    return target
