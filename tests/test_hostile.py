"""The hostile corpus: batches as broken as real exports get, each with the outcome a billing company needs.

Each folder under tests/hostile/ holds the files that differ from tests/hostile/_base/ (three clean
claims) and expect.yaml: why the case matters, then either `exit: 2` with the message on stderr, or
`claims_total`, the exact load issues (kind, file, row, column ...) and the exact data-quality findings
(other findings must be present). Nothing may crash, every claim row is counted, and every issue a
data-quality rule handles becomes a finding on its claim.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from scrubber import pipeline
from scrubber.batch import load_batch
from scrubber.batch.checks import ISSUE_KINDS
from scrubber.errors import ScrubberInputError
from scrubber.rulebook.yamlfile import read_yaml

CORPUS = Path(__file__).resolve().parent / "hostile"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
AS_OF = dt.date(2026, 3, 16)


def build_batch(case: Path, target: Path) -> Path:
    """_base with the case's files laid over it (and generated or removed ones)."""
    expect = read_yaml(case / "expect.yaml")
    shutil.copytree(CORPUS / "_base", target)
    for path in case.iterdir():
        if path.name != "expect.yaml":
            shutil.copy(path, target / path.name)
    for name in expect.get("remove", []):
        (target / name).unlink()
    if spec := expect.get("generate"):
        huge = "PA" * (spec["megabytes"] * 1024 * 1024 // 2)
        claims = pl.read_csv(target / spec["file"], infer_schema=False)
        claims.with_columns(
            pl.when(pl.col("claim_id") == spec["claim_id"])
            .then(pl.lit(huge))
            .otherwise(pl.col(spec["column"]))
            .alias(spec["column"])
        ).write_csv(target / spec["file"])
    return target


def rules_by_issue_kind(rules) -> dict[str, set[str]]:
    """Issue kind -> the load_issue rules that turn it into findings."""

    def kinds(node) -> set[str]:
        if isinstance(node, dict):
            if node.get("field") == "issue.kind":
                value = node.get("eq", node.get("in", []))
                return {value} if isinstance(value, str) else set(value)
            return set().union(set(), *(kinds(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(set(), *(kinds(v) for v in node))
        return set()

    found: dict[str, set[str]] = {}
    for rule in rules:
        if rule.scope == "load_issue":
            for kind in kinds(rule.when):
                found.setdefault(kind, set()).add(rule.id)
    return found


@pytest.fixture
def scrub_case(tmp_path, rulebook):
    # The rulebook is read once per session; everything else is the nightly run.
    def scrub(case: Path):
        batch = build_batch(case, tmp_path / "batch")
        return batch, tmp_path / "out", lambda: pipeline.run(batch, tmp_path / "out", AS_OF, rulebook)

    return scrub


def test_the_corpus_covers_what_cron_meets():
    assert len(CASES) >= 25
    expects = [read_yaml(c / "expect.yaml") for c in CASES]
    assert all(e.get("why") for e in expects)
    kinds = {i["kind"] for e in expects for i in e.get("issues", [])}
    assert kinds == set(ISSUE_KINDS), "every kind of load issue has a hostile case, and every case's kind is documented"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_batch(case, scrub_case, rules):
    expect = read_yaml(case / "expect.yaml")
    batch_dir, out, run = scrub_case(case)
    if expect.get("exit") == 2:
        with pytest.raises(ScrubberInputError) as stopped:
            run()
        assert stopped.value.exit_code == 2
        assert expect["stderr"] in str(stopped.value)
        assert "\n" not in str(stopped.value)
        assert not out.exists()
        return

    run()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["claims_total"] == expect["claims_total"]
    assert (
        summary["claims_clean"] + summary["claims_with_errors"] + summary["claims_with_warnings"]
        == expect["claims_total"]
    )

    issues = load_batch(batch_dir).issues
    got = [{k: v for k, v in row.items() if v is not None} for row in issues.to_dicts()]
    wanted = expect["issues"]
    assert len(got) == len(wanted), got
    for want in wanted:
        assert any(want.items() <= row.items() for row in got), (want, got)

    findings = pl.read_parquet(out / "findings.parquet")
    for want in expect.get("findings", []):
        matching = findings.filter(*(pl.col(k).cast(pl.String) == str(v) for k, v in want.items()))
        assert matching.height, (want, findings.select("rule_id", "claim_id", "line_number").to_dicts())
    quality = findings.filter(pl.col("category") == "data_quality")
    by_kind = rules_by_issue_kind(rules)
    allowed = {w["rule_id"] for w in expect.get("findings", [])}.union(*(by_kind.get(k, set()) for k in issues["kind"]))
    unexpected = quality.filter(~pl.col("rule_id").is_in(sorted(allowed)))
    assert unexpected.is_empty(), unexpected.select("rule_id", "claim_id", "message").to_dicts()
    flagged = set(quality["claim_id"].drop_nulls())
    for issue in issues.filter(pl.col("kind").is_in(sorted(by_kind)) & pl.col("claim_id").is_not_null()).to_dicts():
        assert issue["claim_id"] in flagged, f"{issue['kind']} on {issue['claim_id']} became no data_quality finding"
