"""The batch tables of CONTRACT §1: their columns, types and which are required."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import polars as pl


class Kind(Enum):
    """How a cell is read from its CSV text form."""

    STRING = "string"
    CODE = "code"  # upper-cased, trimmed: procedure codes, modifiers, sex
    ICD_LIST = "icd_list"  # `;`-joined ICD-10-CM codes, dot optional
    CODE_LIST = "code_list"  # `;`-joined modifiers
    INT_LIST = "int_list"  # `;`-joined diagnosis pointers
    DATE = "date"
    MONEY = "money"
    UNITS = "units"
    INT = "int"


POLARS_TYPE: dict[Kind, pl.DataType] = {
    Kind.STRING: pl.String(),
    Kind.CODE: pl.String(),
    Kind.ICD_LIST: pl.List(pl.String()),
    Kind.CODE_LIST: pl.List(pl.String()),
    Kind.INT_LIST: pl.List(pl.Int64()),
    Kind.DATE: pl.Date(),
    Kind.MONEY: pl.Decimal(18, 2),
    Kind.UNITS: pl.Decimal(12, 3),
    Kind.INT: pl.Int64(),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True  # the column must be present in the file (its cells may still be null when nullable)
    nullable: bool = False
    # An optional column a rule cannot judge without: a rule reading it is reported as not checked
    # when the batch's file lacks the column, rather than run on nulls and counted as passed.
    gates: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    claim_key: str | None = "claim_id"  # the column that ties a row to a claim, for data-quality findings

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
CLAIMS = Table(
    "claims",
    (
        C("claim_id", Kind.STRING),
        C("patient_id", Kind.STRING),
        C("member_id", Kind.STRING),
        C("payer_id", Kind.CODE),
        C("claim_type", Kind.STRING),
        C("billing_npi", Kind.STRING),
        C("rendering_npi", Kind.STRING, nullable=True),
        C("referring_npi", Kind.STRING, nullable=True),
        # Null on institutional claims: an 837I's CLM05-1 is the facility type, not a place of service.
        C("place_of_service", Kind.STRING, nullable=True),
        C("diagnosis_codes", Kind.ICD_LIST),
        C("prior_auth_number", Kind.STRING, nullable=True),
        C("frequency_code", Kind.STRING, nullable=True),
        C("total_charge", Kind.MONEY),
        # Not in CONTRACT §1 (an extra column it allows): the payer's claim number of the original
        # claim that a replacement or void (frequency 7/8) restates; 837P REF*F8, CMS-1500 box 22.
        C("payer_claim_number", Kind.STRING, required=False, nullable=True),
        # Institutional claims: the type of bill (UB-04 FL 4; 837I CLM05-1 facility type + CLM05-3
        # frequency), e.g. 131 hospital outpatient, 111 inpatient. It decides inpatient versus outpatient.
        C("type_of_bill", Kind.STRING, required=False, nullable=True),
        # Professional claims: the CLIA certificate number of the lab that performed the claim's lab
        # tests (837P 2300 REF*X4, CMS-1500 item 23): 2 digits, D, 7 digits (05D0987654).
        C("clia_number", Kind.STRING, required=False, nullable=True, gates=True),
    ),
)
CLAIM_LINES = Table(
    "claim_lines",
    (
        C("claim_id", Kind.STRING),
        C("line_number", Kind.INT),
        C("procedure_code", Kind.CODE),
        C("modifiers", Kind.CODE_LIST, nullable=True),
        C("units", Kind.UNITS),
        C("charge", Kind.MONEY),
        C("service_date", Kind.DATE),
        C("diagnosis_pointers", Kind.INT_LIST, nullable=True),
        C("place_of_service", Kind.STRING, nullable=True),
        C("ndc", Kind.STRING, required=False, nullable=True, gates=True),
        # The drug quantity behind the NDC (837 2410 CTP04) and its unit (CTP05-1: UN unit, ML
        # milliliter, GR gram, F2 international unit, ME milligram).
        C("ndc_unit", Kind.CODE, required=False, nullable=True, gates=True),
        C("ndc_quantity", Kind.UNITS, required=False, nullable=True, gates=True),
        # What the service is in words (837P SV101-7, 837I SV202-7): the drug's name, dose and route
        # for a not-otherwise-classified drug code such as J3490.
        C("description", Kind.STRING, required=False, nullable=True, gates=True),
        # The unit basis of `units` (837P SV103, 837I SV204): MJ minutes (anesthesia time), UN units.
        C("unit_type", Kind.CODE, required=False, nullable=True, gates=True),
    ),
)
PATIENTS = Table(
    "patients",
    (C("patient_id", Kind.STRING), C("birth_date", Kind.DATE), C("sex", Kind.CODE)),
    claim_key=None,
)
ELIGIBILITY = Table(
    "eligibility",
    (
        C("member_id", Kind.STRING),
        C("payer_id", Kind.CODE),
        C("coverage_start", Kind.DATE),
        C("coverage_end", Kind.DATE, nullable=True),
        C("status", Kind.STRING),
    ),
    claim_key=None,
)
ENCOUNTERS = Table(
    "encounters",
    (
        C("encounter_id", Kind.STRING),
        C("patient_id", Kind.STRING),
        C("encounter_date", Kind.DATE),
        C("rendering_npi", Kind.STRING, nullable=True),
        C("claim_id", Kind.STRING, nullable=True),
    ),
    required=False,
)

TABLES: tuple[Table, ...] = (CLAIMS, CLAIM_LINES, PATIENTS, ELIGIBILITY, ENCOUNTERS)


def empty_frame(table: Table) -> pl.DataFrame:
    """A typed, empty table: what an optional file that is absent reads as."""
    return pl.DataFrame(schema={c.name: POLARS_TYPE[c.kind] for c in table.columns})


def table_named(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)


# The scope fields of the claim and line columns, by the batch column they are read from.
SCOPE_PREFIX = {"claims": "claim", "claim_lines": "line"}
# Scope field -> the optional batch column (`table.column`) a rule reading it cannot run without.
GATED_FIELDS = {
    f"{SCOPE_PREFIX[t.name]}.{c.name}": f"{t.name}.{c.name}"
    for t in (CLAIMS, CLAIM_LINES)
    for c in t.columns
    if c.gates
}
