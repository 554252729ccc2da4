"""The speed and scale benchmark, one command:

    python -m bench.run --sizes 100k,1m,10m      # the figures the README quotes (about 15 minutes on 2 cores)
    python -m bench.run --quick                  # a laptop/CI-size smoke run (about a minute)

For each size it generates the batch (once; kept under bench/data/, git-ignored), then runs,
each in a fresh process so peak memory is per run: the whole pipeline with the full pack,
the I/O floor, and the engine, DuckDB SQL and per-claim Python on the representative
edits (bench/edits.py). Then the figures the targets name: the largest batch with 200
generated payer rules more, a 200-claim batch through `python -m scrubber run`, and the
fix list of a batch with 50,000 findings. Writes bench/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench import report, x12_speed
from bench.edits import EDITS, available
from bench.generate import AS_OF, generate, parse_size, write_batch
from bench.rulegen import pack_with_extra_rules

HERE = Path(__file__).resolve().parent
PYTHON_PEER_MAX = 1_000_000  # the per-claim peer is not run past this many lines
EXTRA_RULES = 200
SMALL_BATCH_CLAIMS = 200
FIX_LIST_FINDINGS = 50_000


def _label(lines: int) -> str:
    return (
        f"{lines // 1_000_000}m" if lines % 1_000_000 == 0 else f"{lines // 1000}k" if lines % 1000 == 0 else str(lines)
    )


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, batch: Path, scratch: Path, **options) -> dict:
    """One figure in a child process: its own JSON plus wall, CPU seconds and the load average around it."""
    args = [sys.executable, "-m", "bench.measure", kind, "--batch", str(batch), "--out", str(scratch / f"out-{kind}")]
    for name, value in options.items():
        if value is not None:
            args += [f"--{name.replace('_', '-')}", str(value)]
    load_before, cpu_before, started = os.getloadavg()[0], _cpu_children(), time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=HERE.parent)
    last = (done.stdout.strip().splitlines() or ["{}"])[-1]
    result = json.loads(last) if last.startswith("{") else {}
    if done.returncode != 0:
        result = {
            "failed": result.get("failed") or f"exit {done.returncode}: {done.stderr.strip()[-500:]}",
            "peak_rss_mib": result.get("peak_rss_mib"),
        }
    result.update(
        process_wall=round(time.perf_counter() - started, 3),
        cpu_seconds=round(_cpu_children() - cpu_before, 3),
        load_average=round(max(load_before, os.getloadavg()[0]), 2),
    )
    return result


def batch_for(lines: int, data: Path, fmt: str = "parquet", seed: int = 20260901) -> tuple[Path, float]:
    """The batch folder of `lines` lines (generated once, then reused) and the seconds generating took."""
    folder = data / _label(lines) / fmt
    if (folder / "claims.parquet").is_file() or (folder / "claims.csv").is_file():
        return folder, 0.0
    started = time.perf_counter()
    tables = generate(lines, seed)
    write_batch(tables, folder, fmt)
    return folder, time.perf_counter() - started


def _save(results: dict, folder: Path, name: str) -> None:
    """Written after every figure, so a long run stopped half-way keeps what it measured."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def run_size(lines: int, data: Path, scratch: Path, present: list[str], with_csv: bool) -> dict:
    batch, generated = batch_for(lines, data)
    ids = ",".join(present)
    figures: dict = {"lines": lines, "generate_seconds": round(generated, 2)}
    print(f"\n== {_label(lines)} lines ({batch})", flush=True)
    figures["pipeline"] = measure("pipeline", batch, scratch)
    print(report.pipeline_line("full pack", lines, figures["pipeline"]), flush=True)
    if with_csv:
        csv_batch, _ = batch_for(lines, data, "csv")
        figures["pipeline_csv"] = measure("pipeline", csv_batch, scratch)
        print(report.pipeline_line("full pack, CSV", lines, figures["pipeline_csv"]), flush=True)
    figures["floor"] = measure("floor", batch, scratch)
    print(report.pipeline_line("I/O floor", lines, figures["floor"]), flush=True)
    if present:
        figures["engine_edits"] = measure("subset", batch, scratch, rule_ids=ids)
        figures["duckdb_edits"] = measure("duckdb", batch, scratch, rule_ids=ids)
        if lines <= PYTHON_PEER_MAX:
            figures["python_edits"] = measure("python", batch, scratch, rule_ids=ids)
        for key in ("engine_edits", "duckdb_edits", "python_edits"):
            if key in figures:
                print(report.pipeline_line(key.replace("_", " "), lines, figures[key]), flush=True)
        print(report.ratio_line(figures), flush=True)
    return figures


