"""worklist.xlsx: the fix list as spreadsheets billers can sort, filter and hand out.

The first sheet lists the claims, one row each in the fix list's priority order (cards.claim_facts), with
their dollars, service dates, member, deadline and every finding in one cell; then the unbilled visits;
then one sheet per payer (the sheet names it, so rows do not repeat it), in the order of each payer's most
urgent claim. Each sheet has a frozen header, a filter and column widths in characters. Blank Status,
Assigned to and Note columns let a team use the file as its shared state. Text is written as text, never
as a formula or a link, so a claim field starting with `=` stays text in Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import xlsxwriter

from scrubber.findings import counting

# Column heading: (width in characters, cell kind). Kinds: text, number, money, date, wrap (long text).
CLAIM_COLUMNS = {
    "Priority": (8, "number"),
    "Bucket": (16, "text"),
    "Days left to file": (9, "number"),
    "Filing deadline": (11, "date"),
    "Claim": (14, "text"),
    "Payer": (12, "text"),
    "Dollars": (11, "money"),
    "Service from": (11, "date"),
    "Service to": (11, "date"),
    "Patient": (12, "text"),
    "Member": (14, "text"),
    "Team": (14, "text"),
    "Queue": (13, "text"),
    "Since last run": (16, "text"),
    "Findings": (8, "number"),
    "Top finding": (50, "wrap"),
    "Every finding and its fix": (90, "wrap"),
    "Status": (12, "text"),
    "Assigned to": (14, "text"),
    "Note": (30, "text"),
}
VISIT_COLUMNS = {
    "Visit": (12, "text"),
    "Patient": (12, "text"),
    "Visit date": (11, "date"),
    "Age in days": (8, "number"),
    "Likely payer": (12, "text"),
    "Filing deadline": (11, "date"),
    "Days left to file": (9, "number"),
    "Finding": (60, "wrap"),
    "Fix": (60, "wrap"),
    "Status": (12, "text"),
    "Assigned to": (14, "text"),
    "Note": (30, "text"),
}
BUCKETS = {"on_time": "to file on time", "past": "past deadline: appeal or write off"}
CLAIMS_SHEET = "Claims"
VISITS_SHEET = "Unbilled visits"
SHEET_NAME_LIMIT = 31  # Excel's limit
NO_PAYER_SHEET = "No payer"
# The most urgent claims only: weeks of a billing team's work (every finding is always in findings.csv
# and findings.parquet).
ROW_LIMIT = 50_000
LEFT_OUT_SHEET = "Not listed here"
# Below this many rows the workbook is written in this process: starting a second Python
# (about half a second) would cost a small cron run more than it saves.
SECOND_PROCESS_ROWS = 20_000


def _every_finding(findings: pl.DataFrame) -> pl.DataFrame:
    """Per claim, each finding on its own line of one cell: where, which rule, what, and the fix."""
    where = (
        pl.when(pl.col("line_number").is_null()).then(pl.lit("Claim")).otherwise(pl.format("Line {}", "line_number"))
    )
    return (
        counting(findings)
        .filter(pl.col("claim_id").is_not_null())
        .sort("claim_id", "line_number", "rule_id", nulls_last=False)
        .group_by("claim_id", maintain_order=True)
        .agg(
            pl.format("{} · {} ({}): {} Fix: {}", where, "rule_id", "severity", "message", "fix")
            .str.join("\n")
            .alias("every")
        )
    )


def worklist_rows(findings: pl.DataFrame, facts: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """The workbook's rows: the claims (facts, in priority order) then the unbilled visits, each row with
    its `kind` and `payer_id` (which sheet it goes to) and the values of its sheet's columns."""
    claims = facts.join(_every_finding(findings), on="claim_id", how="left", maintain_order="left").select(
        pl.lit("claim").alias("kind"),
        "payer_id",
        pl.col("priority").cast(pl.Int64).alias("Priority"),
        pl.col("bucket").replace_strict(BUCKETS, default=pl.col("bucket")).alias("Bucket"),
        pl.col("days_left").alias("Days left to file"),
        pl.col("deadline").alias("Filing deadline"),
        pl.col("claim_id").alias("Claim"),
        pl.col("payer_id").alias("Payer"),
        pl.col("total").alias("Dollars"),
        pl.col("first_date").alias("Service from"),
        pl.col("last_date").alias("Service to"),
        pl.col("patient_id").alias("Patient"),
        pl.col("member_id").alias("Member"),
        pl.col("team").alias("Team"),
        pl.col("owner").alias("Queue"),
        pl.when(pl.col("since") == "open")
        .then(pl.format("open {} nights", "nights"))
        .otherwise(pl.col("since"))
        .alias("Since last run"),
        pl.col("n_findings").cast(pl.Int64).alias("Findings"),
        pl.format("{}: {}", "top_rule", "top_message").alias("Top finding"),
        pl.col("every").alias("Every finding and its fix"),
    )
    unbilled = visits.select(
        pl.lit("visit").alias("kind"),
        "payer_id",
        pl.col("encounter_id").alias("Visit"),
        pl.col("patient_id").alias("Patient"),
        pl.col("service_date").alias("Visit date"),
        pl.col("age_days").alias("Age in days"),
        pl.col("payer_id").alias("Likely payer"),
        pl.col("deadline").alias("Filing deadline"),
        pl.col("days_left").alias("Days left to file"),
        pl.col("message").alias("Finding"),
        pl.col("fix").alias("Fix"),
    )
    return pl.concat([claims, unbilled], how="diagonal_relaxed")


