"""Chart geometry for the fix list's inline SVG: where each bar goes, computed here.

The template only draws the rectangles and labels it is given, so the page needs no
charting script and nothing from outside the file.
"""

from __future__ import annotations

import polars as pl

from scrubber.history import PastRun
from scrubber.report.cards import UNBILLED_RULE
from scrubber.summary import RunSummary

LABEL_WIDTH = 120
BAR_SPACE = 230
ROW_HEIGHT = 22
MOST_BARS = 15
TREND_RUNS = 12
TREND_HEIGHT = 110
TREND_COLUMN = 56
VALUE_WIDTH = 170
# The buckets' names on the page (the list's bucket filter reads the same values).
NO_PAYER = "—"  # a list row's payer when neither the claim nor its findings name one
BUCKET_NAMES = {"on_time": "to file on time", "past": "past the deadline", "unbilled": "unbilled visits"}


def money(value: float) -> str:
    return f"${value:,.2f}"


def bar_chart(
    title: str,
    counts: pl.DataFrame,
    key: str,
    filter_name: str = "",
    unit: str = "finding",
    names: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
) -> dict:
    """Horizontal bars, largest first; past MOST_BARS the rest are a line of text, not a bar that would dwarf them.

    `counts` has the `key`, `len` (how many) and optionally `dollars`; with dollars the bars are drawn by
    dollars and say both. With a `filter_name` each bar is a link that sets that filter of the list to its key.
    `names` gives a key's label when it is not the key itself, `units` a key's unit when it is not `unit`.
    """
    if "dollars" not in counts.columns:
        counts = counts.with_columns(pl.lit(None, pl.Float64).alias("dollars"))
    by = "dollars" if counts["dollars"].fill_null(0).sum() > 0 else "len"
    ranked = counts.with_columns(pl.col(key).fill_null("(none)")).sort(
        [by, "len", key], descending=[True, True, False], nulls_last=True
    )
    rows = ranked.select(key, "len", "dollars").rows()
    rest, rows = rows[MOST_BARS:], rows[:MOST_BARS]
    size = {"len": lambda r: r[1], "dollars": lambda r: r[2] or 0}[by]
    peak = max((size(r) for r in rows), default=0) or 1
    plural = lambda n, word=unit: f"{n:,} {word}{'' if n == 1 else 's'}"  # noqa: E731
    bars = []
    for i, row in enumerate(rows):
        key_value, count, dollars = row
        label = (names or {}).get(key_value, key_value)
        counted = plural(count, (units or {}).get(key_value, unit))
        value = counted if dollars is None else f"{counted} · {money(dollars)}"
        bars.append(
            {
                "label": label,
                "value": value,
                "y": i * ROW_HEIGHT,
                "width": max(1, round(BAR_SPACE * size(row) / peak)),
                "filter": filter_name,
                "key": key_value,
                "aria": f"{label}: {value}" + (", show them in the list" if filter_name else ""),
            }
        )
    rest_count = sum(r[1] for r in rest)
    return {
        "title": title,
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_SPACE + VALUE_WIDTH,
        "height": max(ROW_HEIGHT, len(bars) * ROW_HEIGHT),
        "bars": bars,
        "rest": f"+ {len(rest)} more ({plural(rest_count)})" if rest else "",
    }


def claim_charts(rows: pl.DataFrame) -> list[dict]:
    """Claims and their dollars by bucket, by payer and by rule, from the list's rows (list_rows); each bar
    filters the list. Unbilled visits count as claims to be; they have no dollars yet."""
    work = rows.filter(pl.col("kind").is_in(["claim", "visit"]))
    # No dollars at all (unbilled visits) is none, not $0.00.
    tally = [pl.len().alias("len"), pl.when(pl.col("total").count() > 0).then(pl.col("total").sum()).alias("dollars")]
    buckets = work.group_by("bucket").agg(*tally)
    by_rule = work.select("rules", "total").explode("rules").group_by(pl.col("rules").alias("rule_id")).agg(*tally)
    return [
        bar_chart(
            "Claims and dollars by bucket", buckets, "bucket", "bucket", "claim", BUCKET_NAMES, {"unbilled": "visit"}
        ),
        bar_chart(
            "Claims and dollars by payer",
            work.group_by("payer_id").agg(*tally),
            "payer_id",
            "payer_id",
            "claim",
            {NO_PAYER: "no payer"},
        ),
        bar_chart("Claims and dollars by rule", by_rule, "rule_id", "rule_id", "claim", units={UNBILLED_RULE: "visit"}),
    ]


def trend_chart(summary: RunSummary, runs: list[PastRun]) -> dict:
    """The clean-claim rate of the last runs under reports/ and this one, oldest on the left."""
    summaries = [r.summary for r in runs] + [summary]
    points = [(s.as_of.isoformat(), s.clean_rate) for s in summaries]
    points = [(day, rate) for day, rate in points if rate is not None][-TREND_RUNS:]
    columns = [
        {
            "label": day,
            "short": day[5:],  # MM-DD: the year is in the page header
            "percent": f"{rate:.0%}",
            "x": i * TREND_COLUMN,
            "height": max(1, round(TREND_HEIGHT * rate)),
            "y": TREND_HEIGHT - max(1, round(TREND_HEIGHT * rate)),
            "current": i == len(points) - 1,
        }
        for i, (day, rate) in enumerate(points)
    ]
    return {
        "title": "Clean-claim rate, last runs",
        "width": max(TREND_COLUMN, len(columns) * TREND_COLUMN),
        "plot_height": TREND_HEIGHT,
        "height": TREND_HEIGHT + 34,
        "columns": columns,
        "column_width": TREND_COLUMN - 12,
    }
