"""worklist.xlsx: the fix list as spreadsheets billers can sort, filter and hand out.

The first sheet lists the claims, one row each in the fix list's priority order (cards.claim_facts), with
their dollars, service dates, member, deadline and every finding in one cell; then the unbilled visits;
then the payers, one row each in the order of its most urgent claim: its claims, dollars and nearest
deadline, for handing the work out. Each sheet has a frozen header, a filter and column widths in
characters. Blank Status, Assigned to and Note columns let a team use the file as its shared state, so
a claim has one row in the file: a payer's claims are the Claims sheet filtered on Payer (a copy of them on
a sheet per payer took a status typed there away from the Claims sheet, and half of the writing time).
Text is written as text, never as a formula or a link, so a claim field starting with `=` stays text.
"""

from __future__ import annotations

import copy as copy_module
import datetime as dt
import io
import re
import struct
import zipfile
from pathlib import Path

import polars as pl
import rustpy_xlsxwriter

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
PAYER_COLUMNS = {
    "Payer": (12, "text"),
    "Claims": (8, "number"),
    "Dollars": (13, "money"),
    "To file on time": (9, "number"),
    "Past deadline": (9, "number"),
    "Nearest filing deadline": (11, "date"),
    "Fewest days left": (9, "number"),
    "Findings": (8, "number"),
    "Unbilled visits": (9, "number"),
}
BUCKETS = {"on_time": "to file on time", "past": "past deadline: appeal or write off"}
CLAIMS_SHEET = "Claims"
VISITS_SHEET = "Unbilled visits"
PAYERS_SHEET = "Payers"
NO_PAYER = "(no payer)"
# The most urgent claims only: weeks of a billing team's work (every finding is always in findings.csv
# and findings.parquet).
ROW_LIMIT = 50_000
LEFT_OUT_SHEET = "Not listed here"


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


