"""Reading a batch folder: types, normalisation, and what happens to bad rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from scrubber.batch import load_batch
from scrubber.batch.parse import from_native, native_value
from scrubber.batch.schema import POLARS_TYPE, Kind
from scrubber.errors import ScrubberInputError
from tests.conftest import DEMO


def test_values_are_cast_to_the_contract_types():
    batch = load_batch(DEMO)
    claim = batch.claims.filter(pl.col("claim_id") == "C1002").row(0, named=True)
    assert claim["diagnosis_codes"] == ["E119", "I10"]  # dot removed
    assert claim["total_charge"] == Decimal("193.00")
    line = batch.claim_lines.filter(pl.col("claim_id") == "C1002", pl.col("line_number") == 1).row(0, named=True)
    assert line["service_date"] == dt.date(2026, 9, 1)
    assert line["diagnosis_pointers"] == [1, 2]
    assert line["modifiers"] == []


def test_icd_codes_are_normalised_whatever_the_export_wrote(demo_copy):
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    claims = claims.with_columns(
        pl.when(pl.col("claim_id") == "C1001")
        .then(pl.lit(" e11.65 ; i10 "))
        .otherwise(pl.col("diagnosis_codes"))
        .alias("diagnosis_codes")
    )
    claims.write_csv(demo_copy / "claims.csv")
    batch = load_batch(demo_copy)
    assert batch.claims.filter(pl.col("claim_id") == "C1001")["diagnosis_codes"].to_list() == [["E1165", "I10"]]


def test_unreadable_cells_become_issues_and_the_row_is_kept(demo_copy):
    text = (demo_copy / "claim_lines.csv").read_text().splitlines()
    spreadsheet_row = next(n for n, line in enumerate(text, start=1) if "2026-09-31" in line)
    batch = load_batch(demo_copy)
    issue = batch.issues.filter(pl.col("kind") == "unreadable_value").row(0, named=True)
    assert issue == {
        "kind": "unreadable_value",
        "file": "claim_lines.csv",
        "row": spreadsheet_row,
        "column": "service_date",
        "value": "2026-09-31",
        "claim_id": "C1024",
        "line_number": 1,
    }
    kept = batch.claim_lines.filter(pl.col("claim_id") == "C1024")
    assert kept.height == 1 and kept["service_date"].to_list() == [None]


def test_missing_required_column_names_file_and_column(demo_copy):
    pl.read_csv(demo_copy / "patients.csv").drop("sex").write_csv(demo_copy / "patients.csv")
    with pytest.raises(ScrubberInputError, match=r"patients\.csv: required column 'sex' missing"):
        load_batch(demo_copy)


def test_missing_required_file_is_named(demo_copy):
    (demo_copy / "eligibility.csv").unlink()
    with pytest.raises(ScrubberInputError, match=r"eligibility\.csv: required file missing"):
        load_batch(demo_copy)


def test_parquet_and_csv_read_the_same(demo_copy, tmp_path):
    parquet_dir = tmp_path / "parquet"
    parquet_dir.mkdir()
    csv_batch = load_batch(demo_copy)
    for name in ("claims", "claim_lines", "patients", "eligibility"):
        typed = getattr(csv_batch, name)
        typed.write_parquet(parquet_dir / f"{name}.parquet")
    parquet_batch = load_batch(parquet_dir)
    where = ["source_file", "source_position"]  # each claim names its own file and row
    assert parquet_batch.claims.drop(where).equals(csv_batch.claims.drop(where))
    assert parquet_batch.claims["source_file"].unique().to_list() == ["claims.parquet"]
    assert parquet_batch.claim_lines.equals(csv_batch.claim_lines)


def test_encounters_file_is_optional(demo_copy):
    (demo_copy / "encounters.csv").unlink(missing_ok=True)
    assert load_batch(demo_copy).encounters is None


def test_a_table_given_twice_is_refused(demo_copy):
    load_batch(demo_copy).patients.write_parquet(demo_copy / "patients.parquet")
    with pytest.raises(ScrubberInputError, match=r"both patients\.parquet and patients\.csv"):
        load_batch(demo_copy)


def test_typed_parquet_columns_are_normalised_like_csv_text(demo_copy, tmp_path):
    """A Parquet export with real list and date types skips the text round trip but not the normalising."""
    folder = tmp_path / "typed"
    folder.mkdir()
    batch = load_batch(demo_copy)
    claims = batch.claims.drop("source_file", "source_position").with_columns(
        pl.when(pl.col("claim_id") == "C1001")
        .then(pl.lit([" e11.65 ", "i10", ""]))
        .when(pl.col("claim_id") == "C1003")
        .then(pl.lit(None, pl.List(pl.String)))
        .otherwise(pl.col("diagnosis_codes"))
        .alias("diagnosis_codes")
    )
    claims.write_parquet(folder / "claims.parquet")
    for name in ("claim_lines", "patients", "eligibility"):
        getattr(batch, name).write_parquet(folder / f"{name}.parquet")
    typed = load_batch(folder)
    codes = dict(typed.claims.select("claim_id", "diagnosis_codes").iter_rows())
    assert codes["C1001"] == ["E1165", "I10"]
    assert codes["C1003"] == []
    missing = typed.issues.filter(pl.col("kind") == "missing_value", pl.col("file") == "claims.parquet")
    assert missing.select("file", "column", "claim_id").rows() == [("claims.parquet", "diagnosis_codes", "C1003")]
    assert typed.claim_lines.schema["service_date"] == pl.Date


@pytest.mark.parametrize(
    ("kind", "lists"),
    [
        (Kind.ICD_LIST, [["E11.65", "I10"], ["Z00.00"]]),  # dotted, as most exports write them
        (Kind.ICD_LIST, [["E1165", "I10"], []]),  # already without dots
        (Kind.ICD_LIST, [["e11.65 ", "I10"], [""], None]),  # lower case, blanks, a missing list
        (Kind.ICD_LIST, [["."], ["I10"]]),  # a code of nothing but a dot
        (Kind.CODE_LIST, [["25"], ["RT", "59"], []]),
        (Kind.CODE_LIST, [["rt"], ["", "59"], [None]]),
        (Kind.INT_LIST, [[1, 2], [1]]),
        (Kind.INT_LIST, [[1, None], None]),
    ],
)
def test_a_native_list_column_reads_the_same_by_the_short_route(kind, lists):
    frame = pl.DataFrame({"x": lists}, schema={"x": pl.List(pl.Int64 if kind is Kind.INT_LIST else pl.String)})
    short = frame.select(native_value(frame["x"], kind).cast(POLARS_TYPE[kind]).alias("x"))
    full = frame.select(from_native(kind, pl.col("x")).cast(POLARS_TYPE[kind]).alias("x"))
    assert short.equals(full)


def _typed_parquet_batch(demo_copy, folder, claims, lines):
    """The demo batch as a typed Parquet export (what a practice system's database writes), with these
    claims and lines in claim and line order."""
    folder.mkdir()
    batch = load_batch(demo_copy)
    claims(batch.claims.drop("source_file", "source_position")).sort("claim_id").write_parquet(
        folder / "claims.parquet"
    )
    lines(batch.claim_lines).sort("claim_id", "line_number").write_parquet(folder / "claim_lines.parquet")
    for name in ("patients", "eligibility"):
        getattr(batch, name).write_parquet(folder / f"{name}.parquet")
    return load_batch(folder)


def test_padded_or_lower_case_text_in_a_typed_export_is_normalised_like_csv_text(demo_copy, tmp_path):
    """A CHAR column pads codes with spaces, some systems write payer ids in lower case: such a column
    is read as text, so ' medicare ' is MEDICARE; a clean column passes through as it is."""
    padded = _typed_parquet_batch(
        demo_copy,
        tmp_path / "padded",
        lambda claims: claims.with_columns(
            pl.when(pl.col("claim_id") == "C1002").then(pl.lit(" medicare ")).otherwise("payer_id").alias("payer_id")
        ),
        lambda lines: lines.with_columns(
            pl.when(pl.col("claim_id") == "C1002", pl.col("line_number") == 1)
            .then(pl.lit("99214 "))
            .otherwise("procedure_code")
            .alias("procedure_code")
        ),
    )
    claim = padded.claims.filter(pl.col("claim_id") == "C1002").row(0, named=True)
    line = padded.claim_lines.filter(pl.col("claim_id") == "C1002", pl.col("line_number") == 1).row(0, named=True)
    assert (claim["payer_id"], line["procedure_code"]) == ("MEDICARE", "99214")
    assert padded.issues.filter(pl.col("claim_id") == "C1002").is_empty()


def test_repeated_and_orphan_lines_are_reported_in_a_batch_in_claim_order(demo_copy, tmp_path):
    """Claim order lets the loader skip its joins only when nothing repeats and every line has its claim."""
    first = pl.col("claim_id") == "C1002"
    sorted_batch = _typed_parquet_batch(
        demo_copy,
        tmp_path / "sorted",
        lambda claims: claims,
        lambda lines: pl.concat(
            [
                lines,
                lines.filter(first, pl.col("line_number") == 1),  # line 1 of C1002 billed twice
                lines.filter(first, pl.col("line_number") == 1).with_columns(claim_id=pl.lit("C9999")),
            ]
        ),
    )
    issues = (
        sorted_batch.issues.filter(pl.col("claim_id").is_in(["C1002", "C9999"]))
        .select("kind", "file", "column", "claim_id", "line_number")
        .rows()
    )
    assert issues == [
        ("duplicate_line", "claim_lines.parquet", "line_number", "C1002", 1),
        ("unknown_claim", "claim_lines.parquet", "claim_id", "C9999", 1),
    ]
