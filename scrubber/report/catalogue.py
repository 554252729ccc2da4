"""The rule catalogue at the foot of the fix list, generated from the rule files themselves.

Every finding links here, so what a rule checks, why payers deny it and where the
rule comes from is written once, in the rule's YAML.
"""

from __future__ import annotations

import polars as pl

from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule


def rule_catalogue(rules: list[Rule], profiles: Profiles, findings: pl.DataFrame) -> list[dict]:
    """One entry per rule that is not retired, by id, with how often it fired in this run."""
    fired = findings.group_by("rule_id").len()
    count = dict(zip(fired["rule_id"].to_list(), fired["len"].to_list()))
    entries = []
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.status == "retired":
            continue
        regraded = profiles.regraded(rule.id)
        adjustments = [f"{payer}: {severity}" for payer, severity in sorted(regraded.items())]
        adjustments += [f"{payer}: off" for payer in profiles.disabled(rule.id)]
        entries.append(
            {
                "id": rule.id,
                "title": rule.title,
                "category": rule.category,
                "severity": rule.severity,
                "status": rule.status,
                "payers": "all payers" if rule.payers is None else ", ".join(rule.payers),
                "effective": f"from {rule.effective_from}" + (f" to {rule.effective_to}" if rule.effective_to else ""),
                "denial": rule.carc,
                "denial_text": rule.denial_text,
                "remark_codes": ", ".join(rule.rarc),
                "why": rule.why,
                "reference": rule.reference,
                "adjustments": "; ".join(adjustments),
                "fired": count.get(rule.id, 0),
            }
        )
    return entries
