"""`scrubber diff BATCH --base REF`: what a rule change does to a real batch, before it merges.

The batch is scrubbed twice — under the rules and profiles of REF (a git revision
or a folder holding rules/ and payer_profiles/) and under the working tree — and
the findings are compared per rule: which claims are newly flagged, which are
cleared, and the charges involved.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from scrubber.batch import Batch
from scrubber.errors import ScrubberInputError
from scrubber.findings import FINDING_KEY, counting
from scrubber.paths import Settings
from scrubber.pipeline import scrub
from scrubber.rulebook.book import load_rulebook


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    newly_flagged: list[str]  # claim ids
    cleared: list[str]
    dollars_flagged: float
    dollars_cleared: float


@contextmanager
def rules_at(base: str, project_root: Path):
    """Settings for REF: a folder used as it is, or a git revision extracted to a temporary folder."""
    folder = Path(base)
    if folder.is_dir():
        yield Settings(folder / "rules", folder / "payer_profiles")
        return
    result = subprocess.run(
        ["git", "-C", str(project_root), "archive", "--format=tar", base, "--", "rules", "payer_profiles"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        reason = message[0] if message else "git failed"
        raise ScrubberInputError(f"--base {base}: not a folder and not a git revision of {project_root} ({reason})")
    with tempfile.TemporaryDirectory(prefix="scrubber-base-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
            archive.extractall(temporary, filter="data")
        yield Settings(Path(temporary) / "rules", Path(temporary) / "payer_profiles")


def rule_changes(batch: Batch, base: pl.DataFrame, head: pl.DataFrame) -> list[RuleChange]:
    charges = batch.claims.select("claim_id", pl.col("total_charge").cast(pl.Float64)).unique("claim_id", keep="first")
    counted = [counting(f).select(FINDING_KEY).unique() for f in (base, head)]
    added = counted[1].join(counted[0], on=FINDING_KEY, how="anti", nulls_equal=True)
    removed = counted[0].join(counted[1], on=FINDING_KEY, how="anti", nulls_equal=True)

    def by_rule(frame: pl.DataFrame) -> dict[str, tuple[list[str], float]]:
        claims = frame.select("rule_id", "claim_id").unique().join(charges, on="claim_id", how="left")
        grouped = claims.group_by("rule_id").agg(pl.col("claim_id").drop_nulls().sort(), pl.col("total_charge").sum())
        return {row["rule_id"]: (row["claim_id"], row["total_charge"] or 0.0) for row in grouped.iter_rows(named=True)}

    plus, minus = by_rule(added), by_rule(removed)
    return [
        RuleChange(
            rule_id,
            plus.get(rule_id, ([], 0.0))[0],
            minus.get(rule_id, ([], 0.0))[0],
            plus.get(rule_id, ([], 0.0))[1],
            minus.get(rule_id, ([], 0.0))[1],
        )
        for rule_id in sorted(set(plus) | set(minus))
    ]


def diff(batch: Batch, base: Settings, head: Settings, as_of: dt.date) -> list[RuleChange]:
    before, after = (scrub(batch, load_rulebook(settings), as_of).findings for settings in (base, head))
    return rule_changes(batch, before, after)


def as_text(changes: list[RuleChange], base: str) -> str:
    if not changes:
        return f"No finding changes against {base}."
    lines = [
        f"Findings against {base} -> working tree:",
        f"{'rule':<9} {'newly flagged':>14} {'$':>12} {'cleared':>8} {'$':>12}",
    ]
    for c in changes:
        lines.append(
            f"{c.rule_id:<9} {len(c.newly_flagged):>14} {c.dollars_flagged:>12,.2f}"
            f" {len(c.cleared):>8} {c.dollars_cleared:>12,.2f}"
        )
        for label, claims in (("+", c.newly_flagged), ("-", c.cleared)):
            if claims:
                shown = ", ".join(claims[:10]) + (f" ... (+{len(claims) - 10})" if len(claims) > 10 else "")
                lines.append(f"    {label} {shown}")
    return "\n".join(lines)


def write_html(changes: list[RuleChange], base: str, batch_dir: Path, path: Path) -> None:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True)
    )
    html = environment.get_template("diff.html.j2").render(changes=changes, base=base, batch=str(batch_dir))
    path.write_text(html, encoding="utf-8")
