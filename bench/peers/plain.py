"""The peer edits as plain per-claim Python: dictionaries and loops, as most in-house scrubbers are.

Written the way such a scrubber is written well: the batch read once (through pyarrow,
not csv), every lookup an index built once (a dict keyed by member and payer, by code),
then one loop over the claims that runs each edit on the claim and its lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from bench.generate import AS_OF
from bench.peers.common import effective, payers, reference

TELEHEALTH = {"02", "10"}


def _rows(batch: Path, table: str) -> list[dict]:
    return pq.read_table(Path(batch) / f"{table}.parquet").to_pylist()


def _code_index(name: str) -> tuple[dict[str, list[dict]], list[tuple]]:
    ref = reference(name)
    index: dict[str, list[dict]] = defaultdict(list)
    for row in ref.rows.sort("valid_from", descending=True).to_dicts():
        index[row["code"]].append(row)
    return index, ref.releases


def _in_force(index: dict[str, list[dict]], code: str, day: dt.date | None) -> dict | None:
    for row in index.get(code, ()):
        if row["valid_from"] <= day <= row["valid_to"]:
            return row
    return None


def _covered(releases: list[tuple], day: dt.date | None) -> bool:
    return day is not None and any(a <= day <= b for a, b in releases)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def findings(batch: Path, rule_ids: list[str], as_of: dt.date = AS_OF) -> pl.DataFrame:
    wanted = set(rule_ids)
    windows = effective(rule_ids)
    profiles = payers()
    icd, icd_releases = _code_index("icd10cm") if wanted & {"DX001", "DX002"} else ({}, [])
    sex_codes, _ = _code_index("mce_sex") if "DX010" in wanted else ({}, [])

    lines_of: dict[str, list[dict]] = defaultdict(list)
    for line in _rows(batch, "claim_lines"):
        lines_of[line["claim_id"]].append(line)
    sex_of: dict[str, str] = {}
    for patient in _rows(batch, "patients"):
        sex_of.setdefault(patient["patient_id"], (patient["sex"] or "").strip().upper())
    spans: dict[tuple, list[tuple]] = defaultdict(list)
    for row in _rows(batch, "eligibility"):
        key = (_clean(row["member_id"]), (row["payer_id"] or "").strip().upper())
        spans[key].append((row["coverage_start"], row["coverage_end"], (row["status"] or "").strip().lower() == "active"))

    def in_effect(rule_id: str, day: dt.date | None) -> bool:
        start, end = windows[rule_id]
        return day is None or (day >= start and (end is None or day <= end))

    out: list[tuple] = []
    for claim in _rows(batch, "claims"):
        claim_id = claim["claim_id"]
        payer = (claim["payer_id"] or "").strip().upper() or None
        lines = lines_of.get(claim_id, [])
        dates = [line["service_date"] for line in lines if line["service_date"] is not None]
        first = min(dates) if dates else None

        if "DQ003" in wanted and payer not in profiles.known and in_effect("DQ003", first):
            out.append((claim_id, None, "DQ003"))

        if first is not None and wanted & {"DX001", "DX002", "DX010"}:
            for raw in claim["diagnosis_codes"] or []:
                if raw is None:
                    continue
                code = raw.strip().upper().replace(".", "")
                if wanted & {"DX001", "DX002"} and _covered(icd_releases, first):
                    row = _in_force(icd, code, first)
                    if row is None and "DX001" in wanted and in_effect("DX001", first):
                        out.append((claim_id, None, "DX001"))
                    elif row is not None and row["billable"] == "N" and "DX002" in wanted and in_effect("DX002", first):
                        out.append((claim_id, None, "DX002"))
                if "DX010" in wanted:
                    row = _in_force(sex_codes, code, first)
                    sex = sex_of.get(claim["patient_id"])
                    if row is not None and sex in ("M", "F") and sex != row["allowed_sex"] and in_effect("DX010", first):
                        out.append((claim_id, None, "DX010"))

        member = _clean(claim["member_id"])
        for line in lines:
            day = line["service_date"]
            if "ELIG001" in wanted and day is not None and in_effect("ELIG001", day):
                member_spans = spans.get((member, payer))
                if member_spans:
                    covering = [active for start, end, active in member_spans if start <= day and (end is None or day <= end)]
                    if not covering:
                        out.append((claim_id, line["line_number"], "ELIG001"))
            if "MOD001" in wanted and in_effect("MOD001", day):
                pos = _clean(line["place_of_service"]) or _clean(claim["place_of_service"])
                required = profiles.telehealth_modifier.get(payer, profiles.default_telehealth_modifier)
                modifiers = [m.strip().upper() for m in line["modifiers"] or [] if m]
                if pos in TELEHEALTH and required not in modifiers:
                    out.append((claim_id, line["line_number"], "MOD001"))

    return pl.DataFrame(out, schema={"claim_id": pl.String, "line_number": pl.Int64, "rule_id": pl.String}, orient="row").unique()
