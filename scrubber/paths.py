"""Where the project's rules, payer profiles, demo batch and reports live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scrubber.rulebook.rules import REFERENCE_FOLDER

RULES = "rules"
PROFILES = "payer_profiles"


@dataclass(frozen=True)
class Pack:
    """The folder holding `rules/` and `payer_profiles/`, and how it was found (said in logs and summary.json)."""

    root: Path
    found: str


def _is_pack(folder: Path) -> bool:
    return (folder / RULES).is_dir() and (folder / PROFILES).is_dir()


def find_pack(start: Path | None = None) -> Pack:
    """The rule pack a command uses, found the way ruff or sqlfluff find their configuration.

    SCRUBBER_HOME names it outright (e.g. a billing company's own rules repository); otherwise the
    nearest folder, from the working directory upward, holding both `rules/` and `payer_profiles/`,
    so a second checkout or worktree uses its own rules; outside any checkout, the pack next to the
    installed package; the working directory as the last resort.
    """
    if env := os.environ.get("SCRUBBER_HOME"):
        return Pack(Path(env).resolve(), "SCRUBBER_HOME")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_pack(folder):
            return Pack(folder, "found upward from the working directory")
    installed = Path(__file__).resolve().parent.parent
    if _is_pack(installed):
        return Pack(installed, "the installed package's pack")
    return Pack(here, "the working directory (no rules/ and payer_profiles/ found)")


@dataclass(frozen=True)
class Settings:
    """The rules and payer profile folders a command uses, and how they were chosen."""

    rules_dir: Path
    profiles_dir: Path
    found: str = "given"  # said in -v logs, summary.json and validate's ok line

    @property
    def reference_dir(self) -> Path:
        return self.rules_dir / REFERENCE_FOLDER

    @classmethod
    def resolve(cls, rules_dir: Path | None, profiles_dir: Path | None) -> Settings:
        """--rules-dir and --profiles-dir when given; otherwise the pack found from where the command runs."""
        pack = find_pack()
        given = [name for name, value in (("--rules-dir", rules_dir), ("--profiles-dir", profiles_dir)) if value]
        found = f"{pack.root} ({pack.found})"
        how = found if not given else " and ".join(given) + ("" if len(given) == 2 else f"; the rest from {found}")
        return cls(Path(rules_dir or pack.root / RULES), Path(profiles_dir or pack.root / PROFILES), how)

    def describe(self) -> dict[str, str]:
        return {"rules_dir": str(self.rules_dir), "profiles_dir": str(self.profiles_dir), "found": self.found}


def project_root() -> Path:
    return find_pack().root


def rules_dir() -> Path:
    return project_root() / RULES


def profiles_dir() -> Path:
    return project_root() / PROFILES


def reports_dir() -> Path:
    return project_root() / "reports"


# The run date the demo batch was written for: its claims fall in the two weeks before it, inside
# the 2026 Q3 NCCI release that the shipped PTP and MUE samples come from.
DEMO_AS_OF = "2026-09-14"


def demo_batch_dir() -> Path:
    return project_root() / "demo" / "batch"


def demo_remittances_dir() -> Path:
    """The payers' 835 answers to some demo claims, written by demo/make_demo_batch.py."""
    return project_root() / "demo" / "remittances"
