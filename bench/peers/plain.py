"""The peer edits as plain per-claim Python: dictionaries and loops, as most in-house scrubbers are.

Written the way such a scrubber is written well: the batch read once (through pyarrow,
not csv), every lookup an index built once (a dict keyed by member and payer, by code),
then one loop over the claims that runs each edit on the claim and its lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from bench.generate import AS_OF
from bench.peers.common import (
    DEFAULT_SETTING,
    DISTINCT_SERVICE,
    EM_RANGE,
    LAB,
    OUTPATIENT_BILLS,
    VISIT_BYPASS,
    Payers,
    anatomic_modifiers,
    effective,
    filing_deadline,
    payers,
    reference,
)

TELEHEALTH = {"02", "10"}
LAB_CODE = re.compile(LAB)


def _rows(batch: Path, table: str) -> list[dict]:
    return pq.read_table(Path(batch) / f"{table}.parquet").to_pylist()


def _index(name: str, keys: tuple[str, ...] = ("code",)) -> tuple[dict, list[tuple]]:
    """A table's rows by key (a code, or a tuple of the key columns), newest first."""
    ref = reference(name)
    index: dict = defaultdict(list)
    for row in ref.rows.sort("valid_from", descending=True).to_dicts():
        index[row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)].append(row)
    return index, ref.releases


def _pair_index(billed: set[str]) -> dict[tuple, list[dict]]:
    """NCCI pairs by (setting, column1, column2), newest first: only pairs of codes the batch bills, since
    three million rows turned into Python objects would cost the peer far more than its claims do."""
    rows = reference("ncci_ptp").rows.filter(pl.col("column1").is_in(billed) & pl.col("column2").is_in(billed))
    index: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows.sort("valid_from", descending=True).to_dicts():
        index[(row["setting"], row["column1"], row["column2"])].append(row)
    return index


def _in_force(index: dict, key, day: dt.date | None) -> dict | None:
    for row in index.get(key, ()):
        if row["valid_from"] <= day <= row["valid_to"]:
            return row
    return None


def _covered(releases: list[tuple], day: dt.date | None) -> bool:
    return day is not None and any(a <= day <= b for a, b in releases)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def ncci_setting(claim: dict, profiles: Payers) -> str | None:
    """Which NCCI tables judge the claim: the payer's for a professional claim, outpatient hospital for an
    outpatient bill type (0131 = 131), none for other institutional bills (inpatient)."""
    if (claim["claim_type"] or "").strip().lower() != "institutional":
        return profiles.ncci_professional_setting.get((claim["payer_id"] or "").strip().upper(), DEFAULT_SETTING)
    bill_type = (claim.get("type_of_bill") or "").strip().lstrip("0")[:2]
    return "outpatient_hospital" if bill_type in OUTPATIENT_BILLS else None


def _is_em(code: str) -> bool:
    return EM_RANGE[0] <= code <= EM_RANGE[1]


def pair_bypassed(a: tuple, b: tuple, sites: set[str], institutional: bool) -> bool:
    """An NCCI-associated modifier that fits the indicator-1 pair (a column one, b column two) is on a line.

    Each side is (code, modifiers). 59/X{EPSU}/58/78/79 on a procedure, 25/57/24 on a column-one visit,
    different body sites on both lines, 91 on a pair of lab tests, 27 on an institutional claim.
    """
    (a_code, a_mods), (b_code, b_mods) = a, b
    a_sites, b_sites = sites & set(a_mods), sites & set(b_mods)
    return (
        (not _is_em(a_code) and bool(set(a_mods) & set(DISTINCT_SERVICE)))
        or bool(set(b_mods) & set(DISTINCT_SERVICE))
        or (_is_em(a_code) and bool(set(a_mods) & set(VISIT_BYPASS)))
        or (bool(a_sites) and bool(b_sites) and not a_sites & b_sites)
        or (bool(LAB_CODE.fullmatch(a_code)) and bool(LAB_CODE.fullmatch(b_code)) and "91" in (*a_mods, *b_mods))
        or (institutional and "27" in (*a_mods, *b_mods))
    )


def npi_valid(npi: str | None) -> bool:
    """Ten digits whose last is the Luhn check digit over 80840 + the first nine."""
    if npi is None or len(npi) != 10 or not npi.isdigit():
        return False
    total = 24
    for position, char in enumerate(npi[:9]):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(npi[9])


