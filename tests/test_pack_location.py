"""Which rules a command uses: the checkout it runs in, found upward like ruff's configuration.

A second checkout or worktree must validate and run its own rules, not the installed ones; the
explicit --rules-dir and --profiles-dir win; every run says which it used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

from setuptools.config.pyprojecttoml import load_file

from tests.conftest import DEMO, DEMO_AS_OF, PROFILES, REPO, RULES

MUE = "coding/MUE001-units-over-medically-unlikely-edit.yaml"


def scrubber(*args, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k != "SCRUBBER_HOME"}
    return subprocess.run([sys.executable, "-m", "scrubber", *map(str, args)], check=False, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=180)  # fmt: skip


def checkout(folder: Path, title: str) -> Path:
    """A checkout of the pack (tables linked, rules and profiles copied), MUE001 titled to tell the copies apart."""
    (folder / "docs").mkdir(parents=True)
    shutil.copytree(RULES, folder / "rules", ignore=shutil.ignore_patterns("reference"))
    (folder / "rules" / "reference").symlink_to(RULES / "reference")
    shutil.copytree(PROFILES, folder / "payer_profiles")
    rule = folder / "rules" / MUE
    rule.write_text((RULES / MUE).read_text().replace("title: ", f"title: {title} ", 1))
    return folder


def test_each_checkout_validates_and_explains_its_own_rules(tmp_path):
    first, second = checkout(tmp_path / "first", "FIRST"), checkout(tmp_path / "second", "SECOND")
    nested = second / "rules" / "coding"  # anywhere inside the checkout
    result = scrubber("explain", "MUE001", cwd=nested)
    assert "SECOND" in result.stdout and "FIRST" not in result.stdout, result.stderr
    assert "FIRST" in scrubber("explain", "MUE001", cwd=first).stdout

    broken = first / "rules" / MUE
    broken.write_text(broken.read_text().replace("severity: error", "severity: fatal"))
    assert scrubber("validate", cwd=first).returncode == 2
    ok = scrubber("validate", cwd=second)
    assert ok.returncode == 0, ok.stderr
    assert f"{second / 'rules'}" in ok.stdout and "found upward from the working directory" in ok.stdout


def test_explicit_folders_win_and_the_run_says_what_it_used(tmp_path):
    mine, other = checkout(tmp_path / "mine", "MINE"), checkout(tmp_path / "other", "OTHER")
    out = tmp_path / "out"
    result = scrubber("run", DEMO, "--as-of", DEMO_AS_OF, "--out", out, "-v", "--rules-dir", other / "rules", cwd=mine)
    assert result.returncode == 0, result.stderr
    source = json.loads((out / "summary.json").read_text())["rules_source"]
    assert source["rules_dir"] == str(other / "rules") and source["profiles_dir"] == str(mine / "payer_profiles")
    assert source["found"].startswith("--rules-dir; the rest from") and str(mine) in source["found"]
    assert (
        f"(rules_dir: {other / 'rules'}; profiles_dir: {mine / 'payer_profiles'}; found: --rules-dir;" in result.stderr
    )

    catalogue = scrubber("catalog", "--write", cwd=mine)
    assert catalogue.stdout.strip() == f"wrote {mine / 'docs' / 'rules.md'}"
    assert "MINE" in (mine / "docs" / "rules.md").read_text()


def test_outside_any_checkout_the_installed_pack_is_used(tmp_path):
    result = scrubber("examples", "DQ015", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{REPO / 'rules'} gives" in result.stdout and "the installed package's pack" in result.stdout


def test_every_template_ships_in_the_wheel():
    # `scrubber diff --html` read its template from a folder the wheel left out (checked by hand
    # with `pip wheel --no-deps . -w /tmp/x`: every file below is in the wheel now).
    package_data = load_file(REPO / "pyproject.toml")["tool"]["setuptools"]["package-data"]
    templates = sorted((REPO / "scrubber").rglob("templates/*"))
    assert templates
    for path in templates:
        package = ".".join(path.parent.parent.relative_to(REPO).parts)
        inside = path.relative_to(path.parent.parent).as_posix()
        assert any(fnmatch(inside, glob) for glob in package_data.get(package, [])), f"{path} is not packaged"
