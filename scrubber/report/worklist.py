"""worklist.xlsx: the fix list as spreadsheets billers can sort, filter and hand out.

One sheet per payer (the sheet names it, so rows do not repeat it), each a filterable table with a
frozen header, rows in the fix list's priority order. The workbook is told never to turn text into
formulas or links, so a claim field starting with `=` stays text in Excel.
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

COLUMNS = {
    "priority": "Priority",
    "days_left": "Days left to file",
    "deadline": "Filing deadline",
    "claim_id": "Claim",
    "patient_id": "Patient",
    "team": "Team",
    "rendering_npi": "Rendering NPI",
    "line_number": "Line",
    "procedure_code": "Code",
    "rule_id": "Rule",
    "severity": "Severity",
    "category": "Category",
    "queue": "Queue",
    "status": "Since last run",
    "message": "Finding",
    "fix": "Fix",
    "denial_code": "Prevents denial",
}
SHEET_NAME_LIMIT = 31  # Excel's limit
NO_PAYER_SHEET = "No payer"
# The most urgent findings only: weeks of a billing team's work, and xlsxwriter writes about
# 130,000 cells a second, so a night of 700,000 findings would take a minute and a half. All
# findings are always in findings.csv and findings.parquet.
ROW_LIMIT = 50_000
LEFT_OUT_SHEET = "Not listed here"
# Below this many rows the workbook is written in this process: starting a second Python
# (about half a second) would cost a small cron run more than it saves.
SECOND_PROCESS_ROWS = 20_000


def worklist_rows(findings: pl.DataFrame, facts: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Active findings with their claim's priority, deadline and team; findings on no claim come last."""
    ranked = facts
    active = counting(findings)
    codes = (
        lines.join(active.select("claim_id").unique(), on="claim_id", how="semi")  # a night is mostly clean lines
        .select("claim_id", "line_number", "procedure_code")
        .unique(["claim_id", "line_number"], keep="first")
    )
    return (
        active.join(
            ranked.select("claim_id", "priority", "days_left", "deadline", "patient_id", "team", "rendering_npi"),
            on="claim_id",
            how="left",
        )
        .join(codes, on=["claim_id", "line_number"], how="left")
        .with_columns(
            pl.when(pl.col("is_new").is_null())
            .then(pl.lit(""))
            .when(pl.col("is_new"))
            .then(pl.lit("new"))
            .otherwise(pl.lit("still open"))
            .alias("status"),
        )
        .sort(["priority", "line_number", "rule_id"], nulls_last=True)
        .select("payer_id", *COLUMNS)
    )


def sheet_names(values: list[str | None]) -> dict[str | None, str]:
    """A valid, distinct Excel sheet name for each payer id, whatever characters it holds."""
    names: dict[str | None, str] = {}
    taken: set[str] = set()
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


def write_worklist(path: Path, rows: pl.DataFrame, as_of: dt.date, limit: int = ROW_LIMIT) -> None:
    """The workbook of the `limit` most urgent rows (rows come in priority order)."""
    write_workbook(path, rows.head(limit), max(0, rows.height - limit), limit, as_of)


@contextmanager
def worklist_written(path: Path, rows: pl.DataFrame, as_of: dt.date, limit: int = ROW_LIMIT) -> Iterator[None]:
    """Write the workbook while the block runs, and have it written when the block ends.

    xlsxwriter is pure Python and holds the interpreter, so a big workbook goes to a second
    process and is written beside the fix list instead of after it (it was most of the write
    stage: bench/README.md). That process is a plain `python -m` of this module, not a
    multiprocessing child, so it never re-runs the script of a program that calls the pipeline.
    """
    if min(rows.height, limit) < SECOND_PROCESS_ROWS:
        yield
        write_worklist(path, rows, as_of, limit)
        return
    shown, left_out = rows.head(limit), max(0, rows.height - limit)
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
    payers = rows["payer_id"].unique(maintain_order=True).sort(nulls_last=True).to_list()
    names = sheet_names(payers)
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(path, options) as workbook:
        # Dated by the run, not the clock (the only varying bytes of the file): a rerun writes the same workbook.
        workbook.set_properties({"created": dt.datetime.combine(as_of, dt.time())})
        if not payers:
            workbook.add_worksheet("No findings").write_string(0, 0, "No findings in this run.")
        if left_out:
            workbook.add_worksheet(LEFT_OUT_SHEET).write_string(
                0, 0, f"The {limit:,} most urgent findings are listed; {left_out:,} more are in findings.csv."
            )
        for payer in payers:
            sheet = rows.filter(pl.col("payer_id").eq_missing(payer)).drop("payer_id").rename(COLUMNS)
            sheet.write_excel(
                workbook,
                names[payer],
                autofilter=True,
                freeze_panes="A2",
                table_style="Table Style Light 9",
                column_widths={"Finding": 60, "Fix": 60, "Claim": 14, "Patient": 12, "Rule": 9},
                dtype_formats={pl.Date: "yyyy-mm-dd"},
            )


if __name__ == "__main__":  # the second process of worklist_written
    rows_file, out, left, most, run_date = sys.argv[1:]
    write_workbook(Path(out), pl.read_parquet(rows_file), int(left), int(most), dt.date.fromisoformat(run_date))
