"""Scopes: the row sets rules are evaluated over, built once per run from the batch.

Columns are namespaced (`claim.`, `line.`, `patient.`, `payer.`, `dx.`, `a.line.` ...)
so a rule names exactly what it reads. Every scope also carries the finding keys
`_claim_id`, `_line_number`, `_encounter_id`, `_payer_id` and `_date` (the date of
service that effective dates and reference releases are matched against).
"""

from __future__ import annotations

import polars as pl

from scrubber.batch.load import ISSUE_SCHEMA
from scrubber.batch.parse import dotted
from scrubber.billing import restates_original
from scrubber.engine.context import RunContext
from scrubber.engine.filing import payer_filing_deadline
from scrubber.frames import first_claim_rows

KEYS = ("_claim_id", "_line_number", "_encounter_id", "_payer_id", "_date")
# Row numbers in the batch: CLAIM_ROW names a row of the claims; LINE_ROW a row of the line scope, even when the
# batch repeats a claim id (its lines join each of its claim rows), as one integer made of the claim's and the
# line's row numbers. Unlike a row count taken after joins, they are the same however often the optimiser
# re-evaluates a plan; families join their columns back on them (one integer key: 0.02 s at 1M lines where
# the two row numbers took 0.15).
CLAIM_ROW, LINE_ROW = "_claim_row", "_line_row"


