"""Billing edits that need data a batch may not carry: run when it is there, reported not checked when it is not."""

from __future__ import annotations

import datetime as dt

import polars as pl

from scrubber.batch.load import load_batch
from scrubber.history import billed_history, previous_runs
from scrubber.pipeline import run, scrub
from tests.conftest import DEMO_AS_OF as AS_OF


def not_checked(batch_dir, rulebook) -> dict[str, str]:
    result = scrub(load_batch(batch_dir), rulebook, AS_OF)
    return {item["rule_id"]: item["reason"] for item in result.not_checked}


def test_without_a_visit_export_the_visit_edits_are_not_checked(demo_copy, rulebook):
    (demo_copy / "encounters.csv").unlink()
    skipped = not_checked(demo_copy, rulebook)
    for rule_id in ("ENC001", "ENC002", "ENC003"):
        assert skipped[rule_id] == "no encounters file in the batch"


def test_without_the_payer_claim_number_column_replacements_are_not_checked_never_passed(demo_copy, rulebook):
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    claims.drop("payer_claim_number").write_csv(demo_copy / "claims.csv")
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    assert "DUP003" not in result.ran
    assert not result.findings.filter(pl.col("rule_id") == "DUP003").height
    reason = {item["rule_id"]: item["reason"] for item in result.not_checked}["DUP003"]
    assert "payer_claim_number column" in reason


def test_with_the_column_a_replacement_without_its_original_is_an_error(demo_copy, rulebook):
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    assert "DUP003" in result.ran
    found = result.findings.filter(pl.col("rule_id") == "DUP003")
    assert found["claim_id"].to_list() == ["C3013"] and found["severity"].to_list() == ["error"]


def drop_columns(batch_dir, table: str, *columns: str) -> None:
    frame = pl.read_csv(batch_dir / f"{table}.csv", infer_schema=False)
    frame.drop(*columns).write_csv(batch_dir / f"{table}.csv")


def test_a_practice_system_exporting_no_ndc_units_has_its_ndc_units_not_checked_and_the_rest_checked(
    demo_copy, rulebook
):
    drop_columns(demo_copy, "claim_lines", "ndc_unit", "ndc_quantity")
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    skipped = {item["rule_id"]: item["reason"] for item in result.not_checked}
    assert skipped["NDC003"] == "no ndc_quantity column in claim_lines; no ndc_unit column in claim_lines"
    assert {"NDC001", "NDC002", "NDC004"} <= set(result.ran)
    fired = result.findings.filter(pl.col("rule_id").str.starts_with("NDC"))
    assert sorted(fired.select("rule_id", "claim_id").rows()) == [
        ("NDC001", "C6001"), ("NDC002", "C6003"), ("NDC004", "C6007")]  # fmt: skip


def test_without_ndc_or_description_columns_the_drug_edits_are_not_checked(demo_copy, rulebook):
    drop_columns(demo_copy, "claim_lines", "ndc", "ndc_unit", "ndc_quantity", "description")
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    skipped = {item["rule_id"]: item["reason"] for item in result.not_checked}
    assert skipped["NDC001"] == skipped["NDC002"] == "no ndc column in claim_lines"
    assert skipped["NDC004"] == "no description column in claim_lines"
    # The duplicate edit compares NDCs inside its derived family; a line without one still has an identity.
    assert "DUP001" in result.ran


def test_without_the_clia_number_column_the_lab_edits_are_not_checked_never_passed(demo_copy, rulebook):
    drop_columns(demo_copy, "claims", "clia_number")
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    skipped = {item["rule_id"]: item["reason"] for item in result.not_checked}
    assert skipped["LAB001"] == skipped["LAB002"] == "no clia_number column in claims"
    assert not result.findings.filter(pl.col("rule_id").str.starts_with("LAB")).height


def test_with_the_clia_column_lab_lines_without_a_valid_number_are_errors(demo_copy, rulebook):
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    found = result.findings.filter(pl.col("rule_id").str.starts_with("LAB")).sort("claim_id")
    assert found.select("rule_id", "claim_id", "line_number").rows() == [
        ("LAB001", "C6009", 2), ("LAB001", "C6011", 2), ("LAB002", "C6013", None)]  # fmt: skip


def test_without_an_earlier_run_the_history_edit_is_not_checked(demo_copy, rulebook):
    assert not_checked(demo_copy, rulebook)["DUP002"] == "no earlier run under reports/ to compare with"


