"""Facts of billing itself, apart from any one batch or run: what makes two lines the same service,
and which claims restate an earlier one.

The engine's duplicate and history families (dup., hist.) match services by this identity, and each
run keeps its billed lines under it (history.py) so later runs can find a service billed before.
"""

from __future__ import annotations

import polars as pl


def service_identity(frame_prefix: str = "") -> list[pl.Expr]:
    """What makes two lines the same service: patient, code, date, provider, modifiers and drug,
    billed to the same payer and member id.

    The NDC tells apart two lines of one drug code given from different packages (two vial
    sizes of one infusion), which payers want on separate lines; "" when a line has none.
    The payer and member id tell a duplicate from the claim for the same service to the
    patient's secondary coverage: another payer, or a second plan (another member id) at
    the same payer. A payer denies as a duplicate only what it has already received itself.
    """
    p = frame_prefix
    return [
        pl.col(f"{p}claim.payer_id").alias("payer_id"),
        pl.col(f"{p}claim.member_id").alias("member_id"),
        pl.col(f"{p}claim.patient_id").alias("patient_id"),
        pl.col(f"{p}line.procedure_code").alias("procedure_code"),
        pl.col(f"{p}line.service_date").alias("service_date"),
        pl.coalesce(f"{p}claim.rendering_npi", f"{p}claim.billing_npi").alias("provider_npi"),
        _modifier_set(pl.col(f"{p}line.modifiers")).alias("modifiers"),
        pl.col(f"{p}line.ndc").fill_null("").alias("ndc"),
    ]


def _modifier_set(modifiers: pl.Expr) -> pl.Expr:
    """The modifiers in a fixed order, as one text ("25;59"); most lines have one at most, which need no sort."""
    return (
        pl.when(modifiers.list.len() <= 1)
        .then(modifiers.list.first().fill_null(""))
        .otherwise(modifiers.list.eval(pl.element().sort()).list.join(";"))
    )


def restates_claim() -> pl.Expr:
    """The claim is a replacement (frequency code 7) or a void (8) of one the payer already has.

    Such a claim restates its original's services instead of billing them again (CMS-1500 box 22,
    837 CLM05-3); a missing frequency is an original claim (1).
    """
    return pl.col("claim.frequency_code").str.strip_chars().is_in(["7", "8"]).fill_null(False)


def restates_original() -> pl.Expr:
    """A replacement (frequency 7) or void (8) the payer applies to the claim it already has.

    Such a claim restates a service rather than billing it again. Medicare Part B takes neither
    (payer.accepts_replacement_claims false): it processes every claim as new, so there a
    frequency-7 claim is one more claim for the service and is denied as a duplicate (CO-18).
    """
    return restates_claim() & pl.col("payer.accepts_replacement_claims").fill_null(True)


IDENTITY = ["payer_id", "member_id", "patient_id", "procedure_code", "service_date", "provider_npi", "modifiers", "ndc"]