def _prefixed(frame: pl.DataFrame | pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    return frame.lazy().select(pl.all().name.prefix(f"{prefix}."))


def _age(birth: str, on: str) -> pl.Expr:
    """Whole years of age on a date, as payers and the MCE count it."""
    b, d = pl.col(birth), pl.col(on)
    before_birthday = (d.dt.month() < b.dt.month()) | ((d.dt.month() == b.dt.month()) & (d.dt.day() < b.dt.day()))
    return (d.dt.year() - b.dt.year() - before_birthday.cast(pl.Int32)).alias("patient.age")


# Institutional bills whose services NCCI edits with its outpatient hospital tables (hospital outpatient
# and inpatient Part B, SNF Part B, ESRD, ORF, CORF, CMHC, critical access hospital); inpatient bills
# (11x) get no NCCI edits. CMS NCCI for hospitals; Noridian JF-A, "OPPS and Non-OPPS Providers:
# Implemented Billing Requirements" (bill types the I/OCE PTP edits apply to).
NCCI_OUTPATIENT_BILLS = ["12", "13", "14", "22", "23", "72", "74", "75", "76", "85"]
INPATIENT_BILLS = ["11"]


def _bill_classes() -> list[pl.Expr]:
    """What kind of bill a claim is: professional or institutional, inpatient, and its NCCI tables.

    The type of bill is the UB-04 form locator 4 / 837I CLM05-1 facility type plus frequency,
    written with or without the UB-04's leading zero (0131 = 131).
    """
    institutional = pl.col("claim.claim_type").str.strip_chars().str.to_lowercase().eq("institutional").fill_null(False)
    facility = pl.col("claim.type_of_bill").str.strip_chars().str.strip_chars_start("0").str.slice(0, 2)
    professional_table = pl.coalesce(pl.col("payer.ncci_professional_setting"), pl.lit("practitioner"))
    return [
        institutional.alias("claim.institutional"),
        # Without a type of bill, only place of service 21 (inpatient hospital) says inpatient.
        (
            institutional
            & pl.when(facility.is_not_null())
            .then(facility.is_in(INPATIENT_BILLS))
            .otherwise(pl.col("claim.place_of_service").str.strip_chars().eq("21").fill_null(False))
        ).alias("claim.inpatient"),
        pl.when(~institutional)
        .then(professional_table)
        .when(facility.is_in(NCCI_OUTPATIENT_BILLS))
        .then(pl.lit("outpatient_hospital"))
        .alias("claim.ncci_setting"),
    ]


def claim_scope(ctx: RunContext) -> pl.LazyFrame:
    if ctx.claim_rows is not None:
        return ctx.claim_rows.lazy()
    lines = ctx.batch.claim_lines.lazy()
    per_claim = lines.group_by("claim_id").agg(
        pl.col("service_date").min().alias("claim.first_service_date"),
        pl.col("service_date").max().alias("claim.last_service_date"),
        pl.len().cast(pl.Int64).alias("claim.line_count"),
        pl.col("charge").sum().alias("claim.line_charge_total"),
    )
    # Lazy: a scope's schema is read for every scope a rule names (compile_all), and an eager unique of the
    # patients cost 0.2 s each time at 10M lines.
    patients = _prefixed(ctx.batch.patients.lazy().unique("patient_id", keep="first", maintain_order=True), "patient")
    payers = ctx.profiles.frame().lazy()
    as_of = pl.lit(ctx.as_of)
    frame = (
        _prefixed(ctx.batch.claims, "claim")
        .with_row_index(CLAIM_ROW)
        .join(per_claim, left_on="claim.claim_id", right_on="claim_id", how="left")
        .with_columns(pl.col("claim.line_count").fill_null(0))
        .join(patients, left_on="claim.patient_id", right_on="patient.patient_id", how="left", coalesce=False)
        .join(payers, left_on="claim.payer_id", right_on="payer.payer_id", how="left", coalesce=False)
        .with_columns(
            pl.col("patient.patient_id").is_not_null().alias("patient.known"),
            pl.col("payer.known").fill_null(False),
            as_of.alias("run.as_of"),
            # A count travels to the lines more cheaply than the list it counts.
            pl.col("claim.diagnosis_codes").list.len().alias("claim.diagnosis_count"),
            # A replacement or void the payer applies to its original: it bills nothing new.
            restates_original().alias("claim.restates_original"),
            *_bill_classes(),
        )
        .with_columns(
            payer_filing_deadline(pl.col("claim.first_service_date")).alias("claim.filing_deadline"),
            (as_of - pl.col("claim.first_service_date")).dt.total_days().alias("claim.days_since_service"),
        )
        .with_columns(
            (pl.col("claim.filing_deadline") - as_of).dt.total_days().alias("claim.days_to_filing_deadline"),
            _age("patient.birth_date", "claim.first_service_date"),
        )
    )
    return frame.with_columns(
        pl.col("claim.claim_id").alias("_claim_id"),
        pl.lit(None, pl.Int64).alias("_line_number"),
        pl.lit(None, pl.String).alias("_encounter_id"),
        pl.col("claim.payer_id").alias("_payer_id"),
        pl.col("claim.first_service_date").alias("_date"),
    )


# What the line, modifier and diagnosis scopes read of the claim scope beside their rules' columns:
# a pass of the rules builds the claim rows with only these and the columns its rules and families read.
FROM_CLAIM_ROWS = frozenset(
    {*KEYS, CLAIM_ROW, "claim.claim_id", "claim.place_of_service", "claim.diagnosis_codes", "patient.birth_date",
     "claim.first_service_date"}
)  # fmt: skip


def line_scope(ctx: RunContext) -> pl.LazyFrame:
    claims = claim_scope(ctx).drop("_line_number", "_date", "patient.age", strict=False)
    lines = _prefixed(ctx.batch.claim_lines, "line").with_row_index(LINE_ROW)
    dx_list = pl.col("claim.diagnosis_codes")
    pointers = pl.col("line.diagnosis_pointers")
    # Body-site modifiers (RT, LT, F1, T2, E1, LC ...): two lines on different sites are distinct services.
    # A Python list: an imploded Series inside list.filter was broadcast to every modifier (1.2 CPU s per 1M lines).
    sites = ctx.references.get("modifiers").rows_where({"anatomic": "Y"}).get_column("code").unique().sort().to_list()
    return (
        lines.join(claims, left_on="line.claim_id", right_on="claim.claim_id", how="inner", coalesce=False)
        .with_columns(
            pl.coalesce("line.place_of_service", "claim.place_of_service").alias("line.pos"),
            (pl.lit(ctx.as_of) - pl.col("line.service_date")).dt.total_days().alias("line.days_since_service"),
            _age("patient.birth_date", "line.service_date"),
            pointers.list.max().alias("line.max_pointer"),
            pointers.list.min().alias("line.min_pointer"),
            # The diagnoses the line points at; a pointer past the list points at nothing.
            # (list.filter rather than list.drop_nulls: the same lists, fifteen times faster.)
            dx_list.list.gather(pointers - 1, null_on_oob=True)
            .list.filter(pl.element().is_not_null())
            .alias("line.pointed_diagnoses"),
            pl.col("line.modifiers").list.filter(pl.element().is_in(sites)).alias("line.anatomic_modifiers"),
        )
        .with_columns(
            (pl.col(CLAIM_ROW).cast(pl.UInt64) * 2**32 + pl.col(LINE_ROW)).alias(LINE_ROW),
            pl.col("line.line_number").alias("_line_number"),
            pl.col("line.service_date").alias("_date"),
        )
    )


def diagnosis_scope(ctx: RunContext) -> pl.LazyFrame:
    claims = claim_scope(ctx)
    return (
        claims.with_columns(
            pl.col("claim.diagnosis_codes").alias("dx.code"),
            pl.int_ranges(1, pl.col("claim.diagnosis_codes").list.len() + 1).alias("dx.position"),
        )
        .explode("dx.code", "dx.position")
        .filter(pl.col("dx.code").is_not_null())
        .with_columns(
            pl.col("dx.position").cast(pl.Int64),
            pl.col("claim.first_service_date").alias("dx.date"),
            (pl.col("dx.position") == 1).alias("dx.is_first_listed"),
            dotted(pl.col("dx.code")).alias("dx.code_dotted"),
        )
    )


def modifier_scope(ctx: RunContext) -> pl.LazyFrame:
    """One row per modifier on a line, so a finding can name the one modifier that is wrong."""
    modifiers = pl.col("line.modifiers")
    return (
        line_scope(ctx)
        # Before the claims are joined on: most lines carry no modifier.
        .filter(modifiers.list.len() > 0)
        .with_columns(
            modifiers.alias("mod.code"),
            pl.int_ranges(1, modifiers.list.len() + 1).alias("mod.position"),
        )
        .explode("mod.code", "mod.position")
        .filter(pl.col("mod.code").is_not_null())
        .with_columns(pl.col("mod.position").cast(pl.Int64))
    )


def encounter_scope(ctx: RunContext) -> pl.LazyFrame:
    claims = (
        ctx.batch.claims.lazy()
        .select(
            pl.col("claim_id"),
            pl.col("payer_id").alias("encounter.claim_payer_id"),
            pl.lit(True).alias("encounter.claim_found"),
        )
        .unique("claim_id", keep="first")
    )
    return (
        _prefixed(ctx.batch.encounters, "encounter")
        .join(claims, left_on="encounter.claim_id", right_on="claim_id", how="left")
        .join(ctx.profiles.frame().lazy(), left_on="encounter.claim_payer_id", right_on="payer.payer_id", how="left")
        .with_columns(
            pl.col("encounter.claim_found").fill_null(False),
            (pl.lit(ctx.as_of) - pl.col("encounter.encounter_date")).dt.total_days().alias("encounter.days_since"),
            pl.lit(ctx.as_of).alias("run.as_of"),
        )
        .with_columns(
            pl.col("encounter.claim_id").alias("_claim_id"),
            pl.lit(None, pl.Int64).alias("_line_number"),
            pl.col("encounter.encounter_id").alias("_encounter_id"),
            pl.col("encounter.claim_payer_id").alias("_payer_id"),
            pl.col("encounter.encounter_date").alias("_date"),
        )
    )


def load_issue_scope(ctx: RunContext) -> pl.LazyFrame:
    issues = ctx.batch.issues if ctx.batch.issues.height else pl.DataFrame(schema=ISSUE_SCHEMA)
    named = issues.lazy().select(pl.col("claim_id").drop_nulls().unique())
    payer_of = first_claim_rows(ctx.batch.claims.lazy().select("claim_id", "payer_id"), named)
    return (
        _prefixed(issues, "issue")
        .join(payer_of, left_on="issue.claim_id", right_on="claim_id", how="left")
        .with_columns(
            pl.col("issue.claim_id").alias("_claim_id"),
            pl.col("issue.line_number").alias("_line_number"),
            pl.lit(None, pl.String).alias("_encounter_id"),
            pl.col("payer_id").alias("_payer_id"),
            pl.lit(None, pl.Date).alias("_date"),
            pl.lit(ctx.as_of).alias("run.as_of"),
        )
        .drop("payer_id")
    )


BUILDERS = {
    "claim": claim_scope,
    "line": line_scope,
    "diagnosis": diagnosis_scope,
    "modifier": modifier_scope,
    "encounter": encounter_scope,
    "load_issue": load_issue_scope,
}
REQUIRES = {"encounter": "encounters"}
