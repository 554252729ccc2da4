"""A run with tens of thousands of findings, built directly as tables, for the fix list's scale tests.

Real payer profiles, rules, codes and finding texts; synthetic claim and patient ids.
Generated with Polars expressions so building 50,000 findings takes a moment, not a minute.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scrubber.batch.schema import CLAIM_LINES, CLAIMS, PATIENTS, empty_frame
from scrubber.findings import FINDING_SCHEMA
from scrubber.report.write import RunReport
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.rules import load_rules
from scrubber.summary import summarise
from tests.conftest import PROFILES, RULES

AS_OF = dt.date(2026, 3, 16)
PAYERS = ["MEDICARE", "AETNA", "UHC", "BCBS_TX", "MEDICAID_TX"]
CODES = ["99213", "99214", "99203", "36415", "80053", "93000", "G0439", "97110"]
# (rule, category, queue, severity, denial, message template, fix template)
KINDS = [
    (
        "ELIG001",
        "eligibility",
        "biller",
        "error",
        "CO-27",
        "Line {} on {}: member has no active coverage on that date.",
        "Run a new eligibility check (270/271) for {}.",
    ),
    (
        "DX002",
        "coding",
        "coder",
        "error",
        "CO-146",
        "Diagnosis E11 on line {} ({}) is a category header, not a billable code.",
        "Report E11 to its full specificity, as documented on {}.",
    ),
    (
        "MOD001",
        "modifier",
        "coder",
        "error",
        "CO-4",
        "Line {} ({}) is billed as telehealth without modifier 95.",
        "Add modifier 95 to the line billed on {}.",
    ),
    (
        "DX010",
        "coding",
        "coder",
        "warning",
        "CO-7",
        "Line {}: diagnosis N40.0 conflicts with the patient's sex ({}).",
        "Check the diagnosis against the record for {}.",
    ),
]


def _conform(frame: pl.DataFrame, table) -> pl.DataFrame:
    """The contract's columns and types; columns the generator does not set are empty."""
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in empty_frame(table).schema.items()
    )


def big_report(findings: int = 50_000, claims: int = 20_000) -> RunReport:
    ids = pl.int_range(0, claims, eager=True)
    claim_frame = (
        pl.DataFrame({"n": ids})
        .select(
            pl.format("C{}", pl.col("n") + 100000).alias("claim_id"),
            pl.format("P{}", pl.col("n") % 9000 + 10000).alias("patient_id"),
            pl.format("M{}X", pl.col("n") % 9000 + 10000).alias("member_id"),
            pl.lit(PAYERS).list.get(pl.col("n") % len(PAYERS)).alias("payer_id"),
            pl.lit("professional").alias("claim_type"),
            pl.lit("1234567893").alias("billing_npi"),
            pl.lit(["1045678905", "1598765430", "1376543219"]).list.get(pl.col("n") % 3).alias("rendering_npi"),
            pl.lit(None, pl.String).alias("referring_npi"),
            pl.lit("11").alias("place_of_service"),
            pl.lit(["E11.9", "I10"]).alias("diagnosis_codes"),
            pl.lit(None, pl.String).alias("prior_auth_number"),
            pl.lit("1").alias("frequency_code"),
            (pl.col("n") % 7 * 45 + 110).cast(pl.Decimal(18, 2)).alias("total_charge"),
        )
        .pipe(_conform, CLAIMS)
    )
    lines = (
        pl.DataFrame({"n": pl.int_range(0, claims * 2, eager=True)})
        .select(
            pl.format("C{}", pl.col("n") // 2 + 100000).alias("claim_id"),
            (pl.col("n") % 2 + 1).cast(pl.Int64).alias("line_number"),
            pl.lit(CODES).list.get(pl.col("n") % len(CODES)).alias("procedure_code"),
            pl.lit([], pl.List(pl.String)).alias("modifiers"),
            pl.lit(1).cast(pl.Decimal(12, 3)).alias("units"),
            pl.lit(80).cast(pl.Decimal(18, 2)).alias("charge"),
            (pl.lit(AS_OF) - pl.duration(days=pl.col("n") // 2 % 120)).alias("service_date"),
            pl.lit([1]).alias("diagnosis_pointers"),
            pl.lit(None, pl.String).alias("place_of_service"),
            pl.lit(None, pl.String).alias("ndc"),
        )
        .pipe(_conform, CLAIM_LINES)
    )
    found = (
        pl.DataFrame({"n": pl.int_range(0, findings, eager=True)})
        .with_columns((pl.col("n") % claims).alias("c"), (pl.col("n") // claims % len(KINDS)).alias("k"))
        .join(claim_frame.with_row_index("c").with_columns(pl.col("c").cast(pl.Int64)), on="c")
        .join(
            pl.DataFrame(
                KINDS, schema=["rule_id", "category", "queue", "severity", "denial_code", "m", "f"], orient="row"
            )
            .with_row_index("k")
            .with_columns(pl.col("k").cast(pl.Int64)),
            on="k",
        )
        .with_columns((pl.col("n") // claims % 2 + 1).alias("line_number"))
        .join(lines.select("claim_id", "line_number", "service_date", "procedure_code"), on=["claim_id", "line_number"])
    )
    found = found.select(
        "claim_id",
        "line_number",
        pl.lit(None, pl.String).alias("encounter_id"),
        "rule_id",
        "category",
        "severity",
        "payer_id",
        pl.col("m")
        .str.replace("{}", pl.col("line_number").cast(pl.String), literal=True)
        .str.replace("{}", pl.col("procedure_code"), literal=True)
        .alias("message"),
        pl.col("f").str.replace("{}", pl.col("service_date").cast(pl.String), literal=True).alias("fix"),
        "denial_code",
        pl.lit(None, pl.String).alias("remark_codes"),
        "queue",
        pl.lit("active").alias("rule_status"),
        "service_date",
        pl.lit("claims.csv").alias("source_file"),
        pl.lit(None, pl.Int64).alias("source_position"),
    ).cast(FINDING_SCHEMA)
    summary = summarise(
        as_of=AS_OF,
        batch_dir="synthetic",
        rules_version="synthetic",
        rules_source={},
        rules_run=0,
        inputs=[],
        not_checked=[],
        claims=claim_frame,
        findings=found,
    )
    patients = empty_frame(PATIENTS)
    return RunReport(summary, found, claim_frame, lines, patients, load_rules(RULES), load_profiles(PROFILES), [])
