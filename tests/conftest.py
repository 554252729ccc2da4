"""Shared fixtures: the repo's own rule pack, profiles and reference tables."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from scrubber import paths
from scrubber.pipeline import Settings
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import ReferenceLibrary
from scrubber.rulebook.rules import load_rules

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
PROFILES = REPO / "payer_profiles"
DEMO = REPO / "demo" / "batch"
DEMO_AS_OF = dt.date.fromisoformat(paths.DEMO_AS_OF)  # the run date the demo batch was written for


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(RULES, PROFILES)


@pytest.fixture(scope="session")
def profiles():
    return load_profiles(PROFILES)


@pytest.fixture(scope="session")
def references():
    return ReferenceLibrary(RULES / "reference")


@pytest.fixture(scope="session")
def rules():
    return load_rules(RULES)


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
