"""The benchmark's generated batches: deterministic, contract-shaped, and defective where they say so."""

from __future__ import annotations

import polars as pl
import pytest

from bench.edits import engine_findings
from bench.generate import AS_OF, DATES, PAYERS, facility_pool, facility_visits, generate, procedure_pool, write_batch
from bench.peers.plain import npi_valid
from bench.pools import SETTING, load_pools
from bench.rulegen import pack_with_extra_rules
from scrubber import paths
from scrubber.batch import load_batch
from scrubber.examples import compare, run_example
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.rules import load_rules

LINES = 6_000
RULES_REFERENCE = paths.rules_dir() / "reference"


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return generate(LINES, seed=7)


def test_same_seed_same_batch_other_seed_other_batch(tables):
    again = generate(LINES, seed=7)
    other = generate(LINES, seed=8)
    for name, frame in tables.items():
        assert frame.equals(again[name]), name
    assert not tables["claim_lines"].equals(other["claim_lines"])


def test_exactly_the_lines_asked_for_one_to_six_per_claim_numbered_from_one(tables):
    lines = tables["claim_lines"]
    assert lines.height == LINES
    per_claim = lines.group_by("claim_id").agg(pl.len().alias("n"), pl.col("line_number").max().alias("last"))
    assert per_claim["n"].min() >= 1 and per_claim["n"].max() <= 6
    assert (per_claim["n"] == per_claim["last"]).all()
    assert set(per_claim["claim_id"]) == set(tables["claims"]["claim_id"])


def test_payers_are_the_five_with_profiles_plus_a_rare_one_without(tables):
    counts = dict(tables["claims"]["payer_id"].value_counts().iter_rows())
    assert set(counts) <= set(PAYERS)
    assert {"MEDICARE", "MEDICAID_TX", "AETNA", "BCBS_TX", "UHC"} <= set(counts)
    assert counts.get("CIGNA", 0) < 0.01 * tables["claims"].height


def test_about_one_claim_in_ten_carries_a_defect(tables):
    share = tables["defects"].height / tables["claims"].height
    assert 0.07 <= share <= 0.14


def test_clean_claims_bill_billable_icd10cm_codes_on_their_date(tables, references):
    icd = references.get("icd10cm").rows.filter(pl.col("_from") <= AS_OF, pl.col("_to") >= AS_OF)
    billable = set(icd.filter(pl.col("billable") == "Y")["code"].to_list())
    clean = tables["claims"].join(tables["defects"], on="claim_id", how="anti")
    codes = set(clean["diagnosis_codes"].explode().str.replace(".", "", literal=True).to_list())
    assert codes and codes <= billable


def test_header_and_sex_defects_use_real_codes_that_the_tables_flag(tables, references):
    claims = tables["claims"].join(tables["defects"], on="claim_id")
    last = claims.with_columns(pl.col("diagnosis_codes").list.last().str.replace(".", "", literal=True).alias("code"))
    headers = set(references.get("icd10cm").rows.filter(pl.col("billable") == "N")["code"].to_list())
    assert set(last.filter(pl.col("defect") == "header_dx")["code"]) <= headers
    sex_codes = set(references.get("mce_sex").rows["code"].to_list())
    assert set(last.filter(pl.col("defect") == "sex_conflict")["code"]) <= sex_codes


def test_totals_match_the_lines_except_on_the_total_defect(tables):
    sums = tables["claim_lines"].group_by("claim_id").agg(pl.col("charge").sum().alias("lines"))
    claims = tables["claims"].join(sums, on="claim_id").join(tables["defects"], on="claim_id", how="left")
    wrong = claims.filter(pl.col("total_charge") != pl.col("lines"))
    assert wrong.height > 0
    assert (wrong["defect"] == "total_mismatch").all()


def test_billing_npis_pass_the_luhn_check_except_on_the_npi_defect(tables):
    claims = tables["claims"].join(tables["defects"], on="claim_id", how="left")
    invalid = claims.filter(~pl.col("billing_npi").map_elements(npi_valid, return_dtype=pl.Boolean))
    assert invalid.height > 0
    assert (invalid["defect"] == "npi_invalid").all()


