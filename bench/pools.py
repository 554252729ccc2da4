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
COMMON_DX = (
    "I10 E119 E785 E782 J069 M5450 Z0000 Z0001 Z23 E6601 E669 F329 F419 J45909 K219 M179 N390 R0789 "
    "R509 Z1231 Z79899 E039 D649 G4733 J302 K5900 L309 M25561 N179 R109 R197 R42 R0602 Z1211 E1165 "
    "E1122 I2510 I4891 I509 J449 Z7901 E559 R7303 G8929 H1013 B349 J029 J209 J0190 R21 Z1331"
).split()
# Category headers that need more characters: the "not billable" defect.
HEADER_DX = "E11 I25 M54 J45 N18 E78 F32 K21 Z00".split()
# CPT codes (codes only) of an office practice: visits, venipuncture, panels, ECG, imaging, vaccines, therapy.
EM_CODES = "99212 99213 99214 99215 99203 99204 99202 99205 99211 99395 99396 99397".split()
EM_WEIGHTS = [12, 40, 25, 5, 6, 3, 2, 1, 2, 2, 1, 1]
PROCEDURES = (
    "36415 80053 80048 85025 80061 83036 84443 81001 82947 93000 71046 90471 90686 87880 96372 "
    "97110 20610 11102 17110 69210 J1100 J3301 G0008 G0009 Q2038"
).split()
PROCEDURE_WEIGHTS = [30, 14, 6, 12, 10, 6, 4, 5, 3, 6, 3, 4, 3, 2, 3, 3, 2, 1, 1, 1, 2, 1, 1, 1, 1]


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
    ptp_pairs: pl.DataFrame  # column1, column2, modifier_indicator in force on every batch date
    mue: pl.DataFrame  # code, mue_value, mai in force on every batch date


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
    restricted = {c for t in ("mce_sex", "mce_age", "mce_manifestation", "mce_unacceptable_principal")
                  for c in library.get(t).rows["code"].to_list()}
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
    ptp = _in_force(library.get("ncci_ptp").rows, first, last).filter(pl.col("modifier_indicator").is_in(["0", "1"]))
    mue = _in_force(library.get("mue").rows, first, last)
    return Pools(
        # Sex-specific codes are kept for the sex-conflict defect, so clean claims never conflict by chance.
        dx=[c for c in COMMON_DX if c in billable and c not in restricted],
        header_dx=[c for c in HEADER_DX if c in headers],
        invalid_dx=invalid,
        dx_female_only=sorted(set(sex.filter(pl.col("allowed_sex") == "F")["code"].to_list()) & billable)[:200],
        dx_male_only=sorted(set(sex.filter(pl.col("allowed_sex") == "M")["code"].to_list()) & billable)[:200],
        em=EM_CODES,
        em_weights=EM_WEIGHTS,
        procedures=[c for c in PROCEDURES if c not in ncd_tests],
        procedure_weights=[w for c, w in zip(PROCEDURES, PROCEDURE_WEIGHTS) if c not in ncd_tests],
        hcpcs=hcpcs.filter(~pl.col("code").is_in(ncd_tests))["code"].gather_every(max(1, hcpcs.height // 400)).to_list(),
        professional_component=library.get("fee_schedule").rows.filter(pl.col("pctc") == 1)["code"].to_list(),
        ptp_pairs=ptp.select("column1", "column2", "modifier_indicator").unique().sort("column1", "column2"),
        mue=mue.select("code", "mue_value", "mai").unique("code").sort("code"),
    )
