"""Billing facts carried by the payment-policy tables: fee-schedule indicators (bilateral, PC/TC,
global days), E/M codes,
services that need an ordering provider, and the lab NCD diagnoses that support a test.

Each test reads the table file the scrubber loads, so a wrong edit to a row fails here.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import polars as pl
import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "rules" / "reference"
DOS = date(2026, 2, 10)


@cache
def table(name: str) -> pl.DataFrame:
    """The release of a table in force on DOS, typed as its table.yaml declares."""
    spec = yaml.safe_load((REFERENCE / name / "table.yaml").read_text(encoding="utf-8"))
    for release in spec["releases"]:
        # Unquoted YAML dates load as date objects, quoted ones as strings.
        start = date.fromisoformat(str(release["effective_from"]))
        end = release.get("effective_to")
        last = date.max if end is None else date.fromisoformat(str(end))
        if start <= DOS <= last:
            frame = pl.read_csv(REFERENCE / name / release["file"], infer_schema=False)
            ints = [c for c, kind in spec["columns"].items() if kind == "int"]
            return frame.with_columns(pl.col(ints).cast(pl.Int64))
    raise LookupError(f"{name} has no release for {DOS}")


def lookup(name: str, code: str, column: str):
    found = table(name).filter(pl.col("code") == code)
    return found[column].item() if found.height else None


def supports(policy: str, procedure: str, diagnosis: str) -> bool:
    """Whether a listed NCD row supports the diagnosis for the procedure (exact or family prefix)."""
    rows = table("ncd_lab_coverage").filter((pl.col("policy") == policy) & (pl.col("procedure_code") == procedure))
    exact = rows.filter((pl.col("dx_match") == "exact") & (pl.col("dx_code") == diagnosis))
    family = rows.filter((pl.col("dx_match") == "prefix") & pl.lit(diagnosis).str.starts_with(pl.col("dx_code")))
    return exact.height + family.height > 0


# --- bilateral surgery indicator ---------------------------------------------------------


def test_knee_joint_injection_20610_takes_modifier_50_at_150_percent():
    assert lookup("fee_schedule", "20610", "bilat_surg") == 1


def test_knee_x_rays_are_paid_per_side_without_the_bilateral_rule():
    for code in ("73560", "73562", "73564"):
        assert lookup("fee_schedule", code, "bilat_surg") == 3, code


def test_bilateral_knee_and_screening_mammography_codes_are_already_bilateral():
    # 73565 images both knees and 77067 both breasts: modifier 50 would double-report.
    assert lookup("fee_schedule", "73565", "bilat_surg") == 2
    assert lookup("fee_schedule", "77067", "bilat_surg") == 2
    assert lookup("fee_schedule", "77066", "bilat_surg") == 2


def test_unilateral_diagnostic_mammogram_and_chest_x_ray_never_take_modifier_50():
    assert lookup("fee_schedule", "77065", "bilat_surg") == 0
    assert lookup("fee_schedule", "71046", "bilat_surg") == 0


def test_breast_ultrasound_and_peripheral_nerve_block_take_modifier_50():
    for code in ("76641", "76642", "64450"):
        assert lookup("fee_schedule", code, "bilat_surg") == 1, code


def test_cerumen_removal_69210_is_still_bilateral_in_the_2024_file():
    assert lookup("fee_schedule", "69210", "bilat_surg") == 2


# --- global surgery days ----------------------------------------------------------------


def test_joint_injection_is_a_minor_procedure_and_knee_replacement_a_major_one():
    assert lookup("fee_schedule", "20610", "glob") == "000"
    assert lookup("fee_schedule", "11200", "glob") == "010"
    assert lookup("fee_schedule", "27447", "glob") == "090"


def test_visits_labs_and_ecgs_have_no_global_period_and_add_on_codes_sit_in_anothers():
    for code in ("99213", "36415", "93000", "80053"):
        assert lookup("fee_schedule", code, "glob") == "XXX", code
    assert lookup("fee_schedule", "99292", "glob") == "ZZZ"


def test_g0168_wound_closure_by_adhesive_is_a_minor_procedure_outside_the_surgery_range():
    assert lookup("fee_schedule", "G0168", "glob") == "000"


def test_endoscopy_family_base_and_knee_replacement_surgery_indicators():
    assert lookup("fee_schedule", "43239", "endo_base") == "43235"
    assert lookup("fee_schedule", "27447", "asst_surg") == 2
    assert lookup("fee_schedule", "27447", "co_surg") == 1
    assert lookup("fee_schedule", "27447", "non_facility_na") == "Y"


# --- professional / technical component indicator ---------------------------------------


def test_chest_x_ray_71046_splits_into_26_and_tc():
    assert lookup("fee_schedule", "71046", "pctc") == 1


def test_imaging_and_surgical_pathology_have_both_components():
    for code in ("73560", "70450", "72148", "88305", "93306"):
        assert lookup("fee_schedule", code, "pctc") == 1, code


def test_ecg_global_tracing_and_interpretation_are_separate_codes():
    # 93000 is global only; bill 93005 for the tracing and 93010 for the read, not 26/TC.
    assert lookup("fee_schedule", "93000", "pctc") == 4
    assert lookup("fee_schedule", "93005", "pctc") == 3
    assert lookup("fee_schedule", "93010", "pctc") == 2


def test_antibody_interpretation_86153_billed_only_with_26_is_listed():
    assert lookup("fee_schedule", "86153", "pctc") == 6


def test_lab_panels_and_office_visits_take_no_26_or_tc():
    assert lookup("fee_schedule", "80053", "pctc") == 9
    assert lookup("fee_schedule", "85025", "pctc") == 9
    assert lookup("fee_schedule", "99213", "pctc") == 0
    assert lookup("fee_schedule", "20610", "pctc") == 0


# --- evaluation and management codes -----------------------------------------------------


def test_office_visits_are_e_m_codes_by_patient_status():
    assert {lookup("em_codes", c, "em_type") for c in ("99202", "99203", "99204", "99205")} == {"office_new"}
    established = ("99211", "99212", "99213", "99214", "99215")
    assert {lookup("em_codes", c, "em_type") for c in established} == {"office_established"}


def test_deleted_99201_and_procedures_are_not_e_m_codes():
    for code in ("99201", "20610", "93000", "36415"):
        assert lookup("em_codes", code, "em_type") is None, code


def test_hospital_observation_and_consultation_visits_are_e_m_codes():
    assert lookup("em_codes", "99223", "em_type") == "hospital_initial"
    assert lookup("em_codes", "99232", "em_type") == "hospital_subsequent"
    assert lookup("em_codes", "99239", "em_type") == "hospital_discharge"
    assert lookup("em_codes", "99244", "em_type") == "consultation_outpatient"
    assert lookup("em_codes", "99254", "em_type") == "consultation_inpatient"
    assert lookup("em_codes", "99309", "em_type") == "nursing_facility_subsequent"


def test_critical_care_and_deleted_visit_codes_are_not_listed():
    for code in ("99291", "99292", "99241", "99251", "99217", "99343"):
        assert lookup("em_codes", code, "em_type") is None, code


def test_preventive_visits_are_e_m_codes_too():
    assert lookup("em_codes", "99396", "em_type") == "preventive_established"
    assert lookup("em_codes", "99386", "em_type") == "preventive_new"


# --- ordering / referring provider required ----------------------------------------------


def test_lab_imaging_and_dme_lines_need_an_ordering_provider():
    assert lookup("referring_required", "80053", "service_type") == "lab"
    assert lookup("referring_required", "85025", "service_type") == "lab"
    assert lookup("referring_required", "71046", "service_type") == "imaging"
    assert lookup("referring_required", "72148", "service_type") == "imaging"
    assert lookup("referring_required", "E0601", "service_type") == "dme"
    assert lookup("referring_required", "K0001", "service_type") == "dme"


def test_an_office_visit_or_joint_injection_needs_no_referrer():
    assert lookup("referring_required", "99213", "service_type") is None
    assert lookup("referring_required", "20610", "service_type") is None


def test_service_types_are_the_three_ordered_service_classes():
    assert set(table("referring_required")["service_type"]) == {"lab", "imaging", "dme"}


# --- lab NCD diagnoses -----------------------------------------------------------------


def test_hyperlipidemia_supports_a_lipid_panel_under_ncd_190_23():
    assert supports("NCD190.23", "80061", "E785")
    assert supports("NCD190.23", "80061", "E7800")
    assert supports("NCD190.23", "84478", "E781")


def test_routine_adult_exam_is_not_listed_for_a_lipid_panel():
    assert not supports("NCD190.23", "80061", "Z0000")


def test_coronary_atherosclerosis_supports_a_lipid_panel():
    assert supports("NCD190.23", "80061", "I2510")


def test_type_2_diabetes_supports_hba1c_but_not_a_tsh():
    assert supports("NCD190.21", "83036", "E1165")
    assert not supports("NCD190.22", "84443", "E1165")


def test_hypothyroidism_supports_tsh_and_free_t4_under_ncd_190_22():
    assert supports("NCD190.22", "84443", "E039")
    assert supports("NCD190.22", "84439", "E039")
    assert supports("NCD190.22", "84443", "C73")


def test_a_diagnosis_is_matched_only_for_its_own_policy_and_test():
    # E78.5 supports lipids, not HbA1c; the prefix E11 must not match E1 or other categories.
    assert not supports("NCD190.21", "83036", "E785")
    assert not supports("NCD190.21", "83036", "E1")
    assert not supports("NCD190.23", "83036", "E785")


def test_ncd_rows_use_only_exact_or_prefix_matching():
    assert set(table("ncd_lab_coverage")["dx_match"]) == {"exact", "prefix"}
