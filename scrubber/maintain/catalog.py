"""The rule catalogue, generated from the rule YAML (never written twice).

`docs/rules.md` is committed and checked by a test, so a rule change without its
regenerated catalogue fails CI. Rule effectiveness (how often each rule fired, per
run and per payer) comes from the runs kept under reports/ and is printed, never
committed, because those runs hold patient data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

from scrubber.history import PastRun
from scrubber.rulebook.rules import Rule

HEADER = """# Rule catalogue

Generated from `rules/` by `scrubber catalog --write`; do not edit by hand. A test fails
when this file is out of date.

"""


def _effective(rule: Rule) -> str:
    return f"{rule.effective_from} – {rule.effective_to or ''}".rstrip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rules: list[Rule]) -> str:
    ordered = sorted(rules, key=lambda r: (r.category, r.id))
    counts = Counter(r.category for r in ordered)
    out = [HEADER, f"{len(ordered)} rules: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())) + ".\n"]
    out.append("| id | title | family | severity | status | payers | effective (date of service) | denial | source |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for rule in ordered:
        payers = "all" if rule.payers is None else ", ".join(rule.payers)
        out.append(
            f"| [{rule.id}](#{rule.id.lower()}) | {_cell(rule.title)} | {rule.category} | {rule.severity} | {rule.status} "
            f"| {payers} | {_effective(rule)} | {rule.carc} | {_cell(rule.reference)} |"
        )
    for rule in ordered:
        out += [
            "",
            f"## {rule.id}",
            "",
            f"**{rule.title}** — `{rule.path.parent.name}/{rule.path.name}`",
            "",
            f"- Why payers deny it ({rule.carc}): {rule.why}",
            f"- Fix: {rule.fix}",
            f"- Source: {rule.reference}",
        ]
    return "\n".join(out) + "\n"


def effectiveness(runs: list[PastRun]) -> pl.DataFrame:
    """Findings per rule per run and payer, from each run's findings.parquet."""
    frames = [
        pl.scan_parquet(run.folder / "findings.parquet")
        .filter(pl.col("rule_status") == "active")
        .group_by("rule_id", "payer_id")
        .len()
        .with_columns(pl.lit(run.as_of).alias("run_date"), pl.lit(run.folder.name).alias("run"))
        for run in runs
        if (run.folder / "findings.parquet").is_file()
    ]
    if not frames:
        return pl.DataFrame(schema={"rule_id": pl.String, "payer_id": pl.String, "len": pl.UInt32, "run_date": pl.Date, "run": pl.String})
    return pl.concat(frames, how="vertical_relaxed").collect().sort("rule_id", "run_date", "payer_id")


def effectiveness_text(table: pl.DataFrame) -> str:
    """Per rule: findings in each run, and the noisiest payer, so noisy rules stand out."""
    if table.height == 0:
        return "No earlier runs with findings under reports/."
    per_run = table.group_by("rule_id", "run", "run_date").agg(pl.col("len").sum()).sort("rule_id", "run_date")
    per_payer = table.group_by("rule_id", "payer_id").agg(pl.col("len").sum()).sort("len", descending=True)
    lines = [f"{'rule':<9} {'runs':>4} {'mean/run':>9} {'max':>6}  top payer"]
    for rule_id, group in per_run.group_by("rule_id", maintain_order=True):
        top = per_payer.filter(pl.col("rule_id") == rule_id[0]).row(0, named=True)
        lines.append(
            f"{rule_id[0]:<9} {group.height:>4} {group['len'].mean():>9.1f} {group['len'].max():>6}  {top['payer_id']} ({top['len']})"
        )
    return "\n".join(lines)


def write_markdown(rules: list[Rule], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(rules), encoding="utf-8")
