"""Loading CMS's quarterly files (NCCI PTP edits, MUEs, the ICD-10-CM order file) as a new
release of a reference table, the way a billing company refreshes its edits each quarter.

The fixtures under tests/fixtures/cms are in CMS's published layouts and carry the real rows
of the shipped samples, so a correct import reproduces those samples exactly.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from scrubber.rulebook import reference_import
from scrubber.rulebook.reference import load_table
from scrubber.rulebook.reference_import import (
    ImportFormatError,
    ReleaseConflictError,
    import_icd10cm_order,
    import_mue,
    import_ncci_ptp,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "rules" / "reference"
CMS = Path(__file__).resolve().parent / "fixtures" / "cms"
PTP_PARTS = ["ccipra-v322r0-f1.sample.txt", "ccipra-v322r0-f2.sample.txt"]
MUE_FILE = CMS / "MCR_MUE_PractitionerServices_Eff_07-01-2026.sample.csv"
ICD_FILE = CMS / "icd10cm_order_2026.sample.txt"
Q4 = date(2026, 10, 1)
RATIONALE = "CPT Manual or CMS manual coding instruction"


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    """A scratch copy of the shipped PTP and MUE tables."""
    for name in ("ncci_ptp", "mue"):
        shutil.copytree(REFERENCE / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def ptp_parts(tmp_path: Path) -> Path:
    folder = tmp_path / "ccipra-v322r0"
    folder.mkdir()
    for name in PTP_PARTS:
        shutil.copy(CMS / name, folder / name)
    return folder


def releases(table_dir: Path) -> list[dict]:
    return yaml.safe_load((table_dir / "table.yaml").read_text(encoding="utf-8"))["releases"]


def sample(name: str) -> pl.DataFrame:
    release = releases(REFERENCE / name)[0]
    return pl.read_csv(REFERENCE / name / release["file"], infer_schema=False).drop("source")


def crlf_lines(path: Path) -> list[str]:
    """CMS files end lines with CR LF; read them without newline translation."""
    return path.read_bytes().decode("latin-1").split("\r\n")


def write_crlf(path: Path, lines: list[str]) -> None:
    path.write_bytes("\r\n".join(lines).encode("latin-1"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def edits_in_force(reference: Path, day: date) -> pl.DataFrame:
    rows = load_table(reference, "ncci_ptp").rows
    return rows.filter((pl.col("_from") <= day) & (day <= pl.col("_to")) & (pl.col("modifier_indicator") != "9"))


# --- the shipped samples ------------------------------------------------------------------

# The PTP file is cumulative (row dates govern), so its sample answers for earlier dates too;
# MUE values carry no dates and apply from their quarter only.
@pytest.mark.parametrize("name, rows, start", [("ncci_ptp", 35, date(1996, 1, 1)), ("mue", 44, date(2026, 7, 1))])
def test_shipped_samples_load_and_cite_the_cms_file_of_their_quarter(name, rows, start):
    table = load_table(REFERENCE, name)
    assert [r.id for r in table.releases] == ["2026Q3-sample"]
    assert table.releases[0].effective_from == start
    data = pl.read_csv(table.releases[0].path, infer_schema=False)
    assert data.height == rows
    assert data["source"].str.contains(r"ccipra-v322r0-f1\.TXT|MCR_MUE_PractitionerServices_Eff_07-01-2026").all()


# --- NCCI procedure-to-procedure edits ----------------------------------------------------

def test_a_quarter_in_cms_part_files_becomes_the_newest_release_and_closes_the_previous(reference, ptp_parts):
    result = import_ncci_ptp(ptp_parts, reference / "ncci_ptp", "2026Q4", Q4)

    assert (result.rows, result.closed_release, result.source_files) == (35, "2026Q3-sample", tuple(PTP_PARTS))
    sample_release, new = releases(reference / "ncci_ptp")
    assert sample_release["effective_to"] == date(2026, 9, 30)
    assert new["id"] == "2026Q4" and new["effective_from"] == Q4 and "effective_to" not in new
    assert "ccipra-v322r0-f1.sample.txt" in new["source"] and "ccipra-v322r0-f2.sample.txt" in new["source"]
    imported = pl.read_csv(result.data_file, infer_schema=False)
    assert imported.drop("source").equals(sample("ncci_ptp"))
    assert (reference / "ncci_ptp" / "ncci_ptp_2026q3_sample.csv").is_file()


def test_the_new_release_answers_for_fourth_quarter_dates_of_service(reference, ptp_parts):
    import_ncci_ptp(ptp_parts, reference / "ncci_ptp", "2026Q4", Q4)

    in_q4 = edits_in_force(reference, date(2026, 11, 2))
    pairs = set(zip(in_q4["column1"], in_q4["column2"]))
    assert ("0001U", "0030U") in pairs  # in force since 2018-07-01
    assert ("0001U", "0029U") not in pairs  # CMS deleted it on 2026-06-30
    assert ("0001A", "99213") not in pairs  # the visit bundle ended 2023-12-31
    assert edits_in_force(reference, date(2026, 9, 30)).height == 6  # the sample still answers for Q3


def test_a_cms_zip_reads_like_the_unpacked_parts(reference, ptp_parts, tmp_path):
    archive = tmp_path / "medicare-ncci-2026q3-practitioner-ptp-edits.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in PTP_PARTS:
            zf.write(ptp_parts / name, name)
    result = import_ncci_ptp(archive, reference / "ncci_ptp", "2026Q4", Q4)
    assert pl.read_csv(result.data_file, infer_schema=False).drop("source").equals(sample("ncci_ptp"))


@pytest.mark.parametrize("broken, column", [
    (f"0001A\t99213\t\t20220101\t20231231\t7\t{RATIONALE}", "Modifier"),
    (f"0001A\t99213\t\t20221301\t20231231\t1\t{RATIONALE}", "Effective Date"),
    (f"0001A\t99213\t\t20220101\tnever\t1\t{RATIONALE}", "Deletion Date"),
    (f"0001\t99213\t\t20220101\t20231231\t1\t{RATIONALE}", "Column 1"),
    (f"0001A\t99213\tY\t20220101\t20231231\t1\t{RATIONALE}", "*=in existence prior to 1996"),
    ("0001A\t99213", "Effective Date"),
    (f"0001A\t99213\t\t20220101\t20231231\t1\t{RATIONALE}\tstray", "(end of row)"),
])
def test_a_malformed_edit_names_file_line_and_column_and_changes_nothing(reference, ptp_parts, broken, column):
    part = ptp_parts / PTP_PARTS[0]
    lines = crlf_lines(part)
    line_no = next(i for i, ln in enumerate(lines) if ln.startswith("0001A\t99213\t")) + 1
    lines[line_no - 1] = broken
    write_crlf(part, lines)
    before = snapshot(reference / "ncci_ptp")

    with pytest.raises(ImportFormatError) as caught:
        import_ncci_ptp(ptp_parts, reference / "ncci_ptp", "2026Q4", Q4)

    assert (caught.value.path, caught.value.line, caught.value.column) == (PTP_PARTS[0], line_no, column)
    assert f"{PTP_PARTS[0]}, line {line_no}, column '{column}'" in str(caught.value)
    assert snapshot(reference / "ncci_ptp") == before


def test_a_file_of_another_cms_layout_is_refused(reference):
    with pytest.raises(ImportFormatError, match="no CMS header line containing 'Column 1'"):
        import_ncci_ptp(MUE_FILE, reference / "ncci_ptp", "2026Q4", Q4)
    with pytest.raises(ImportFormatError, match="no data row"):
        import_ncci_ptp(ICD_FILE, reference / "ncci_ptp", "2026Q4", Q4)


@pytest.mark.parametrize("release_id, start, message", [
    ("1996Q1", date(1996, 1, 1), "not before"),
    ("2026Q3-sample", Q4, "already exists"),
])
def test_a_release_that_would_overlap_or_replace_one_is_refused(reference, ptp_parts, release_id, start, message):
    before = snapshot(reference / "ncci_ptp")
    with pytest.raises(ReleaseConflictError, match=message):
        import_ncci_ptp(ptp_parts, reference / "ncci_ptp", release_id, start)
    assert snapshot(reference / "ncci_ptp") == before


def test_a_failure_while_writing_leaves_the_table_as_it_was(reference, ptp_parts, monkeypatch):
    before = snapshot(reference / "ncci_ptp")
    real_replace = reference_import.os.replace

    def disk_full_on_table_yaml(src, dst):
        if Path(dst).name == "table.yaml":
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(reference_import.os, "replace", disk_full_on_table_yaml)
    with pytest.raises(OSError, match="disk full"):
        import_ncci_ptp(ptp_parts, reference / "ncci_ptp", "2026Q4", Q4)
    assert snapshot(reference / "ncci_ptp") == before


def test_a_retroactively_deleted_record_beside_its_replacement_leaves_one_edit_per_date(reference, tmp_path):
    # CMS prints both records of 13121/13120: indicator 9 deleted the day it began, and
    # the edit in force. The table keeps the edit in force.
    part = tmp_path / "ccipra-v322r0-f1.txt"
    write_crlf(part, crlf_lines(CMS / PTP_PARTS[0])[:6] + [
        f"13121\t13120\t\t19960101\t19960101\t9\t{RATIONALE}",
        f"13121\t13120\t*\t19960101\t*\t0\t{RATIONALE}",
        "",
    ])

    result = import_ncci_ptp(part, reference / "ncci_ptp", "2026Q4", Q4)

    kept = pl.read_csv(result.data_file, infer_schema=False)
    assert kept.select("prior_1996", "deletion_date", "modifier_indicator").rows() == [("Y", None, "0")]
    assert result.rows_adjusted == 1 and "1 rows whose date window overlapped" in releases(reference / "ncci_ptp")[1]["source"]


def test_an_edit_reissued_with_a_new_indicator_ends_the_day_before_the_new_record(reference, tmp_path):
    # Hypothetical reissue: the pair's indicator changes from 1 to 0 on 2026-07-01.
    part = tmp_path / "ccipra-v322r0-f4.txt"
    write_crlf(part, crlf_lines(CMS / PTP_PARTS[0])[:6] + [
        "0001U\t0029U\t\t20180701\t*\t1\tMisuse of Column Two code with Column One code",
        "0001U\t0029U\t\t20260701\t*\t0\tMisuse of Column Two code with Column One code",
        "",
    ])
    result = import_ncci_ptp(part, reference / "ncci_ptp", "2026Q4", Q4)
    windows = pl.read_csv(result.data_file, infer_schema=False).select("effective_date", "deletion_date", "modifier_indicator")
    assert windows.rows() == [("2018-07-01", "2026-06-30", "1"), ("2026-07-01", None, "0")]
    assert result.rows_adjusted == 1


def test_the_csv_saved_from_the_cms_workbook_is_read_too(reference, tmp_path):
    saved = tmp_path / "ccipra-v322r0-f2.csv"
    saved.write_text(
        '"CPT only copyright 2025 American Medical Association. All rights reserved.",,,,,,\n'
        'Column 1,Column 2,"*=in existence prior to 1996",Effective Date,Deletion Date *=no data,'
        '"Modifier 0=not allowed, 1=allowed, 9=not applicable",PTP Edit Rationale\n'
        '0001U,0030U,,20180701,*,1,Misuse of Column Two code with Column One code\n')
    result = import_ncci_ptp(saved, reference / "ncci_ptp", "2026Q4", Q4)
    row = pl.read_csv(result.data_file, infer_schema=False).row(0, named=True)
    assert (row["column2"], row["deletion_date"], row["modifier_indicator"]) == ("0030U", None, "1")


def test_the_cms_workbook_reads_like_the_text_file(reference, tmp_path):
    pytest.importorskip("fastexcel")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    book_path = tmp_path / "ccipra-v322r0-f2.xlsx"
    book = xlsxwriter.Workbook(book_path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["CPT only copyright 2025 American Medical Association.  All rights reserved."])
    sheet.write_row(1, 0, ["Column1/Column2 Edits"])
    sheet.write_row(2, 0, ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
                           "Deletion Date *=no data", "Modifier", "PTP Edit Rationale"])
    text_rows = crlf_lines(CMS / PTP_PARTS[1])[6:-1]
    for i, line in enumerate(text_rows, start=3):
        fields = line.split("\t")
        # Excel keeps all-digit codes, dates and indicators as numbers.
        sheet.write_row(i, 0, [int(v) if v.isdigit() else v for v in fields])
    book.close()

    result = import_ncci_ptp(book_path, reference / "ncci_ptp", "2026Q4", Q4)

    expected = sample("ncci_ptp").filter(pl.col("column1").is_in(["0001T", "0001U"]))
    assert pl.read_csv(result.data_file, infer_schema=False).drop("source").equals(expected)


# --- medically unlikely edits -------------------------------------------------------------

def test_the_cms_mue_table_becomes_a_release_with_the_indicator_digit(reference):
    result = import_mue(MUE_FILE, reference / "mue", "2026Q4", Q4, origin="CMS 2026 Q3 practitioner MUE table")

    assert (result.rows, result.closed_release) == (44, "2026Q3-sample")
    assert releases(reference / "mue")[1]["source"].startswith("CMS 2026 Q3 practitioner MUE table. Loaded from")
    imported = pl.read_csv(result.data_file, infer_schema=False)
    assert imported.drop("source").equals(sample("mue"))
    units = load_table(reference, "mue").rows.filter(pl.col("_from") == Q4)
    assert units.filter(pl.col("code") == "0009U").select("mue_value", "mai").row(0) == (2, "3")  # clinical, per day
    assert units.filter(pl.col("code") == "0001U").select("mue_value", "mai").row(0) == (1, "2")  # policy, absolute


def test_from_cms_zip_of_several_mue_tables_only_the_practitioner_table_is_read(reference, tmp_path):
    archive = tmp_path / "medicare-ncci-2026-q3-mue-tables.zip"
    hospital = MUE_FILE.read_bytes().replace(b"Practitioner Services", b"Outpatient Hospital Services")
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv", hospital + b"0042U,9,1 Line Edit,x\r\n")
        zf.write(MUE_FILE, MUE_FILE.name)
    result = import_mue(archive, reference / "mue", "2026Q4", Q4)
    assert (result.rows, result.source_files) == (44, (MUE_FILE.name,))


@pytest.mark.parametrize("old, new, column", [
    ("0005U,1,2 Date of Service Edit: Policy", "0005U,1,Date of Service Edit", "MUE Adjudication Indicator"),
    ("0005U,1,2 Date of Service Edit: Policy", "0005U,one,2 Date of Service Edit: Policy", "Practitioner Services MUE Values"),
])
def test_a_malformed_mue_row_is_reported_at_its_line_in_the_file(reference, tmp_path, old, new, column):
    text = MUE_FILE.read_bytes().decode("latin-1")
    line_no = text[: text.index(old)].count("\n") + 1  # the notice above spans several lines
    broken = tmp_path / MUE_FILE.name
    broken.write_bytes(text.replace(old, new).encode("latin-1"))
    with pytest.raises(ImportFormatError) as caught:
        import_mue(broken, reference / "mue", "2026Q4", Q4)
    assert (caught.value.line, caught.value.column) == (line_no, column)


def test_a_code_listed_twice_in_the_mue_table_is_refused(reference, tmp_path):
    doubled = tmp_path / MUE_FILE.name
    doubled.write_bytes(MUE_FILE.read_bytes() + b"0001U,3,3 Date of Service Edit: Clinical,Nature of Analyte\r\n")
    with pytest.raises(ImportFormatError, match="code listed twice.*0001U"):
        import_mue(doubled, reference / "mue", "2026Q4", Q4)


# --- ICD-10-CM order file -----------------------------------------------------------------

@pytest.fixture
def icd10cm(tmp_path: Path) -> Path:
    """An icd10cm table folder whose FY2026 release is open-ended."""
    folder = tmp_path / "icd10cm"
    folder.mkdir()
    (folder / "icd10cm_fy2026.csv").write_text("code,billable,description\nM545,Y,Low back pain\n")
    (folder / "table.yaml").write_text(yaml.safe_dump({
        "name": "icd10cm", "title": "ICD-10-CM diagnosis codes", "description": "test copy", "key": ["code"],
        "columns": {"code": "string", "billable": "string", "description": "string"},
        "releases": [{"id": "FY2026", "file": "icd10cm_fy2026.csv", "effective_from": date(2025, 10, 1),
                      "source": "test"}],
    }, sort_keys=False))
    return folder


def test_the_importer_writes_the_columns_the_project_icd10cm_table_declares():
    declared = yaml.safe_load((REFERENCE / "icd10cm" / "table.yaml").read_text(encoding="utf-8"))["columns"]
    assert list(declared) == ["code", "billable", "description"]


def test_the_april_order_file_splits_fy2026_at_its_update(icd10cm):
    result = import_icd10cm_order(ICD_FILE, icd10cm, "FY2026-APR", date(2026, 4, 1))

    assert (result.rows, result.closed_release) == (12, "FY2026")
    assert releases(icd10cm)[0]["effective_to"] == date(2026, 3, 31)
    codes = pl.read_csv(result.data_file, infer_schema=False)
    assert codes.columns == ["code", "billable", "description"]
    lookup = {code: (billable, text) for code, billable, text in codes.rows()}
    assert lookup["M545"] == ("N", "Low back pain")  # a header since M54.50-M54.59 were added
    assert lookup["M5450"] == ("Y", "Low back pain, unspecified")
    assert lookup["M5408"][1] == "Panniculitis affecting regions of neck and back, sacral and sacrococcygeal region"


def test_an_order_file_line_off_its_fixed_columns_is_reported(icd10cm, tmp_path):
    lines = crlf_lines(ICD_FILE)
    lines[3] = lines[3].replace("A009    1", "A009   1 ")
    broken = tmp_path / ICD_FILE.name
    write_crlf(broken, lines)
    with pytest.raises(ImportFormatError) as caught:
        import_icd10cm_order(broken, icd10cm, "FY2026-APR", date(2026, 4, 1))
    assert (caught.value.line, caught.value.column) == (4, "layout")
