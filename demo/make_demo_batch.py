"""Rebuild demo/batch/ from the scenario files in demo/scenarios/.

Each scenario file adds patients, claims and visits for one family of edits
(synthetic patients, real codes), so the demo shows every edit firing and clean
claims too; demo/remittances.py then writes the payers' 835 answers to some of its claims into
demo/remittances/. Run: python demo/make_demo_batch.py
"""

from __future__ import annotations

import csv
import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
BILLING_NPI = "1234567893"
RENDERING_NPI = "1045678905"

# The practice's own lab (a CLIA certificate of waiver for its office tests). Its practice system puts
# the number on every claim with a lab test (CPT 80047-89398, PLA nnnnU); a scenario may set another.
PRACTICE_CLIA = "45D0123456"
# A line's optional columns left empty: no line-level place of service, no drug, no description, no unit basis.
NO_DRUG = {"place_of_service": "", "ndc": "", "ndc_unit": "", "ndc_quantity": "", "description": "", "unit_type": ""}
COLUMNS = {
    "claims": [
        "claim_id",
        "patient_id",
        "member_id",
        "payer_id",
        "claim_type",
        "billing_npi",
        "rendering_npi",
        "referring_npi",
        "place_of_service",
        "diagnosis_codes",
        "prior_auth_number",
        "frequency_code",
        "total_charge",
        "payer_claim_number",
        "clia_number",
    ],  # extra columns: the original claim of a replacement or void; the lab's CLIA number
    "claim_lines": [
        "claim_id",
        "line_number",
        "procedure_code",
        "modifiers",
        "units",
        "charge",
        "service_date",
        "diagnosis_pointers",
        "place_of_service",
        "ndc",
        "ndc_unit",
        "ndc_quantity",
        "description",
        "unit_type",  # the unit basis (MJ minutes), given on the anesthesia lines
    ],
    "patients": ["patient_id", "birth_date", "sex"],
    "eligibility": ["member_id", "payer_id", "coverage_start", "coverage_end", "status"],
    "encounters": ["encounter_id", "patient_id", "encounter_date", "rendering_npi", "claim_id"],
}


def is_lab(code: str) -> bool:
    return (code.isdigit() and "80047" <= code <= "89398") or (len(code) == 5 and code[:4].isdigit() and code[4] == "U")


@dataclass
class DemoBatch:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in COLUMNS})

    def patient(self, patient_id, birth_date, sex, payer_id, coverage=(("2025-01-01", "", "active"),)):
        """A patient, covered by one payer under member id M<number>X unless coverage says otherwise."""
        self.rows["patients"].append({"patient_id": patient_id, "birth_date": birth_date, "sex": sex})
        for start, end, status in coverage:
            self.rows["eligibility"].append(
                {
                    "member_id": self.member(patient_id),
                    "payer_id": payer_id,
                    "coverage_start": start,
                    "coverage_end": end,
                    "status": status,
                }
            )

    @staticmethod
    def member(patient_id):
        return f"M{patient_id[1:]}X"

    def claim(self, claim_id, patient_id, payer_id, diagnoses, lines, *, total=None, **header):
        """lines: dicts with procedure_code, service_date and any other claim_lines column."""
        built = []
        for number, line in enumerate(lines, start=1):
            built.append(
                {
                    "claim_id": claim_id,
                    "line_number": number,
                    "modifiers": "",
                    "units": "1",
                    "diagnosis_pointers": "1",
                    **NO_DRUG,
                    **line,
                }
            )
        if total is None:
            total = f"{sum(Decimal(line['charge']) for line in built):.2f}"
        self.rows["claims"].append(
            {
                "claim_id": claim_id,
                "patient_id": patient_id,
                "member_id": self.member(patient_id),
                "payer_id": payer_id,
                "claim_type": "professional",
                "billing_npi": BILLING_NPI,
                "rendering_npi": RENDERING_NPI,
                "referring_npi": "",
                "place_of_service": "11",
                "diagnosis_codes": ";".join(diagnoses),
                "prior_auth_number": "",
                "frequency_code": "1",
                "total_charge": total,
                "clia_number": PRACTICE_CLIA if any(is_lab(line["procedure_code"]) for line in built) else "",
                **header,
            }
        )
        self.rows["claim_lines"].extend(built)

    def line_without_claim(self, **line):
        self.rows["claim_lines"].append(
            {
                "line_number": 1,
                "modifiers": "",
                "units": "1",
                "diagnosis_pointers": "1",
                **NO_DRUG,
                **line,
            }
        )

    def encounter(self, encounter_id, patient_id, date, claim_id="", rendering_npi=RENDERING_NPI):
        self.rows["encounters"].append(
            {
                "encounter_id": encounter_id,
                "patient_id": patient_id,
                "encounter_date": date,
                "rendering_npi": rendering_npi,
                "claim_id": claim_id,
            }
        )

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, columns in COLUMNS.items():
            if not self.rows[name]:
                (folder / f"{name}.csv").unlink(missing_ok=True)
                continue
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows(self.rows[name])


def build() -> DemoBatch:
    sys.path.insert(0, str(HERE))
    batch = DemoBatch()
    for module in sorted(m.name for m in pkgutil.iter_modules([str(HERE / "scenarios")])):
        importlib.import_module(f"scenarios.{module}").add(batch)
    return batch


if __name__ == "__main__":
    from remittances import write as write_remittances

    demo = build()
    demo.write(HERE / "batch")
    write_remittances(demo.rows, HERE / "remittances")
