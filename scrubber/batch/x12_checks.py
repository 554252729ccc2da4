"""Required-segment checks of each claim and line, and the deduplicated patients."""

from __future__ import annotations

import polars as pl

from scrubber.x12.envelope import ISSUE_SCHEMA

_MISSING = "is missing or its {} is empty"

# (condition on a claim row, segment id, what the biller reads)
_CLAIM_CHECKS = [
    (pl.col("billing_npi").is_null(), "NM1*85",
     "no billing provider NPI: NM1*85 (loop 2010AA) " + _MISSING.format("NM109")),
    (pl.col("member_id").is_null(), "NM1*IL",
     "no subscriber member id: NM1*IL (loop 2010BA) " + _MISSING.format("NM109")),
    (pl.col("payer_id").is_null(), "NM1*PR", "no payer id: NM1*PR (loop 2010BB) " + _MISSING.format("NM109")),
    (pl.col("diagnosis_codes").is_null(), "HI", "no diagnosis: HI with a principal diagnosis (ABK) is missing"),
    (pl.col("birth_date").is_null() | pl.col("sex").is_null(), "DMG",
     "no patient birth date or sex: DMG (loop 2010BA, or 2010CA for a dependent) " + _MISSING.format("DMG02/DMG03")),
]  # fmt: skip


def claim_issues(claims: pl.DataFrame, lines: pl.DataFrame, orphan_lines: pl.DataFrame, name: str) -> pl.DataFrame:
    at_claim = {"claim_id": pl.col("claim_id"), "segment_position": pl.col("clm_pos")}
    found = [
        claims.filter(pl.col("claim_id").is_null()).select(
            **at_claim,
            segment_id=pl.lit("CLM"),
            message=pl.lit("CLM01 claim id is empty; the claim and its lines were not read"),
        ),
        claims.filter(pl.col("claim_id").is_not_null())
        .join(lines, on="clm_pos", how="anti")
        .select(**at_claim, segment_id=pl.lit("LX"), message=pl.lit("the claim has no service line (LX, loop 2400)")),
    ]
    for condition, segment_id, message in _CLAIM_CHECKS:
        found.append(
            claims.filter(condition & pl.col("claim_id").is_not_null()).select(
                **at_claim, segment_id=pl.lit(segment_id), message=pl.lit(message)
            )
        )
    line = lines.filter(pl.col("claim_id").is_not_null())
    at_line = {"claim_id": pl.col("claim_id"), "segment_position": pl.col("lx_pos")}
    service_segment = pl.when(pl.col("claim_type") == "institutional").then(pl.lit("SV2")).otherwise(pl.lit("SV1"))
    found += [
        line.filter(pl.col("has_service").is_null()).select(
            **at_line, segment_id=service_segment,
            message=pl.format("service line {} has no {} segment", "line_number", service_segment),
        ),
        line.filter(pl.col("service_date").is_null()).select(
            **at_line, segment_id=pl.lit("DTP*472"),
            message=pl.format("service line {} has no service date (DTP*472)", "line_number"),
        ),
        orphan_lines.select(
            claim_id=pl.lit(None, pl.String), segment_position=pl.col("pos"), segment_id=pl.lit("LX"),
            message=pl.lit("service line outside a claim (no CLM before it in its HL loop); it was not read"),
        ),
    ]  # fmt: skip
    issues = pl.concat([frame.cast({"segment_position": pl.Int64}) for frame in found])
    return issues.select(pl.lit(name, pl.String).alias("file"), pl.all()).cast(ISSUE_SCHEMA)


def patients_and_conflicts(claims: pl.DataFrame, name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per patient_id (its first claim's DMG), and an issue for each claim that disagrees."""
    known = claims.filter(pl.col("patient_id").is_not_null())
    patients = known.select("patient_id", "birth_date", "sex").unique(
        subset="patient_id", keep="first", maintain_order=True
    )
    disagree = known.join(patients, on="patient_id", suffix="_first").filter(
        pl.col("birth_date").ne_missing(pl.col("birth_date_first")) | pl.col("sex").ne_missing(pl.col("sex_first"))
    )
    conflicts = disagree.select(
        pl.lit(name, pl.String).alias("file"),
        claim_id=pl.col("claim_id"),
        segment_position=pl.col("clm_pos"),
        segment_id=pl.lit("DMG"),
        message=pl.format(
            "patient {} is born {} with sex {} on this claim but {} with sex {} on an earlier claim of the file; "
            "the earlier values are used",
            "patient_id", "birth_date", "sex", "birth_date_first", "sex_first",
        ),
    )  # fmt: skip
    return patients, conflicts.cast(ISSUE_SCHEMA)
