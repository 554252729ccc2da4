"""One scrub of one batch: load, run the rule pack, write the outputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from scrubber import paths
from scrubber.batch import Batch, load_batch
from scrubber.engine.context import RunContext
from scrubber.engine.run import RuleRun, run_rules
from scrubber.history import billed_history, previous_runs
from scrubber.lock import run_lock
from scrubber.logs import RunLog
from scrubber.report.atomic import atomic_folder
from scrubber.report.write import RunReport, write_outputs
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.rules import load_rules
from scrubber.summary import RunSummary, summarise
from scrubber.versioning import rules_version

STAGES = ("rules", "load", "rules_run", "write")


@dataclass
class Settings:
    rules_dir: Path
    profiles_dir: Path
    found: str = "given"  # how the folders were chosen, said in -v logs, summary.json and validate's ok line

    @property
    def reference_dir(self) -> Path:
        return self.rules_dir / "reference"

    @classmethod
    def resolve(cls, rules_dir: Path | None, profiles_dir: Path | None) -> Settings:
        """--rules-dir and --profiles-dir when given; otherwise the pack found from where the command runs."""
        pack = paths.find_pack()
        given = [name for name, value in (("--rules-dir", rules_dir), ("--profiles-dir", profiles_dir)) if value]
        found = f"{pack.root} ({pack.found})"
        how = found if not given else " and ".join(given) + ("" if len(given) == 2 else f"; the rest from {found}")
        return cls(Path(rules_dir or pack.root / paths.RULES), Path(profiles_dir or pack.root / paths.PROFILES), how)

    def describe(self) -> dict[str, str]:
        return {"rules_dir": str(self.rules_dir), "profiles_dir": str(self.profiles_dir), "found": self.found}


@dataclass
class Outcome:
    out_dir: Path
    summary: RunSummary
    findings: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def scrub(batch: Batch, settings: Settings, as_of: dt.date) -> RuleRun:
    """The rule pack over an already loaded batch (the examples and the benchmark call this too)."""
    ctx = RunContext(batch, load_profiles(settings.profiles_dir), ReferenceLibrary(settings.reference_dir), as_of)
    return run_rules(load_rules(settings.rules_dir), ctx)


def run(batch_dir: Path, out_dir: Path, as_of: dt.date, settings: Settings, log: RunLog | None = None) -> Outcome:
    """Scrub one batch into out_dir, holding out_dir's lock from the first step to the last."""
    log = log or RunLog()
    with run_lock(out_dir, on_stale=log.warning):
        with log.stage("rules", settings.describe()) as facts:
            rules = load_rules(settings.rules_dir)
            profiles = load_profiles(settings.profiles_dir)
            facts["rules"] = len(rules)

        with log.stage("load") as facts:
            batch = load_batch(batch_dir)
            facts.update({i.table: i.rows for i in batch.inputs}, load_issues=batch.issues.height)

        with log.stage("rules_run") as facts:
            earlier = previous_runs(out_dir, as_of)
            ctx = RunContext(batch, profiles, ReferenceLibrary(settings.reference_dir), as_of, billed_history(earlier))
            result = run_rules(rules, ctx)
            facts.update(rules_ran=len(result.ran), not_checked=len(result.not_checked), findings=result.findings.height)

        with log.stage("write"):
            summary = summarise(
                as_of=as_of,
                batch_dir=batch_dir,
                rules_version=rules_version(settings.rules_dir, settings.profiles_dir),
                rules_source=settings.describe(),
                rules_run=len(result.ran),
                inputs=batch.inputs,
                not_checked=result.not_checked,
                claims=batch.claims,
                findings=result.findings,
            )
            report = RunReport(
                summary, result.findings, batch.claims, batch.claim_lines, batch.patients, rules, profiles, earlier
            )
            with atomic_folder(out_dir) as staging:
                write_outputs(staging, report)
    log.finish(summary.claim_counts())
    return Outcome(Path(out_dir), summary, result.findings, dict(log.timings))
