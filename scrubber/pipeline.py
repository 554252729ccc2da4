"""One scrub of one batch: load, run the rule pack, write the outputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from scrubber.batch import Batch, load_batch
from scrubber.engine.context import RunContext
from scrubber.engine.run import PatientGroups, RuleRun, run_rules
from scrubber.history import billed_history, previous_runs
from scrubber.lock import run_lock
from scrubber.logs import RunLog
from scrubber.paths import Settings
from scrubber.report.atomic import atomic_folder
from scrubber.report.write import RunReport, batch_outputs, write_outputs
from scrubber.rulebook.book import Rulebook, load_rulebook
from scrubber.shard.driver import ShardPlan
from scrubber.summary import RunSummary, summarise
from scrubber.versioning import rules_version

STAGES = ("rules", "load", "rules_run", "write")


@dataclass
class Outcome:
    out_dir: Path
    summary: RunSummary
    findings: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def scrub(
    batch: Batch,
    rulebook: Rulebook,
    as_of: dt.date,
    history: pl.LazyFrame | None = None,
    groups: PatientGroups | None = None,
) -> RuleRun:
    """The rulebook over an already loaded batch: a run's rules stage, the examples', the benchmark's and diff's."""
    return run_rules(rulebook.rules, RunContext.of(rulebook, batch, as_of, history), groups=groups)


def run(
    batch_dir: Path,
    out_dir: Path,
    as_of: dt.date,
    rulebook: Rulebook | Settings,
    log: RunLog | None = None,
    shards: ShardPlan | None = None,
) -> Outcome:
    """Scrub one batch into out_dir, holding out_dir's lock from the first step to the last.

    Given Settings, the rulebook is loaded inside the lock as the run's first stage (the command line);
    given a loaded Rulebook (tests, a service scrubbing many batches), that stage only reports it.
    Given a ShardPlan, the per-patient rules run in patient shards on its backend (scrubber/shard/).
    """
    log = log or RunLog()
    with run_lock(out_dir, on_stale=log.warning):
        source = rulebook if isinstance(rulebook, Settings) else rulebook.source
        with log.stage("rules", source.describe()) as facts:
            book = load_rulebook(source) if isinstance(rulebook, Settings) else rulebook
            facts["rules"] = len(book.rules)

        with log.stage("load") as facts:
            batch = load_batch(batch_dir)
            facts.update({i.table: i.rows for i in batch.inputs}, load_issues=batch.issues.height)

        # The outputs of the batch alone are written while the rules run (report/write.py batch_outputs).
        with atomic_folder(out_dir) as staging, batch_outputs(staging, batch) as beside:
            with log.stage("rules_run") as facts:
                earlier = previous_runs(out_dir, as_of, batch_dir)
                version = rules_version(source.rules_dir, source.profiles_dir)
                groups = (
                    None if shards is None else shards.groups(source, version, lambda s: facts.update(_shard_facts(s)))
                )
                result = scrub(batch, book, as_of, billed_history(earlier), groups)
                facts.update(
                    rules_ran=len(result.ran), not_checked=len(result.not_checked), findings=result.findings.height
                )

            with log.stage("write"):
                summary = summarise(
                    as_of=as_of,
                    batch_dir=batch_dir,
                    rules_version=version,
                    rules_source=source.describe(),
                    rules_run=len(result.ran),
                    inputs=batch.inputs,
                    not_checked=result.not_checked,
                    claims=batch.claims,
                    findings=result.findings,
                )
                report = RunReport(
                    summary,
                    result.findings,
                    batch.claims,
                    batch.claim_lines,
                    batch.patients,
                    book.rules,
                    book.profiles,
                    earlier,
                    batch.encounters,
                )
                write_outputs(staging, report, beside)
    log.finish(summary.claim_counts())
    return Outcome(Path(out_dir), summary, result.findings, dict(log.timings))


def _shard_facts(stats: list[dict]) -> dict:
    """Counts only (no patient data) for the run log."""
    return {
        "shards": len(stats),
        "shard_seconds_max": max((s["seconds"] for s in stats), default=0),
        "shard_peak_rss_mib_max": max((s["peak_rss_mib"] for s in stats), default=0),
        "shard_retries": sum(s.get("attempts", 1) - 1 for s in stats),
        "stage_mib": round(sum(s["input_mib"] for s in stats), 1),
    }