def _service(
    payer: str | None, claim: dict, line: dict, code: str, provider: str | None, modifiers: list[str]
) -> tuple:
    """DUP001's identity of a line: payer, member, patient, code, date, provider, modifier set and NDC."""
    ndc = (line["ndc"] or "").strip()
    return (
        payer,
        claim["member_id"],
        claim["patient_id"],
        code,
        line["service_date"],
        provider,
        ";".join(sorted(modifiers)),
        ndc,
    )


def _batch_indexes(claims: list[dict], lines_of: dict[str, list[dict]], profiles: Payers) -> tuple[dict, dict, dict]:
    """What crosses claims, indexed once: lines by patient/date/provider, MUE units, repeats.

    MUE (MAI 2/3) units run per payer, patient, provider, code and day in claim and line order: a void counts
    nothing, an original its replacement restates counts nothing, an exact repeat (same service, same units)
    counts once. `day_units` maps each counted line to the day's units up to and including it.
    """
    same_visit: dict[tuple, list[tuple]] = defaultdict(list)
    day_lines: dict[tuple, list[tuple]] = defaultdict(list)
    first_seen: dict[tuple, tuple] = {}
    for claim in claims:
        payer = (claim["payer_id"] or "").strip().upper() or None
        provider = _clean(claim["rendering_npi"]) or _clean(claim["billing_npi"])
        frequency = (claim["frequency_code"] or "1").strip()
        restates = frequency in ("7", "8") and (payer in profiles.takes_replacements or payer not in profiles.known)
        setting = ncci_setting(claim, profiles)
        institutional = (claim["claim_type"] or "").strip().lower() == "institutional"
        for line in lines_of.get(claim["claim_id"], []):
            code, day = (line["procedure_code"] or "").strip().upper(), line["service_date"]
            modifiers = [m.strip().upper() for m in line["modifiers"] or [] if m]
            here = (claim["claim_id"], line["line_number"])
            same_visit[(claim["patient_id"], day, provider)].append((*here, code, modifiers, setting, institutional))
            service = _service(payer, claim, line, code, provider, modifiers)
            day_lines[(payer, claim["patient_id"], provider, code, day)].append(
                (here, frequency, restates, service, line["units"] or 0)
            )
            if not restates and (service not in first_seen or here < first_seen[service]):
                first_seen[service] = here
    day_units: dict[tuple, object] = {}
    for rows in day_lines.values():
        replaced = any(frequency == "7" and restates for _, frequency, restates, _, _ in rows)
        counted, running = set(), 0
        for here, frequency, _, service, units in sorted(rows):
            if frequency == "8" or (replaced and frequency not in ("7", "8")) or (service, units) in counted:
                continue
            counted.add((service, units))
            running += units
            day_units[here] = running
    return same_visit, day_units, first_seen


