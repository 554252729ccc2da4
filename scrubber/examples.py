"""Rule examples: the small claims each rule carries, turned into batches and run.

An example states only what matters to its rule; everything else comes from one
clean default claim (a Medicare office visit, 99213 for I10 hypertension, covered,
valid NPIs). Values go through the same loader as a CSV batch, so an example may
hold an unreadable date just as a real file can.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from scrubber.batch.checks import x12_issues
from scrubber.batch.csvfile import EXTRA
from scrubber.batch.load import X12_TABLES, Batch, InputFile, assemble, with_x12
from scrubber.batch.schema import TABLES, table_named
from scrubber.batch.x12 import read_837
from scrubber.engine.context import RunContext
from scrubber.engine.run import run_rules
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.rules import Rule

DEFAULT_AS_OF = "2026-03-16"
DEFAULT_CLAIM = {
    "patient_id": "P1",
    "member_id": "M1",
    "payer_id": "MEDICARE",
    "claim_type": "professional",
    "billing_npi": "1234567893",
    "rendering_npi": "1045678905",
    "referring_npi": None,
    "place_of_service": "11",
    "diagnosis_codes": ["I10"],
    "prior_auth_number": None,
    "frequency_code": "1",
}
DEFAULT_LINE = {
    "procedure_code": "99213",
    "modifiers": [],
    "units": 1,
    "charge": "100.00",
    "service_date": "2026-03-02",
    "diagnosis_pointers": [1],
    "place_of_service": None,
    "ndc": None,
}
DEFAULT_PATIENT = {"patient_id": "P1", "birth_date": "1958-04-11", "sex": "F"}
DEFAULT_COVERAGE = {"coverage_start": "2025-01-01", "coverage_end": None, "status": "active"}


@dataclass(frozen=True)
class ExampleBatch:
    batch: Batch
    as_of: dt.date
    history: pl.LazyFrame | None


def _history(example: dict) -> pl.LazyFrame | None:
    """Services billed in an earlier run: rows of billed_lines.parquet plus `billed_in_run`."""
    rows = example.get("billed_before")
    if rows is None:
        return None
    defaults = {
        "payer_id": DEFAULT_CLAIM["payer_id"],
        "member_id": DEFAULT_CLAIM["member_id"],
        "patient_id": "P1",
        "procedure_code": "99213",
        "service_date": DEFAULT_LINE["service_date"],
        "provider_npi": DEFAULT_CLAIM["rendering_npi"],
        "modifiers": "",
        "ndc": "",
        "claim_id": "EARLIER1",
        "line_number": 1,
        "units": "1",
        "billing_npi": DEFAULT_CLAIM["billing_npi"],
        "diagnosis_codes": DEFAULT_CLAIM["diagnosis_codes"],
        "billed_in_run": "2026-03-09",
    }
    frame = pl.DataFrame(
        [{**defaults, **row} for row in rows],
        schema={k: pl.String for k in defaults if k != "diagnosis_codes"} | {"diagnosis_codes": pl.List(pl.String)},
    )
    return frame.lazy().with_columns(
        pl.col("service_date", "billed_in_run").str.to_date(),
        pl.col("line_number").cast(pl.Int64),
        pl.col("units").cast(pl.Decimal(12, 3)),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _claims(example: dict) -> list[tuple[dict, list[dict]]]:
    specs = example.get("claims") or [{"claim": example.get("claim", {}), "lines": example.get("lines")}]
    built = []
    for number, spec in enumerate(specs, start=1):
        claim = {**DEFAULT_CLAIM, "claim_id": f"C{number}", **spec.get("claim", {})}
        lines = [
            {**DEFAULT_LINE, "claim_id": claim["claim_id"], "line_number": index, **line}
            for index, line in enumerate(spec.get("lines") or [{}], start=1)
        ]
        if "total_charge" not in claim:
            try:
                claim["total_charge"] = str(sum(Decimal(str(line["charge"])) for line in lines))
            except ArithmeticError:
                claim["total_charge"] = "0"
        built.append((claim, lines))
    return built


def _from_837(text: str) -> tuple[dict, list[pl.DataFrame]]:
    """Claims, lines and patients read from an example's 837 text, and the reader's issues."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example.837"
        path.write_text(text, encoding="utf-8")
        x12 = [(path, read_837(path))]
    return {name: with_x12(None, table_named(name), x12) for name in X12_TABLES}, [x12_issues(x12[0][1].issues)]


