"""Shared fixtures: the repo's own rule pack, profiles and reference tables."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest

from scrubber import paths
from scrubber.paths import Settings
from scrubber.rulebook.book import Rulebook, load_rulebook

# Runs in tests keep their checked-rule cache (rulebook/yamlfile.CheckedFiles) apart from the user's.
os.environ.setdefault("SCRUBBER_CACHE_DIR", tempfile.mkdtemp(prefix="scrubber-cache-"))

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
PROFILES = REPO / "payer_profiles"
DEMO = REPO / "demo" / "batch"
DEMO_AS_OF = dt.date.fromisoformat(paths.DEMO_AS_OF)  # the run date the demo batch was written for


def keep_core_claims(batch: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cut a copy of the demo batch down to its core claims (C10xx, none billed twice); their claims and lines."""
    core = pl.col("claim_id").str.starts_with("C10")
    kept = []
    for table in ("claims", "claim_lines"):
        path = batch / f"{table}.csv"
        kept.append(pl.read_csv(path, infer_schema=False).filter(core))
        kept[-1].write_csv(path)
    return kept[0], kept[1]


def scrub_demo(out: Path) -> Path:
    """`scrubber demo --out OUT` in its own process, as a biller's first look would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "scrubber", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    """The repo's rulebook, loaded once for the session (its reference tables are read on first use)."""
    return load_rulebook(Settings(RULES, PROFILES))


@pytest.fixture(scope="session")
def profiles(rulebook):
    return rulebook.profiles


@pytest.fixture(scope="session")
def references(rulebook):
    return rulebook.references


@pytest.fixture(scope="session")
def rules(rulebook):
    return rulebook.rules


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    """A writable copy of the demo batch, for tests that break it."""
    target = tmp_path / "batch"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A writable copy of the rule pack (reference tables linked, not copied)."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("reference"))
    (target / "reference").symlink_to(RULES / "reference")
    return target
