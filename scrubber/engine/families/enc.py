"""`enc.`: documented visits (batch encounters) on the dates a line or claim bills."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family, shares_key
from scrubber.engine.scopes import CLAIM_ROW, LINE_ROW


def _encounters(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    """Documented visits on the dates a line (or every line of a claim) bills.

    The claim's provider is its rendering NPI, or the billing NPI when a solo provider bills
    under their own number and leaves rendering empty. Rows are told apart by their batch row
    numbers, which stay distinct even where a claim id repeats.
    """
    unit = [LINE_ROW] if scope == "line" else [CLAIM_ROW]
    provider = pl.coalesce("claim.rendering_npi", "claim.billing_npi").alias("provider")
    patient = pl.col("claim.patient_id").alias("patient")
    # Most claims bill one date (their first is their last): their facts are that date's, with no
    # look at their lines and no grouping of lists.
    one_date = (
        pl.lit(True) if scope == "line" else pl.col("claim.first_service_date") == pl.col("claim.last_service_date")
    )
    own_date = "line.service_date" if scope == "line" else "claim.first_service_date"
    single = frame.filter(one_date).select(*unit, patient, provider, pl.col(own_date).alias("date"))
    line_dates = ctx.batch.claim_lines.lazy().select("claim_id", date=pl.col("service_date"))
    several = (
        frame.filter(~one_date.fill_null(False))
        .select(*unit, patient, provider, "claim.claim_id")
        .join(line_dates, left_on="claim.claim_id", right_on="claim_id")
        .filter(pl.col("date").is_not_null())
        .select(*unit, "patient", "provider", "date")
        .unique()
    )
    seen = ctx.batch.encounters.lazy().select(
        patient=pl.col("patient_id"), date=pl.col("encounter_date"), npi=pl.col("rendering_npi")
    )
    # Most patients have one visit a day: its NPI is the day's list, with no grouping.
    npi_list = pl.when(pl.col("npi").is_null()).then(pl.lit([], pl.List(pl.String))).otherwise(pl.concat_list("npi"))
    one_visit = seen.filter(~shares_key(["patient", "date"])).select("patient", "date", npi_list.alias("npis"))
    several_visits = (
        seen.filter(shares_key(["patient", "date"]))
        .group_by("patient", "date")
        .agg(pl.col("npi").drop_nulls().unique().sort().alias("npis"))
    )
    visits = pl.concat([one_visit, several_visits], how="vertical")

    def with_visits(dates: pl.LazyFrame) -> pl.LazyFrame:
        return (
            dates.join(visits, on=["patient", "date"], how="left")
            .with_columns(
                pl.col("npis").is_not_null().alias("seen"), (pl.col("npis").list.len().fill_null(0) > 0).alias("named")
            )
            .with_columns((pl.col("named") & ~pl.col("npis").list.contains(pl.col("provider"))).alias("other"))
        )

    no_dates = pl.lit([], pl.List(pl.Date))
    one_date_facts = with_visits(single.filter(pl.col("date").is_not_null())).select(
        *unit,
        pl.col("seen").alias("enc.visit_on_date"),
        pl.when(pl.col("seen")).then(no_dates).otherwise(pl.concat_list("date")).alias("enc.dates_without_visit"),
        pl.col("npis").fill_null(pl.lit([], pl.List(pl.String))).alias("enc.visit_rendering_npis"),
        pl.when(pl.col("other")).then(pl.concat_list("date")).otherwise(no_dates).alias("enc.dates_other_provider"),
        pl.col("named").alias("_named"),
    )
    several_dates_facts = (
        with_visits(several)
        .group_by(unit)
        .agg(
            pl.col("seen").all().alias("enc.visit_on_date"),
            pl.col("date").filter(~pl.col("seen")).sort().alias("enc.dates_without_visit"),
            pl.col("npis")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("enc.visit_rendering_npis"),
            pl.col("date").filter(pl.col("other")).sort().alias("enc.dates_other_provider"),
            pl.col("named").any().alias("_named"),
        )
    )
    facts = pl.concat([one_date_facts, several_dates_facts], how="vertical")
    return (
        frame.join(facts, on=unit, how="left", maintain_order="left")
        .with_columns(
            # Unknown (null) when no visit that day names its provider: nothing to compare with.
            pl.when(pl.col("_named"))
            .then(pl.col("enc.dates_other_provider").list.len() == 0)
            .alias("enc.rendering_matches_visit")
        )
        .drop("_named")
    )


FAMILY = Family(
    namespace="enc",
    requires="encounters",
    scopes=("line", "claim"),
    columns={
        "enc.visit_on_date": "the patient has a documented visit on the line's date (claim: on every date it bills)",
        "enc.dates_without_visit": "the dates billed with no documented visit for the patient",
        "enc.visit_rendering_npis": "rendering NPIs of the visits on those dates",
        "enc.dates_other_provider": "dates whose visits name only providers other than the claim's",
        "enc.rendering_matches_visit": "the claim's rendering NPI (or billing NPI) is that of the visits on its dates",
    },
    reads=frozenset(
        {
            CLAIM_ROW,
            LINE_ROW,
            "claim.claim_id",
            "claim.patient_id",
            "claim.rendering_npi",
            "claim.billing_npi",
            "line.service_date",
            "claim.first_service_date",
            "claim.last_service_date",
        }
    ),
    add=_encounters,
)