def example_batch(example: dict) -> ExampleBatch:
    claims = _claims(example)
    patients = example.get("patients") or [{**DEFAULT_PATIENT, **example.get("patient", {})}]
    if "eligibility" in example:
        eligibility = example["eligibility"]
    else:
        members = sorted({(c["member_id"], c["payer_id"]) for c, _ in claims if c["member_id"] and c["payer_id"]})
        eligibility = [{"member_id": m, "payer_id": p, **DEFAULT_COVERAGE} for m, p in members]
    rows = {
        "claims": [c for c, _ in claims],
        "claim_lines": [line for _, lines in claims for line in lines],
        "patients": patients,
        "eligibility": eligibility,
        "encounters": example.get("encounters"),
    }
    raw = {}
    for table in TABLES:
        records = rows[table.name]
        if records is None:
            raw[table.name] = None
            continue
        # A cell left over past the header, as a CSV row with a stray comma has.
        names = [c.name for c in table.columns] + ([EXTRA] if any(EXTRA in r for r in records) else [])
        frame = pl.DataFrame(
            {name: [_text(record.get(name)) for record in records] for name in names},
            schema={n: pl.String for n in names},
        )
        transcoded = example.get("encoding") == "windows-1252"
        raw[table.name] = (frame, InputFile(table.name, f"example {table.name}", "example", frame.height, transcoded))
    issues: list[pl.DataFrame] = []
    if "x12" in example:  # the batch is the 837 file alone, as a practice-system export would send it
        tables, issues = _from_837(example["x12"])
        raw.update(tables)
    as_of = dt.date.fromisoformat(example.get("as_of", DEFAULT_AS_OF))
    return ExampleBatch(assemble(raw, issues), as_of, _history(example))


def run_example(rule: Rule, example: dict, profiles: Profiles, references: ReferenceLibrary) -> pl.DataFrame:
    """The findings the rule alone raises on the example."""
    built = example_batch(example)
    result = run_rules([rule], RunContext(built.batch, profiles, references, built.as_of, built.history))
    return result.findings.filter(pl.col("rule_id") == rule.id)


@dataclass(frozen=True)
class Mismatch:
    """What an example's `expect` and the rule's findings on it disagree on."""

    missing: list[dict]  # expected findings the rule did not produce
    unexpected: list[dict]  # findings the example does not list

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected)

    def __str__(self) -> str:
        parts = [f"missing {_brief(want)}" for want in self.missing]
        parts += [f"unexpected {_brief(row)}" for row in self.unexpected]
        return "; ".join(parts)


# What an unexpected finding is shown by: enough to write its expect entry.
SHOWN = ("claim_id", "line_number", "severity", "message")


def _brief(entry: dict) -> str:
    return "{" + ", ".join(f"{k}: {entry[k]}" for k in SHOWN if k in entry) + "}"


def _matches(row: dict, want: dict) -> bool:
    # line_number left out means a claim-level finding, whose line is null.
    wanted = {"line_number": None, **want}
    return all(row.get(k) == v or (v is not None and str(row.get(k)) == str(v)) for k, v in wanted.items())


def compare(findings: pl.DataFrame, expected: list[dict]) -> Mismatch:
    """Pair each expected entry with one finding; what is left on either side is a mismatch.

    An entry naming more columns is paired first, so a loose entry cannot take the finding a
    precise one needs.
    """
    left = findings.to_dicts()
    missing = []
    for want in sorted(expected, key=len, reverse=True):
        hit = next((i for i, row in enumerate(left) if _matches(row, want)), None)
        if hit is None:
            missing.append(want)
        else:
            left.pop(hit)
    return Mismatch(missing, [{k: row.get(k) for k in SHOWN} for row in left])
