"""summary.json: what a run checked and how its claims came out, declared and built here only.

The report reads its fields (the fix list's header, the clean-rate trend), the CLI prints its
counts, and later runs read it back from their siblings under reports/. The file's keys are the
fields of RunSummary, written sorted, so adding a field here is the whole change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import polars as pl

from scrubber.batch.load import InputFile
from scrubber.findings import claim_outcomes, counting

SUMMARY = "summary.json"


@dataclass(frozen=True)
class RunSummary:
    """One run's summary. Every field but as_of has an empty default only so that a summary.json
    written by an older version (without a later field) still reads: summarise() sets them all."""

    as_of: dt.date
    batch: str = ""  # the batch folder as given on the command line
    rules_version: str = ""  # git commit plus a hash of the rules and profiles (versioning.py)
    rules_source: dict[str, str] = field(default_factory=dict)  # where the rules and profiles came from, and how
    rules_run: int = 0
    input_files: list[dict[str, Any]] = field(default_factory=list)  # table, path, format and rows of each file
    not_checked: list[dict[str, str]] = field(default_factory=list)  # rules that could not run, and why: never "passed"
    # The CONTRACT §3 counts: every row of claims is clean, with warnings or with errors.
    claims_total: int = 0
    claims_with_errors: int = 0
    claims_with_warnings: int = 0
    claims_clean: int = 0
    findings_total: int = 0  # active rules only, as are the two counts below
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    findings_by_category: dict[str, int] = field(default_factory=dict)
    preview_findings_by_rule: dict[str, int] = field(default_factory=dict)  # what preview rules would have found

    @property
    def clean_rate(self) -> float | None:
        """Clean claims over all claims; None for a batch without claims."""
        return self.claims_clean / self.claims_total if self.claims_total else None

    def claim_counts(self) -> dict[str, int]:
        """The four claim counts, as the run's last log line gives them."""
        names = ("claims_total", "claims_with_errors", "claims_with_warnings", "claims_clean")
        return {name: getattr(self, name) for name in names}

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str) + "\n"


def read_summary(folder: Path) -> RunSummary:
    """A past run's summary.json. Raises ValueError, KeyError or OSError when it is missing, damaged or not ours;
    fields written by other versions are ignored, and fields they did not write read as empty (0 claims)."""
    data = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    known = {f.name: data[f.name] for f in fields(RunSummary) if data.get(f.name) is not None}
    return RunSummary(**(known | {"as_of": dt.date.fromisoformat(data["as_of"])}))


def write_summary(folder: Path, summary: RunSummary) -> None:
    (folder / SUMMARY).write_text(summary.to_json(), encoding="utf-8")


def _counts(frame: pl.DataFrame, key: str) -> dict[str, int]:
    counted = frame.group_by(key).len().sort(key)
    return dict(zip(counted[key].to_list(), counted["len"].to_list(), strict=True))


def summarise(
    *,
    as_of: dt.date,
    batch_dir: Path | str,
    rules_version: str,
    rules_source: dict[str, str],
    rules_run: int,
    inputs: Sequence[InputFile],
    not_checked: list[dict[str, str]],
    claims: pl.DataFrame,
    findings: pl.DataFrame,
) -> RunSummary:
    """The run's summary: what was read and checked, and every claim row counted once by its worst finding."""
    outcomes = claim_outcomes(claims, findings)["outcome"].value_counts()
    outcome = dict(zip(outcomes["outcome"].to_list(), outcomes["count"].to_list(), strict=True))
    active = counting(findings)
    return RunSummary(
        as_of=as_of,
        batch=str(Path(batch_dir)),
        rules_version=rules_version,
        rules_source=rules_source,
        rules_run=rules_run,
        input_files=[{"table": i.table, "path": i.path, "format": i.format, "rows": i.rows} for i in inputs],
        not_checked=not_checked,
        claims_total=claims.height,
        claims_with_errors=outcome.get("error", 0),
        claims_with_warnings=outcome.get("warning", 0),
        claims_clean=outcome.get("clean", 0),
        findings_total=active.height,
        findings_by_rule=_counts(active, "rule_id"),
        findings_by_category=_counts(active, "category"),
        preview_findings_by_rule=_counts(findings.filter(pl.col("rule_status") == "preview"), "rule_id"),
    )
