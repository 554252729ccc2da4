"""This run against the earlier ones: which findings are new, resolved or still open, and by claim:
new, still open (for how many nights), fixed, or no longer in the batch.

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
# How far back a claim's run of flagged nights is counted: past a quarter it reads "90+ nights" anyway.
MOST_NIGHTS = 90
FIXED, GONE = "fixed", "gone"


@dataclass(frozen=True)
class Comparison:
    previous_as_of: str
    previous_folder: str
    new: int
    still_open: int
    resolved_findings: pl.DataFrame
    previous_claims: pl.DataFrame  # claim_id, payer_id, rule_id, message: each flagged claim's first finding

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
        previous_claims=before.filter(pl.col("claim_id").is_not_null())
        .sort("claim_id", "line_number", "rule_id", nulls_last=False)
        .unique("claim_id", keep="first", maintain_order=True)
        .select("claim_id", "payer_id", "rule_id", "message"),
    )
    return marked, comparison


@dataclass(frozen=True)
class ClaimHistory:
    """Tonight's flagged claims against the same output root's earlier runs.

    `streaks`: claim_id, nights_before (how many consecutive earlier runs, latest first, flagged it),
    first_flagged (the first of those runs' dates). `closed`: the previous run's flagged claims that
    tonight's run does not flag, with its payer, top finding and `change`: FIXED when the claim is in
    tonight's batch and scrubs clean, GONE when it is not in tonight's batch at all (sent, deleted or
    not exported: the run cannot tell, so it is never counted as fixed).
    """

    previous_as_of: str
    streaks: pl.DataFrame
    closed: pl.DataFrame


def _flagged_claims(run: PastRun) -> pl.DataFrame | None:
    try:
        frame = pl.read_parquet(run.folder / FINDINGS_FILE, columns=["claim_id", "rule_status"])
    except (pl.exceptions.PolarsError, OSError):
        return None
    return counting(frame).select(pl.col("claim_id").cast(pl.String)).drop_nulls().unique()


def claim_history(
    findings: pl.DataFrame, claims: pl.DataFrame, runs: list[PastRun], comparison: Comparison | None
) -> ClaimHistory | None:
    """By claim, what changed since the previous run (None when there is nothing to compare with)."""
    if comparison is None:
        return None
    flagged = []
    for back, run in enumerate(reversed(runs[-MOST_NIGHTS:]), start=1):
        found = _flagged_claims(run)
        if found is not None:
            flagged.append(found.with_columns(pl.lit(back).alias("back"), pl.lit(run.as_of).alias("run_as_of")))
    earlier = (
        pl.concat(flagged)
        if flagged
        else pl.DataFrame(schema={"claim_id": pl.String, "back": pl.Int32, "run_as_of": pl.Date})
    )
    # A claim's streak: the earlier runs 1, 2, 3 ... (latest first) that flagged it, up to the first gap.
    streaks = (
        earlier.sort("claim_id", "back")
        .group_by("claim_id")
        .agg(
            in_streak=(pl.col("back") == pl.int_range(1, pl.len() + 1)).cum_prod().cast(pl.Boolean),
            run_as_of=pl.col("run_as_of"),
        )
        .explode("in_streak", "run_as_of")
        .filter(pl.col("in_streak"))
        .group_by("claim_id")
        .agg(pl.len().cast(pl.Int64).alias("nights_before"), pl.col("run_as_of").min().alias("first_flagged"))
    )
    now = counting(findings).select("claim_id").drop_nulls().unique()
    in_batch = claims.select("claim_id").unique()
    before = comparison.previous_claims
    closed = (
        before.join(now, on="claim_id", how="anti")
        .join(in_batch.with_columns(pl.lit(FIXED).alias("change")), on="claim_id", how="left")
        .with_columns(pl.col("change").fill_null(GONE))
    )
    return ClaimHistory(comparison.previous_as_of, streaks, closed)