def sheet_names(
    values: list[str | None], reserved: tuple[str, ...] = (CLAIMS_SHEET, VISITS_SHEET, LEFT_OUT_SHEET)
) -> dict[str | None, str]:
    """A valid, distinct Excel sheet name for each payer id, whatever characters it holds, none of the reserved ones."""
    names: dict[str | None, str] = {}
    taken: set[str] = {name.lower() for name in reserved}
    for value in values:
        base = re.sub(r"[\[\]:*?/\\']", "_", value or NO_PAYER_SHEET)[:SHEET_NAME_LIMIT] or NO_PAYER_SHEET
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        taken.add(name.lower())
        names[value] = name
    return names


def _most_urgent(rows: pl.DataFrame, limit: int) -> tuple[pl.DataFrame, int]:
    """The `limit` most urgent claims (rows come in priority order) and every unbilled visit; how many claims
    are left out."""
    claims = rows.filter(pl.col("kind") == "claim")
    return pl.concat([claims.head(limit), rows.filter(pl.col("kind") != "claim")]), max(0, claims.height - limit)


def write_worklist(path: Path, rows: pl.DataFrame, as_of: dt.date, limit: int = ROW_LIMIT) -> None:
    """The workbook of the `limit` most urgent claims."""
    shown, left_out = _most_urgent(rows, limit)
    write_workbook(path, shown, left_out, limit, as_of)


