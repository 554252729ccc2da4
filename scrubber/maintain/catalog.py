"""The rule catalogue, generated from the rule YAML (never written twice).

`docs/rules.md` is committed and checked by a test, so a rule change without its
regenerated catalogue fails CI. Rule effectiveness (how often each rule fired, per
run and per payer) comes from the runs kept under reports/ and is printed, never
committed, because those runs hold patient data.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl

from scrubber.examples import DEFAULT_AS_OF, DEFAULT_CLAIM, DEFAULT_LINE
from scrubber.findings import counting
from scrubber.history import PastRun
from scrubber.rulebook.rules import Rule, denial_codes

HEADER = f"""# Rule catalogue

Generated from `rules/` by `scrubber catalog --write`; do not edit by hand. A test fails
when this file is out of date.

Each rule's examples are run by the test suite (and `scrubber examples`). An example states only
what differs from the default claim (claim C1: a {DEFAULT_CLAIM["payer_id"].title()} office visit,
{DEFAULT_LINE["procedure_code"]} for {DEFAULT_CLAIM["diagnosis_codes"][0]}, \
place of service {DEFAULT_CLAIM["place_of_service"]},
on {DEFAULT_LINE["service_date"]}, run on {DEFAULT_AS_OF}); a fire example lists every finding the rule gives on it,
and a pass example gives none.

"""


def _effective(rule: Rule) -> str:
    return f"{rule.effective_from} – {rule.effective_to or ''}".rstrip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _found(entry: dict) -> str:
    """An expected finding in words: `C1 line 2`, `claim C1`, `the file`, plus any other column named."""
    if entry["claim_id"] is None:
        where = f"visit {entry['encounter_id']}" if "encounter_id" in entry else "the file"
    else:
        where = (
            f"{entry['claim_id']} line {entry['line_number']}"
            if entry.get("line_number")
            else f"claim {entry['claim_id']}"
        )
    more = [f"{k} {v}" for k, v in entry.items() if k not in ("claim_id", "line_number", "encounter_id")]
    return where + (f" ({', '.join(more)})" if more else "")


def _given(example: dict) -> str:
    """What an example states beyond the default claim, on one line; an 837 is summarised."""
    given = {k: v for k, v in example.items() if k not in ("name", "note", "expect")}
    if "x12" in given:
        given["x12"] = f"<837, {given['x12'].count('~')} segments>"
    text = json.dumps(given, ensure_ascii=False, separators=(", ", ": "))
    return "the default claim" if not given else f"`{text}`"


def _note(example: dict) -> str:
    return f" ({_cell(example['note'].strip())})" if example.get("note") else ""


def _examples(rule: Rule) -> list[str]:
    lines = ["- Examples:"]
    for example in rule.examples["fire"]:
        found = "; ".join(_found(e) for e in example["expect"])
        lines.append(f"  - fires on `{example['name']}`{_note(example)}: {_given(example)} → {found}")
    for example in rule.examples["pass"]:
        lines.append(f"  - passes `{example['name']}`{_note(example)}: {_given(example)}")
    return lines


RECORD_HEAD = "payers' record: fired / denied as named / sent anyway / fired, paid in full"


def markdown(rules: list[Rule], record: pl.DataFrame | None = None) -> str:
    """The catalogue; given a remittance report's rule_record table (`scrubber catalog --record`), each rule's
    record beside it. docs/rules.md is written without one: those figures come from a practice's claims."""
    ordered = sorted(rules, key=lambda r: (r.category, r.id))
    counts = Counter(r.category for r in ordered)
    figures = {} if record is None else {row["rule_id"]: row for row in record.iter_rows(named=True)}
    extra = ([f" {RECORD_HEAD} |"], ["---|"]) if record is not None else ([""], [""])
    out = [HEADER, f"{len(ordered)} rules: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())) + ".\n"]
    out.append(
        "| id | title | family | severity | status | payers | effective (date of service) | denial | source |"
        + extra[0][0]
    )
    out.append("|---|---|---|---|---|---|---|---|---|" + extra[1][0])
    for rule in ordered:
        payers = "all" if rule.payers is None else ", ".join(rule.payers)
        cell = f" {_record_cell(figures.get(rule.id))} |" if record is not None else ""
        out.append(
            f"| [{rule.id}](#{rule.id.lower()}) | {_cell(rule.title)} | {rule.category} | {rule.severity} "
            f"| {rule.status} | {payers} | {_effective(rule)} | {denial_codes(rule)} | {_cell(rule.reference)} |" + cell
        )
    for rule in ordered:
        out += [
            "",
            f"## {rule.id}",
            "",
            f"**{rule.title}** — `{rule.path.parent.name}/{rule.path.name}`",
            "",
            f"- Why payers deny it ({denial_codes(rule)}): {rule.why}",
            f"- Fix: {rule.fix}",
            f"- Source: {rule.reference}",
            *([f"- Payers' record: {_record_words(figures[rule.id])}"] if rule.id in figures else []),
            *_examples(rule),
        ]
    return "\n".join(out) + "\n"


def _record_cell(row: dict | None) -> str:
    if row is None:
        return "—"
    return " / ".join(str(row[k]) for k in ("fired", "denied_as_predicted", "sent_anyway", "fired_paid_in_full"))


def _record_words(row: dict) -> str:
    return (
        f"fired on {row['fired']} claim line(s) the payers answered: {row['denied_as_predicted']} then denied for "
        f"the reason it names (${row['denied_dollars']:,.2f}; {row['sent_anyway']} sent with the finding open), "
        f"{row['denied_other']} denied for another reason, {row['fired_paid_in_full']} fired but paid in full, "
        f"{row['paid_after_fix']} cleared then paid"
    )


def effectiveness(runs: list[PastRun]) -> pl.DataFrame:
    """Findings per rule per run and payer, from each run's findings.parquet."""
    frames = [
        counting(pl.scan_parquet(run.folder / "findings.parquet"))
        .group_by("rule_id", "payer_id")
        .len()
        .with_columns(pl.lit(run.as_of).alias("run_date"), pl.lit(run.folder.name).alias("run"))
        for run in runs
        if (run.folder / "findings.parquet").is_file()
    ]
    if not frames:
        return pl.DataFrame(
            schema={
                "rule_id": pl.String,
                "payer_id": pl.String,
                "len": pl.UInt32,
                "run_date": pl.Date,
                "run": pl.String,
            }
        )
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
            f"{rule_id[0]:<9} {group.height:>4} {group['len'].mean():>9.1f} {group['len'].max():>6}"
            f"  {top['payer_id']} ({top['len']})"
        )
    return "\n".join(lines)


def write_markdown(rules: list[Rule], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(rules), encoding="utf-8")
