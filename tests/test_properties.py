"""Nothing lost, for any batch: random batches, randomly broken, checked against the accounting invariant.

Whatever is wrong with a row, the loader keeps it, reports exactly the cells it could not use (file,
row as a spreadsheet shows it, column), summary.json counts every claim row as clean, with warnings or
with errors, and every reported problem that a data-quality rule handles is a finding on its claim.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.batch import load_batch
from scrubber.engine.context import RunContext
from scrubber.engine.run import run_rules
from scrubber.summary import summarise
from tests.test_hostile import rules_by_issue_kind

CLAIM_COLUMNS = ["claim_id", "patient_id", "member_id", "payer_id", "claim_type", "billing_npi", "rendering_npi",
                 "referring_npi", "place_of_service", "diagnosis_codes", "prior_auth_number", "frequency_code",
                 "total_charge"]  # fmt: skip
LINE_COLUMNS = ["claim_id", "line_number", "procedure_code", "modifiers", "units", "charge", "service_date",
                "diagnosis_pointers", "place_of_service", "ndc"]  # fmt: skip
PAYERS = ["MEDICARE", "UHC", "AETNA", "BCBS_TX", "MEDICAID_TX"]
CODES = ["99213", "99214", "36415", "93000", "G0439", "81002"]
DIAGNOSES = ["I10", "E11.9", "J06.9", "Z00.00", "M54.50", "R05.9"]

# damage -> (table, column, text written, issue kind); None: a row-level damage handled below
CELL_DAMAGE = {
    "impossible_date": ("claim_lines", "service_date", "2026-02-30", "unreadable_value"),
    "us_style_date": ("claim_lines", "service_date", "03/02/2026", "unreadable_value"),
    "units_not_a_number": ("claim_lines", "units", "1O", "unreadable_value"),
    "total_with_decimal_comma": ("claims", "total_charge", "12,50", "unreadable_value"),
    "line_number_text": ("claim_lines", "line_number", "one", "unreadable_value"),
    "payer_blank": ("claims", "payer_id", "", "missing_value"),
    "procedure_blank": ("claim_lines", "procedure_code", " ", "missing_value"),
    "runaway_auth_number": ("claims", "prior_auth_number", "A" * 300, "value_too_long"),
    "accent_in_auth_number": ("claims", "prior_auth_number", "AUTH-É1", "transcoded_text"),
}
ROW_DAMAGE = ["line_of_missing_claim", "claim_id_reused", "stray_comma"]


@st.composite
def broken_batches(draw):
    claims, lines = [], []
    for number in range(1, draw(st.integers(1, 6)) + 1):
        claim_id, charges = f"Q{number}", []
        for line_number in range(1, draw(st.integers(1, 3)) + 1):
            charge = draw(st.sampled_from(["100.00", "45.50", "20.00"]))
            charges.append(float(charge))
            lines.append({"claim_id": claim_id, "line_number": str(line_number),
                          "procedure_code": draw(st.sampled_from(CODES)), "modifiers": "", "units": "1",
                          "charge": charge, "service_date": f"2026-03-{draw(st.integers(1, 14)):02d}",
                          "diagnosis_pointers": "1", "place_of_service": "", "ndc": ""})  # fmt: skip
        payer = draw(st.sampled_from(PAYERS))
        diagnoses = draw(st.lists(st.sampled_from(DIAGNOSES), min_size=1, max_size=3, unique=True))
        claims.append({"claim_id": claim_id, "patient_id": f"P{number}", "member_id": f"M{number}",
                       "payer_id": payer, "claim_type": "professional",
                       "billing_npi": "1234567893", "rendering_npi": "1045678905", "referring_npi": "",
                       "place_of_service": "11", "diagnosis_codes": ";".join(diagnoses),
                       "prior_auth_number": "", "frequency_code": "1",
                       "total_charge": f"{sum(charges):.2f}"})  # fmt: skip
    damages = draw(st.lists(st.tuples(st.sampled_from([*CELL_DAMAGE, *ROW_DAMAGE]), st.integers(0, 999)), max_size=5))
    return claims, lines, damages


def csv_bytes(columns: list[str], rows: list[dict], encoding: str, stray: set[int]) -> bytes:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value

    text = ",".join(columns) + "\n"
    for index, row in enumerate(rows):
        text += ",".join(cell(row[c]) for c in columns) + (",NOTE" if index in stray else "") + "\n"
    return text.encode(encoding)


def write_batch(folder: Path, claims: list[dict], lines: list[dict], damages) -> set[tuple]:
    """Apply the damages, write the four files, return the issues they must produce."""
    expected: dict[tuple, str] = {}
    stray: set[int] = set()
    for damage, pick in damages:
        if damage == "line_of_missing_claim":
            lines.append({**lines[pick % len(lines)], "claim_id": f"GONE{pick}", "line_number": "1"})
        elif damage == "claim_id_reused":
            claims.append({**claims[pick % len(claims)], "patient_id": f"P{pick}"})
        elif damage == "stray_comma":
            stray.add(pick % len(claims))
    for damage, pick in damages:
        if damage in CELL_DAMAGE:
            table, column, text, kind = CELL_DAMAGE[damage]
            rows = claims if table == "claims" else lines
            index = pick % len(rows)
            rows[index][column] = text
            expected[(table, index, column)] = kind
    latin = any(kind == "transcoded_text" for kind in expected.values())
    (folder / "claims.csv").write_bytes(csv_bytes(CLAIM_COLUMNS, claims, "cp1252" if latin else "utf-8", stray))
    (folder / "claim_lines.csv").write_bytes(csv_bytes(LINE_COLUMNS, lines, "utf-8", set()))
    patients = [{"patient_id": c["patient_id"], "birth_date": "1960-05-05", "sex": "F"} for c in claims]
    (folder / "patients.csv").write_bytes(csv_bytes(["patient_id", "birth_date", "sex"], patients, "utf-8", set()))
    coverage = [{"member_id": c["member_id"], "payer_id": c["payer_id"] or "UHC", "coverage_start": "2025-01-01",
                 "coverage_end": "", "status": "active"} for c in claims]  # fmt: skip
    columns = ["member_id", "payer_id", "coverage_start", "coverage_end", "status"]
    (folder / "eligibility.csv").write_bytes(csv_bytes(columns, coverage, "utf-8", set()))

    issues = {(kind, f"{table}.csv", index + 2, column) for (table, index, column), kind in expected.items()}
    issues |= {("extra_fields", "claims.csv", index + 2, None) for index in stray}
    claim_ids = [c["claim_id"] for c in claims]
    known = set(claim_ids)
    issues |= {
        ("unknown_claim", "claim_lines.csv", i + 2, "claim_id")
        for i, line in enumerate(lines)
        if line["claim_id"] not in known
    }
    # A repeated id or line number is one issue, at the first row holding it.
    issues |= {
        ("duplicate_claim_id", "claims.csv", claim_ids.index(c) + 2, "claim_id")
        for c in claim_ids
        if claim_ids.count(c) > 1
    }
    numbered = [(line["claim_id"], line["line_number"]) for line in lines]
    issues |= {("duplicate_line", "claim_lines.csv", numbered.index(key) + 2, "line_number") for key in numbered
               if numbered.count(key) > 1 and key[1].strip().isdigit()}  # fmt: skip
    return issues


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(broken_batches())
def test_every_claim_row_is_counted_and_every_broken_cell_reported(rules, profiles, references, generated):
    claims, lines, damages = generated
    with tempfile.TemporaryDirectory() as folder:
        expected = write_batch(Path(folder), claims, lines, damages)
        batch = load_batch(Path(folder))
    assert batch.claims.height == len(claims) and batch.claim_lines.height == len(lines)  # no row dropped
    got = {(i["kind"], i["file"], i["row"], i["column"]) for i in batch.issues.to_dicts()}
    assert got == expected

    findings = run_rules(rules, RunContext(batch, profiles, references, dt.date(2026, 3, 16))).findings
    counts = summarise(
        as_of=dt.date(2026, 3, 16),
        batch_dir=folder,
        rules_version="",
        rules_source={},
        rules_run=len(rules),
        inputs=batch.inputs,
        not_checked=[],
        claims=batch.claims,
        findings=findings,
    )
    assert counts.claims_total == len(claims)
    assert counts.claims_clean + counts.claims_with_errors + counts.claims_with_warnings == len(claims)

    handled = rules_by_issue_kind(rules)
    quality = findings.filter(pl.col("category") == "data_quality")
    for issue in batch.issues.filter(
        pl.col("kind").is_in(sorted(handled)) & pl.col("claim_id").is_not_null()
    ).to_dicts():
        on_claim = quality.filter(
            pl.col("claim_id") == issue["claim_id"], pl.col("rule_id").is_in(sorted(handled[issue["kind"]]))
        )
        assert on_claim.height, issue
