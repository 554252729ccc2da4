"""Load CMS's published files as a new release of a reference table.

Each function reads one CMS layout, validates every row, then appends a release to
`rules/reference/<name>/`: the data file (Parquet, sorted by key) first, then `table.yaml`,
each written to a temporary file and renamed, so a failed import leaves the table as it was.
The previous open-ended release is closed the day before the new one starts; older releases
stay. CMS publishes the NCCI tables once per setting (practitioner, outpatient hospital, DME
supplier): those tables are partitioned by `setting`, a release holds one setting's rows, and
only that setting's previous release is closed.

Parsing is vectorised with polars: a practitioner PTP release is 2 to 3 million rows in
four files. Reading CMS's .xlsx copies needs the optional fastexcel package.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import yaml

from scrubber.rulebook.reference import write_release_parquet
from scrubber.text import decode

_HCPCS = r"^[0-9A-Z]{5}$"
_ICD10CM = r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$"
_TEXT_SUFFIXES = (".txt", ".csv")
_FIRST_FIELD = r'^"?[0-9A-Z]{5}"?'
_PREAMBLE_LINES = 200  # CMS puts a notice, a title and a wrapped header before the data

# How CMS names each setting's files: ccipra-v302r0-f1.TXT and ccioph-v302r0-f1.TXT inside
# medicare-ncci-2024q3-{practitioner,hospital}-ptp-edits-*.zip; MCR_MUE_PractitionerServices_Eff_*,
# MCR_MUE_OutpatientHospitalServices_Eff_* and MCR_MUE_DMESupplierServices_Eff_* for the MUEs.
PTP_SETTINGS = {"practitioner": r"ccipra|practitioner", "outpatient_hospital": r"ccioph|hospital"}
MUE_SETTINGS = {
    "practitioner": r"practitioner",
    "outpatient_hospital": r"outpatient[ _-]?hospital",
    "dme": r"dme[ _-]?supplier|(?<![a-z])dme(?![a-z])",
}
_MUE_VALUES = {
    "practitioner": "Practitioner Services MUE Values",
    "outpatient_hospital": "Outpatient Hospital Services MUE Values",
    "dme": "DME Supplier Services MUE Values",
}


class ImportFormatError(ValueError):
    """A source file does not follow the CMS layout; says where."""

    def __init__(
        self, path: str, reason: str, line: int | None = None, column: str | None = None, value: object = None
    ):
        self.path, self.reason, self.line, self.column, self.value = path, reason, line, column, value
        where = path if line is None else f"{path}, line {line}"
        if column is not None:
            where += f", column '{column}'"
        found = "" if value is None else f" (found {value!r})"
        super().__init__(f"{where}: {reason}{found}")


class ReleaseConflictError(ValueError):
    """The release cannot be added without replacing or overlapping an existing one."""


@dataclass(frozen=True)
class ImportResult:
    table: str
    release_id: str
    data_file: Path
    rows: int
    effective_from: date
    closed_release: str | None  # id of the release that now ends the day before
    source_files: tuple[str, ...]
    rows_adjusted: int = 0  # PTP rows dropped or shortened so a pair has one row per date
    setting: str | None = None  # the partition the release belongs to (NCCI tables)


# ---------------------------------------------------------------- public entry points


def import_ncci_ptp(
    source: Path,
    table_dir: Path,
    release_id: str,
    effective_from: date,
    *,
    setting: str | None = None,
    origin: str | None = None,
) -> ImportResult:
    """CMS PTP edits for practitioners (ccipra-*.TXT) or outpatient hospitals (ccioph-*.TXT),
    tab-delimited, or the same columns as .csv/.xlsx. `source` may be one file, a CMS zip, or
    a folder holding the f1-f4 parts; `setting` is told from CMS's file names when not given."""
    setting, members = _members_of_setting(Path(source), PTP_SETTINGS, setting)
    parts = [_ptp_rows(name, raw) for name, raw in members]
    values = ["column1", "column2", "prior_1996", "effective_date", "deletion_date", "modifier_indicator", "rationale"]
    rows = pl.concat(parts).select(values)
    # The files are cumulative since 1996: a row deleted before the release starts never applies in it.
    running = pl.col("deletion_date").is_null() | (pl.col("deletion_date") >= effective_from)
    current = rows.filter(running)  # first, to rank fewer rows; again after rows were ended
    kept, adjusted = _one_row_per_pair_and_date(current)
    frame = kept.filter(running)
    note = (
        f" {rows.height - current.height + kept.height - frame.height} rows deleted before {effective_from} left out."
    )
    if adjusted:
        note += (
            f" {adjusted} rows whose date window overlapped another row of the same pair were "
            "dropped or ended the day before that row starts."
        )
    return _append_release(
        frame, table_dir, release_id, effective_from, members, "import_ncci_ptp", origin, note, adjusted, setting
    )


