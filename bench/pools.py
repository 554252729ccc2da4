"""Code pools the generator draws from, read from the repo's own reference tables.

Everything is read at generation time from rules/reference/, so the batches follow
whatever tables (and NCCI/MUE releases) the pack ships: a pair or limit is only put
in play if the table holds it in force on the batch's dates of service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.rulebook.reference import VALID_FROM, VALID_TO, ReferenceLibrary

# Primary-care diagnoses as practices bill them (complete codes, dots dropped as the loader does).
# fmt: off
COMMON_DX = [
    "I10", "E119", "E785", "E782", "J069", "M5450", "Z0000", "Z0001", "Z23", "E6601", "E669", "F329", "F419",
    "J45909", "K219", "M179", "N390", "R0789", "R509", "Z1231", "Z79899", "E039", "D649", "G4733", "J302", "K5900",
    "L309", "M25561", "N179", "R109", "R197", "R42", "R0602", "Z1211", "E1165", "E1122", "I2510", "I4891", "I509",
    "J449", "Z7901", "E559", "R7303", "G8929", "H1013", "B349", "J029", "J209", "J0190", "R21", "Z1331",
]
# fmt: on
# Category headers that need more characters: the "not billable" defect.
HEADER_DX = ["E11", "I25", "M54", "J45", "N18", "E78", "F32", "K21", "Z00"]
# CPT codes (codes only) of an office practice: visits, venipuncture, panels, ECG, imaging, vaccines, therapy.
# The clean mix bills no real NCCI pair (practitioner table) except a visit beside a code that bundles it,
# which then carries 25: so it leaves out 99211 (bundled into 36415, 93000, 96372 ...), the preventive
# visits 99395-99397 (practitioner MUE 0: Medicare never pays them), the minor procedures that bundle
# 93000 and 96372 (11102, 17110, 20610, 69210), 80048 and 82947 (inside 80053), G0008/G0009 (beside
# 90471) and Q2038 (beside 90686). The defects bill those pairs on purpose.
EM_CODES = ["99212", "99213", "99214", "99215", "99203", "99204", "99202", "99205"]
EM_WEIGHTS = [12, 40, 25, 5, 6, 3, 2, 1]
# fmt: off
PROCEDURES = [
    "36415", "80053", "85025", "80061", "83036", "84443", "81001", "93000",
    "71046", "90471", "90686", "87880", "96372", "97110", "J1100", "J3301",
]
# fmt: on
PROCEDURE_WEIGHTS = [30, 14, 12, 10, 6, 4, 5, 6, 3, 4, 3, 2, 3, 3, 2, 1]
# Everyday bundles the ptp_pair defect bills (column one, column two): indicator 0 (PTP001: 43239/43235,
# 45385/45378, 80053/80048), indicator 1 on two procedures (PTP002: 93000/93005, 80053/82947, 85025/85027),
# indicator 1 with the visit as column two, billed without 25 (PTP003: 20610, 96372, 11200 with a visit).
PTP_DEFECTS = [("43239", "43235"), ("45385", "45378"), ("80053", "80048"), ("93000", "93005"), ("80053", "82947"),
               ("85025", "85027"), ("20610", "99213"), ("96372", "99214"), ("11200", "99213")]  # fmt: skip
# Codes the MUE defects bill over their limit: a visit's units typed wrong (one line), and labs repeated
# with 91 the same day past the daily limit (two lines).
MUE_LINE_DEFECTS = ["99213", "99214", "99215", "99204"]
MUE_DAY_DEFECTS = ["82947", "80048", "87804", "85027"]
SETTING = "practitioner"  # the batches are professional claims: CMS's practitioner NCCI tables judge them
# A visit at a hospital place of service is billed with the codes of that setting, at the level the office
# visit drawn stands for: hospital care for an inpatient (21: initial for a new patient, subsequent for an
# established one; Pub. 100-04 ch. 12 §30.6.9), the emergency department codes in the emergency department
# (23: §30.6.11). A hospital outpatient clinic (19, 22) bills the office codes.
FACILITY_VISITS = {
    "21": {"99202": "99221", "99203": "99221", "99204": "99222", "99205": "99223",
           "99212": "99231", "99213": "99232", "99214": "99232", "99215": "99233"},
    "23": {"99202": "99282", "99203": "99283", "99204": "99284", "99205": "99285",
           "99212": "99282", "99213": "99283", "99214": "99284", "99215": "99285"},
}  # fmt: skip
# Hospital places of service, where the facility bills what the fee schedule prices only outside one.
FACILITY_POS = ["19", "21", "22", "23"]


@dataclass(frozen=True)
class Pools:
    dx: list[str]  # billable on every date of the batch
    header_dx: list[str]
    invalid_dx: list[str]  # in no release: made up by adding a character to a complete code
    dx_female_only: list[str]
    dx_male_only: list[str]
    em: list[str]
    em_weights: list[int]
    procedures: list[str]
    procedure_weights: list[int]
    hcpcs: list[str]  # active HCPCS Level II codes, for variety
    professional_component: list[str]  # PC/TC indicator 1: a professional billing it in a facility adds 26
    # No facility rate in the fee schedule and no 26/TC split (injections, vaccine administration, therapy,
    # the global ECG 93000): a hospital patient's are the hospital's to bill, so FACILITY_POS claims skip them.
    office_only: list[str]
    bundles_visit: list[str]  # clean-mix codes that are column one of an indicator-1 pair with a visit
    ptp_pairs: pl.DataFrame  # PTP_DEFECTS in force on every batch date: column1, column2, modifier_indicator
    mue_line: pl.DataFrame  # MUE_LINE_DEFECTS in force on every batch date: code, mue_value, mai
    mue_day: pl.DataFrame  # MUE_DAY_DEFECTS likewise, per-day limits (MAI 2 or 3)


def _in_force(rows: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    return rows.filter((pl.col(VALID_FROM) <= first) & (pl.col(VALID_TO) >= last))


def load_pools(reference_dir: Path, first: dt.date, last: dt.date) -> Pools:
    library = ReferenceLibrary(reference_dir)
    icd = _in_force(library.get("icd10cm").rows, first, last).unique("code")
    billable = set(icd.filter(pl.col("billable") == "Y")["code"].to_list())
    headers = set(icd.filter(pl.col("billable") == "N")["code"].to_list())
    sex = library.get("mce_sex").rows
    # Codes an MCE list restricts (sex, age, manifestation, inpatient principal) stay out of the everyday
    # pool: a clean claim must not conflict by chance.
    restricted = {
        c
        for t in ("mce_sex", "mce_age", "mce_manifestation", "mce_unacceptable_principal")
        for c in library.get(t).rows["code"].to_list()
    }
    # Lab tests under a national coverage determination need a diagnosis from its list; the
    # everyday pool leaves them out rather than model each policy.
    ncd_tests = set(library.get("ncd_lab_coverage").rows["procedure_code"].to_list())
    known = set(icd["code"].to_list())
    invalid = [f"{code}9" for code in COMMON_DX if f"{code}9" not in known][:20]
    hcpcs = (
        library.get("hcpcs")
        .rows.filter(pl.col("termination_date").is_null() & pl.col("coverage").is_in(["C", "D"]))
        .sort("code")
    )
    ptp = _in_force(library.get("ncci_ptp").rows_where({"setting": SETTING}), first, last).filter(
        pl.col("modifier_indicator").is_in(["0", "1"])
    )
    mue = _in_force(library.get("mue").rows_where({"setting": SETTING}), first, last).select("code", "mue_value", "mai")
    procedures = [c for c in PROCEDURES if c not in ncd_tests]
    clean = set(procedures) | set(EM_CODES)
    bundles = ptp.filter(
        pl.col("column1").is_in(procedures), pl.col("column2").is_in(EM_CODES), pl.col("modifier_indicator") == "1"
    )
    # HCPCS Level II codes for variety: a practitioner may bill one unit (MUE at least 1 where there is
    # one) and no NCCI pair holds one with another code of the clean mix.
    variety = hcpcs.filter(~pl.col("code").is_in(ncd_tests) & ~pl.col("code").is_in(clean))["code"]
    variety = variety.filter(~variety.is_in(mue.filter(pl.col("mue_value") < 1)["code"].implode()))
    candidates = clean | set(variety.to_list())
    paired = ptp.filter(pl.col("column1").is_in(candidates), pl.col("column2").is_in(candidates))
    variety = variety.filter(~variety.is_in(pl.concat([paired["column1"], paired["column2"]]).implode()))
    defect_pairs = pl.DataFrame(PTP_DEFECTS, schema=["column1", "column2"], orient="row")
    return Pools(
        # Sex-specific codes are kept for the sex-conflict defect, so clean claims never conflict by chance.
        dx=[c for c in COMMON_DX if c in billable and c not in restricted],
        header_dx=[c for c in HEADER_DX if c in headers],
        invalid_dx=invalid,
        dx_female_only=sorted(set(sex.filter(pl.col("allowed_sex") == "F")["code"].to_list()) & billable)[:200],
        dx_male_only=sorted(set(sex.filter(pl.col("allowed_sex") == "M")["code"].to_list()) & billable)[:200],
        em=EM_CODES,
        em_weights=EM_WEIGHTS,
        procedures=procedures,
        procedure_weights=[w for c, w in zip(PROCEDURES, PROCEDURE_WEIGHTS, strict=True) if c not in ncd_tests],
        hcpcs=variety.gather_every(max(1, variety.len() // 400)).to_list(),
        professional_component=library.get("fee_schedule").rows.filter(pl.col("pctc") == 1)["code"].to_list(),
        office_only=library.get("fee_schedule")
        .rows.filter((pl.col("facility_na") == "Y") & (pl.col("pctc") != 1))["code"]
        .to_list(),
        bundles_visit=sorted(set(bundles["column1"].to_list())),
        ptp_pairs=defect_pairs.join(
            ptp.select("column1", "column2", "modifier_indicator"), on=["column1", "column2"], maintain_order="left"
        ),
        mue_line=pl.DataFrame({"code": MUE_LINE_DEFECTS}).join(mue, on="code", maintain_order="left"),
        mue_day=pl.DataFrame({"code": MUE_DAY_DEFECTS}).join(
            mue.filter(pl.col("mai").is_in(["2", "3"])), on="code", maintain_order="left"
        ),
    )
