"""Earlier runs kept under reports/: what was billed before, and how past runs went.

A run's output folder holds `billed_lines.parquet` (who was billed what, when, by
whom) beside `summary.json` and the findings. Later runs read their siblings to
flag a service billed again on another claim, and the report compares itself
with the previous run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.billing import IDENTITY, restates_claim, service_identity
from scrubber.paths import demo_batch_dir
from scrubber.summary import SUMMARY, RunSummary, read_summary

BILLED_LINES = "billed_lines.parquet"
# Kept beside the identity for edits that look past one service: the group (global package, add-on
# primaries) and the claim's diagnoses (screening frequency limits).
HISTORY_EXTRA = ["billing_npi", "diagnosis_codes"]


@dataclass(frozen=True)
class PastRun:
    folder: Path
    as_of: dt.date
    summary: RunSummary


def write_billed_lines(folder: Path, claims: pl.DataFrame, lines: pl.DataFrame) -> None:
    """This run's billed lines into folder, streamed: a slice of rows is held at a time, not a second
    table of every line of the batch beside the batch (at 10M lines that took 1.9-2.5 GiB more, the
    run's peak); the file's bytes are the same."""
    billed_lines(claims, lines).sink_parquet(Path(folder) / BILLED_LINES)


def billed_lines(claims: pl.DataFrame, lines: pl.DataFrame) -> pl.LazyFrame:
    """This run's services, as later runs will look them up, in the lines' file order.

    The order is kept (not sorted afterwards) so a rerun writes the same bytes at no cost.
    """
    joined = (
        lines.lazy()
        .select(pl.all().name.prefix("line."))
        .join(
            claims.lazy().select(pl.all().name.prefix("claim.")),
            left_on="line.claim_id",
            right_on="claim.claim_id",
            how="inner",
            coalesce=False,
            maintain_order="left",
        )
    )
    return joined.filter(~restates_claim()).select(
        *service_identity(),
        pl.col("claim.claim_id").alias("claim_id"),
        pl.col("line.line_number").alias("line_number"),
        pl.col("line.units").alias("units"),  # a later run's same-day MUE counts them
        pl.col("line.charge").alias("charge"),  # `scrubber serve` counts the dollars of a claim it imports
        # The global package and add-on edits bind the group; frequency limits read the diagnoses.
        pl.col("claim.billing_npi").alias("billing_npi"),
        pl.col("claim.diagnosis_codes").alias("diagnosis_codes"),
    )


def previous_runs(out_dir: Path, as_of: dt.date, batch_dir: Path | None = None) -> list[PastRun]:
    """Completed runs beside out_dir (the same output root) for dates up to as_of, oldest first (out_dir itself
    excluded). Given this run's batch_dir, a run of the shipped demo batch counts only for another demo run:
    `scrubber demo` writes reports/demo beside the nightly runs, and its claims are not the practice's."""
    out_dir = Path(out_dir).resolve()
    skip_demo = batch_dir is not None and not _is_demo(batch_dir)
    runs = []
    if not out_dir.parent.is_dir():
        return runs
    for folder in out_dir.parent.iterdir():
        if folder.resolve() == out_dir or folder.name.startswith(".") or not (folder / SUMMARY).is_file():
            continue
        try:
            summary = read_summary(folder)
        except (ValueError, KeyError, OSError):
            continue  # not a run of ours, or damaged: history is optional, never fatal
        if summary.as_of <= as_of and not (skip_demo and _is_demo(summary.batch)):
            runs.append(PastRun(folder, summary.as_of, summary))
    return sorted(runs, key=lambda r: (r.as_of, r.folder.name))


def _is_demo(batch: Path | str) -> bool:
    return bool(str(batch)) and Path(batch).resolve() == demo_batch_dir().resolve()


def billed_history(runs: list[PastRun]) -> pl.LazyFrame | None:
    """Every service billed in the earlier runs, with the run's date."""
    frames = [_billed_in(run) for run in runs if (run.folder / BILLED_LINES).is_file()]
    return pl.concat(frames, how="vertical_relaxed") if frames else None


def _billed_in(run: PastRun) -> pl.LazyFrame:
    """One earlier run's services. Files written by older versions lack some identity columns.

    Without the NDC (older than NDC in the identity) a line had none: "". Without the payer and
    member id (older than the payer in the identity) they are null, which matches no line: such
    a run no longer flags anything as billed before. A billing company loses less that way: a
    true resend the history misses is denied CO-18 and worked from the remittance, while a
    claim to the secondary payer flagged against its primary claim ("delete this line") would
    throw away the secondary payment. The blind spot closes as those runs age out of the
    timely-filing window.
    """
    billed = pl.scan_parquet(run.folder / BILLED_LINES)
    names = billed.collect_schema().names()
    if "ndc" not in names:
        billed = billed.with_columns(pl.lit("").alias("ndc"))
    billed = billed.with_columns(pl.lit(None, pl.String).alias(c) for c in ("payer_id", "member_id") if c not in names)
    if "units" not in names:  # written before billed lines kept their units: they count none
        billed = billed.with_columns(pl.lit(None, pl.Decimal(12, 3)).alias("units"))
    # Written before billed lines kept the group and diagnoses: nothing of theirs is in a package or a count.
    if "billing_npi" not in names:
        billed = billed.with_columns(pl.lit(None, pl.String).alias("billing_npi"))
    if "diagnosis_codes" not in names:
        billed = billed.with_columns(pl.lit(None, pl.List(pl.String)).alias("diagnosis_codes"))
    # One column order for every run, old or new, so that their files stack.
    return billed.select(
        *IDENTITY, "claim_id", "line_number", "units", *HISTORY_EXTRA, pl.lit(run.as_of).alias("billed_in_run")
    )
