"""Read HIPAA X12 837 claim files (5010 837P and 837I) into the batch tables.

`read_837` turns one interchange file into the CONTRACT §1 tables `claims`,
`claim_lines` and `patients`, every cell in the text form a CSV cell would hold
(lists joined with `;`, dates `YYYY-MM-DD`, decimals as written, empty = null), so
the loader casts them exactly as it casts CSV. Problems in the file become rows of
`issues` instead of exceptions: one bad claim or a broken envelope never stops
the night's batch.

How the file is read
- Text, separators and segments as for every X12 file (scrubber.x12.segments: UTF-8,
  UTF-16 with or without a byte-order mark, else Windows-1252; separators from ISA).
  None of the mapped elements repeat, so ISA11 is not needed.
- The version comes from ST03, else GS08: 005010X222* is professional, 005010X223*
  institutional (with or without the A1/A2/A3 suffix); a bare `005010` is decided
  by the lines (any SV2 makes the claim institutional). 4010 and other versions
  are reported once per functional group and not read.
- When ISA16 appears in no CLM05 but all CLM05s agree on another separator, that
  one is used and an issue says so (several TR3 transcriptions do this).
- Loops are found from the segment order (HL levels 20/22/23, CLM, an SBR after
  CLM for the other-payer loops 2320/2330, LX) in vectorised Polars expressions;
  no Python code runs per segment or per claim, only per envelope segment.

What becomes an issue (file, claim_id, segment_position, segment_id, message)
- A file that is not X12 or has an unusable ISA header (then nothing is read).
- ISA/IEA, GS/GE, ST/SE that are missing, miscounted or with unequal control
  numbers, segments outside any ST/SE, segment ids that are not X12 ids, and
  transaction sets that are not 837s or not 5010: the rest is still read.
- A claim missing a required segment (NM1*85, NM1*IL, NM1*PR, HI, DMG, LX) or a
  line without SV1/SV2 or DTP*472: the claim is kept, with nulls the loader flags.
- A CLM without a claim id: that claim and its lines are left out.
- A patient whose DMG differs between claims of the file: the first one is kept.

patient_id rule (never a name)
- Patient is the subscriber (claim under the HL 22 subscriber level):
  `<member_id>`.
- Patient is a dependent (claim under an HL 23 patient level): `<member_id>-<k>`
  where k is the first 8 hex digits of SHA-256 over the subscriber's member id
  and the patient's upper-cased last name, first name and birth date. It is the
  same in every file that names the dependent the same way, tells twins apart,
  and shows no name.

Mapping choices beyond the contract columns
- claims.source_file (file name), claims.source_segment (1-based position of the
  CLM segment) and claim_lines.source_segment (position of the LX segment), as
  strings like every other cell.
- On an institutional claim CLM05-1 is the facility type code (the first digits of
  the type of bill), not a place of service: with the frequency (CLM05-3) it makes
  claims.type_of_bill (13 + 1 = 131), and place_of_service stays null.
- claim_lines.rendering_npi: the line's 2420A NM1*82 if present, else the claim's
  2310B rendering provider; claim_lines.revenue_code: SV201 on institutional lines;
  claim_lines.unit_type: the unit basis of the units, SV103 (837P) or SV204 (837I), MJ or UN.
- An institutional line without DTP*472 takes the start of the claim's statement
  period (DTP*434).
- claims.clia_number: 2300 REF*X4. claim_lines.ndc, ndc_quantity and ndc_unit: the
  line's first 2410 loop, LIN*N4 (LIN03) and CTP (CTP04 quantity, CTP05-1 unit);
  claim_lines.description: SV101-7 (837P) or SV202-7 (837I), else the line's note
  (2400 NTE02).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.batch.x12_tables import CLAIM_COLUMNS, LINE_COLUMNS, PATIENT_COLUMNS, build_tables
from scrubber.x12.envelope import CLAIMS_837, ISSUE_SCHEMA, check_envelopes, issue_frame
from scrubber.x12.segments import component_in_use, is_x12, read_interchange

_MAX_ELEMENT = 13  # ISA13 (control number) and HI01..HI12 are the last elements read


@dataclass(frozen=True)
class X12Read:
    claims: pl.DataFrame
    claim_lines: pl.DataFrame
    patients: pl.DataFrame
    issues: pl.DataFrame


def read_837(path: Path) -> X12Read:
    path = Path(path)
    name = path.name
    interchange = read_interchange(path, _MAX_ELEMENT)
    if isinstance(interchange, str):
        return _unreadable(name, "ISA", interchange)
    segments = interchange.segments
    transactions, envelope_issues = check_envelopes(segments, name, CLAIMS_837)
    component, separator_issue = _component_in_use(segments, interchange.component, name)
    claims, lines, patients, claim_issues = build_tables(segments, transactions, component, name)
    issues = pl.concat([separator_issue, envelope_issues, claim_issues]).sort("segment_position", maintain_order=True)
    return X12Read(claims, lines, patients, issues)


def _component_in_use(segments: pl.DataFrame, declared: str, name: str) -> tuple[str, pl.DataFrame]:
    """The component separator the claims use (CLM05 is on every claim), and an issue when it is not ISA16's."""
    actual, first = component_in_use(segments, declared, "CLM", "e5")
    if first is None:
        return declared, issue_frame([], name)
    message = (
        f"ISA16 declares {declared!r} as the component separator but the claims use {actual!r} "
        f"(first in CLM05 at position {first}); the file was read with {actual!r}, a payer may reject it"
    )
    return actual, issue_frame([(None, 1, "ISA", message)], name)


def _unreadable(name: str, segment_id: str, message: str) -> X12Read:
    issue = issue_frame([(None, 1, segment_id, message)], name)
    return X12Read(_empty(CLAIM_COLUMNS), _empty(LINE_COLUMNS), _empty(PATIENT_COLUMNS), issue)


def _empty(columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={column: pl.String for column in columns})


__all__ = ["ISSUE_SCHEMA", "X12Read", "is_x12", "read_837"]