def _one_row_per_pair_and_date(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """CMS keeps superseded records of a pair in its files, e.g. a retroactive deletion
    (indicator 9, deleted the day it took effect) beside the edit that replaced it. The
    table allows one row per pair on any date, so per pair and effective date the row kept
    is the real edit (not 9), then the longest running, then the stricter indicator; and a
    row still running when the pair's next record starts ends the day before. Returns the
    rows kept and how many were dropped or shortened (exact copies not counted)."""
    key = ["column1", "column2"]
    ranked = frame.sort(
        [
            *key,
            "effective_date",
            pl.col("modifier_indicator") == "9",
            pl.col("deletion_date").fill_null(date.max),
            "modifier_indicator",
            "rationale",
        ],
        descending=[False, False, False, False, True, False, False],
    )
    # Neighbours in the sorted frame stand in for group-bys: far faster on millions of rows.
    same_pair = (pl.col("column1") == pl.col("column1").shift(1)) & (pl.col("column2") == pl.col("column2").shift(1))
    repeat = (same_pair & (pl.col("effective_date") == pl.col("effective_date").shift(1))).fill_null(False)
    # The same edit may be printed in two of CMS's part files: its second copy is dropped, not counted.
    copy = repeat & pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in frame.columns)
    copies = ranked.select(copy.sum()).item()
    kept = ranked.filter(~repeat)
    next_start = pl.when(same_pair.shift(-1).fill_null(False)).then(pl.col("effective_date").shift(-1))
    runs_on = next_start.is_not_null() & (pl.col("deletion_date").is_null() | (pl.col("deletion_date") >= next_start))
    clipped = kept.select(runs_on.sum()).item()
    kept = kept.with_columns(
        pl.when(runs_on)
        .then(next_start - pl.duration(days=1))
        .otherwise(pl.col("deletion_date"))
        .alias("deletion_date")
    )
    return kept, frame.height - copies - kept.height + clipped


def import_mue(
    source: Path,
    table_dir: Path,
    release_id: str,
    effective_from: date,
    *,
    setting: str | None = None,
    origin: str | None = None,
) -> ImportResult:
    """CMS MUE table of one setting (MCR_MUE_PractitionerServices_Eff_*.csv, ..._OutpatientHospital...,
    ..._DMESupplier..., or .xlsx, or the CMS zip holding it); `setting` is told from the name when not given."""
    setting, members = _members_of_setting(Path(source), MUE_SETTINGS, setting)
    frame = pl.concat([_mue_rows(name, raw, setting) for name, raw in members])
    dup = frame.filter(pl.col("code").is_duplicated())
    if dup.height:
        row = dup.row(0, named=True)
        raise ImportFormatError(row["source"], "code listed twice", column="HCPCS/CPT Code", value=row["code"])
    return _append_release(
        frame.drop("source"), table_dir, release_id, effective_from, members, "import_mue", origin, setting=setting
    )


def import_icd10cm_order(
    source: Path, table_dir: Path, release_id: str, effective_from: date, *, origin: str | None = None
) -> ImportResult:
    """CMS fixed-width icd10cm_order_YYYY.txt into the icd10cm table (code, billable,
    description = the long description)."""
    members = _read_members(Path(source), r"icd10cm_order")
    frame = pl.concat([_icd10cm_rows(name, raw) for name, raw in members])
    dup = frame.filter(pl.col("code").is_duplicated())
    if dup.height:
        row = dup.row(0, named=True)
        raise ImportFormatError(row["source"], "code listed twice", column="code", value=row["code"])
    return _append_release(
        frame.drop("source"), table_dir, release_id, effective_from, members, "import_icd10cm_order", origin
    )