def extra_rules(lines: int, data: Path, scratch: Path, plain: dict) -> dict:
    """The same batch with 200 generated payer rules more, against the plain pack's run of it."""
    batch, _ = batch_for(lines, data)
    pack = pack_with_extra_rules(scratch / "rules-plus", EXTRA_RULES)
    figures = {
        "lines": lines,
        "extra_rules": EXTRA_RULES,
        "plain": plain,
        "plus": measure("pipeline", batch, scratch, rules_dir=pack),
    }
    print(report.pipeline_line(f"full pack + {EXTRA_RULES} rules", lines, figures["plus"]), flush=True)
    return figures


def small_batch(data: Path, scratch: Path, repeats: int = 3) -> dict:
    """A 200-claim batch through `python -m scrubber run`, start-up and imports included."""
    folder = data / f"{SMALL_BATCH_CLAIMS}-claims" / "csv"
    if not (folder / "claims.csv").is_file():
        tables = generate(SMALL_BATCH_CLAIMS * 3, seed=200)
        keep = tables["claims"].head(SMALL_BATCH_CLAIMS).select("claim_id")
        for name in ("claims", "claim_lines", "encounters", "defects"):
            tables[name] = tables[name].join(keep, on="claim_id", how="semi", maintain_order="left")
        write_batch(tables, folder, "csv")
    claims = pl.read_csv(folder / "claims.csv", infer_schema=False).height
    walls = []
    for attempt in range(repeats):
        out = scratch / f"small-{attempt}"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scrubber", "run", str(folder), "--as-of", AS_OF.isoformat(), "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
        )
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"bench: scrubber run on the small batch failed:\n{done.stderr[-3000:]}")
        shutil.rmtree(out, ignore_errors=True)
    figures = {"claims": claims, "walls": [round(w, 3) for w in walls], "total": round(min(walls), 3)}
    print(
        f"200-claim batch, python -m scrubber run: best {min(walls):.2f}s of {[round(w, 2) for w in walls]}", flush=True
    )
    return figures


def fix_list(findings_per_line: float, data: Path, scratch: Path) -> dict:
    """A batch sized to give about 50,000 findings, its fix list stage timed inside the real run."""
    lines = max(10_000, int(FIX_LIST_FINDINGS / max(findings_per_line, 1e-6) / 10_000 + 1) * 10_000)
    batch, _ = batch_for(lines, data)
    result = measure("pipeline", batch, scratch)
    if "failed" in result:
        print(f"fix list batch ({_label(lines)} lines) failed: {result['failed']}", flush=True)
        return {"lines": lines, "run": result}
    figures = {
        "lines": lines,
        "findings": result["findings"],
        "total": round(result["stages"].get("fix list", float("nan")), 3),
        "run": result,
    }
    print(f"fix list for {result['findings']} findings ({_label(lines)} lines): {figures['total']:.2f}s", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k,1m,10m", help="claim lines per batch, e.g. 100k,1m,10m")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20k and 100k lines, small fix list")
    parser.add_argument(
        "--extra-at", default=None, help="size for the +200 rules and fix-list figures (default: the largest)"
    )
    parser.add_argument("--csv", action="store_true", help="also run the full pack on the CSV form of each batch")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="where generated batches are kept")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where latest.json and latest.md go")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in ("20k,100k" if args.quick else args.sizes).split(",")]
    present, missing = available()
    for rule_id in missing:
        print(f"note: rule {rule_id} is not in the pack; its edit is left out of the peer comparison", flush=True)
    results: dict = {
        "machine": report.machine(),
        "as_of": AS_OF.isoformat(),
        "quick": args.quick,
        "pack": report.pack(),
        "edits": {e.rule_id: e.what for e in EDITS if e.rule_id in present},
        "edits_missing": missing,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="scrubber-bench-") as tmp:
        scratch = Path(tmp)
        name = "quick" if args.quick else "latest"
        results["small_batch"] = small_batch(args.data, scratch)
        results["x12_parse"] = x12_speed.measure(scratch, 20_000 if args.quick else 100_000)
        extra_at = parse_size(args.extra_at) if args.extra_at else max(sizes)
        for lines in sorted(sizes):
            figures = results["sizes"][_label(lines)] = run_size(lines, args.data, scratch, present, args.csv)
            _save(results, args.results, name)
            if lines == extra_at and "failed" not in figures["pipeline"]:
                results["extra_rules"] = extra_rules(lines, args.data, scratch, figures["pipeline"])
                _save(results, args.results, name)
                per_line = figures["pipeline"]["findings"] / lines
                results["fix_list"] = (
                    fix_list(per_line, args.data, scratch) if not args.quick else {"skipped": "quick run"}
                )
                _save(results, args.results, name)
    results["targets"] = report.targets(results)
    _save(results, args.results, name)
    (args.results / f"{name}.md").write_text(report.markdown(results), encoding="utf-8")
    print("\n" + report.targets_table(results["targets"]))
    print(f"\nwrote {args.results / (name + '.json')} and {name}.md")


if __name__ == "__main__":
    main()