def worklist_rows(
    findings: pl.DataFrame, facts: pl.DataFrame, visits: pl.DataFrame, limit: int = ROW_LIMIT
) -> tuple[pl.DataFrame, int]:
    """The workbook's rows: the `limit` most urgent claims (facts, in priority order) then the unbilled visits,
    each row with its `kind` and `payer_id` and the values of its sheet's columns; and how many claims are left
    out. Only the listed claims' findings are written out (at 10M lines the others' were 1 s of text)."""
    shown = facts.head(limit)
    every = _every_finding(findings.join(shown.select("claim_id"), on="claim_id", how="semi"))
    claims = shown.join(every, on="claim_id", how="left", maintain_order="left").select(
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
    return pl.concat([claims, unbilled], how="diagonal_relaxed"), max(0, facts.height - limit)


def payer_rows(claims: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """One row per payer of the listed claims, in the order of its most urgent claim (claims come in priority
    order), then payers with unbilled visits only; the deadline columns count the claims still on time."""
    on_time = pl.col("Bucket") == BUCKETS["on_time"]
    payer = pl.col("payer_id").fill_null(NO_PAYER)
    of_claims = claims.group_by(payer, maintain_order=True).agg(
        pl.len().alias("Claims"),
        pl.col("Dollars").sum(),
        on_time.sum().alias("To file on time"),
        (pl.col("Bucket") == BUCKETS["past"]).sum().alias("Past deadline"),
        pl.col("Filing deadline").filter(on_time).min().alias("Nearest filing deadline"),
        pl.col("Days left to file").filter(on_time).min().alias("Fewest days left"),
        pl.col("Findings").sum(),
    )
    of_visits = visits.group_by(payer, maintain_order=True).agg(pl.len().alias("Unbilled visits"))
    return of_claims.join(of_visits, on="payer_id", how="full", coalesce=True, maintain_order="left_right").select(
        pl.col("payer_id").alias("Payer"), pl.exclude("payer_id")
    )


def write_workbook(path: Path, rows: pl.DataFrame, left_out: int, as_of: dt.date) -> None:
    """Every sheet in one call to a Rust writer (rust_xlsxwriter): it takes the Polars columns whole, where
    xlsxwriter made one Python call per cell (bench/README.md). Strings are written as inline text, never
    as a formula, a number or a link."""
    claims = rows.filter(pl.col("kind") == "claim")
    visits = rows.filter(pl.col("kind") == "visit")
    sheets: list[tuple[str, pl.DataFrame, dict]] = []
    if left_out:  # a sheet whose one cell is its heading
        note = f"The {claims.height:,} most urgent claims are listed; {left_out:,} more are in findings.csv."
        sheets.append((LEFT_OUT_SHEET, pl.DataFrame(schema={note: pl.String}), {}))
    sheets.append((CLAIMS_SHEET, claims, CLAIM_COLUMNS))
    if visits.height:
        sheets.append((VISITS_SHEET, visits, VISIT_COLUMNS))
    if claims.height or visits.height:
        sheets.append((PAYERS_SHEET, payer_rows(claims, visits), PAYER_COLUMNS))
    laid_out = {name: columns for name, _, columns in sheets if columns}
    book = io.BytesIO()
    rustpy_xlsxwriter.write_worksheets(
        [(name, _cells(frame, columns) if columns else frame) for name, frame, columns in sheets],
        book,
        freeze_panes={name: {"row": 1, "col": 0} for name in laid_out},
        autofilter=dict.fromkeys(laid_out, True),
        column_widths={name: [width for width, _ in columns.values()] for name, columns in laid_out.items()},
        column_formats={name: [_format(kind) for _, kind in columns.values()] for name, columns in laid_out.items()},
        header_format=dict.fromkeys(laid_out, _format("head")),
    )
    path.write_bytes(finished(book.getvalue(), dt.datetime.combine(as_of, dt.time())))


NUMBER_FORMATS = {"date": "yyyy-mm-dd", "money": "$#,##0.00"}


def _format(kind: str) -> rustpy_xlsxwriter.Format | None:
    """A column's cell format; none for plain text and numbers, which the default format lays out (see `finished`):
    a format on every cell took a quarter of the writer's time (the Claims sheet of 48,082 claims: 1.00 -> 0.75
    CPU s; the whole workbook 1.00 -> 0.88)."""
    if kind in ("text", "number"):
        return None
    style = rustpy_xlsxwriter.Format().set_align("top")
    if kind == "head":
        return style.set_bold().set_border_bottom("thin").set_text_wrap()
    if kind == "wrap":
        return style.set_text_wrap()
    return style.set_num_format(NUMBER_FORMATS[kind]) if kind in NUMBER_FORMATS else style


def _cells(rows: pl.DataFrame, columns: dict) -> pl.DataFrame:
    """A sheet's columns, headed and in order, each as the cell kind it is written as."""
    return rows.select(
        (pl.col(c) if c in rows.columns else pl.lit(None)).pipe(_cell_value, kind).alias(c)
        for c, (_, kind) in columns.items()
    )


CORE_PROPERTIES = "docProps/core.xml"
W3C_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
STYLES = "xl/styles.xml"
# The workbook's default cell format (the Normal style, and the cell format of every cell written without one):
# a claim's row is as tall as its list of findings, and its short cells read from the top, beside that list.
DEFAULT_FORMATS = re.compile(r'(<(?:cellStyleXfs|cellXfs) count="\d+"><xf numFmtId="0" [^>]*?)/>')
TOP_ALIGNED = r'\1 applyAlignment="1"><alignment vertical="top"/></xf>'


def finished(book: bytes, created: dt.datetime) -> bytes:
    """The workbook with its document times set to `created` (the writer stamps the clock into docProps/core.xml:
    dated by the run, a rerun writes the same bytes) and its default cell format aligned to the top. Only those two
    small members are rewritten; every other one (the sheets) is copied as it is, still compressed, in order."""
    source = zipfile.ZipFile(io.BytesIO(book))
    members = sorted(source.infolist(), key=lambda info: info.header_offset)
    central_directory = struct.unpack_from("<I", book, book.rindex(b"PK\x05\x06") + 16)[0]
    ends = [info.header_offset for info in members[1:]] + [central_directory]
    rewrite = {
        CORE_PROPERTIES: lambda xml: W3C_TIME.sub(created.strftime("%Y-%m-%dT%H:%M:%SZ"), xml),
        STYLES: _top_aligned,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info, end in zip(members, ends, strict=True):
            if info.filename in rewrite:
                xml = rewrite[info.filename](source.read(info).decode("utf-8"))
                target.writestr(zipfile.ZipInfo(info.filename, info.date_time), xml, zipfile.ZIP_DEFLATED)
                continue
            # A member's local header, data and data descriptor run up to the next member's header; the
            # central directory (written on close) lists the copy at its new offset. zipfile has no public
            # call that adds a member's compressed bytes as they are, hence its fp, filelist and start_dir.
            copy = copy_module.copy(info)
            copy.header_offset = target.fp.tell()
            target.fp.write(book[info.header_offset : end])
            target.filelist.append(copy)
            target.NameToInfo[copy.filename] = copy
            target.start_dir = target.fp.tell()
    return out.getvalue()


def _top_aligned(styles: str) -> str:
    aligned, found = DEFAULT_FORMATS.subn(TOP_ALIGNED, styles)
    if found != 2:  # a writer that lays its styles out otherwise would leave the short cells bottom-aligned
        raise ValueError(f"worklist.xlsx: {found} of the 2 default cell formats found in {STYLES}")
    return aligned


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_TEXT_LIMIT = 32_767  # characters in a cell: the writer refuses a longer one


def _cell_value(column: pl.Expr, kind: str) -> pl.Expr:
    if kind == "date":
        return (column.cast(pl.Date) - pl.lit(EXCEL_EPOCH)).dt.total_days()
    if kind in ("number", "money"):
        return column.cast(pl.Float64)
    return column.cast(pl.String).str.slice(0, EXCEL_TEXT_LIMIT)