# ---------------------------------------------------------------- reading sources


def _read_members(source: Path, wanted: str) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the data files in a file, a zip or a folder: those whose name
    matches `wanted` when any does (CMS zips also carry other tables and notices)."""
    found = _files_in(source)
    return _data_files(source, [m for m in found if re.search(wanted, m[0], re.IGNORECASE)] or found)


def _members_of_setting(
    source: Path, patterns: dict[str, str], setting: str | None
) -> tuple[str, list[tuple[str, bytes]]]:
    """The setting of an NCCI source and its data files. CMS's file names tell the setting; a
    name that does not is told by the zip's or folder's name, else by `setting`. A source
    holding several settings' files needs `setting` to pick one; a name contradicting it is refused."""
    choices = " | ".join(patterns)
    if setting is not None and setting not in patterns:
        raise ImportFormatError(str(source), f"unknown setting {setting!r}; expected {choices}")
    found = _files_in(source)
    told = {name: _setting_in(name, patterns) or _setting_in(source.name, patterns) for name, _ in found}
    named = sorted({s for s in told.values() if s})
    if setting is None:
        if len(named) != 1:
            why = (
                f"holds files of several settings ({', '.join(named)})"
                if named
                else "names no setting (CMS's file names do: ccipra/ccioph, PractitionerServices, ...)"
            )
            raise ImportFormatError(str(source), f"{why}; say which with --setting {choices}")
        setting = named[0]
    elif named and setting not in named:
        raise ImportFormatError(str(source), f"its file names say {', '.join(named)}, not {setting}")
    return setting, _data_files(source, [m for m in found if told[m[0]] in (setting, None)])


def _setting_in(name: str, patterns: dict[str, str]) -> str | None:
    hits = [setting for setting, pattern in patterns.items() if re.search(pattern, name, re.IGNORECASE)]
    return hits[0] if len(hits) == 1 else None


def _files_in(source: Path) -> list[tuple[str, bytes]]:
    if source.is_dir():
        return [(p.name, p.read_bytes()) for p in sorted(source.iterdir()) if p.is_file()]
    if source.suffix.lower() == ".zip":
        with zipfile.ZipFile(source) as zf:
            return [(Path(n).name, zf.read(n)) for n in sorted(zf.namelist()) if not n.endswith("/")]
    return [(source.name, source.read_bytes())]