def findings(batch: Path, rule_ids: list[str], as_of: dt.date = AS_OF) -> pl.DataFrame:
    wanted = set(rule_ids)
    windows = effective(rule_ids)
    profiles = payers()
    icd, icd_releases = _index("icd10cm") if wanted & {"DX001", "DX002"} else ({}, [])
    sex_codes, _ = _index("mce_sex_last") if "DX013" in wanted else ({}, [])
    mue, _ = _index("mue", ("setting", "code")) if "MUE001" in wanted else ({}, [])
    sites = set(anatomic_modifiers())

    lines_of: dict[str, list[dict]] = defaultdict(list)
    for line in _rows(batch, "claim_lines"):
        lines_of[line["claim_id"]].append(line)
    ptp = (
        _pair_index({(line["procedure_code"] or "").strip().upper() for rows in lines_of.values() for line in rows})
        if "PTP002" in wanted
        else {}
    )
    sex_of: dict[str, str] = {}
    for patient in _rows(batch, "patients"):
        sex_of.setdefault(patient["patient_id"], (patient["sex"] or "").strip().upper())
    spans: dict[tuple, list[tuple]] = defaultdict(list)
    for row in _rows(batch, "eligibility"):
        key = (_clean(row["member_id"]), (row["payer_id"] or "").strip().upper())
        spans[key].append(
            (row["coverage_start"], row["coverage_end"], (row["status"] or "").strip().lower() == "active")
        )

    def in_effect(rule_id: str, day: dt.date | None) -> bool:
        start, end = windows[rule_id]
        return day is None or (day >= start and (end is None or day <= end))

    claims = _rows(batch, "claims")
    same_visit, day_units, first_seen = _batch_indexes(claims, lines_of, profiles)
    out: list[tuple] = []
    for claim in claims:
        claim_id = claim["claim_id"]
        payer = (claim["payer_id"] or "").strip().upper() or None
        lines = lines_of.get(claim_id, [])
        dates = [line["service_date"] for line in lines if line["service_date"] is not None]
        first = min(dates) if dates else None

        if "DQ003" in wanted and payer not in profiles.known and in_effect("DQ003", first):
            out.append((claim_id, None, "DQ003"))

        if first is not None and wanted & {"DX001", "DX002", "DX013"}:
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
                if "DX013" in wanted and payer not in profiles.sex_edit_off:
                    row = _in_force(sex_codes, code, first)
                    sex = sex_of.get(claim["patient_id"])
                    if (
                        row is not None
                        and sex in ("M", "F")
                        and sex != row["allowed_sex"]
                        and in_effect("DX013", first)
                    ):
                        out.append((claim_id, None, "DX013"))

        if "DQ005" in wanted and lines and in_effect("DQ005", first):
            charges = [line["charge"] for line in lines]
            if None not in charges and claim["total_charge"] is not None and claim["total_charge"] != sum(charges):
                out.append((claim_id, None, "DQ005"))
        if "PRV001" in wanted and not npi_valid(_clean(claim["billing_npi"])) and in_effect("PRV001", first):
            out.append((claim_id, None, "PRV001"))

        member = _clean(claim["member_id"])
        provider = _clean(claim["rendering_npi"]) or _clean(claim["billing_npi"])
        frequency = (claim["frequency_code"] or "").strip()
        institutional = (claim["claim_type"] or "").strip().lower() == "institutional"
        setting = ncci_setting(claim, profiles)
        for line in lines:
            day = line["service_date"]
            if "ELIG001" in wanted and day is not None and in_effect("ELIG001", day):
                member_spans = spans.get((member, payer))
                if member_spans:
                    covering = [
                        active for start, end, active in member_spans if start <= day and (end is None or day <= end)
                    ]
                    if not covering:
                        out.append((claim_id, line["line_number"], "ELIG001"))
            if "MOD001" in wanted and in_effect("MOD001", day):
                pos = _clean(line["place_of_service"]) or _clean(claim["place_of_service"])
                required = profiles.telehealth_modifier.get(payer, profiles.default_telehealth_modifier)
                modifiers = [m.strip().upper() for m in line["modifiers"] or [] if m]
                if pos in TELEHEALTH and required not in modifiers:
                    out.append((claim_id, line["line_number"], "MOD001"))
            if day is None:
                continue
            code = (line["procedure_code"] or "").strip().upper()
            modifiers = [m.strip().upper() for m in line["modifiers"] or [] if m]
            here = (claim_id, line["line_number"])
            if "TF001" in wanted and not institutional and frequency != "8" and in_effect("TF001", day):
                deadline = filing_deadline(day, payer, profiles)
                if deadline is not None and deadline < as_of:
                    out.append((*here, "TF001"))
            service = _service(payer, claim, line, code, provider, modifiers)
            if "DUP001" in wanted and first_seen.get(service, here) != here and in_effect("DUP001", day):
                out.append((*here, "DUP001"))
            if "MUE001" in wanted and in_effect("MUE001", day):
                limit = _in_force(mue, (setting, code), day)
                through = day_units.get(here)  # None: the line does not count (void, restated, exact repeat)
                if (
                    limit is not None
                    and through is not None
                    and limit["mue_value"] > 0
                    and (
                        (limit["mai"] == "1" and line["units"] is not None and line["units"] > limit["mue_value"])
                        or (limit["mai"] in ("2", "3") and through > limit["mue_value"])
                    )
                ):
                    out.append((*here, "MUE001"))
            if "PTP002" in wanted and provider is not None and not _is_em(code) and in_effect("PTP002", day):
                for other in same_visit[(claim["patient_id"], day, provider)]:
                    other_claim, other_line, other_code, other_modifiers, other_setting, other_institutional = other
                    if (other_claim, other_line) == here or other_setting is None or other_setting != setting:
                        continue
                    pair = _in_force(ptp, (other_setting, other_code, code), day)
                    if (
                        pair is not None
                        and pair["modifier_indicator"] == "1"
                        and not pair_bypassed(
                            (other_code, other_modifiers), (code, modifiers), sites, other_institutional
                        )
                    ):
                        out.append((*here, "PTP002"))
                        break

    return pl.DataFrame(
        out, schema={"claim_id": pl.String, "line_number": pl.Int64, "rule_id": pl.String}, orient="row"
    ).unique()
