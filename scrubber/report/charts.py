"""Chart geometry for the fix list's inline SVG: where each bar goes, computed here.

The template only draws the rectangles and labels it is given, so the page needs no
charting script and nothing from outside the file.
"""

from __future__ import annotations

import polars as pl

from scrubber.findings import counting
from scrubber.history import PastRun
from scrubber.summary import RunSummary

LABEL_WIDTH = 120
BAR_SPACE = 230
ROW_HEIGHT = 22
MOST_BARS = 15
TREND_RUNS = 12
TREND_HEIGHT = 110
TREND_COLUMN = 56


def bar_chart(title: str, counts: pl.DataFrame, key: str) -> dict:
    """Horizontal bars, largest first; past MOST_BARS the rest are a line of text, not a bar that would dwarf them."""
    ranked = counts.sort(["len", key], descending=[True, False])
    rows = list(zip(ranked[key].fill_null("(none)").to_list(), ranked["len"].to_list(), strict=True))
    rest = rows[MOST_BARS:]
    rows = rows[:MOST_BARS]
    peak = max((v for _, v in rows), default=0) or 1
    bars = [
        {
            "label": label,
            "value": value,
            "y": i * ROW_HEIGHT,
            "width": max(1, round(BAR_SPACE * value / peak)),
        }
        for i, (label, value) in enumerate(rows)
    ]
    return {
        "title": title,
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_SPACE + 60,
        "height": max(ROW_HEIGHT, len(bars) * ROW_HEIGHT),
        "bars": bars,
        "rest": f"+ {len(rest)} more ({sum(v for _, v in rest)} findings)" if rest else "",
    }


def finding_charts(findings: pl.DataFrame) -> list[dict]:
    """Active findings by category, by rule and by payer."""
    active = counting(findings)
    return [
        bar_chart("Findings by category", active.group_by("category").len(), "category"),
        bar_chart("Findings by rule", active.group_by("rule_id").len(), "rule_id"),
        bar_chart("Findings by payer", active.group_by("payer_id").len(), "payer_id"),
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
