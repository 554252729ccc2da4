"""Loading CMS's quarterly files (NCCI PTP edits, MUEs, the ICD-10-CM order file) as a new
release of a reference table, the way a billing company refreshes its edits each quarter.

CMS publishes the NCCI tables once per setting (practitioner, outpatient hospital, DME
supplier); the shipped tables hold 2024 Q3 for each. A new quarter is loaded on top of them
in a scratch copy of rules/reference, and claims are scrubbed against it. Files are written
here exactly as CMS publishes them; tests/fixtures/cms holds real rows in CMS's layouts.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from scrubber.examples import run_example
from scrubber.rulebook import reference_import
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import ReferenceLibrary, load_table
from scrubber.rulebook.reference_import import (
    ImportFormatError,
    ReleaseConflictError,
    import_icd10cm_order,
    import_mue,
    import_ncci_ptp,
)
from scrubber.rulebook.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "rules" / "reference"
CMS = Path(__file__).resolve().parent / "fixtures" / "cms"
PTP_PARTS = ["ccipra-v322r0-f1.sample.txt", "ccipra-v322r0-f2.sample.txt"]
MUE_FILE = CMS / "MCR_MUE_PractitionerServices_Eff_07-01-2026.sample.csv"
ICD_FILE = CMS / "icd10cm_order_2026.sample.txt"
Q4 = date(2026, 10, 1)
Q4_2024 = date(2024, 10, 1)  # the quarter after the shipped one
RATIONALE = "CPT Manual or CMS manual coding instruction"
PTP_HEADER = [  # the six lines above the rows of every ccipra/ccioph part file
    "CPT only copyright 2023 American Medical Association.  All rights reserved.\t\t\t\t\t\t",
    "Column1/Column2 Edits\t\t\t\t\t\t",
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
]
MUE_NOTICE = (
    '"Current Procedural Terminology (CPT) codes, descriptions and other data only are copyright 2023 '
    "American Medical Association. All rights reserved. \r\n\r\nCPT\xae is a registered trademark of the "
    'American Medical Association.",,,'
)


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    """A scratch copy of rules/reference: the PTP and MUE tables (2024 Q3, every setting) copied,
    the others linked (a claim is scrubbed against all of them)."""
    (tmp_path / "reference").mkdir()
    for table in REFERENCE.iterdir():
        if table.name in ("ncci_ptp", "mue"):
            shutil.copytree(table, tmp_path / "reference" / table.name)
        elif table.is_dir():
            (tmp_path / "reference" / table.name).symlink_to(table)
    return tmp_path / "reference"


@pytest.fixture
def ptp_parts(tmp_path: Path) -> Path:
    folder = tmp_path / "ccipra-v322r0"
    folder.mkdir()
    for name in PTP_PARTS:
        shutil.copy(CMS / name, folder / name)
    return folder


def releases(table_dir: Path) -> list[dict]:
    return yaml.safe_load((table_dir / "table.yaml").read_text(encoding="utf-8"))["releases"]


def crlf_lines(path: Path) -> list[str]:
    """CMS files end lines with CR LF; read them without newline translation."""
    return path.read_bytes().decode("latin-1").split("\r\n")


def write_crlf(path: Path, lines: list[str]) -> None:
    path.write_bytes("\r\n".join(lines).encode("latin-1"))


def write_ptp(path: Path, rows: list[str]) -> Path:
    """A PTP part file as CMS publishes it: Latin-1, CR LF, tab-delimited, the header block first."""
    write_crlf(path, [*PTP_HEADER, *rows, ""])
    return path


def write_mue(path: Path, values_column: str, rows: list[str]) -> Path:
    """A MUE table as CMS publishes it: the notice cell first, then a header wrapped over two lines."""
    header = f'"HCPCS/\r\nCPT Code",{values_column},MUE Adjudication Indicator,MUE Rationale'
    path.write_bytes("\r\n".join([MUE_NOTICE, header, *rows, ""]).encode("latin-1"))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def edits_in_force(reference: Path, day: date, setting: str = "practitioner") -> pl.DataFrame:
    rows = load_table(reference, "ncci_ptp").rows
    return rows.filter(
        (pl.col("setting") == setting)
        & (pl.col("_from") <= day)
        & (day <= pl.col("_to"))
        & (pl.col("modifier_indicator") != "9")
    )


RULES = {rule.id: rule for rule in load_rules(ROOT / "rules")}
PROFILES = load_profiles(ROOT / "payer_profiles")
OUTPATIENT = {"claim_type": "institutional", "type_of_bill": "0131", "place_of_service": None}


def flagged(rule_id: str, reference: Path, lines: list[dict], claim: dict | None = None) -> list[int]:
    """Line numbers the rule flags on one Medicare claim, scrubbed against the tables in `reference`."""
    example = {"lines": lines, "claim": claim or {}, "as_of": "2025-01-15"}
    findings = run_example(RULES[rule_id], example, PROFILES, ReferenceLibrary(reference))
    return sorted(findings["line_number"].to_list())


# --- a new quarter on top of the shipped one, scrubbed ---------------------------------------


@pytest.fixture
def ptp_2024q4(reference: Path, tmp_path: Path) -> Path:
    """CMS's practitioner PTP file for 2024 Q4 (v30.3): an EGD pair added, one kept, one deleted
    at the end of Q3. Hypothetical rows on real codes; a real file has about 2.5 million."""
    folder = tmp_path / "medicare-ncci-2024q4-practitioner-ptp-edits"
    folder.mkdir()
    write_ptp(
        folder / "ccipra-v303r0-f1.TXT",
        [
            "43239\t43235\t\t20050101\t*\t0\tCPT Separate procedure definition",
            "43239\t43236\t\t20050101\t20240930\t1\tStandards of medical/surgical practice",
            "43239\t43237\t\t20241001\t*\t0\tMisuse of column two code with column one code",
        ],
    )
    return folder


def test_a_new_practitioner_quarter_closes_only_the_practitioner_release(reference, ptp_2024q4):
    result = import_ncci_ptp(ptp_2024q4, reference / "ncci_ptp", "2024Q4", Q4_2024)

    assert (result.setting, result.release_id, result.closed_release) == (
        "practitioner",
        "2024Q4-practitioner",
        "2024Q3-practitioner",
    )
    practitioner, outpatient, new = releases(reference / "ncci_ptp")
    assert practitioner["effective_to"] == date(2024, 9, 30)
    assert outpatient == releases(REFERENCE / "ncci_ptp")[1]  # the other setting's release is untouched
    assert new["partition"] == "practitioner" and new["file"] == "ncci_ptp_practitioner_2024q4.parquet"
    assert new["effective_from"] == Q4_2024 and "effective_to" not in new
    assert "1 rows deleted before 2024-10-01 left out" in new["source"]
    stored = pl.read_parquet(result.data_file)
    assert stored.columns == load_table(reference, "ncci_ptp").stored_columns  # no setting column in the file
    assert stored.select("column1", "column2").rows() == [("43239", "43235"), ("43239", "43237")]  # sorted by key
    assert stored.schema["effective_date"] == pl.Date and stored["effective_date"].to_list()[1] == Q4_2024


def test_a_claim_in_the_new_quarter_gets_the_new_edit_and_one_in_the_shipped_quarter_keeps_the_old(
    reference, ptp_2024q4
):
    import_ncci_ptp(ptp_2024q4, reference / "ncci_ptp", "2024Q4", Q4_2024)

    def egd(second: str, day: str, claim: dict | None = None) -> list[int]:
        lines = [{"procedure_code": "43239", "service_date": day}, {"procedure_code": second, "service_date": day}]
        return flagged("PTP001", reference, lines, claim)

    assert egd("43237", "2024-11-05") == [2]  # added in Q4: EUS billed with EGD with biopsy
    assert egd("43237", "2024-08-05") == []  # not an edit in Q3
    assert egd("43235", "2024-11-05") == [2] and egd("43235", "2024-08-05") == [2]  # in force in both
    assert egd("43237", "2024-11-05", OUTPATIENT) == []  # the outpatient hospital table has no such pair
    assert egd("43235", "2024-11-05", OUTPATIENT) == [2]  # and still answers from its 2024 Q3 release
    in_q3 = edits_in_force(reference, date(2024, 9, 30))
    assert ("43239", "43236") in set(zip(in_q3["column1"], in_q3["column2"], strict=True))
    in_q4 = edits_in_force(reference, date(2024, 10, 1))
    assert set(zip(in_q4["column1"], in_q4["column2"], strict=True)) == {("43239", "43235"), ("43239", "43237")}


def test_a_new_mue_quarter_changes_the_limit_for_its_dates_and_setting_only(reference, tmp_path):
    source = write_mue(
        tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2024.csv",
        "Practitioner Services MUE Values",
        [
            "99212,2,3 Date of Service Edit: Clinical,Clinical: Data",
            "99213,1,2 Date of Service Edit: Policy,Clinical: Data",
        ],
    )
    result = import_mue(source, reference / "mue", "2024Q4", Q4_2024)
    assert (result.setting, result.rows, result.closed_release) == ("practitioner", 2, "2024Q3-practitioner")
    assert [r.get("effective_to") for r in releases(reference / "mue")] == [date(2024, 9, 30), None, None, None]

    def two_visits(day: str, claim: dict | None = None) -> list[int]:
        return flagged("MUE001", reference, [{"procedure_code": "99213", "units": 2, "service_date": day}], claim)

    assert two_visits("2024-11-05") == [1]  # the Q4 limit is 1 per day
    assert two_visits("2024-08-05") == []  # the Q3 limit was 2
    assert two_visits("2024-11-05", OUTPATIENT) == []  # the outpatient hospital limit is still 2


# --- which setting a file is ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, setting",
    [
        ("ccipra-v303r0-f1.TXT", "practitioner"),
        ("ccioph-v303r0-f1.TXT", "outpatient_hospital"),
        ("medicare-ncci-2024q4-hospital-ptp-edits.zip", "outpatient_hospital"),
        ("medicare-ncci-2024q4-practitioner-ptp-edits.zip", "practitioner"),
    ],
)
def test_the_ptp_setting_is_told_by_cms_file_names(reference, tmp_path, name, setting):
    rows = ["43239\t43237\t\t20241001\t*\t0\tMisuse of column two code with column one code"]
    if name.endswith(".zip"):
        source = tmp_path / name
        with zipfile.ZipFile(source, "w") as zf:
            zf.write(write_ptp(tmp_path / "edits-f1.TXT", rows), "edits-f1.TXT")
    else:
        source = write_ptp(tmp_path / name, rows)
    result = import_ncci_ptp(source, reference / "ncci_ptp", "2024Q4", Q4_2024)
    assert result.setting == setting and result.closed_release == f"2024Q3-{setting}"


@pytest.mark.parametrize(
    "name, values_column, setting",
    [
        (
            "MCR_MUE_OutpatientHospitalServices_Eff_10-01-2024.csv",
            "Outpatient Hospital Services MUE Values",
            "outpatient_hospital",
        ),
        ("MCR_MUE_DMESupplierServices_Eff_10-01-2024.csv", "DME Supplier Services MUE Values", "dme"),
    ],
)
def test_the_mue_setting_is_told_by_cms_file_names(reference, tmp_path, name, values_column, setting):
    source = write_mue(tmp_path / name, values_column, ["E0601,1,3 Date of Service Edit: Clinical,Nature of Equipment"])
    result = import_mue(source, reference / "mue", "2024Q4", Q4_2024)
    assert result.setting == setting and result.closed_release == f"2024Q3-{setting}"


def test_a_file_whose_name_tells_no_setting_is_refused_until_the_setting_is_given(reference, tmp_path):
    source = write_ptp(
        tmp_path / "edits.txt", ["43239\t43237\t\t20241001\t*\t0\tMisuse of column two code with column one code"]
    )
    before = snapshot(reference / "ncci_ptp")
    with pytest.raises(ImportFormatError, match=r"names no setting.*--setting practitioner \| outpatient_hospital"):
        import_ncci_ptp(source, reference / "ncci_ptp", "2024Q4", Q4_2024)
    assert snapshot(reference / "ncci_ptp") == before
    result = import_ncci_ptp(source, reference / "ncci_ptp", "2024Q4", Q4_2024, setting="outpatient_hospital")
    assert result.closed_release == "2024Q3-outpatient_hospital"


def test_a_setting_the_file_names_contradict_or_the_table_lacks_is_refused(reference, tmp_path):
    source = write_ptp(tmp_path / "ccioph-v303r0-f1.TXT", ["43239\t43237\t\t20241001\t*\t0\tMisuse"])
    with pytest.raises(ImportFormatError, match="its file names say outpatient_hospital, not practitioner"):
        import_ncci_ptp(source, reference / "ncci_ptp", "2024Q4", Q4_2024, setting="practitioner")
    with pytest.raises(ImportFormatError, match="unknown setting 'dme'"):
        import_ncci_ptp(source, reference / "ncci_ptp", "2024Q4", Q4_2024, setting="dme")


# --- NCCI procedure-to-procedure edits: CMS's layouts ----------------------------------------


def test_cms_part_files_become_one_release_of_the_edits_in_force(reference, ptp_parts):
    result = import_ncci_ptp(ptp_parts, reference / "ncci_ptp", "2026Q4", Q4)

    assert (result.rows, result.source_files) == (6, tuple(PTP_PARTS))
    new = releases(reference / "ncci_ptp")[-1]
    assert "ccipra-v322r0-f1.sample.txt" in new["source"] and "ccipra-v322r0-f2.sample.txt" in new["source"]
    assert "29 rows deleted before 2026-10-01 left out" in new["source"]
    in_q4 = edits_in_force(reference, date(2026, 11, 2))
    pairs = set(zip(in_q4["column1"], in_q4["column2"], strict=True))
    assert ("0001U", "0030U") in pairs  # in force since 2018-07-01
    assert ("0001U", "0029U") not in pairs  # CMS deleted it on 2026-06-30
    assert ("0001A", "99213") not in pairs  # the visit bundle ended 2023-12-31
    assert in_q4.filter(pl.col("prior_1996") == "N").height == 6


def test_a_cms_zip_reads_like_the_unpacked_parts(reference, ptp_parts, tmp_path):
    archive = tmp_path / "medicare-ncci-2026q4-practitioner-ptp-edits.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in PTP_PARTS:
            zf.write(ptp_parts / name, name)
    from_zip = pl.read_parquet(import_ncci_ptp(archive, reference / "ncci_ptp", "2026Q4", Q4).data_file)
    other = tmp_path / "other"
    shutil.copytree(reference, other)
    shutil.copy(REFERENCE / "ncci_ptp" / "table.yaml", other / "ncci_ptp" / "table.yaml")
    assert from_zip.equals(pl.read_parquet(import_ncci_ptp(ptp_parts, other / "ncci_ptp", "2026Q4", Q4).data_file))


@pytest.mark.parametrize(
    "broken, column",
    [
        (f"0001A\t99213\t\t20220101\t20231231\t7\t{RATIONALE}", "Modifier"),
        (f"0001A\t99213\t\t20221301\t20231231\t1\t{RATIONALE}", "Effective Date"),
        (f"0001A\t99213\t\t20220101\tnever\t1\t{RATIONALE}", "Deletion Date"),
        (f"0001\t99213\t\t20220101\t20231231\t1\t{RATIONALE}", "Column 1"),
        (f"0001A\t99213\tY\t20220101\t20231231\t1\t{RATIONALE}", "*=in existence prior to 1996"),
        ("0001A\t99213", "Effective Date"),
        (f"0001A\t99213\t\t20220101\t20231231\t1\t{RATIONALE}\tstray", "(end of row)"),
    ],
)
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
        import_ncci_ptp(ICD_FILE, reference / "ncci_ptp", "2026Q4", Q4, setting="practitioner")


@pytest.mark.parametrize(
    "release_id, start, message",
    [
        ("2024Q2", date(2024, 4, 1), "2024Q3-practitioner starts 2024-07-01, not before"),
        ("2024Q3", Q4, "release 2024Q3-practitioner already exists"),
    ],
)
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


def test_a_retroactively_deleted_record_beside_its_replacement_leaves_the_edit_in_force(reference, tmp_path):
    # CMS prints both records of 13121/13120: indicator 9 deleted the day it began, and
    # the edit in force. The release keeps the edit in force.
    part = write_ptp(
        tmp_path / "ccipra-v322r0-f1.txt",
        [
            f"13121\t13120\t\t19960101\t19960101\t9\t{RATIONALE}",
            f"13121\t13120\t*\t19960101\t*\t0\t{RATIONALE}",
        ],
    )

    result = import_ncci_ptp(part, reference / "ncci_ptp", "2026Q4", Q4)

    kept = pl.read_parquet(result.data_file)
    assert kept.select("prior_1996", "deletion_date", "modifier_indicator").rows() == [("Y", None, "0")]
    assert "1 rows deleted before 2026-10-01 left out" in releases(reference / "ncci_ptp")[-1]["source"]


def test_an_edit_reissued_with_a_new_indicator_ends_the_day_before_the_new_record(reference, tmp_path):
    # Hypothetical reissue: the indicator changes from 1 to 0 on 2026-07-01, within the 2026 Q2 release.
    part = write_ptp(
        tmp_path / "ccipra-v322r0-f4.txt",
        [
            "0001U\t0029U\t\t20180701\t*\t1\tMisuse of Column Two code with Column One code",
            "0001U\t0029U\t\t20260701\t*\t0\tMisuse of Column Two code with Column One code",
            "0001U\t0029U\t\t20260701\t*\t0\tMisuse of Column Two code with Column One code",  # printed twice
        ],
    )
    result = import_ncci_ptp(part, reference / "ncci_ptp", "2026Q2", date(2026, 4, 1))
    windows = pl.read_parquet(result.data_file).select("effective_date", "deletion_date", "modifier_indicator")
    assert windows.rows() == [(date(2018, 7, 1), date(2026, 6, 30), "1"), (date(2026, 7, 1), None, "0")]
    assert result.rows_adjusted == 1
    assert "1 rows whose date window overlapped" in releases(reference / "ncci_ptp")[-1]["source"]


def test_the_csv_saved_from_the_cms_workbook_is_read_too(reference, tmp_path):
    saved = tmp_path / "ccipra-v322r0-f2.csv"
    saved.write_text(
        '"CPT only copyright 2025 American Medical Association. All rights reserved.",,,,,,\n'
        'Column 1,Column 2,"*=in existence prior to 1996",Effective Date,Deletion Date *=no data,'
        '"Modifier 0=not allowed, 1=allowed, 9=not applicable",PTP Edit Rationale\n'
        "0001U,0030U,,20180701,*,1,Misuse of Column Two code with Column One code\n"
    )
    result = import_ncci_ptp(saved, reference / "ncci_ptp", "2026Q4", Q4)
    row = pl.read_parquet(result.data_file).row(0, named=True)
    assert (row["column2"], row["deletion_date"], row["modifier_indicator"]) == ("0030U", None, "1")


def test_the_cms_workbook_reads_like_the_text_file(reference, tmp_path):
    pytest.importorskip("fastexcel")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    book_path = tmp_path / "ccipra-v322r0-f2.xlsx"
    book = xlsxwriter.Workbook(book_path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["CPT only copyright 2025 American Medical Association.  All rights reserved."])
    sheet.write_row(1, 0, ["Column1/Column2 Edits"])
    sheet.write_row(
        2,
        0,
        [
            "Column 1",
            "Column 2",
            "*=in existence prior to 1996",
            "Effective Date",
            "Deletion Date *=no data",
            "Modifier",
            "PTP Edit Rationale",
        ],
    )
    text_rows = crlf_lines(CMS / PTP_PARTS[1])[6:-1]
    for i, line in enumerate(text_rows, start=3):
        fields = line.split("\t")
        # Excel keeps all-digit codes, dates and indicators as numbers.
        sheet.write_row(i, 0, [int(v) if v.isdigit() else v for v in fields])
    book.close()

    from_book = pl.read_parquet(import_ncci_ptp(book_path, reference / "ncci_ptp", "2026Q4", Q4).data_file)
    shutil.copy(REFERENCE / "ncci_ptp" / "table.yaml", reference / "ncci_ptp" / "table.yaml")
    from_text = pl.read_parquet(import_ncci_ptp(CMS / PTP_PARTS[1], reference / "ncci_ptp", "2026Q4", Q4).data_file)
    assert from_book.height == 6 and from_book.equals(from_text)


# --- medically unlikely edits: CMS's layout ---------------------------------------------------


def test_the_cms_mue_table_becomes_a_release_with_the_indicator_digit(reference):
    result = import_mue(MUE_FILE, reference / "mue", "2026Q4", Q4, origin="CMS 2026 Q3 practitioner MUE table")

    assert (result.rows, result.closed_release) == (44, "2024Q3-practitioner")
    assert releases(reference / "mue")[-1]["source"].startswith("CMS 2026 Q3 practitioner MUE table. Loaded from")
    units = load_table(reference, "mue").rows.filter((pl.col("_from") == Q4) & (pl.col("setting") == "practitioner"))
    assert units.height == 44
    assert units.filter(pl.col("code") == "0009U").select("mue_value", "mai").row(0) == (2, "3")  # clinical, per day
    assert units.filter(pl.col("code") == "0001U").select("mue_value", "mai").row(0) == (1, "2")  # policy, absolute


def test_from_cms_zip_of_several_mue_tables_the_setting_picks_one(reference, tmp_path):
    archive = tmp_path / "medicare-ncci-2026-q3-mue-tables.zip"
    hospital = MUE_FILE.read_bytes().replace(b"Practitioner Services", b"Outpatient Hospital Services")
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv", hospital + b"0042U,9,1 Line Edit,x\r\n")
        zf.write(MUE_FILE, MUE_FILE.name)
    with pytest.raises(ImportFormatError, match=r"several settings \(outpatient_hospital, practitioner\)"):
        import_mue(archive, reference / "mue", "2026Q4", Q4)
    result = import_mue(archive, reference / "mue", "2026Q4", Q4, setting="practitioner")
    assert (result.rows, result.source_files) == (44, (MUE_FILE.name,))
    result = import_mue(archive, reference / "mue", "2026Q4", Q4, setting="outpatient_hospital")
    assert (result.rows, result.closed_release) == (45, "2024Q3-outpatient_hospital")


@pytest.mark.parametrize(
    "old, new, column",
    [
        ("0005U,1,2 Date of Service Edit: Policy", "0005U,1,Date of Service Edit", "MUE Adjudication Indicator"),
        (
            "0005U,1,2 Date of Service Edit: Policy",
            "0005U,one,2 Date of Service Edit: Policy",
            "Practitioner Services MUE Values",
        ),
    ],
)
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
    with pytest.raises(ImportFormatError, match=r"code listed twice.*0001U"):
        import_mue(doubled, reference / "mue", "2026Q4", Q4)


# --- ICD-10-CM order file -----------------------------------------------------------------


@pytest.fixture
def icd10cm(tmp_path: Path) -> Path:
    """An icd10cm table folder whose FY2026 release is open-ended."""
    folder = tmp_path / "icd10cm"
    folder.mkdir()
    (folder / "icd10cm_fy2026.csv").write_text("code,billable,description\nM545,Y,Low back pain\n")
    (folder / "table.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "icd10cm",
                "title": "ICD-10-CM diagnosis codes",
                "description": "test copy",
                "key": ["code"],
                "columns": {"code": "string", "billable": "string", "description": "string"},
                "releases": [
                    {
                        "id": "FY2026",
                        "file": "icd10cm_fy2026.csv",
                        "effective_from": date(2025, 10, 1),
                        "source": "test",
                    }
                ],
            },
            sort_keys=False,
        )
    )
    return folder


def test_the_importer_writes_the_columns_the_project_icd10cm_table_declares():
    declared = yaml.safe_load((REFERENCE / "icd10cm" / "table.yaml").read_text(encoding="utf-8"))["columns"]
    assert list(declared) == ["code", "billable", "description"]


def test_the_april_order_file_splits_fy2026_at_its_update(icd10cm):
    result = import_icd10cm_order(ICD_FILE, icd10cm, "FY2026-APR", date(2026, 4, 1))

    assert (result.rows, result.closed_release) == (12, "FY2026")
    assert releases(icd10cm)[0]["effective_to"] == date(2026, 3, 31)
    codes = pl.read_parquet(result.data_file)
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
