"""The timely-filing deadline: the payer's limit from a clock start, moved past federal non-workdays.

Medicare's limit is "12 months, or 1 calendar year, after the date of service" (42 CFR 424.44(a)):
a date of service of March 15 files by March 15 of the next year, and one of February 29 by
February 28 (FCSO's example); 365 days would fall a day early whenever a February 29 lies between.
So a profile states its limit in months or in days, as the payer's policy or contract words it.

"Whenever the last day for timely filing of a claim falls on a Saturday, Sunday, legal holiday, or
other day all or part of which is a non-work-day for Federal employees because of Federal statute
or executive order, the claim will be considered timely if it is filed on the next workday" (Pub.
100-04 ch. 1 §70). Payers' contracts and state prompt-pay rules mostly count the same way; a profile
switches it off (timely_filing_next_workday: false) for a payer whose contract counts the last day
as it falls.

The federal holidays are computed by rule rather than taken from a library: eleven holidays of
5 U.S.C. 6103(a) (Juneteenth from 2021) with the observance rule of 5 U.S.C. 6103(b) and Executive
Order 11582 (a Saturday holiday is observed on the Friday before, a Sunday one on the Monday after),
about thirty lines that a test checks against OPM's published dates. A dependency such as `holidays`
would add nothing these rules miss, and neither it nor the rules know the days a President closes
the government by executive order, which are listed below as they are announced.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

FIRST_YEAR, LAST_YEAR = 2000, 2040  # deadlines outside these years move past weekends only

# Whole days the executive departments were closed by executive order (OPM announcements).
EXECUTIVE_ORDER_CLOSURES = (
    dt.date(2012, 12, 24),
    dt.date(2014, 12, 26),
    dt.date(2015, 12, 24),
    dt.date(2018, 12, 5),  # national day of mourning, President George H. W. Bush
    dt.date(2018, 12, 24),
    dt.date(2019, 12, 24),
    dt.date(2020, 12, 24),
    dt.date(2024, 12, 24),
    dt.date(2025, 1, 9),  # national day of mourning, President Jimmy Carter
    dt.date(2025, 12, 24),
    dt.date(2025, 12, 26),
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The nth (1-based; -1 for the last) given weekday (Monday 0) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """5 U.S.C. 6103(b), EO 11582: Saturday's holiday is kept on Friday, Sunday's on Monday."""
    return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def federal_holidays(year: int) -> list[dt.date]:
    """The days federal offices close for the legal public holidays of a year, as observed."""
    fixed = [(1, 1), (7, 4), (11, 11), (12, 25)] + ([(6, 19)] if year >= 2021 else [])
    monday, thursday = 0, 3
    return sorted(
        [_observed(dt.date(year, month, day)) for month, day in fixed]
        + [
            _nth_weekday(year, 1, monday, 3),  # Birthday of Martin Luther King, Jr.
            _nth_weekday(year, 2, monday, 3),  # Washington's Birthday
            _nth_weekday(year, 5, monday, -1),  # Memorial Day
            _nth_weekday(year, 9, monday, 1),  # Labor Day
            _nth_weekday(year, 10, monday, 2),  # Columbus Day
            _nth_weekday(year, 11, thursday, 4),  # Thanksgiving Day
        ]
    )


# A Saturday New Year's Day is observed on December 31 of the year before, so each year's list
# may name a day of the previous year; the sorted union serves every deadline alike.
FEDERAL_NON_WORKDAYS = sorted(
    {day for year in range(FIRST_YEAR, LAST_YEAR + 1) for day in federal_holidays(year)} | set(EXECUTIVE_ORDER_CLOSURES)
)


def filing_deadline(start: pl.Expr, days: pl.Expr, months: pl.Expr, next_workday: pl.Expr) -> pl.Expr:
    """The last day the payer accepts a claim whose clock starts at `start`.

    `months` (null when the payer counts days) counts calendar months, ending on the same day of
    the month or, where that month is shorter, on its last day (February 29 + 12 months is
    February 28); otherwise `days` calendar days. Where `next_workday`, a deadline on a weekend or
    federal non-workday moves to the next workday.
    """
    last_day = (
        pl.when(months.is_not_null())
        .then(start.dt.offset_by(pl.format("{}mo", months)))
        .otherwise(start + pl.duration(days=days))
    )
    moved = last_day.dt.add_business_days(0, holidays=FEDERAL_NON_WORKDAYS, roll="forward")
    return pl.when(next_workday).then(moved).otherwise(last_day)


FILING_LIMIT_COLUMNS = ("payer.timely_filing_days", "payer.timely_filing_months", "payer.timely_filing_next_workday")


def payer_filing_deadline(start: pl.Expr) -> pl.Expr:
    """filing_deadline with the limit of the row's payer (its payer.* profile columns)."""
    return filing_deadline(start, *(pl.col(c) for c in FILING_LIMIT_COLUMNS))


def with_payer_filing_deadline(frame: pl.LazyFrame, start: str, alias: str) -> pl.LazyFrame:
    """The frame with payer_filing_deadline(start) as `alias`, computed once per distinct clock start and limit.

    A batch's rows share a few hundred dates and a handful of payer limits: the month offset (a
    formatted string per row) and the holiday roll cost 1.1 CPU s per 1M rows row by row, 0.25 s on
    the distinct combinations joined back (rows and their order kept).
    """
    keys = [start, *FILING_LIMIT_COLUMNS]
    deadlines = frame.select(keys).unique().with_columns(payer_filing_deadline(pl.col(start)).alias(alias))
    return frame.join(deadlines, on=keys, how="left", nulls_equal=True, maintain_order="left")
