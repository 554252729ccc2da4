"""`elig.`: the member's coverage (batch eligibility rows) on the dates a line or claim bills."""

from __future__ import annotations

import polars as pl

from scrubber.engine.context import RunContext
from scrubber.engine.families.base import Family

MEMBER_PAYERS = frozenset({"elig.member_payers", "elig.member_known_any_payer"})


def _eligibility(frame: pl.LazyFrame, ctx: RunContext, scope: str, wanted: frozenset[str]) -> pl.LazyFrame:
    spans = ctx.batch.eligibility.lazy().select(
        member=pl.col("member_id"),
        payer=pl.col("payer_id"),
        start=pl.col("coverage_start"),
        end=pl.col("coverage_end"),
        active=pl.col("status").str.to_lowercase().str.strip_chars() == "active",
    )
    first, last = (
        ("line.service_date", "line.service_date")
        if scope == "line"
        else (
            "claim.first_service_date",
            "claim.last_service_date",
        )
    )
    keys = frame.select(
        member=pl.col("claim.member_id"), payer=pl.col("claim.payer_id"), first=pl.col(first), last=pl.col(last)
    ).unique()

    def covers(date: str) -> pl.Expr:
        return (pl.col("start") <= pl.col(date)) & (pl.col("end").is_null() | (pl.col(date) <= pl.col("end")))

    facts = (
        keys.join(spans, on=["member", "payer"], how="left")
        .group_by("member", "payer", "first", "last")
        .agg(
            (pl.col("active") & covers("first")).any().alias("elig.covered"),
            (pl.col("active") & covers("last")).any().alias("elig.covered_on_last_date"),
            (~pl.col("active") & covers("first")).any().alias("elig.inactive_on_date"),
            pl.col("start").is_not_null().any().alias("elig.member_known"),
            pl.col("start").filter("active").min().alias("elig.coverage_start"),
            pl.col("end")
            .filter(pl.col("active") & covers("first") & (pl.col("end") < pl.col("last")))
            .max()
            .alias("elig.coverage_end_in_span"),
            pl.col("end")
            .filter(pl.col("active") & (pl.col("end") < pl.col("first")))
            .max()
            .alias("elig.last_coverage_end"),
        )
    )
    covered = frame.join(
        facts,
        left_on=["claim.member_id", "claim.payer_id", first, last],
        right_on=["member", "payer", "first", "last"],
        how="left",
        maintain_order="left",
    ).with_columns(
        _whole_months(pl.col("elig.coverage_start"), pl.col(first)).alias("elig.months_since_coverage_start")
    )
    if not wanted & MEMBER_PAYERS:  # the join below costs 0.05 CPU s per 555,000 lines, read or not
        return covered
    # Member ids are the payer's own, but the same id on file at another payer usually means the
    # claim names the wrong payer (a plan change the registration missed).
    # Distinct rows sorted once, then grouped in order: sorting and deduplicating each member's list took 0.11 s
    # at 1M lines (140,000 eligibility rows), this 0.04.
    payers_of_member = (
        ctx.batch.eligibility.lazy()
        .select(member=pl.col("member_id"), payer=pl.col("payer_id"))
        .unique()
        .sort("member", "payer")
        .group_by("member", maintain_order=True)
        .agg(pl.col("payer").drop_nulls().alias("elig.member_payers"))
    )
    return covered.join(
        payers_of_member, left_on="claim.member_id", right_on="member", how="left", maintain_order="left"
    ).with_columns((pl.col("elig.member_payers").list.len().fill_null(0) > 0).alias("elig.member_known_any_payer"))


def _whole_months(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole months from one date to another (2025-01-15 to 2026-01-14: 11; to 2026-01-15: 12)."""
    months = (end.dt.year() - start.dt.year()) * 12 + end.dt.month().cast(pl.Int32) - start.dt.month().cast(pl.Int32)
    return months - (end.dt.day() < start.dt.day()).cast(pl.Int32)


FAMILY = Family(
    namespace="elig",
    requires="eligibility",
    scopes=("line", "claim"),
    columns={
        "elig.covered": "an active span of the member at the claim's payer covers the date (claim: the first date)",
        "elig.covered_on_last_date": "an active span covers the claim's last date (line: the line's date)",
        "elig.inactive_on_date": "an inactive span covers the date",
        "elig.member_known": "the member has any eligibility row at the claim's payer",
        "elig.coverage_start": "the earliest start of the member's active spans at the claim's payer (for Medicare,"
        " the Part B start as far as the eligibility file goes back)",
        "elig.months_since_coverage_start": "whole months from that start to the date (claim: the first date)",
        "elig.member_known_any_payer": "the member has eligibility rows at some payer",
        "elig.member_payers": "the payers at which the member id has eligibility rows",
        "elig.coverage_end_in_span": "end of the active span covering the first date, when it stops before"
        " the last date",
        "elig.last_coverage_end": "the latest end of an active span that ended before the date",
    },
    reads=frozenset(
        {
            "claim.member_id",
            "claim.payer_id",
            "line.service_date",
            "claim.first_service_date",
            "claim.last_service_date",
        }
    ),
    add=_eligibility,
)
