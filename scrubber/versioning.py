"""The rules version stamped on every run, so a past fix list can be reproduced."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def content_hash(folders: list[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def rules_version(rules_dir: Path, profiles_dir: Path) -> str:
    """`<git commit>` of the rules folder plus a content hash (which also covers uncommitted edits)."""
    commit = "no-git"
    try:
        result = subprocess.run(
            ["git", "-C", str(rules_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0:
            commit = result.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return f"{commit}+{content_hash([rules_dir, profiles_dir])}"
