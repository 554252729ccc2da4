"""This run against the previous one: which findings are new, resolved or still open.

The previous run is the latest completed run found beside this one under reports/
(see history.py). A finding is the same finding when it names the same claim, line,
visit and rule; messages may change wording between rule versions, so they are not
compared. History is optional: an unreadable previous run means no comparison,
never a failed run.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scrubber.findings import FINDING_KEY, counting
from scrubber.history import PastRun

FINDINGS_FILE = "findings.parquet"


@dataclass(frozen=True)
class Comparison:
    previous_as_of: str
    previous_folder: str
    new: int
    still_open: int
    resolved_findings: pl.DataFrame

    @property
    def resolved(self) -> int:
        return self.resolved_findings.height


def previous_findings(runs: list[PastRun]) -> tuple[PastRun, pl.DataFrame] | None:
    """The latest earlier run whose findings can be read, with its active findings."""
    for run in reversed(runs):
        path = run.folder / FINDINGS_FILE
        if not path.is_file():
            continue
        try:
            frame = pl.read_parquet(path, columns=[*FINDING_KEY, "payer_id", "message", "rule_status"])
        except (pl.exceptions.PolarsError, OSError):
            continue  # written by another version, or damaged
        return run, counting(frame).select(
            pl.col("claim_id").cast(pl.String),
            pl.col("line_number").cast(pl.Int64),
            pl.col("encounter_id").cast(pl.String),
            pl.col("rule_id").cast(pl.String),
            pl.col("payer_id").cast(pl.String),
            pl.col("message").cast(pl.String),
        ).unique(FINDING_KEY, keep="first")
    return None


def compare(findings: pl.DataFrame, runs: list[PastRun]) -> tuple[pl.DataFrame, Comparison | None]:
    """The findings with `is_new` (null when there is nothing to compare with) and the counts."""
    previous = previous_findings(runs)
    if previous is None:
        return findings.with_columns(pl.lit(None, pl.Boolean).alias("is_new")), None
    run, before = previous
    keys = before.select(FINDING_KEY).with_columns(pl.lit(False).alias("is_new"))
    marked = findings.join(keys, on=FINDING_KEY, how="left", nulls_equal=True).with_columns(
        pl.col("is_new").fill_null(True)
    )
    now = counting(marked).unique(FINDING_KEY)
    resolved = before.join(now.select(FINDING_KEY), on=FINDING_KEY, how="anti", nulls_equal=True).sort(
        "claim_id", "line_number", "rule_id", nulls_last=True
    )
    comparison = Comparison(
        previous_as_of=run.as_of.isoformat(),
        previous_folder=run.folder.name,
        new=now.filter(pl.col("is_new")).height,
        still_open=now.filter(~pl.col("is_new")).height,
        resolved_findings=resolved,
    )
    return marked, comparison
