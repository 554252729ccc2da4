"""`tf.`: the payer's timely-filing clock of a line or claim."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family
from scrubber.engine.filing import FILING_LIMIT_COLUMNS, with_payer_filing_deadline


def _filing_clock(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """When the payer's filing limit runs out (scrubber.engine.filing: months or days, next workday).

    Medicare counts a professional claim line by line, from each line's date of service (Pub.
    100-04 ch. 1 §70.1: the line's "from" date), so one old line is denied while the rest are
    paid; an institutional claim counts from its "through" date. Commercial and Medicaid
    contracts state their limits "from the date of service" and adjudicate professional lines
    the same way, so the same clock serves every payer. In claim scope a professional claim's
    clock is its earliest line, the first to run out.
    """
    institutional = pl.col("claim.institutional")
    own_date = "line.service_date" if scope == "line" else "claim.first_service_date"
    start = pl.when(institutional).then(pl.col("claim.last_service_date")).otherwise(pl.col(own_date))
    clocked = frame.with_columns((~institutional).alias("tf.per_line"), start.alias("tf.clock_start"))
    return with_payer_filing_deadline(clocked, "tf.clock_start", "tf.deadline").with_columns(
        (pl.col("tf.deadline") - pl.lit(ctx.as_of)).dt.total_days().alias("tf.days_left")
    )


FAMILY = Family(
    namespace="tf",
    requires=None,
    scopes=("line", "claim"),
    columns={
        "tf.per_line": "the claim's lines each start their own filing clock (every claim but an institutional one)",
        "tf.clock_start": "the date the filing limit counts from: the line's date, or an institutional"
        " claim's through date",
        "tf.deadline": "the last day the payer accepts the claim: clock start + payer.timely_filing_months (else"
        " _days), moved to the next workday when it falls on a weekend or federal holiday",
        "tf.days_left": "days from the run's as-of date to tf.deadline (negative once it has passed)",
    },
    reads=frozenset(
        {
            "claim.institutional",
            "line.service_date",
            "claim.first_service_date",
            "claim.last_service_date",
            *FILING_LIMIT_COLUMNS,
        }
    ),
    add=_filing_clock,
)