@contextmanager
def worklist_written(path: Path, rows: pl.DataFrame, as_of: dt.date, limit: int = ROW_LIMIT) -> Iterator[None]:
    """Write the workbook while the block runs, and have it written when the block ends.

    xlsxwriter is pure Python and holds the interpreter, so a big workbook goes to a second
    process and is written beside the fix list instead of after it (it was most of the write
    stage: bench/README.md). That process is a plain `python -m` of this module, not a
    multiprocessing child, so it never re-runs the script of a program that calls the pipeline.
    """
    shown, left_out = _most_urgent(rows, limit)
    if shown.height < SECOND_PROCESS_ROWS:
        yield
        write_workbook(path, shown, left_out, limit, as_of)
        return
    handoff = path.with_name(f".{path.name}.rows.parquet")
    shown.write_parquet(handoff, compression="uncompressed")
    package_parent = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    writer = subprocess.Popen(
        [sys.executable, "-m", __name__, str(handoff), str(path), str(left_out), str(limit), as_of.isoformat()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield
    finally:
        finish_worklist(writer, handoff)


def finish_worklist(writer: subprocess.Popen, handoff: Path) -> None:
    _, errors = writer.communicate()
    handoff.unlink(missing_ok=True)
    if writer.returncode != 0:
        last = (errors or "").strip().splitlines()[-1:] or [f"exit code {writer.returncode}"]
        raise OSError(f"worklist.xlsx could not be written: {last[0]}")


def write_workbook(path: Path, rows: pl.DataFrame, left_out: int, limit: int, as_of: dt.date) -> None:
    claims = rows.filter(pl.col("kind") == "claim")
    visits = rows.filter(pl.col("kind") == "visit")
    # Payer sheets in the order of each payer's most urgent claim (claims come in priority order).
    payers = claims["payer_id"].unique(maintain_order=True).to_list()
    names = sheet_names(payers)
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(path, options) as workbook:
        # Dated by the run, not the clock (the only varying bytes of the file): a rerun writes the same workbook.
        workbook.set_properties({"created": dt.datetime.combine(as_of, dt.time())})
        formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
            "money": workbook.add_format({"num_format": "$#,##0.00", "valign": "top"}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
            "text": workbook.add_format({"valign": "top"}),
            "number": workbook.add_format({"valign": "top"}),
            "head": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        }
        if left_out:
            workbook.add_worksheet(LEFT_OUT_SHEET).write_string(
                0, 0, f"The {limit:,} most urgent claims are listed; {left_out:,} more are in findings.csv."
            )
        _sheet(workbook, CLAIMS_SHEET, claims, CLAIM_COLUMNS, formats)
        if visits.height:
            _sheet(workbook, VISITS_SHEET, visits, VISIT_COLUMNS, formats)
        payer_columns = {k: v for k, v in CLAIM_COLUMNS.items() if k != "Payer"}
        for payer in payers:
            _sheet(workbook, names[payer], claims.filter(pl.col("payer_id").eq_missing(payer)), payer_columns, formats)


def _sheet(workbook: xlsxwriter.Workbook, name: str, rows: pl.DataFrame, columns: dict, formats: dict) -> None:
    """One sheet: a frozen header with a filter, widths in characters, and its rows written by cell kind."""
    sheet = workbook.add_worksheet(name)
    for n, (heading, (width, kind)) in enumerate(columns.items()):
        sheet.set_column(n, n, width, formats[kind])
        sheet.write_string(0, n, heading, formats["head"])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows.height, 1), len(columns) - 1)
    # Dates go in as Excel's day numbers (computed in Polars, not per cell), and each column's writer is
    # chosen once: the per-cell Python call is the workbook's cost.
    kinds = [kind for _, kind in columns.values()]
    data = rows.select(
        (pl.col(c) if c in rows.columns else pl.lit(None)).pipe(_cell_value, kind).alias(c)
        for c, (_, kind) in columns.items()
    )
    for c, (column, kind) in enumerate(zip(data.columns, kinds, strict=True)):
        write = sheet.write_string if kind in ("text", "wrap") else sheet.write_number
        style = formats[kind]
        for r, value in enumerate(data[column].to_list(), start=1):
            if value is not None:
                write(r, c, value, style)


EXCEL_EPOCH = dt.date(1899, 12, 30)


def _cell_value(column: pl.Expr, kind: str) -> pl.Expr:
    if kind == "date":
        return (column.cast(pl.Date) - pl.lit(EXCEL_EPOCH)).dt.total_days()
    if kind in ("number", "money"):
        return column.cast(pl.Float64)
    return column.cast(pl.String)


if __name__ == "__main__":  # the second process of worklist_written
    rows_file, out, left, most, run_date = sys.argv[1:]
    write_workbook(Path(out), pl.read_parquet(rows_file), int(left), int(most), dt.date.fromisoformat(run_date))
