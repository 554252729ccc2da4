"""`scrubber explain RULE_ID`: a rule as a biller reads it, and (with --plan) the query it compiles to."""

from __future__ import annotations

from typing import Any

from scrubber.engine.compile import compile_rule, findings_query
from scrubber.engine.context import RunContext
from scrubber.engine.messages import placeholders
from scrubber.engine.run import available_columns, materialise_scopes, scope_and_rows
from scrubber.findings import queue_of
from scrubber.rulebook.book import Rulebook
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule, denial_codes
from scrubber.rulebook.vocabulary import VOCABULARY


def _argument(value: Any) -> str:
    if isinstance(value, dict) and "field" in value:
        return value["field"]
    if isinstance(value, dict) and "param" in value:
        return f"the payer's {value['param']}"
    if isinstance(value, dict) and "table" in value:
        where = ", ".join(f"{k} = {v}" for k, v in value.get("where", {}).items())
        return f"the codes of table {value['table']}" + (f" where {where}" if where else "")
    if isinstance(value, list):
        return ", ".join(_argument(v) for v in value)
    return str(value)


def describe(node: dict, depth: int = 0) -> list[str]:
    """The condition tree in words, one clause a line."""
    pad = "  " * depth + ("- " if depth > 1 else "")
    if "all" in node:
        return [f"{pad}all of:"] + [line for child in node["all"] for line in describe(child, depth + 1)]
    if "any" in node:
        return [f"{pad}any of:"] + [line for child in node["any"] for line in describe(child, depth + 1)]
    if "not" in node:
        return [f"{pad}not:", *describe(node["not"], depth + 1)]
    pad = "  " * depth
    ((operator, argument),) = ((k, v) for k, v in node.items() if k != "field")
    field = node["field"]
    phrase = VOCABULARY[operator].phrase
    if isinstance(phrase, tuple):  # a flag: its phrase for true or for false
        return [f"{pad}- {field} {phrase[0] if argument else phrase[1]}"]
    return [f"{pad}- {field} {phrase} {_argument(argument)}"]


def parameters_read(node: Any) -> set[str]:
    """Payer-profile parameters a condition reads as {param: NAME}."""
    if isinstance(node, dict):
        found = {node["param"]} if set(node) == {"param"} else set()
        return found.union(*(parameters_read(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(parameters_read(v) for v in node))
    return set()


def payer_effects(rule: Rule, profiles: Profiles) -> list[str]:
    lines = []
    params = {p for p in placeholders(rule.message + rule.fix) if p.startswith("payer.")} | {
        f"payer.{name}" for name in parameters_read(rule.when)
    }
    for profile in sorted(profiles.payers.values(), key=lambda p: p.payer_id):
        applies = rule.payers is None or profile.payer_id in rule.payers
        setting = profile.rule_settings.get(rule.id, {})
        if not applies:
            continue
        if setting.get("enabled") is False:
            lines.append(f"  {profile.payer_id}: switched off")
            continue
        notes = [f"severity {setting['severity']}"] if "severity" in setting else []
        values = {**profiles.defaults, **profile.params}
        notes += [
            f"{p.split('.', 1)[1]} = {values[p.split('.', 1)[1]]}"
            for p in sorted(params)
            if p.split(".", 1)[1] in values
        ]
        lines.append(f"  {profile.payer_id}: " + ("; ".join(notes) if notes else "as written"))
    return lines


def explain(rule: Rule, rulebook: Rulebook, plan: bool = False) -> str:
    profiles = rulebook.profiles
    end = f"to {rule.effective_to}" if rule.effective_to else "with no end date"
    out = [
        f"{rule.id} · {rule.title}",
        f"Category {rule.category} ({queue_of(rule.category)} queue) · severity {rule.severity} · status {rule.status}",
        f"Applies to dates of service from {rule.effective_from} {end}; payers: "
        + ("all" if rule.payers is None else ", ".join(rule.payers)),
        f"File: {rule.path}",
        "",
        "What it checks (one row per " + rule.scope.replace("_", " ") + "):",
        *describe(rule.when, 1),
    ]
    if rule.lookups:
        out.append("  using " + "; ".join(f"{lookup.table} as {lookup.alias}" for lookup in rule.lookups))
    out += [
        "",
        f"Why payers deny it ({denial_codes(rule)}{': ' + rule.denial_text if rule.denial_text else ''}):",
        f"  {rule.why}",
        f"Message: {rule.message}",
        f"Fix: {rule.fix}",
        f"Source: {rule.reference}",
        "",
        "Per payer profile:",
        *(payer_effects(rule, profiles) or ["  (no profile applies)"]),
        "",
        "Examples that fire: " + ", ".join(e["name"] for e in rule.examples["fire"]),
        "Examples that pass: " + ", ".join(e["name"] for e in rule.examples["pass"]),
    ]
    if plan:
        out += ["", "Polars query plan (optimised):", query_plan(rule, rulebook)]
    return "\n".join(out)


def query_plan(rule: Rule, rulebook: Rulebook) -> str:
    ctx = RunContext.of(rulebook)
    compiled = compile_rule(rule, available_columns(ctx, rule.scope), rulebook.profiles, rulebook.references)
    scopes = materialise_scopes([compiled], ctx)
    return findings_query(compiled, *scope_and_rows(compiled, scopes), rulebook.profiles).explain()
