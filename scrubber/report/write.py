"""Everything a run writes for people and downstream tools, from one bundle of plain data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.history import PastRun
from scrubber.report.fix_list import claim_cards, render_fix_list
from scrubber.report.outputs import write_findings, write_summary
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule


@dataclass(frozen=True)
class RunReport:
    summary: dict
    findings: pl.DataFrame
    claims: pl.DataFrame
    claim_lines: pl.DataFrame
    patients: pl.DataFrame
    rules: list[Rule]
    profiles: Profiles
    previous_runs: list[PastRun]


def write_outputs(folder: Path, report: RunReport) -> None:
    write_findings(folder, report.findings)
    write_summary(folder, report.summary)
    cards = claim_cards(report.claims, report.claim_lines, report.findings)
    unclaimed = report.findings.filter(pl.col("claim_id").is_null()).to_dicts()
    render_fix_list(folder / "fix_list.html", report.summary, cards, unclaimed)
