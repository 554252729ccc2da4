"""The shard contract: one folder per shard, which any scheduler can hand to `scrubber shard-run`.

    SHARD_DIR/
      manifest.json        as-of date, rules version, library versions, the cut (shard k of n, hash seed),
                           the rules to run, the tables and optional columns the batch had, whether there is history
      claims.parquet  claim_lines.parquet  patients.parquet  [eligibility.parquet]  [encounters.parquet]
      history.parquet      the earlier runs' billed lines of this shard's patients (present when the run has history)
      findings.parquet     written by the worker, last (renamed into place: it is there whole or not at all)
      stats.json           rows, seconds, peak memory, host and pid of the worker (counts only: no patient data)

The driver decides each row's shard; a worker never hashes (Polars' hash is stable within one version only).
A worker refuses a shard written for other rules or other library versions: the findings would not be the
driver's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import socket
import sys
import time
from dataclasses import asdict, dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import polars as pl

from scrubber.batch.checks import ISSUE_SCHEMA
from scrubber.batch.load import Batch
from scrubber.engine.context import RunContext
from scrubber.engine.run import run_rules
from scrubber.errors import ScrubberError, ScrubberInputError
from scrubber.findings import RULE_COLUMNS
from scrubber.paths import Settings
from scrubber.rulebook.book import Rulebook, load_rulebook
from scrubber.versioning import rules_version

MANIFEST = "manifest.json"
FINDINGS = "findings.parquet"
STATS = "stats.json"
HISTORY = "history.parquet"
TABLES = ("claims", "claim_lines", "patients", "eligibility", "encounters")
FORMAT = 1  # the layout's version, raised when a field or file changes meaning


class ShardRefusedError(ScrubberInputError):
    """The shard was cut for other rules or other library versions than this worker has (exit status 2)."""


class ShardFailedError(ScrubberError):
    """A shard kept failing after its retries: the run stops, writing nothing (exit status 1)."""


def library_versions() -> dict[str, str]:
    """What the findings depend on besides the rules: a worker must run exactly these."""
    return {
        "claim-scrubber": version("claim-scrubber"),
        "polars": pl.__version__,
        "pyarrow": version("pyarrow"),
        "python": platform.python_version(),
    }


@dataclass(frozen=True)
class Manifest:
    as_of: str
    rules_version: str
    libraries: dict[str, str]
    shard: int
    shards: int
    hash_seed: int
    rules: list[str]  # the per-patient rules the driver found runnable; load-issue rules stay on the driver
    tables: list[str]
    absent_columns: list[str]
    history: bool
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        (Path(folder) / MANIFEST).write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = Path(folder) / MANIFEST
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise ScrubberInputError(f"{path}: not found; not a shard folder (or --stage is not shared)") from None
        except (ValueError, TypeError) as exc:
            raise ScrubberInputError(f"{path}: not a shard manifest: {exc}") from None


def write_shard(folder: Path, part: Batch, history: pl.DataFrame | None, manifest: Manifest) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame = getattr(part, name)
        if frame is not None:
            frame.write_parquet(folder / f"{name}.parquet")
    if history is not None:
        history.write_parquet(folder / HISTORY)
    manifest.write(folder)  # last: a folder with a manifest is complete


def read_shard(folder: Path, manifest: Manifest) -> tuple[Batch, pl.LazyFrame | None]:
    tables = {name: pl.read_parquet(folder / f"{name}.parquet") if name in manifest.tables else None for name in TABLES}
    batch = Batch(**tables, issues=pl.DataFrame(schema=ISSUE_SCHEMA), absent_columns=frozenset(manifest.absent_columns))
    return batch, pl.scan_parquet(folder / HISTORY) if manifest.history else None


@cache
def _rulebook(settings: Settings) -> tuple[Rulebook, str]:
    """Loaded once per worker process: a Ray worker or a local process may run several shards."""
    return load_rulebook(settings), rules_version(settings.rules_dir, settings.profiles_dir)


def content_part(stamp: str) -> str:
    """The rules' content hash: the git commit before it is absent where the pack was copied without .git."""
    return stamp.rpartition("+")[2]


def check(manifest: Manifest, own_rules: str, folder: Path) -> None:
    if manifest.format != FORMAT:
        raise ShardRefusedError(f"{folder}: shard layout {manifest.format}, this scrubber reads {FORMAT}")
    if content_part(manifest.rules_version) != content_part(own_rules):
        raise ShardRefusedError(
            f"{folder}: cut for rules {manifest.rules_version}, this worker has {own_rules}; "
            "run the same rules and profiles on the driver and the workers"
        )
    own = library_versions()
    differ = [
        f"{name} {manifest.libraries.get(name)} (worker {own[name]})"
        for name in own
        if manifest.libraries.get(name) != own[name]
    ]
    if differ:
        raise ShardRefusedError(f"{folder}: cut with other library versions: {', '.join(differ)}")


def run_shard(folder: Path, settings: Settings) -> dict:
    """Scrub one shard folder and write its findings there; the stats it returns are also in stats.json."""
    started = time.perf_counter()
    folder = Path(folder)
    manifest = Manifest.read(folder)
    book, own_rules = _rulebook(settings)
    check(manifest, own_rules, folder)
    batch, history = read_shard(folder, manifest)
    wanted = set(manifest.rules)
    ctx = RunContext(batch, book.profiles, book.references, dt.date.fromisoformat(manifest.as_of), history)
    result = run_rules([r for r in book.rules if r.id in wanted], ctx)
    if result.not_checked or len(result.ran) != len(wanted):
        raise ShardRefusedError(
            f"{folder}: the shard's tables do not let the driver's rules run ({result.not_checked})"
        )
    partial = folder / f".{FINDINGS}.{os.getpid()}"
    result.findings.select(RULE_COLUMNS).write_parquet(partial)
    os.replace(partial, folder / FINDINGS)  # a retried or duplicated task overwrites whole files only
    stats = {
        "shard": manifest.shard,
        "lines": batch.claim_lines.height,
        "input_mib": round(sum(p.stat().st_size for p in folder.glob("*.parquet") if p.name != FINDINGS) / 2**20, 1),
        "findings": result.findings.height,
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mib": round(_peak_rss_kib() / 1024, 1),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    (folder / STATS).write_text(json.dumps(stats) + "\n")
    return stats


def _peak_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def read_findings(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(Path(folder) / FINDINGS)
