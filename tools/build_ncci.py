"""Convert a CMS NCCI quarter (PTP, MUE and add-on code edits) into the tables under rules/reference.

A developer tool, run by hand when the project ships a new quarter; the scrubber never imports it
and never reads the source files at run time. A billing company loads later quarters from CMS's
own files with `scrubber reference import` instead.

    python tools/build_ncci.py DATA/cms_ncci_2024q3

The input folder holds the tables as decoded from the public R package northstar (see
SOURCE below), one CSV per table in CMS's column names. The output is byte-for-byte
reproducible: re-running on the same inputs leaves git clean.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl
import yaml

from scrubber.rulebook.reference import write_release_parquet

OUT = Path(__file__).resolve().parent.parent / "rules" / "reference"
QUARTER_START = date(2024, 7, 1)
NORTHSTAR = (
    "GitHub andrewallenbruce/northstar (R package), commit a37fd49831c3614a1eaa279d4addf06ad35798c4, "
    "inst/extdata/pins/{pin}/ (git blob {blob}), built by data-raw/{script} from CMS's quarterly zip "
    "and decoded back into CMS's column names."
)
SETTINGS = {"practitioner": "practitioner", "outpatient_hospital": "outpatient hospital", "dme": "DME supplier"}

PTP_FILES = {
    "practitioner": ("ptp_practitioner_2024q3.csv.gz", "ncci_ptp_prac", "0682030f5d61d4f136748c45ffcabfc4eb7a2975"),
    "outpatient_hospital": (
        "ptp_outpatient_hospital_2024q3.csv.gz",
        "ncci_ptp_out",
        "836b821ff2d4c25e2a264d87926cbce748dc07e5",
    ),
}
MUE_FILES = {
    "practitioner": ("mue_practitioner_2024-07-01.csv.gz", "ncci_mue_prac", "d1f3d61891ead2e30ede6ba85176d40de6287e23"),
    "outpatient_hospital": (
        "mue_outpatient_hospital_2024-07-01.csv.gz",
        "ncci_mue_out",
        "5e01ad4ce3c3900a9332d08e7c4ca1e505631c4e",
    ),
    "dme": ("mue_dme_2024-07-01.csv", "ncci_mue_dme", "32c71cfd76067d78d219937310d41b5088187171"),
}
ADD_ON_FILE = ("add_on_code_edits_2024-06-03.csv", "ncci_aoc", "274a2c10cdb4a2e92cff300c40c9ff91fe0c9011")

PTP_SPEC = {
    "name": "ncci_ptp",
    "title": "NCCI procedure-to-procedure edits (practitioner and outpatient hospital)",
    "description": (
        "CMS National Correct Coding Initiative PTP edits. When column1 and column2 are billed for the same "
        "patient by the same provider on the same date, column2 is denied as bundled (CO-97) unless "
        "modifier_indicator is 1 and an NCCI-associated modifier that fits the pair is on a line; 0 means never "
        "separately payable; 9 means the pair is not an edit. CMS publishes one table for practitioners "
        "(professional claims) and one for outpatient hospital services (institutional outpatient claims, "
        "type of bill 12x, 13x, 14x, 22x, 23x, 72x, 74x, 75x, 76x, 85x), each quarterly: `setting` says which, "
        "and each setting's releases follow each other. An edit applies from effective_date through "
        "deletion_date (CMS's deletion date is the last day it applies; empty = in force). "
        "The shipped quarter is 2024 Q3 (effective 2024-07-01), the newest release available to the project. "
        "Its public copy has no effective dates and no 'in existence prior to 1996' flag, so the release "
        "answers only for dates of service from 2024-07-01 (earlier dates are not judged) and holds the rows in "
        "force on that day; it is applied open-ended to later dates of service, so a pair CMS added since is "
        "missed and a pair CMS deleted since still fires: load each quarter with `scrubber reference import "
        "ncci-ptp`."
    ),
    "key": ["setting", "column1", "column2"],
    "partition": "setting",
    "columns": {
        "setting": "string",
        "column1": "string",
        "column2": "string",
        "prior_1996": "string",
        "effective_date": "date",
        "deletion_date": "date",
        "modifier_indicator": "string",
        "rationale": "string",
    },
    "row_validity": {"from": "effective_date", "to": "deletion_date"},
}
MUE_SPEC = {
    "name": "mue",
    "title": "Medically unlikely edits (practitioner, outpatient hospital and DME supplier services)",
    "description": (
        "CMS NCCI MUEs: the most units of a HCPCS/CPT code one provider reports for one patient on one date of "
        "service. mai is the MUE adjudication indicator: 1 = per claim line (more units may go on another line "
        "with a modifier such as 59, 76, 77, 91 or anatomic), 2 = per date of service, an absolute policy limit, "
        "3 = per date of service, a clinical limit that an appeal with records may overturn. Units beyond the "
        "limit are denied (CO-151, remark N362). Codes without a published MUE are absent (some MUEs are "
        "confidential). CMS publishes one table per setting each quarter: practitioner (professional claims), "
        "outpatient hospital (institutional outpatient claims) and DME supplier (claims to a DME MAC). The "
        "shipped quarter is 2024 Q3, applied open-ended to later dates of service: a limit CMS changed since is "
        "not known. Load each quarter with `scrubber reference import mue`."
    ),
    "key": ["setting", "code"],
    "partition": "setting",
    "columns": {"setting": "string", "code": "string", "mue_value": "int", "mai": "string", "rationale": "string"},
}
ADD_ON_SPEC = {
    "name": "ncci_add_on",
    "title": "NCCI add-on code edits",
    "description": (
        "CMS NCCI add-on code edits: an add-on code is paid only with a primary procedure by the same "
        "practitioner for the same patient on the same date. aoc_edit_type 1: only the listed primary codes "
        "qualify; 2: CMS lists no primary codes (primary_code CCCCC) and each contractor decides; 3: the listed "
        "primaries and others a contractor may accept. The shipped table is the one CMS posted 2024-06-03 for "
        "2024 Q3, applied open-ended to later dates of service."
    ),
    "key": ["add_on_code", "primary_code"],
    "columns": {"add_on_code": "string", "primary_code": "string", "aoc_edit_type": "string"},
}


def _source(pin: str, blob: str, script: str, what: str) -> str:
    return f"CMS {what}. Public copy: " + NORTHSTAR.format(pin=pin, blob=blob, script=script)


def _ptp(source: Path, folder: Path) -> list[dict]:
    releases = []
    for setting, (file, pin, blob) in PTP_FILES.items():
        rows = pl.read_csv(source / file, infer_schema=False)
        deleted = pl.when(pl.col("deletion_date") != "*").then(pl.col("deletion_date").str.to_date("%Y%m%d"))
        frame = (
            rows.select(
                column1=pl.col("column_1"),
                column2=pl.col("column_2"),
                prior_1996=pl.lit(None, pl.String),
                effective_date=pl.lit(None, pl.Date),
                deletion_date=deleted,
                modifier_indicator=pl.col("modifier_indicator"),
                rationale=pl.col("ptp_edit_rationale"),
            )
            # Rows deleted before the quarter never apply within it.
            .filter(pl.col("deletion_date").is_null() | (pl.col("deletion_date") >= QUARTER_START))
            .sort("column1", "column2")
        )
        origin = _source(
            pin,
            blob,
            "ncci_ptps.R",
            f"Medicare NCCI PTP edits, {SETTINGS[setting]}, 2024 Q3 "
            f"(effective 2024-07-01): the {frame.height:,} rows in force on 2024-07-01 of the "
            f"{rows.height:,} in the file",
        )
        releases.append(_setting_release(frame, folder, "ncci_ptp", setting, origin))
    return releases


def _setting_release(frame: pl.DataFrame, folder: Path, table: str, setting: str, source: str) -> dict:
    """Write one setting's rows of the quarter and describe them as that partition's release."""
    name = f"{table}_{setting}_2024q3.parquet"
    write_release_parquet(frame, folder / name)
    return {
        "id": f"2024Q3-{setting}",
        "partition": setting,
        "file": name,
        "effective_from": QUARTER_START,
        "source": source,
    }


def _mue(source: Path, folder: Path) -> list[dict]:
    releases = []
    for setting, (file, pin, blob) in MUE_FILES.items():
        rows = pl.read_csv(source / file, infer_schema=False)
        frame = rows.select(
            code=pl.col("hcpcs_cpt_code"),
            mue_value=pl.col("mue_value").cast(pl.Int64),
            mai=pl.col("mue_adjudication_indicator"),
            rationale=pl.col("mue_rationale"),
        ).sort("code")
        origin = _source(
            pin,
            blob,
            "ncci_mues.R",
            f"NCCI MUE table, {SETTINGS[setting]} services, effective 2024-07-01: all {frame.height:,} rows",
        )
        releases.append(_setting_release(frame, folder, "mue", setting, origin))
    return releases


def _add_on(source: Path, folder: Path) -> list[dict]:
    file, pin, blob = ADD_ON_FILE
    frame = pl.read_csv(source / file, infer_schema=False).select("add_on_code", "primary_code", "aoc_edit_type")
    name = "ncci_add_on_2024q3.parquet"
    write_release_parquet(frame.sort("add_on_code", "primary_code"), folder / name)
    return [
        {
            "id": "2024Q3",
            "file": name,
            "effective_from": QUARTER_START,
            "source": _source(
                pin, blob, "ncci_aoc.R", f"NCCI add-on code edits posted 2024-06-03: all {frame.height:,} rows"
            ),
        }
    ]


def _write_table(spec: dict, build, source: Path) -> None:
    folder = OUT / spec["name"]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.suffix in (".csv", ".gz", ".parquet"):
            old.unlink()
    document = {**spec, "releases": build(source, folder)}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    (folder / "table.yaml").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with the NCCI quarter's CSV files")
    source = parser.parse_args().source
    for spec, build in ((PTP_SPEC, _ptp), (MUE_SPEC, _mue), (ADD_ON_SPEC, _add_on)):
        _write_table(spec, build, source)


if __name__ == "__main__":
    main()
