"""837 files in a batch folder: read by content, scrubbed like CSV, and honest about what they lack."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from scrubber.batch import load_batch
from scrubber.batch.x12 import read_837
from scrubber.errors import ScrubberInputError
from scrubber.pipeline import run, scrub

SAMPLES = Path(__file__).parent / "fixtures" / "x12" / "linuxforhealth"
PROFESSIONAL = ["demo.example1.837", "demo.ambulance.example5.837", "demo.drug.example10.1.837"]
AS_OF = dt.date(2026, 3, 16)


def folder_with(tmp_path: Path, *names: str, rename: dict[str, str] | None = None) -> Path:
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in names:
        shutil.copy(SAMPLES / name, batch / (rename or {}).get(name, name))
    return batch


def test_an_837_only_batch_needs_no_other_file_and_reports_eligibility_not_checked(tmp_path, rulebook):
    batch_dir = folder_with(tmp_path, *PROFESSIONAL)
    outcome = run(batch_dir, tmp_path / "out", AS_OF, rulebook)
    claims = sum(read_837(SAMPLES / name).claims.height for name in PROFESSIONAL)
    assert outcome.summary.claims_total == claims > 0
    not_checked = {item["rule_id"]: item["reason"] for item in outcome.summary.not_checked}
    assert {"ELIG001", "ELIG002"} <= set(not_checked)
    assert "eligibility" in not_checked["ELIG001"]
    assert "ELIG001" not in outcome.summary.findings_by_rule  # not checked is never "passed"
    assert {i["format"] for i in outcome.summary.input_files} == {"x12"}


def test_findings_point_into_the_837_file(tmp_path, rulebook):
    batch_dir = folder_with(tmp_path, "demo.example1.837")
    findings = scrub(load_batch(batch_dir), rulebook, AS_OF).findings
    located = findings.filter(pl.col("claim_id") == "26463774")
    assert located.height > 0
    assert set(located["source_file"]) == {"demo.example1.837"}
    clm = next(
        n
        for n, s in enumerate((SAMPLES / "demo.example1.837").read_text().replace("\n", "").split("~"), 1)
        if s.startswith("CLM")
    )
    assert set(located["source_position"]) == {clm}


def test_an_x12_file_is_known_by_its_content_not_its_name(tmp_path):
    batch_dir = folder_with(tmp_path, "demo.example1.837", rename={"demo.example1.837": "nightly_export.txt"})
    assert load_batch(batch_dir).claims["source_file"].to_list() == ["nightly_export.txt"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_an_837_saved_as_utf16_is_read_like_a_utf8_one(tmp_path, encoding):
    # Windows tools export X12 as UTF-16, with or without a byte-order mark.
    batch_dir = tmp_path / "batch"
    batch_dir.mkdir()
    (batch_dir / "export.837").write_bytes((SAMPLES / "demo.example1.837").read_text().encode(encoding))
    assert load_batch(batch_dir).claims["claim_id"].to_list() == ["26463774"]


def test_the_same_claims_as_csv_and_as_837_give_the_same_findings(tmp_path, rulebook):
    """Round trip: the 837's claims written out as contract CSV files are scrubbed identically."""
    x12_dir = folder_with(tmp_path, *PROFESSIONAL)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    reads = [read_837(SAMPLES / name) for name in PROFESSIONAL]
    for table in ("claims", "claim_lines", "patients"):
        pl.concat([getattr(r, table) for r in reads], how="diagonal_relaxed").write_csv(csv_dir / f"{table}.csv")
    members = pl.read_csv(csv_dir / "claims.csv", infer_schema=False).select("member_id", "payer_id").unique()
    eligibility = members.with_columns(
        coverage_start=pl.lit("2000-01-01"), coverage_end=pl.lit(None, pl.String), status=pl.lit("active")
    )
    for folder in (csv_dir, x12_dir):
        eligibility.write_csv(folder / "eligibility.csv")

    keys = ["claim_id", "line_number", "rule_id", "message"]
    as_x12 = scrub(load_batch(x12_dir), rulebook, AS_OF).findings.select(keys)
    as_csv = scrub(load_batch(csv_dir), rulebook, AS_OF).findings.select(keys)
    assert as_x12.height > 0
    assert as_x12.sort(keys).equals(as_csv.sort(keys))


def test_a_4010_file_alone_stops_the_run_with_the_reason(tmp_path):
    batch_dir = tmp_path / "batch"
    batch_dir.mkdir()
    shutil.copy(SAMPLES / "4010-patient-is-dependent.837", batch_dir / "old.837")
    with pytest.raises(ScrubberInputError, match=r"no claim in the batch could be read \(old\.837: X12 version 004010"):
        load_batch(batch_dir)


def test_a_4010_file_beside_csv_tables_is_a_finding_not_a_stop(demo_copy, rulebook):
    shutil.copy(SAMPLES / "4010-patient-is-dependent.837", demo_copy / "old.837")
    findings = scrub(load_batch(demo_copy), rulebook, AS_OF).findings
    old = findings.filter(pl.col("rule_id") == "DQ018")
    assert old.height == 1 and "004010" in old["message"][0] and old["claim_id"][0] is None
