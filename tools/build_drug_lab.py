"""Build the drug and lab code tables the NDC and CLIA edits read (rules/reference/hcpcs_drugs, clia_codes).

A developer tool, run by hand; the scrubber never reads the source files.

    python tools/build_drug_lab.py \\
        --hcpcs DATA/hcpcs_level2_2024jul/hcpcs_level2_2024jul.csv.gz \\
        --rvu DATA/cms_mpfs_rvu_2024jul/pfs_rvu_indicators_2024jul.csv.gz

hcpcs_drugs: the HCPCS Level II drug codes whose lines carry an NDC: every J code (the J section is
drugs administered other than by mouth, chemotherapy and immunosuppressive drugs, inhalation drugs)
and the Q codes the HCPCS file prices as drugs (pricing indicator 51), less the Q codes that are not
drugs sold under an NDC: skin substitutes (Q4100-Q4399, per square centimetre), imaging agents (BETOS
I*) and the dermal fillers Q2026 and Q2028 (devices). noc = Y where the long description says "not
otherwise classified", "unclassified" or "NOC": a code that names no drug.

clia_codes: what the CLIA edit needs beyond the CPT lab range 80047-89398 and the PLA codes (nnnnU):
the HCPCS Level II codes with a CLIA lab certification specialty in the HCPCS file (LABCERT),
subject to the edit; the CPT codes whose professional component (modifier 26) the fee schedule pays
as a physician's interpretation of a clinical lab test (the 26 row's PC/TC indicator 6), exempt
with 26; and a hand-kept list of lab-range codes that test nothing taken from the body or are not
lab tests at all, exempt. Output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl
from build_reference import DEFAULT_OUT, write_table

HCPCS_SOURCE = (
    'CMS HCPCS Level II file, July 2024 ("2024 HCPCS Level II Codes July 2024"), as pinned in GitHub '
    "andrewallenbruce/northstar commit a37fd49831c3614a1eaa279d4addf06ad35798c4, pins hcpcs_lvl2 (blob "
    "9776a190a9baccefa0578e4e6909424743e29243) joined to two_descriptions (blob "
    "7a70b7f3aff2bc3a5566232a9f6a0ba4d86f0bb2)"
)
HCPCS_DRUGS_SPEC = {
    "name": "hcpcs_drugs",
    "title": "HCPCS Level II drug codes billed with an NDC",
    "description": (
        "The HCPCS Level II codes for drugs and biologicals that a claim line carries a National Drug Code "
        "for (837 2410 LIN/CTP): every J code, and the Q codes the CMS HCPCS file prices as drugs (pricing "
        "indicator 51) except skin substitutes (Q4100-Q4399), imaging agents (BETOS I*) and the dermal "
        "fillers Q2026 and Q2028, which are devices. noc = Y for a not-otherwise-classified code (J3490, "
        "J3590, J9999, J7999 ...: long description 'not otherwise classified', 'unclassified' or 'NOC'), "
        "whose line must also name the drug. Vaccines (CPT 90476-90759, Q2034-Q2039) are not listed. July "
        "2024: codes created since are missing, so a Q code absent here proves nothing."
    ),
    "key": ["code"],
    "columns": {"code": "string", "noc": "string", "short_description": "string"},
    "releases": [
        {
            "id": "HCPCS_2024JUL",
            "file": "hcpcs_drugs_2024jul.csv",
            "effective_from": date(2024, 1, 1),
            "source": HCPCS_SOURCE
            + "; columns hcpcs_code, long_description, short_description, price (pricing indicator) and betos.",
        }
    ],
}
CLIA_SPEC = {
    "name": "clia_codes",
    "title": "Lab codes for the CLIA edit beyond the CPT lab range",
    "description": (
        "The CLIA edit treats CPT 80047-89398 and the PLA codes (nnnnU) as lab tests. This table adds and "
        "takes away: edit = subject for the HCPCS Level II codes the CMS HCPCS file gives a CLIA lab "
        "certification specialty (lab_cert, the LABCERT field: 310 chemistry, 400 general immunology ...), "
        "exempt_with_26 for the codes whose professional component (modifier 26) Medicare pays as a "
        "physician's interpretation of a clinical lab test (RVU file PC/TC indicator 6 on the 26 row), "
        "and exempt for lab-range codes that examine nothing taken from the body (skin tests, "
        "transcutaneous readings), are physician consultations, specimen collection, autopsy, or "
        "embryology and storage procedures. Codes created after July 2024 are missing."
    ),
    "key": ["code"],
    "columns": {"code": "string", "edit": "string", "lab_cert": "string", "source": "string"},
    "releases": [
        {
            "id": "CLIA_2024",
            "file": "clia_codes_2024.csv",
            "effective_from": date(2024, 1, 1),
            "source": (
                HCPCS_SOURCE + ", rows with a LABCERT value; CMS National Physician Fee Schedule Relative "
                "Value File July 2024 (RVU24C, northstar pin pfs_rvu_ind, blob "
                "0589962bca226f14625b853a8407097a6e30fb02), 26 rows with PC/TC indicator 6; the exempt rows "
                "are hand-kept, each with its own source."
            ),
        }
    ],
}

CLIA_DEFINITION = "42 CFR 493.2: a laboratory examines materials derived from the human body"
# Lab-range codes outside the CLIA edits (CMS keeps the list of 80000-series codes excluded from the
# CLIA edits; these are the ones whose reason is plain from the service itself).
EXEMPT = {
    ("80500", "80502"): "clinical pathology consultation: a physician's opinion, not a test",
    ("85060", "85097"): "a physician's interpretation of a smear, paid under the physician fee schedule",
    ("86077", "86078", "86079"): "blood bank physician services: an opinion, not a test",
    ("86485", "86486", "86490", "86510", "86580"): (
        f"skin test read on the patient, in vivo ({CLIA_DEFINITION}); CMS Transmittal 1471 "
        "(2008) names 86486 excluded from the CLIA edits"
    ),
    ("88720", "88738", "88740", "88741"): f"transcutaneous reading, in vivo ({CLIA_DEFINITION})",
    ("89220", "89230"): "specimen collection (sputum induction, sweat iontophoresis), not a test",
    tuple(f"880{n:02d}" for n in range(0, 100)): (
        "autopsy: an examination after death, not a test for a patient's diagnosis, treatment or health "
        "assessment (42 CFR 493.2)"
    ),
    tuple(f"89{n}" for n in [*range(250, 300), *range(335, 399)]): (
        "embryology, oocyte and embryo storage procedures, not tests; CMS CR 9035 (2015) names 89337 "
        "excluded from the CLIA edits"
    ),
}
# Q codes priced as drugs that are devices without an NDC.
NOT_DRUGS = ["Q2026", "Q2028"]


def hcpcs_drugs(hcpcs: pl.DataFrame) -> pl.DataFrame:
    code = pl.col("hcpcs_code")
    q_drug = (
        code.str.starts_with("Q")
        & pl.col("price").fill_null("").str.split(":").list.contains("51")
        & ~code.is_between(pl.lit("Q4100"), pl.lit("Q4399"))
        & ~pl.col("betos").fill_null("").str.starts_with("I")
        & ~code.is_in(NOT_DRUGS)
    )
    noc = pl.col("long_description").str.to_lowercase().str.contains(r"not otherwise classified|unclassified|\bnoc\b")
    return hcpcs.filter(code.str.starts_with("J") | q_drug).select(
        code.alias("code"),
        pl.when(noc).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("noc"),
        "short_description",
    )


def clia_codes(hcpcs: pl.DataFrame, rvu: pl.DataFrame) -> pl.DataFrame:
    subject = hcpcs.filter(pl.col("lab").is_not_null()).select(
        pl.col("hcpcs_code").alias("code"),
        pl.lit("subject").alias("edit"),
        pl.col("lab").alias("lab_cert"),
        pl.lit("CMS HCPCS file July 2024: CLIA lab certification specialty (LABCERT)").alias("source"),
    )
    interpretation = (
        rvu.filter((pl.col("mod") == "26") & (pl.col("pctc") == "6") & pl.col("hcpcs_code").str.contains(r"^8\d{4}$"))
        .select(
            pl.col("hcpcs_code").alias("code"),
            pl.lit("exempt_with_26").alias("edit"),
            pl.lit(None, pl.String).alias("lab_cert"),
            pl.lit("CMS RVU24C: 26 row with PC/TC indicator 6, a physician's clinical lab interpretation").alias(
                "source"
            ),
        )
        .unique("code")
    )
    exempt = pl.DataFrame(
        [(code, "exempt", None, why) for codes, why in EXEMPT.items() for code in codes],
        schema={"code": pl.String, "edit": pl.String, "lab_cert": pl.String, "source": pl.String},
        orient="row",
    )
    # Only codes the fee schedule knows: the hand-kept ranges name codes that may not exist.
    known = set(rvu["hcpcs_code"])
    exempt = exempt.filter(pl.col("code").is_in(known) & ~pl.col("code").is_in(interpretation["code"].implode()))
    return pl.concat([subject, interpretation, exempt])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hcpcs", type=Path, required=True, help="hcpcs_level2_2024jul.csv.gz")
    parser.add_argument("--rvu", type=Path, required=True, help="pfs_rvu_indicators_2024jul.csv.gz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="rules/reference folder")
    args = parser.parse_args()
    hcpcs = pl.read_csv(args.hcpcs, infer_schema=False)
    rvu = pl.read_csv(args.rvu, infer_schema=False)
    write_table(args.out, HCPCS_DRUGS_SPEC, {"HCPCS_2024JUL": hcpcs_drugs(hcpcs)})
    write_table(args.out, CLIA_SPEC, {"CLIA_2024": clia_codes(hcpcs, rvu)})


if __name__ == "__main__":
    main()