def test_a_visit_billed_last_night_under_another_claim_id_is_a_duplicate_tonight(demo_copy, tmp_path, rulebook):
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)

    # Tonight's export bills C3002's visit again, under a new claim id.
    bill_again_tonight(demo_copy, "C3002", "C3098")
    outcome = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)

    again = outcome.findings.filter(pl.col("rule_id") == "DUP002")
    assert again.select("claim_id", "line_number").rows() == [("C3098", 1)]
    assert (
        "already billed to AETNA under member id M302X on claim C3002 in the run of 2026-09-14" in again["message"][0]
    )


def bill_again_tonight(batch, claim_id, new_claim_id, **claim_changes):
    """Tonight's export bills a claim's services again under a new claim id, with some claim fields changed."""
    for table in ("claims", "claim_lines"):
        frame = pl.read_csv(batch / f"{table}.csv", infer_schema=False)
        renamed = frame.with_columns(pl.col("claim_id").replace(claim_id, new_claim_id))
        if table == "claims":
            renamed = renamed.with_columns(
                pl.when(pl.col("claim_id") == new_claim_id).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
                for k, v in claim_changes.items()
            )
        renamed.write_csv(batch / f"{table}.csv")


def test_the_claim_to_the_secondary_payer_the_next_night_is_not_a_duplicate(demo_copy, tmp_path, rulebook):
    # C3002's visit went to Aetna last night; tonight the same visit goes to Texas Medicaid as secondary.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    bill_again_tonight(demo_copy, "C3002", "C3098", payer_id="MEDICAID_TX", member_id="517234981")
    outcome = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)
    assert outcome.findings.filter(pl.col("rule_id") == "DUP002").height == 0


def test_a_run_written_before_billed_lines_carried_the_payer_flags_nothing(demo_copy, tmp_path, rulebook):
    # Such a run cannot tell a duplicate from the secondary claim: it is left out rather than
    # telling a biller to delete a secondary claim (scrubber.history._billed_in).
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    billed = reports / "2026-09-14" / "billed_lines.parquet"
    pl.read_parquet(billed).drop("payer_id", "member_id").write_parquet(billed)  # the file as older versions wrote it
    bill_again_tonight(demo_copy, "C3002", "C3098")
    outcome = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)
    assert outcome.findings.filter(pl.col("rule_id") == "DUP002").height == 0


def test_a_run_written_before_lines_carried_their_ndc_still_counts_as_history(demo_copy, tmp_path, rulebook):
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    billed = reports / "2026-09-14" / "billed_lines.parquet"
    pl.read_parquet(billed).drop("ndc").write_parquet(billed)  # the file as older versions wrote it
    bill_again_tonight(demo_copy, "C3002", "C3098")
    outcome = run(demo_copy, reports / "2026-09-15", dt.date(2026, 9, 15), rulebook)
    assert outcome.findings.filter(pl.col("rule_id") == "DUP002").select("claim_id", "line_number").rows() == [
        ("C3098", 1)
    ]


def test_runs_written_before_and_after_billed_lines_carried_the_payer_stack_into_one_history(
    demo_copy, tmp_path, rulebook
):
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-13", dt.date(2026, 9, 13), rulebook)
    older = reports / "2026-09-13" / "billed_lines.parquet"
    pl.read_parquet(older).drop("payer_id", "member_id", "billing_npi", "diagnosis_codes").write_parquet(older)
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    billed = pl.read_parquet(reports / "2026-09-14" / "billed_lines.parquet").height
    history = billed_history(previous_runs(reports / "2026-09-15", dt.date(2026, 9, 15))).collect()
    by_run = history.group_by("billed_in_run").agg(pl.len(), pl.col("payer_id").null_count().alias("no_payer"))
    # The older run's lines are all there, with no payer; the newer run's all have one.
    assert sorted(by_run.rows()) == [(dt.date(2026, 9, 13), billed, billed), (AS_OF, billed, 0)]


def test_history_keeps_each_line_s_group_and_diagnoses_and_older_runs_have_none(demo_copy, tmp_path, rulebook):
    # The global package binds the billing group and screening limits read the diagnoses:
    # a run written before billed lines kept them counts toward neither.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-13", dt.date(2026, 9, 13), rulebook)
    older = reports / "2026-09-13" / "billed_lines.parquet"
    pl.read_parquet(older).drop("billing_npi", "diagnosis_codes").write_parquet(older)
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    history = billed_history(previous_runs(reports / "2026-09-15", dt.date(2026, 9, 15))).collect()
    newer = history.filter(pl.col("billed_in_run") == AS_OF)
    assert newer.get_column("billing_npi").null_count() == 0
    assert newer.get_column("diagnosis_codes").list.len().min() >= 1
    older_rows = history.filter(pl.col("billed_in_run") == dt.date(2026, 9, 13))
    assert older_rows.get_column("billing_npi").null_count() == older_rows.height