def test_the_clean_code_mix_bills_no_ncci_pair_but_a_visit_bundled_into_an_injection(references):
    pools = load_pools(RULES_REFERENCE, DATES[0], DATES[1])
    procedures, _ = procedure_pool(pools)
    ptp = references.get("ncci_ptp").rows_where({"setting": SETTING})

    def pairs_among(codes: set[str]) -> pl.DataFrame:
        return ptp.filter(
            pl.col("column1").is_in(codes),
            pl.col("column2").is_in(codes),
            pl.col("modifier_indicator").is_in(["0", "1"]),
        )

    # Allowed: two visits (a claim bills one), and a visit as column two of 90471/96372 (indicator 1),
    # which the generator bills with 25.
    office = pairs_among(set(procedures) | set(pools.em))
    two_visits = pl.col("column1").is_in(pools.em) & pl.col("column2").is_in(pools.em)
    visit_with_25 = (
        pl.col("column2").is_in(pools.em)
        & pl.col("column1").is_in(pools.bundles_visit)
        & (pl.col("modifier_indicator") == "1")
    )
    left = office.filter(~two_visits & ~visit_with_25)
    assert left.height == 0, left.select("column1", "column2").rows()
    assert set(pools.bundles_visit) == {"90471", "96372"}
    # A hospital patient's claim: a hospital or emergency visit with what the professional bills there.
    hospital = pairs_among(set(facility_pool(pools)) | set(facility_visits()))
    left = hospital.filter(~(pl.col("column1").is_in(facility_visits()) & pl.col("column2").is_in(facility_visits())))
    assert left.height == 0, left.select("column1", "column2").rows()


def test_no_clean_claim_gets_an_ncci_or_mue_finding_and_every_such_defect_does(tables, tmp_path):
    batch = write_batch(tables, tmp_path / "parquet", "parquet")
    found = (
        engine_findings(batch, ["PTP001", "PTP002", "PTP003", "MOD002", "MUE001"])
        .select("claim_id", "line_number", "rule_id")
        .unique()
    )
    keyed = found.join(tables["defects"], on="claim_id", how="left")
    clean = keyed.filter(pl.col("defect").is_null())
    assert clean.height == 0, clean.head().rows()
    defects = tables["defects"]
    # A visit bundled into a procedure with a global period is MOD002's finding, into another code PTP003's.
    bundled = pl.col("rule_id").str.starts_with("PTP") | (pl.col("rule_id") == "MOD002")
    ptp = found.filter(bundled, pl.col("line_number") == 2)
    mue = found.filter(pl.col("rule_id") == "MUE001")
    # A per-line limit fires on the line over it; a per-day limit on the line that takes the day past it.
    by_line, by_day = mue.filter(pl.col("line_number") == 1), mue.filter(pl.col("line_number") == 2)
    for kind, hits in (("ptp_pair", ptp), ("mue_line", by_line), ("mue_day", by_day)):
        claims = defects.filter(pl.col("defect") == kind)
        assert claims.height > 0, kind
        missed = claims.join(hits, on="claim_id", how="anti")
        assert missed.height == 0, (kind, missed.head().rows())
    # Each rule is exercised: indicator 0, indicator 1 on procedures, a visit without 25 (global period or not).
    assert set(ptp["rule_id"]) == {"PTP001", "PTP002", "PTP003", "MOD002"}


