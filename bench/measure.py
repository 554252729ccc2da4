"""One measurement in a process of its own, so the peak resident memory it reports is its own.

    python -m bench.measure KIND --batch DIR [--out DIR] [--rules-dir DIR] [--rule-ids A,B]

prints one JSON object: wall seconds per stage and in total, and peak RSS in MiB.
The parent (bench.run) starts one of these per figure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.generate import AS_OF

# Billed lines depend on the batch alone and are written in a thread while the rules run
# (report/write.batch_outputs): their whole time is shown, but not subtracted from "other".
BILLED_LINES_BESIDE = "billed lines, beside the rules"
# Pipeline stages, timed by wrapping the functions the pipeline calls (names missing in this
# version of the pipeline are skipped; whatever is not covered shows as "other").
STAGES = (
    ("load", "scrubber.pipeline", ("load_batch",)),
    ("rules", "scrubber.pipeline", ("run_rules",)),
    ("summary", "scrubber.pipeline", ("summarise",)),
    ("history", "scrubber.pipeline", ("previous_runs", "billed_history")),
    # The workbook, findings files and billed lines are written in threads beside the fix list
    # (report/write.py): their cost on the critical path is the wait for them after the page is done.
    ("findings files", "scrubber.report.write", ("write_summary",)),
    (
        "fix list",
        "scrubber.report.write",
        (
            "compare",
            "claim_history",
            "claim_facts",
            "unbilled_visits",
            "claim_cards",
            "warning_days",
            "render_fix_list",
        ),
    ),
    ("worklist", "scrubber.report.write", ("worklist_rows",)),
    ("wait for writers", "scrubber.report.write", ("written",)),
    (BILLED_LINES_BESIDE, "scrubber.report.write", ("write_billed_lines",)),
)


PAGE = os.sysconf("SC_PAGE_SIZE")
_sampled_peak = [0]  # bytes: the most this process and its children held at one sample


def _resident(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE
    except OSError:
        return 0  # the child ended between listing and reading


def _tree_resident() -> int:
    """This process's resident memory plus its children's."""
    children = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as listing:
                children += listing.read().split()
        except OSError:
            continue  # the thread ended between listing and reading
    return _resident("self") + sum(_resident(pid) for pid in children)


def watch_memory(limit_gib: float) -> None:
    """Sample resident memory (with children's) five times a second: keep its peak, and stop this
    process cleanly once it passes the limit, before the kernel's OOM killer picks a victim on a
    shared machine."""

    def watch() -> None:
        while True:
            resident = _tree_resident()
            _sampled_peak[0] = max(_sampled_peak[0], resident)
            if resident > limit_gib * 2**30:
                print(
                    json.dumps(
                        {"failed": f"resident memory passed {limit_gib:g} GiB", "peak_rss_mib": resident / 2**20}
                    ),
                    flush=True,
                )
                sys.stderr.flush()
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def peak_rss_mib() -> float:
    """The larger of this process's own exact peak and the sampled peak of it and its children together.

    (A child's own ru_maxrss is no help: a spawned child counts the parent's pages until it execs.)
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return max(own, _sampled_peak[0]) / 2**20


@contextmanager
def _timing(stages: dict[str, float], label: str, module, name: str) -> Iterator[None]:
    original = getattr(module, name, None)
    if original is None:
        yield
        return

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            stages[label] = stages.get(label, 0.0) + time.perf_counter() - started

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def settings(rules_dir: Path | None):
    from scrubber import paths
    from scrubber.paths import Settings

    return Settings(rules_dir or paths.rules_dir(), paths.profiles_dir())


def pipeline(args) -> dict:
    """The whole run, exactly as `scrubber run` does it, with its stages timed."""
    from scrubber import pipeline as run_module

    stages: dict[str, float] = {}
    with ExitStack() as stack:
        for label, module, names in STAGES:
            for name in names:
                stack.enter_context(_timing(stages, label, importlib.import_module(module), name))
        started = time.perf_counter()
        outcome = run_module.run(args.batch, args.out, AS_OF, settings(args.rules_dir))
        total = time.perf_counter() - started
    stages["other"] = max(0.0, total - sum(v for k, v in stages.items() if k != BILLED_LINES_BESIDE))
    return {
        "total": total,
        "stages": stages,
        "findings": outcome.findings.height,
        "rules_run": outcome.summary.rules_run,
        "not_checked": [n["rule_id"] for n in outcome.summary.not_checked],
        "claims_with_errors": outcome.summary.claims_with_errors,
        "claims_total": outcome.summary.claims_total,
    }


def io_floor(args) -> dict:
    """Reading the batch as the engine does and writing an empty findings file: no rules."""
    import polars as pl

    from scrubber.batch import load_batch
    from scrubber.findings import empty_findings
    from scrubber.report.write import write_findings

    started = time.perf_counter()
    raw = {
        p.stem: pl.read_parquet(p) if p.suffix == ".parquet" else pl.read_csv(p, infer_schema=False)
        for p in sorted(args.batch.iterdir())
    }
    raw_read = time.perf_counter() - started
    rows_read = sum(f.height for f in raw.values())
    del raw  # the load's peak memory is its own, not the raw read's on top
    mark = time.perf_counter()
    load_batch(args.batch)
    load = time.perf_counter() - mark
    mark = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    write_findings(args.out, empty_findings())
    write = time.perf_counter() - mark
    return {
        "total": load + write,
        "stages": {"raw read": raw_read, "load": load, "write empty findings": write},
        "rows_read": rows_read,
    }


def engine_subset(args) -> dict:
    """Our engine on exactly the peer edits' rules: load, those rules, findings written."""
    from bench.edits import engine_findings

    started = time.perf_counter()
    findings = engine_findings(args.batch, args.rule_ids.split(","), args.rules_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    findings.write_parquet(args.out / "findings.parquet")
    return {"total": time.perf_counter() - started, "findings": findings.height}


def peer(args) -> dict:
    from bench.edits import peer_module

    started = time.perf_counter()
    findings = peer_module(args.kind).findings(args.batch, args.rule_ids.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    findings.write_parquet(args.out / "findings.parquet")
    return {"total": time.perf_counter() - started, "findings": findings.height}


KINDS = {"pipeline": pipeline, "floor": io_floor, "subset": engine_subset, "duckdb": peer, "python": peer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=list(KINDS))
    parser.add_argument("--batch", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rules-dir", type=Path, default=None)
    parser.add_argument("--rule-ids", default="")
    parser.add_argument("--max-rss-gib", type=float, default=16.0)
    args = parser.parse_args()
    watch_memory(args.max_rss_gib)
    try:
        result = KINDS[args.kind](args)
    finally:
        shutil.rmtree(args.out, ignore_errors=True)
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
