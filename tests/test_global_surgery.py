"""The global surgery package across runs: a procedure billed in an earlier run binds tonight's visits."""

from __future__ import annotations

import datetime as dt

import polars as pl

from scrubber.batch.load import load_batch
from scrubber.pipeline import run, scrub
from tests.conftest import DEMO_AS_OF as AS_OF

TONIGHT = dt.date(2026, 9, 15)
# The demo's knee replacement (27447-RT, 2026-08-10, claim C4001) and the bronchitis visit 22 days later
# by the same group (99213 on 2026-09-01, claim C4002, without 24).
SURGERY, VISIT = "C4001", "C4002"


def keep_out(batch, *claim_ids):
    """The batch as the practice system exports it without these claims."""
    for table in ("claims", "claim_lines"):
        frame = pl.read_csv(batch / f"{table}.csv", infer_schema=False)
        frame.filter(~pl.col("claim_id").is_in(claim_ids)).write_csv(batch / f"{table}.csv")


def with_modifiers(batch, claim_id, modifiers):
    lines = pl.read_csv(batch / "claim_lines.csv", infer_schema=False)
    changed = pl.when(pl.col("claim_id") == claim_id).then(pl.lit(modifiers)).otherwise(pl.col("modifiers"))
    lines.with_columns(changed.alias("modifiers")).write_csv(batch / "claim_lines.csv")


def global_findings(outcome, rule_id="GLB001"):
    return outcome.findings.filter(pl.col("rule_id") == rule_id)


def surgery_last_night_visit_tonight(demo_copy, tmp_path, rulebook, tonight_modifiers=None):
    """Last night's run bills the surgery (the visit is not exported yet); tonight's bills the visit alone."""
    reports = tmp_path / "reports"
    last_night = tmp_path / "last_night"
    last_night.mkdir()
    for name in ("claims", "claim_lines", "patients", "eligibility", "encounters"):
        (last_night / f"{name}.csv").write_bytes((demo_copy / f"{name}.csv").read_bytes())
    keep_out(last_night, VISIT)
    run(last_night, reports / "2026-09-14", AS_OF, rulebook)
    keep_out(demo_copy, SURGERY)
    if tonight_modifiers is not None:
        with_modifiers(demo_copy, VISIT, tonight_modifiers)
    return run(demo_copy, reports / "2026-09-15", TONIGHT, rulebook), reports


def test_a_surgery_billed_last_night_catches_tonights_postoperative_visit_without_24(demo_copy, tmp_path, rulebook):
    outcome, reports = surgery_last_night_visit_tonight(demo_copy, tmp_path, rulebook)
    assert pl.read_parquet(reports / "2026-09-14" / "billed_lines.parquet")["claim_id"].is_in([VISIT]).sum() == 0
    found = global_findings(outcome)
    assert found.select("claim_id", "line_number", "severity", "denial_code", "remark_codes").rows() == [
        (VISIT, 1, "error", "CO-97", "M144")
    ]
    assert "day 22 of the 090-day postoperative period of procedure 27447 (claim C4001 line 1" in found["message"][0]


def test_the_same_visit_with_24_passes(demo_copy, tmp_path, rulebook):
    outcome = surgery_last_night_visit_tonight(demo_copy, tmp_path, rulebook, tonight_modifiers="24")[0]
    package = outcome.findings.filter(pl.col("rule_id").str.starts_with("GLB") | (pl.col("rule_id") == "MOD002"))
    assert package.filter(pl.col("claim_id") == VISIT).height == 0


def test_a_run_written_before_billed_lines_carried_the_group_binds_nothing(demo_copy, tmp_path, rulebook):
    # Such a run cannot say which group billed its procedures: none of them opens a package tonight.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    billed = reports / "2026-09-14" / "billed_lines.parquet"
    pl.read_parquet(billed).drop("billing_npi").write_parquet(billed)  # the file as older versions wrote it
    keep_out(demo_copy, SURGERY)
    outcome = run(demo_copy, reports / "2026-09-15", TONIGHT, rulebook)
    assert global_findings(outcome).height == 0


def test_a_surgery_claim_resent_tonight_pairs_once(demo_copy, tmp_path, rulebook):
    # Last night billed both; tonight's export sends both claims again: the package is tonight's, counted once.
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    outcome = run(demo_copy, reports / "2026-09-15", TONIGHT, rulebook)
    assert global_findings(outcome).select("claim_id", "line_number").rows() == [(VISIT, 1)]


def test_without_an_earlier_run_the_package_edits_check_the_batch_alone(demo_copy, rulebook):
    result = scrub(load_batch(demo_copy), rulebook, AS_OF)
    assert {"GLB001", "GLB002", "GLB003", "GLB004", "MOD002"} <= set(result.ran)
    assert not {item["rule_id"] for item in result.not_checked} & {"GLB001", "GLB002", "GLB003", "GLB004"}
    found = result.findings.filter(pl.col("rule_id").str.starts_with("GLB"))
    assert sorted(found.select("rule_id", "claim_id").rows()) == [
        ("GLB001", "C4002"),
        ("GLB002", "C4006"),
        ("GLB003", "C4010"),
        ("GLB004", "C4014"),
    ]
