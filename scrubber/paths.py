"""Where the project's rules, payer profiles, demo batch and reports live."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding `rules/` and `payer_profiles/`.

    Rules are data committed to the repo, so a checkout (or an editable install) is
    the normal home; SCRUBBER_HOME points elsewhere, e.g. a billing company's own
    rules repository, and the current folder is the last resort.
    """
    if env := os.environ.get("SCRUBBER_HOME"):
        return Path(env).resolve()
    package_parent = Path(__file__).resolve().parent.parent
    for candidate in (package_parent, Path.cwd()):
        if (candidate / "rules").is_dir() and (candidate / "payer_profiles").is_dir():
            return candidate
    return Path.cwd()


def rules_dir() -> Path:
    return project_root() / "rules"


def profiles_dir() -> Path:
    return project_root() / "payer_profiles"


def reports_dir() -> Path:
    return project_root() / "reports"


# The run date the demo batch was written for: its claims fall in the two weeks before it, inside
# the 2026 Q3 NCCI release that the shipped PTP and MUE samples come from.
DEMO_AS_OF = "2026-09-14"


def demo_batch_dir() -> Path:
    return project_root() / "demo" / "batch"