def _data_files(source: Path, found: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The text copy when the same table comes as text and as a workbook."""
    text = [m for m in found if m[0].lower().endswith(_TEXT_SUFFIXES)]
    chosen = text or [m for m in found if m[0].lower().endswith(".xlsx")]
    if not chosen:
        raise ImportFormatError(str(source), "no .txt, .csv or .xlsx file found")
    return chosen


def _raw_fields(name: str, raw: bytes, n_fields: int, header: str, preamble_dates_are_rows: bool) -> pl.DataFrame:
    """Split a CMS file into string fields f0..f{n_fields} (the last one catches surplus
    fields) plus `line`, the 1-based line (text) or row (workbook) each record came from.
    The data start at the first record whose first field is a 5-character code; a preamble
    before it must contain `header` (a part file may also start straight with data)."""
    if name.lower().endswith(".xlsx"):
        return _workbook_fields(name, raw, n_fields, header)
    text = decode(raw)
    head = text.split("\n", _PREAMBLE_LINES)[:_PREAMBLE_LINES]
    start = next((i for i, ln in enumerate(head) if re.match(_FIRST_FIELD + r"[\t,]", ln)), None)
    if start is None:
        raise ImportFormatError(
            name, f"no data row (one starting with a 5-character code) in the first {_PREAMBLE_LINES} lines"
        )
    if start and not any(header.lower() in ln.lower() for ln in head[:start]):
        raise ImportFormatError(name, f"no CMS header line containing '{header}' before the data")
    for i, ln in enumerate(head[:start]):
        # A dated line in the preamble is an edit row whose codes are malformed.
        if preamble_dates_are_rows and re.search(r"(?<!\d)(19|20)\d{6}(?!\d)", ln):
            raise ImportFormatError(name, "malformed row before the first valid one", line=i + 1, value=ln.rstrip("\r"))
    tab = name.lower().endswith(".txt")
    body = text.split("\n", start)[-1].encode() if start else text.encode()
    frame = pl.read_csv(
        io.BytesIO(body),
        has_header=False,
        separator="\t" if tab else ",",
        quote_char=None if tab else '"',
        schema={f"f{i}": pl.String for i in range(n_fields + 1)},
        missing_columns="insert",
        truncate_ragged_lines=True,
    )
    frame = frame.with_row_index("line", offset=start + 1)
    return frame.filter(~pl.all_horizontal(pl.col(f"f{i}").is_null() for i in range(n_fields)))


def _workbook_fields(name: str, raw: bytes, n_fields: int, header: str) -> pl.DataFrame:
    try:
        sheet = pl.read_excel(
            io.BytesIO(raw), has_header=False, infer_schema_length=0, drop_empty_rows=False, drop_empty_cols=False
        )
    except ModuleNotFoundError as exc:
        raise ImportFormatError(
            name, "reading .xlsx needs the fastexcel package; use CMS's .txt/.csv copy instead"
        ) from exc
    # Excel stores codes such as 99213 and dates such as 20220101 as numbers.
    sheet = sheet.select(pl.all().cast(pl.String).str.replace(r"\.0$", ""))
    width = min(sheet.width, n_fields + 1)
    sheet = sheet.select(pl.col(c).alias(f"f{i}") for i, c in enumerate(sheet.columns[:width]))
    sheet = sheet.with_columns(pl.lit(None, pl.String).alias(f"f{i}") for i in range(width, n_fields + 1))
    sheet = sheet.with_row_index("line", offset=1)
    starts = sheet["f0"].str.contains(_FIRST_FIELD + "$").fill_null(False).arg_true()
    preamble = sheet.head(starts[0] if starts.len() else 0).drop("line")
    cells = preamble.select(pl.concat_str(pl.all().fill_null(""), separator=" ").str.to_lowercase())
    if starts.len() == 0 or not cells.to_series().str.contains(header.lower(), literal=True).any():
        raise ImportFormatError(name, f"no CMS header row containing '{header}' before the data")
    body = sheet.slice(starts[0])
    return body.filter(~pl.all_horizontal(pl.col(f"f{i}").is_null() for i in range(n_fields)))


def _first_failure(name: str, frame: pl.DataFrame, checks: list[tuple[str, pl.Expr, str, str]]) -> None:
    """Raise for the earliest row failing any check; checks are (column label, failing
    condition, reason, field holding the offending value)."""
    flags = frame.with_columns(c.fill_null(True).alias(f"_bad{i}") for i, (_, c, _, _) in enumerate(checks))
    bad = flags.filter(pl.any_horizontal(pl.col(f"_bad{i}") for i in range(len(checks))))
    if not bad.height:
        return
    row = bad.row(0, named=True)
    label, _, reason, field = next(ch for i, ch in enumerate(checks) if row[f"_bad{i}"])
    raise ImportFormatError(name, reason, line=row["line"], column=label, value=row[field])


def _surplus_check(n_fields: int) -> tuple[str, pl.Expr, str, str]:
    extra = pl.col(f"f{n_fields}").str.strip_chars()
    return ("(end of row)", extra.is_not_null() & (extra != ""), f"more than {n_fields} fields", f"f{n_fields}")


# ---------------------------------------------------------------- the three layouts


def _ptp_rows(name: str, raw: bytes) -> pl.DataFrame:
    f = _raw_fields(name, raw, 7, "Column 1", True)
    f = f.with_columns(pl.col(f"f{i}").str.strip_chars() for i in range(7))
    eff = pl.col("f3").str.strptime(pl.Date, "%Y%m%d", strict=False)
    dele = pl.col("f4").str.strptime(pl.Date, "%Y%m%d", strict=False)
    _first_failure(
        name,
        f,
        [
            ("Column 1", ~pl.col("f0").str.contains(_HCPCS), "not a 5-character HCPCS/CPT code", "f0"),
            ("Column 2", ~pl.col("f1").str.contains(_HCPCS), "not a 5-character HCPCS/CPT code", "f1"),
            (
                "*=in existence prior to 1996",
                ~pl.col("f2").fill_null("").is_in(["", "*"]),
                "expected '*' or blank",
                "f2",
            ),
            ("Effective Date", eff.is_null(), "expected a date YYYYMMDD", "f3"),
            ("Deletion Date", (pl.col("f4") != "*") & dele.is_null(), "expected a date YYYYMMDD or '*'", "f4"),
            ("Modifier", ~pl.col("f5").is_in(["0", "1", "9"]), "expected modifier indicator 0, 1 or 9", "f5"),
            _surplus_check(7),
        ],
    )
    return f.select(
        pl.col("f0").alias("column1"),
        pl.col("f1").alias("column2"),
        pl.when(pl.col("f2") == "*").then(pl.lit("Y")).otherwise(pl.lit("N")).alias("prior_1996"),
        eff.alias("effective_date"),
        pl.when(pl.col("f4") == "*").then(None).otherwise(dele).alias("deletion_date"),
        pl.col("f5").alias("modifier_indicator"),
        pl.col("f6").replace("", None).alias("rationale"),
        pl.lit(name).alias("source"),
    )


def _mue_rows(name: str, raw: bytes, setting: str) -> pl.DataFrame:
    f = _raw_fields(name, raw, 4, "Adjudication Indicator", False)
    f = f.with_columns(pl.col(f"f{i}").str.strip_chars() for i in range(4))
    _first_failure(
        name,
        f,
        [
            ("HCPCS/CPT Code", ~pl.col("f0").str.contains(_HCPCS), "not a 5-character HCPCS/CPT code", "f0"),
            (_MUE_VALUES[setting], ~pl.col("f1").str.contains(r"^\d+$"), "expected a whole number of units", "f1"),
            (
                "MUE Adjudication Indicator",
                ~pl.col("f2").str.contains(r"^[123](\s|$)"),
                "expected an indicator starting 1, 2 or 3",
                "f2",
            ),
            _surplus_check(4),
        ],
    )
    return f.select(
        pl.col("f0").alias("code"),
        pl.col("f1").cast(pl.Int64).alias("mue_value"),
        pl.col("f2").str.slice(0, 1).alias("mai"),
        pl.col("f3").replace("", None).alias("rationale"),
        pl.lit(name).alias("source"),
    )


def _icd10cm_rows(name: str, raw: bytes) -> pl.DataFrame:
    # Fixed width: order number 1-5, code 7-13, valid-for-claims flag 15, short
    # description 17-76, long description from 78; blanks between the fields.
    lines = pl.DataFrame({"text": [decode(raw)]}).select(pl.col("text").str.split("\n")).explode("text")
    f = lines.with_row_index("line", offset=1).with_columns(pl.col("text").str.strip_chars_end("\r"))
    f = f.filter(pl.col("text").str.strip_chars() != "")
    t = pl.col("text")
    f = f.with_columns(
        t.str.slice(0, 5).alias("order"),
        t.str.slice(6, 7).str.strip_chars().alias("code"),
        t.str.slice(14, 1).alias("flag"),
        t.str.slice(77).str.strip_chars().alias("long"),
        (t.str.slice(5, 1) + t.str.slice(13, 1) + t.str.slice(15, 1) + t.str.slice(76, 1)).alias("gaps"),
    )
    _first_failure(
        name,
        f,
        [
            ("order number", ~pl.col("order").str.contains(r"^\d{5}$"), "expected a 5-digit order number", "order"),
            (
                "layout",
                (pl.col("gaps") != "    ") | (t.str.len_chars() < 78),
                "fields not at the fixed CMS positions",
                "text",
            ),
            ("code", ~pl.col("code").str.contains(_ICD10CM), "not an ICD-10-CM code without dot", "code"),
            ("valid flag", ~pl.col("flag").is_in(["0", "1"]), "expected 0 (header) or 1 (billable)", "flag"),
            ("long description", pl.col("long") == "", "missing long description", "long"),
        ],
    )
    return f.select(
        "code",
        pl.when(pl.col("flag") == "1").then(pl.lit("Y")).otherwise(pl.lit("N")).alias("billable"),
        pl.col("long").alias("description"),
        pl.lit(name).alias("source"),
    )


# ---------------------------------------------------------------- writing the release


def _append_release(
    frame: pl.DataFrame,
    table_dir: Path,
    release_id: str,
    effective_from: date,
    members: list[tuple[str, bytes]],
    how: str,
    origin: str | None,
    note: str = "",
    adjusted: int = 0,
    setting: str | None = None,
) -> ImportResult:
    table_dir = Path(table_dir)
    meta_path = table_dir / "table.yaml"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{meta_path}: no table.yaml; create the table folder first")
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    partition = meta.get("partition")
    if (partition is None) != (setting is None):
        raise ReleaseConflictError(
            f"{meta_path}: the table is {'partitioned by ' + partition if partition else 'not partitioned'}"
            f", the import is {'for setting ' + setting if setting else 'for no setting'}"
        )
    columns = [c for c in meta["columns"] if c != partition]  # the loader adds the partition column
    if sorted(columns) != sorted(frame.columns):
        raise ReleaseConflictError(
            f"{meta_path}: table columns {columns} do not match the imported columns {frame.columns}"
        )
    file_name = re.sub(r"[^a-z0-9]+", "_", "_".join(filter(None, (meta["name"], setting, release_id))).lower())
    file_name = file_name.strip("_") + ".parquet"  # e.g. ncci_ptp_practitioner_2024q4.parquet
    if setting:
        release_id = f"{release_id}-{setting}"  # ids are unique across the table's partitions
    releases = list(meta.get("releases") or [])
    if any(r["id"] == release_id for r in releases):
        raise ReleaseConflictError(f"{meta_path}: release {release_id} already exists")
    own = [r for r in releases if r.get("partition") == setting]
    closed = _close_previous(own, effective_from, meta_path)

    validity = meta.get("row_validity") or {}
    order = [c for c in meta["key"] if c != partition] + [c for c in (validity.get("from"), validity.get("to")) if c]
    frame = frame.select(columns).sort(order, nulls_last=True)
    if any(r.get("file") == file_name for r in releases):
        raise ReleaseConflictError(f"{meta_path}: another release already uses {file_name}")

    digest = hashlib.sha256(b"".join(raw for _, raw in members)).hexdigest()
    names = ", ".join(n for n, _ in members)
    releases.append(
        {
            "id": release_id,
            **({"partition": setting} if setting else {}),
            "file": file_name,
            "effective_from": effective_from,
            "source": (f"{origin.rstrip('.')}. " if origin else "")
            + f"Loaded from {names} (sha256 {digest[:16]}) with "
            f"scrubber.rulebook.reference_import.{how}; {frame.height} rows.{note}",
        }
    )
    meta["releases"] = releases

    data_path = table_dir / file_name
    text = yaml.dump(meta, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    _atomic_write(data_path, lambda tmp: write_release_parquet(frame, tmp))
    try:
        _atomic_write(meta_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except BaseException:
        data_path.unlink(missing_ok=True)  # no release points at it
        raise
    return ImportResult(
        meta["name"],
        release_id,
        data_path,
        frame.height,
        effective_from,
        closed,
        tuple(n for n, _ in members),
        adjusted,
        setting,
    )


class _PlainDumper(yaml.SafeDumper):
    """Writes a date shared by several releases out in full each time, not as a YAML anchor."""

    def ignore_aliases(self, data) -> bool:
        return True


def _close_previous(releases: list[dict], effective_from: date, meta_path: Path) -> str | None:
    """Refuse a release that would overlap another of its partition; end the open-ended one the day before."""
    closed = None
    for rel in releases:
        start = _as_date(rel["effective_from"])
        end = _as_date(rel["effective_to"]) if rel.get("effective_to") else None
        if start >= effective_from:
            raise ReleaseConflictError(
                f"{meta_path}: release {rel['id']} starts {start}, not before the new release's {effective_from}"
            )
        if end is None:
            # Rebuilt so effective_to sits beside effective_from in the rewritten YAML.
            ordered = {k: rel[k] for k in ("id", "partition", "file", "effective_from") if k in rel}
            ordered["effective_to"] = effective_from - timedelta(days=1)
            ordered.update((k, v) for k, v in rel.items() if k not in ordered)
            rel.clear()
            rel.update(ordered)
            closed = rel["id"]
        elif end >= effective_from:
            raise ReleaseConflictError(
                f"{meta_path}: release {rel['id']} runs to {end}, past the new release's start {effective_from}"
            )
    return closed


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _atomic_write(path: Path, write) -> None:
    """Call write(temporary path), then rename over `path`: readers see old or new, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