def test_clean_claims_carry_the_ndc_of_each_drug_and_the_clia_number_of_each_lab_claim(tables, tmp_path):
    batch = write_batch(tables, tmp_path / "parquet", "parquet")
    found = engine_findings(batch, ["NDC001", "NDC002", "NDC003", "LAB001", "LAB002"])
    assert found.height == 0, found.head().rows()
    lines = tables["claim_lines"]
    # The rules had something to check: drugs billed to Medicaid and UHC, lab tests to Medicare.
    drugs = lines.filter(pl.col("ndc").is_not_null()).join(tables["claims"], on="claim_id")
    assert {"MEDICAID_TX", "UHC"} <= set(drugs["payer_id"])
    labs = tables["claims"].filter(pl.col("clia_number").is_not_null())
    assert "MEDICARE" in set(labs["payer_id"])
    # Without them the same claims are denied: the rules ran on the columns, not past them.
    bare = {**tables, "claims": tables["claims"].with_columns(pl.lit(None, pl.String).alias("clia_number")),
            "claim_lines": lines.with_columns(pl.lit(None, pl.String).alias("ndc"))}  # fmt: skip
    found = engine_findings(write_batch(bare, tmp_path / "bare" / "parquet", "parquet"), ["NDC001", "LAB001"])
    assert set(found["rule_id"]) == {"NDC001", "LAB001"}


def test_clean_claims_bill_the_codes_of_their_place_of_service(tables, tmp_path):
    """A hospital inpatient's visit is hospital care, an emergency department patient's an ED visit, and a
    hospital patient's claim leaves injections, vaccine administration, therapy and the global ECG to the
    hospital: no place-of-service, preventive-visit or fee-schedule-status edit fires on a clean claim."""
    batch = write_batch(tables, tmp_path / "parquet", "parquet")
    rules = ["PREV001", "PREV002", *(f"POS00{n}" for n in range(1, 7)), *(f"PFS00{n}" for n in range(1, 7))]
    found = engine_findings(batch, rules).select("claim_id", "rule_id").unique()
    clean = found.join(tables["defects"], on="claim_id", how="anti")
    assert clean.height == 0, clean.head().rows()
    lines = (
        tables["claim_lines"]
        .drop("place_of_service")  # the lines leave it to the claim
        .join(tables["claims"].select("claim_id", "place_of_service"), on="claim_id")
    )
    clean_lines = lines.join(tables["defects"], on="claim_id", how="anti")
    first = clean_lines.filter(pl.col("line_number") == 1)
    inpatient = set(first.filter(pl.col("place_of_service") == "21")["procedure_code"])
    emergency = set(first.filter(pl.col("place_of_service") == "23")["procedure_code"])
    assert inpatient & {"99221", "99231", "99232", "99233"} and not inpatient & {"99212", "99213", "99214"}
    assert emergency & {"99282", "99283", "99284"} and not emergency & {"99212", "99213", "99214"}
    in_hospital = set(clean_lines.filter(pl.col("place_of_service").is_in(["19", "21", "22", "23"]))["procedure_code"])
    assert not in_hospital & {"96372", "90471", "97110", "93000"}


def test_a_patients_claims_fall_on_different_days(tables):
    claims = tables["claims"].join(
        tables["claim_lines"].group_by("claim_id").agg(pl.col("service_date").first()), on="claim_id"
    )
    assert claims.select("patient_id", "service_date").is_duplicated().sum() == 0


def test_parquet_and_csv_forms_load_without_a_row_problem(tables, tmp_path):
    for fmt in ("parquet", "csv"):
        batch = load_batch(write_batch(tables, tmp_path / fmt, fmt))
        assert batch.claims.height == tables["claims"].height
        assert batch.claim_lines.height == LINES
        assert batch.issues.height == 0, batch.issues.head()


def test_generated_payer_rules_load_and_pass_their_own_examples(tmp_path, profiles):
    pack = pack_with_extra_rules(tmp_path / "rules", 8)
    generated = [r for r in load_rules(pack) if r.id.startswith("BPR")]
    assert len(generated) == 8
    references = ReferenceLibrary(pack / "reference")
    for rule in generated:
        (fire,) = rule.examples["fire"]
        found = run_example(rule, fire, profiles, references)
        assert not compare(found, fire["expect"]), rule.id
        assert run_example(rule, rule.examples["pass"][0], profiles, references).height == 0, rule.id
