"""Everything a run writes for people and downstream tools, from one bundle of plain data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.history import BILLED_LINES, PastRun, billed_lines
from scrubber.report.cards import PAGE_CARDS, claim_cards, claim_facts, warning_days
from scrubber.report.compare import compare
from scrubber.report.fix_list import render_fix_list
from scrubber.report.outputs import write_findings
from scrubber.report.worklist import worklist_rows, worklist_written
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule
from scrubber.summary import RunSummary, write_summary

FIX_LIST = "fix_list.html"
WORKLIST = "worklist.xlsx"


@dataclass(frozen=True)
class RunReport:
    summary: RunSummary
    findings: pl.DataFrame
    claims: pl.DataFrame
    claim_lines: pl.DataFrame
    patients: pl.DataFrame
    rules: list[Rule]
    profiles: Profiles
    previous_runs: list[PastRun]


def write_outputs(folder: Path, report: RunReport) -> None:
    as_of = report.summary.as_of
    findings, comparison = compare(report.findings, report.previous_runs)
    facts = claim_facts(report.claims, report.claim_lines, findings, report.profiles, as_of)
    # The workbook is the slowest output (pure Python): it is written while the others are.
    with worklist_written(folder / WORKLIST, worklist_rows(findings, facts, report.claim_lines), as_of):
        billed_lines(report.claims, report.claim_lines).write_parquet(folder / BILLED_LINES)  # for later runs' DUP002
        write_findings(folder, report.findings)
        write_summary(folder, report.summary)
        cards = claim_cards(facts, report.claim_lines, findings, PAGE_CARDS)
        urgent = warning_days(report.profiles)
        render_fix_list(folder / FIX_LIST, report, findings, facts, cards, comparison, urgent)
