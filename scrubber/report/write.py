"""Everything a run writes for people and downstream tools, from one bundle of plain data.

The files are written into a staging folder that report/atomic.py moves into place whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.batch import Batch
from scrubber.history import PastRun, write_billed_lines
from scrubber.report.cards import PAGE_CARDS, claim_cards, claim_facts, unbilled_visits, warning_days
from scrubber.report.compare import claim_history, compare
from scrubber.report.fix_list import render_fix_list
from scrubber.report.workbook_process import WorkbookProcess
from scrubber.report.worklist import worklist_rows
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule
from scrubber.summary import RunSummary, write_summary

FIX_LIST = "fix_list.html"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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
    encounters: pl.DataFrame | None = None  # for an unbilled visit's patient, so its likely payer


@dataclass
class Beside:
    """What a run writes beside its rules: the outputs of the batch alone, and the workbook's process."""

    writing: list[Future]
    workbook: WorkbookProcess


@contextmanager
def batch_outputs(folder: Path, batch: Batch) -> Iterator[Beside]:
    """The outputs of the batch alone, written in a thread while the rules run: billed lines (for later runs'
    DUP002), streamed. After the fix list they were the write stage's last second at 1M lines (bench/README.md).
    The workbook's process starts now too (report/workbook_process.py). write_outputs waits for both; leaving
    waits for the thread and stops the process, so nothing writes into the folder after a failed run."""
    with WorkbookProcess() as workbook, ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-outputs") as pool:
        yield Beside([pool.submit(write_billed_lines, folder, batch.claims, batch.claim_lines)], workbook)


def write_outputs(folder: Path, report: RunReport, beside: Beside | None = None) -> None:
    """Every output of the run's findings into folder; then waits for the outputs written `beside` them."""
    with ExitStack() as stack:
        workbook = beside.workbook if beside else stack.enter_context(WorkbookProcess())
        # The findings files (Polars) let go of the interpreter while they write, so they are written in a
        # thread beside the fix list, which is mostly Python; so is the wait for the workbook's process.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="outputs"))
        writing: list[Future] = []
        _write_pages(folder, report, workbook, pool, writing)
        written([*writing, *(beside.writing if beside else [])])


def _write_pages(
    folder: Path, report: RunReport, workbook: WorkbookProcess, pool: ThreadPoolExecutor, writing: list[Future]
) -> None:
    """The fix list, with the workbook written beside it; its tables are freed when it returns."""
    as_of = report.summary.as_of
    findings, comparison = compare(report.findings, report.previous_runs)
    history = claim_history(findings, report.claims, report.previous_runs, comparison)
    facts = claim_facts(report.claims, report.claim_lines, findings, report.profiles, as_of, history)
    visits = unbilled_visits(findings, report.encounters, report.claims, report.claim_lines, report.profiles, as_of)
    # The workbook is the longest output (0.9 CPU s at 1M lines, mostly compressing its sheets): it starts
    # first, the findings files beside it, and the page is built while they write.
    workbook.write(folder / WORKLIST, *worklist_rows(findings, facts, visits), as_of)
    writing.append(pool.submit(workbook.finish))
    writing.append(pool.submit(write_findings, folder, report.findings))
    write_summary(folder, report.summary)
    cards = claim_cards(facts, report.claim_lines, findings, PAGE_CARDS)
    urgent = warning_days(report.profiles)
    render_fix_list(folder / FIX_LIST, report, findings, facts, cards, visits, history, comparison, urgent)


def written(writing: list[Future]) -> None:
    """Wait for the outputs written in threads; a writer's error is raised here."""
    for output in writing:
        output.result()


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(p) for p in FORMULA_PREFIXES))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_columns
    )


def write_findings(folder: Path, findings: pl.DataFrame) -> None:
    findings.write_parquet(folder / "findings.parquet")
    spreadsheet_safe(findings).write_csv(folder / "findings.csv")
