"""The reference tables under rules/reference: their fixed format, and the billing facts they carry.

The format checks run on every table folder, so a table added later is checked the same way.
A release file is CSV (text, typed by table.yaml) or Parquet (typed columns). A table with a
`partition` column (the NCCI tables: one release per setting) has releases that each state their
partition, hold its rows without that column, and follow each other within their partition.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl
import pytest
import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "rules" / "reference"
TABLE_FIELDS = {"name", "title", "description", "key", "columns", "row_validity", "partition", "releases"}
RELEASE_FIELDS = {"id", "partition", "file", "effective_from", "effective_to", "source"}
TYPES = {"string": pl.String, "int": pl.Int64, "decimal": pl.Decimal, "date": pl.Date}
VALUE_PATTERNS = {"int": r"^-?\d+$", "decimal": r"^-?\d+(\.\d+)?$", "date": r"^\d{4}-\d{2}-\d{2}$"}
FOLDERS = sorted(p for p in REFERENCE.iterdir() if p.is_dir())


@cache
def spec(folder: Path) -> dict:
    return yaml.safe_load((folder / "table.yaml").read_text(encoding="utf-8"))


@cache
def data(folder: Path, file: str) -> pl.DataFrame:
    """A release file as stored: Parquet typed, CSV as text."""
    if file.endswith(".parquet"):
        return pl.read_parquet(folder / file)
    return pl.read_csv(folder / file, infer_schema=False)


def as_date(value) -> date:
    # Unquoted YAML dates load as date objects; quoted ones as ISO strings.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def rows(folder: Path):
    """(release, frame) for every release of a table."""
    return [(release, data(folder, release["file"])) for release in spec(folder)["releases"]]


def stored_columns(table: dict) -> list[str]:
    """The columns a release file holds: the partition column is stated by the release instead."""
    return [c for c in table["columns"] if c != table.get("partition")]


def dates(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if frame.schema[column] == pl.Date else pl.col(column).str.to_date("%Y-%m-%d")


# --- the format, for every table -----------------------------------------------------

by_table = pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])


def test_the_public_code_set_tables_exist():
    names = {p.name for p in FOLDERS}
    assert {
        "icd10cm",
        "mce_sex",
        "mce_sex_last",
        "mce_age",
        "mce_age_groups",
        "mce_manifestation",
        "mce_unacceptable_principal",
        "hcpcs",
        "modifiers",
        "fee_schedule",
        "ncci_ptp",
        "mue",
        "ncci_add_on",
    } <= names


@by_table
def test_table_yaml_describes_the_table(folder):
    table = spec(folder)
    assert set(table) <= TABLE_FIELDS, f"unknown fields {set(table) - TABLE_FIELDS}"
    assert table["name"] == folder.name and re.fullmatch(r"[a-z][a-z0-9_]*", table["name"])
    assert table["title"].strip() and table["description"].strip()
    assert set(table["columns"].values()) <= set(TYPES)
    assert table["key"] and set(table["key"]) <= set(table["columns"])
    if "row_validity" in table:
        window = table["row_validity"]
        assert set(window) == {"from", "to"}
        assert all(table["columns"].get(window[end]) == "date" for end in ("from", "to"))
    if "partition" in table:
        assert table["partition"] in table["key"], "a partition is part of the key"


@by_table
def test_releases_are_in_date_order_and_do_not_overlap_within_their_partition(folder):
    table = spec(folder)
    releases = table["releases"]
    assert releases, "a table needs at least one release"
    assert len({r["id"] for r in releases}) == len(releases)
    assert len({r["file"] for r in releases}) == len(releases)
    for release in releases:
        assert set(release) <= RELEASE_FIELDS, f"{release['id']}: unknown fields"
        assert str(release.get("source") or "").strip(), f"{release['id']}: no source"
        assert re.fullmatch(r"[^/]+\.(csv(\.gz)?|parquet)", release["file"])
        assert ("partition" in release) == ("partition" in table), (
            f"{release['id']}: partition stated iff the table has one"
        )
    for partition in {r.get("partition") for r in releases}:
        own = [r for r in releases if r.get("partition") == partition]
        for i, release in enumerate(own):
            start = as_date(release["effective_from"])
            if "effective_to" in release:
                assert start <= as_date(release["effective_to"])
            else:
                assert i == len(own) - 1, f"{release['id']}: only the newest release of {partition} may be open-ended"
            if i:
                previous_end = own[i - 1].get("effective_to")
                assert previous_end is not None and as_date(previous_end) < start


@by_table
def test_data_files_have_the_declared_columns_and_types(folder):
    table = spec(folder)
    for release, frame in rows(folder):
        assert frame.columns == stored_columns(table), release["file"]
        for column in frame.columns:
            kind = table["columns"][column]
            if release["file"].endswith(".parquet"):
                assert frame.schema[column].base_type() == TYPES[kind], f"{release['file']}: {column}"
                continue
            values = frame[column].drop_nulls()
            if kind in VALUE_PATTERNS:
                assert values.str.contains(VALUE_PATTERNS[kind]).all(), f"{release['file']}: {column}"
            if kind == "date":
                values.str.to_date("%Y-%m-%d", strict=True)
        if "code" in frame.columns:
            codes = frame["code"]
            assert not codes.str.contains(r"[.a-z\s]").any(), f"{release['file']}: codes are upper case, no dots"


@by_table
def test_key_identifies_one_row_per_partition_and_rows_are_sorted_by_it(folder):
    table = spec(folder)
    # A release holds one partition, so within its file the rest of the key identifies a row.
    key = [c for c in table["key"] if c != table.get("partition")]
    for release, frame in rows(folder):
        assert frame.select(pl.col(key).null_count()).sum_horizontal().item() == 0
        keys = frame.select(key)
        assert keys.equals(keys.sort(key)), f"{release['file']} is not sorted by {key}"
        if "row_validity" not in table:
            assert not keys.is_duplicated().any(), f"{release['file']}: duplicate {key}"
            continue
        window = table["row_validity"]
        dated = frame.select(
            *key, dates(frame, window["from"]).alias("start"), dates(frame, window["to"]).alias("end")
        ).sort([*key, "start"])
        assert dated.filter(pl.col("end") < pl.col("start")).is_empty()
        previous_end = pl.col("end").shift(1).over(key)
        later = pl.int_range(pl.len()).over(key) > 0
        overlapping = dated.filter(later & (previous_end.is_null() | (pl.col("start") <= previous_end)))
        assert overlapping.is_empty(), f"{release['file']}: overlapping windows {overlapping.head(3)}"


def test_the_reference_readme_lists_every_table():
    readme = (REFERENCE / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert {p.name for p in FOLDERS} <= listed


# --- billing facts ---------------------------------------------------------------------


def in_force(name: str, service_date: date, partition: str | None = None) -> pl.DataFrame:
    """The rows of a table (of one partition) that apply to a date of service: its release's, within their own
    dates if dated."""
    folder = REFERENCE / name
    window = spec(folder).get("row_validity")
    for release, frame in rows(folder):
        end = release.get("effective_to")
        if (
            release.get("partition") == partition
            and as_date(release["effective_from"]) <= service_date
            and (end is None or service_date <= as_date(end))
        ):
            if not window:
                return frame
            # CSV releases hold dates as ISO text (which orders as text), Parquet ones as dates.
            day = service_date.isoformat() if frame.schema[window["from"]] == pl.String else service_date
            start, end = pl.col(window["from"]), pl.col(window["to"])
            return frame.filter((start.is_null() | (start <= day)) & (end.is_null() | (end >= day)))
    raise LookupError(f"{name} has no release for {service_date}")


def value(name: str, service_date: date, code: str, column: str):
    found = in_force(name, service_date).filter(pl.col("code") == code)
    return found[column].item() if found.height else None


def age_range(group: str, service_date: date) -> tuple[int, int]:
    row = in_force("mce_age_groups", service_date).filter(pl.col("age_group") == group)
    return int(row["min_age"].item()), int(row["max_age"].item())


FY2025_DOS = date(2025, 3, 14)
FY2026_DOS = date(2026, 1, 20)


def test_e11_type_2_diabetes_is_a_header_that_needs_more_characters():
    assert value("icd10cm", FY2025_DOS, "E11", "billable") == "N"
    assert value("icd10cm", FY2026_DOS, "E11", "billable") == "N"


def test_e1165_type_2_diabetes_with_hyperglycemia_is_billable():
    assert value("icd10cm", FY2025_DOS, "E1165", "billable") == "Y"
    assert value("icd10cm", FY2026_DOS, "E1165", "billable") == "Y"


def test_g35_multiple_sclerosis_stops_being_billable_on_2025_10_01():
    assert value("icd10cm", date(2025, 9, 30), "G35", "billable") == "Y"
    assert value("icd10cm", date(2025, 10, 1), "G35", "billable") == "N"


def test_b8801_demodex_infestation_is_valid_only_from_fy2026():
    assert value("icd10cm", date(2025, 9, 30), "B8801", "billable") is None
    assert value("icd10cm", date(2025, 10, 1), "B8801", "billable") == "Y"


def test_three_character_codes_without_subdivisions_stay_billable_in_fy2026():
    # HIV disease and DNR status have no subcodes; breast cancer C50 does.
    assert value("icd10cm", FY2026_DOS, "B20", "billable") == "Y"
    assert value("icd10cm", FY2026_DOS, "Z66", "billable") == "Y"
    assert value("icd10cm", FY2026_DOS, "C50", "billable") == "N"


def test_billable_code_counts_match_the_public_releases():
    for service_date, billable in ((FY2025_DOS, 74_260), (FY2026_DOS, 74_719)):
        assert in_force("icd10cm", service_date).filter(pl.col("billable") == "Y").height == billable


def test_o80_full_term_delivery_is_a_maternity_diagnosis_for_women_9_to_64():
    assert value("mce_age", FY2026_DOS, "O80", "age_group") == "maternity"
    assert age_range("maternity", FY2026_DOS) == (9, 64)


def test_maternity_ages_were_12_to_55_until_2019_09_30():
    assert age_range("maternity", date(2019, 9, 30)) == (12, 55)
    assert age_range("maternity", date(2019, 10, 1)) == (9, 64)
    assert age_range("adult", FY2026_DOS) == (15, 124)
    assert age_range("pediatric", FY2026_DOS) == (0, 17)


def test_n400_benign_prostatic_hyperplasia_is_male_only_through_2024_09_30_then_not():
    assert value("mce_sex", date(2024, 9, 30), "N400", "allowed_sex") == "M"
    assert value("mce_sex", date(2024, 10, 1), "N400", "allowed_sex") is None
    assert value("mce_age", FY2026_DOS, "N400", "age_group") == "adult"


def test_no_mce_sex_row_is_in_force_after_cms_dropped_the_edit():
    assert in_force("mce_sex", date(2024, 10, 1)).is_empty()
    assert in_force("mce_sex", date(2024, 9, 30)).height > 3_000


def test_the_last_mce_sex_lists_carry_on_for_payers_that_keep_the_edit():
    assert value("mce_sex_last", FY2026_DOS, "N400", "allowed_sex") == "M"
    assert value("mce_sex_last", FY2026_DOS, "O80", "allowed_sex") == "F"
    assert value("mce_sex_last", date(2024, 9, 30), "N400", "allowed_sex") is None


def test_codes_created_since_fy2020_are_in_the_mce_lists():
    # F02.A0 (dementia in other diseases, mild) arrived in FY2023 and is a manifestation code.
    assert value("mce_manifestation", FY2026_DOS, "F02A0", "valid_from") == "2022-10-01"
    assert value("mce_manifestation", date(2022, 9, 30), "F02A0", "valid_from") is None


def test_g01_meningitis_in_bacterial_disease_is_a_manifestation_code():
    assert value("mce_manifestation", FY2026_DOS, "G01", "valid_from") is not None


def test_z0000_adult_exam_is_unacceptable_as_inpatient_principal_diagnosis():
    assert value("mce_unacceptable_principal", FY2026_DOS, "Z0000", "requires_secondary") == "N"
    assert "inpatient" in spec(REFERENCE / "mce_unacceptable_principal")["description"]


def test_z5189_aftercare_is_acceptable_as_principal_only_with_a_secondary_diagnosis():
    assert value("mce_unacceptable_principal", FY2026_DOS, "Z5189", "requires_secondary") == "Y"


def test_z515_palliative_care_stopped_being_unacceptable_in_fy2018():
    assert value("mce_unacceptable_principal", date(2017, 9, 30), "Z515", "requires_secondary") == "N"
    assert value("mce_unacceptable_principal", date(2017, 10, 1), "Z515", "requires_secondary") is None


def test_g0402_welcome_to_medicare_visit_is_an_active_hcpcs_code():
    assert value("hcpcs", FY2026_DOS, "G0402", "termination_date") is None
    assert value("hcpcs", FY2026_DOS, "G0402", "add_date") == "2009-01-01"


def test_c9035_aristada_initio_pass_through_code_ended_2019_09_30():
    assert value("hcpcs", FY2026_DOS, "C9035", "termination_date") == "2019-09-30"


def test_modifier_25_is_ncci_associated_but_not_anatomic():
    assert value("modifiers", FY2026_DOS, "25", "ncci_associated") == "Y"
    assert value("modifiers", FY2026_DOS, "25", "anatomic") == "N"


def test_left_side_lt_is_an_anatomic_ncci_modifier_and_76_is_not_ncci_associated():
    assert value("modifiers", FY2026_DOS, "LT", "anatomic") == "Y"
    assert value("modifiers", FY2026_DOS, "LT", "ncci_associated") == "Y"
    assert value("modifiers", FY2026_DOS, "76", "ncci_associated") == "N"


def test_cpt_modifiers_are_labelled_as_cpt_and_x_modifiers_as_hcpcs():
    assert value("modifiers", FY2026_DOS, "59", "source") == "CPT"
    assert value("modifiers", FY2026_DOS, "XU", "source") == "HCPCS"


def test_category_ii_performance_modifiers_exist():
    for code in ("1P", "2P", "3P", "8P"):
        assert value("modifiers", FY2026_DOS, code, "source") == "CPT_CAT_II", code


def test_hcpcs_modifiers_created_after_2020_are_listed():
    for code in ("FQ", "FR", "FS", "FT", "JZ", "AB"):
        assert value("modifiers", FY2026_DOS, code, "source") == "HCPCS", code


def test_c9113_pantoprazole_pass_through_code_ended_2024_06_30():
    assert value("hcpcs", FY2026_DOS, "C9113", "termination_date") == "2024-06-30"


Q3_2024 = date(2024, 8, 5)


def ptp(setting: str, column1: str, column2: str, service_date: date = Q3_2024):
    found = in_force("ncci_ptp", service_date, setting).filter(
        (pl.col("column1") == column1) & (pl.col("column2") == column2)
    )
    return found["modifier_indicator"].item() if found.height else None


def mue(setting: str, code: str, service_date: date = Q3_2024):
    found = in_force("mue", service_date, setting).filter(pl.col("code") == code)
    return found.select("mue_value", "mai").row(0) if found.height else None


def test_the_shipped_ncci_quarter_is_2024_q3_for_every_setting_with_cms_row_counts():
    counts = {
        (name, r["partition"]): (as_date(r["effective_from"]), data(REFERENCE / name, r["file"]).height)
        for name in ("ncci_ptp", "mue")
        for r in spec(REFERENCE / name)["releases"]
    }
    q3 = date(2024, 7, 1)
    assert counts == {
        ("ncci_ptp", "practitioner"): (q3, 1_669_820),
        ("ncci_ptp", "outpatient_hospital"): (q3, 1_335_857),
        ("mue", "practitioner"): (q3, 14_677),
        ("mue", "outpatient_hospital"): (q3, 14_628),
        ("mue", "dme"): (q3, 2_928),
    }
    with pytest.raises(LookupError):  # the public copy has no effective dates: earlier dates are not judged
        in_force("ncci_ptp", date(2024, 6, 30), "practitioner")


def test_diagnostic_egd_43235_is_never_separately_payable_with_egd_with_biopsy_43239():
    assert ptp("practitioner", "43239", "43235") == "0"
    assert ptp("outpatient_hospital", "43239", "43235") == "0"
    assert ptp("practitioner", "43235", "43239") is None  # the pair is one-way: 43239 is column one


def test_a_nerve_block_with_a_diagnostic_egd_is_bundled_for_the_practitioner_only():
    # The anaesthesia provider's block is separate at the hospital (1), never with the endoscopist (0).
    assert ptp("practitioner", "43235", "64400") == "0"
    assert ptp("outpatient_hospital", "43235", "64400") == "1"


def test_99213_office_visit_mue_is_two_per_day_by_clinical_limit():
    assert mue("practitioner", "99213") == (2, "3")
    assert mue("outpatient_hospital", "99213") == (2, "3")


def test_a_cpap_device_e0601_is_one_per_day_from_a_dme_supplier_and_none_from_a_practitioner():
    assert mue("dme", "E0601") == (1, "3")
    assert mue("practitioner", "E0601") == (0, "3")


def test_add_on_code_99292_critical_care_needs_99291_as_its_primary():
    table = in_force("ncci_add_on", Q3_2024)
    primaries = table.filter(pl.col("add_on_code") == "99292")
    assert "99291" in primaries["primary_code"].to_list()
