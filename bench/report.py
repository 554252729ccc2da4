"""The benchmark's printed lines, its targets and the Markdown summary, from the results dict."""

from __future__ import annotations

import datetime as dt
import os
import platform
from importlib import metadata
from pathlib import Path

from bench.measure import BILLED_LINES_BESIDE

GIB = 1024


def _lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def machine() -> dict:
    meminfo = dict(line.split(":", 1) for line in _lines("/proc/meminfo") if ":" in line)
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), "")

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "absent"

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        **{package: version(package) for package in ("polars", "duckdb", "pyarrow")},
    }


def pack() -> dict:
    from scrubber import paths
    from scrubber.rulebook.rules import load_rules

    rules = load_rules(paths.rules_dir())
    return {"rules": len(rules), "active": sum(r.status == "active" for r in rules), "ids": [r.id for r in rules]}


def _rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds:,.0f} lines/s" if seconds else "-"


def pipeline_line(title: str, lines: int, figures: dict) -> str:
    if "failed" in figures:
        return f"{title:<26} FAILED: {figures['failed']}"
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in figures.get("stages", {}).items())
    return (
        f"{title:<26} {figures['total']:8.2f}s  {_rate(lines, figures['total']):>16}"
        f"  peak {figures['peak_rss_mib'] / GIB:5.2f} GiB"
        f"  cpu {figures['cpu_seconds']:.1f}s  load {figures['load_average']}"
        + (f"\n{'':28}{stages}" if stages else "")
    )


def _ok(figures: dict | None) -> dict | None:
    return figures if figures and "failed" not in figures else None


def _ratio(numerator: dict | None, denominator: dict | None) -> float | None:
    numerator, denominator = _ok(numerator), _ok(denominator)
    if not numerator or not denominator or not denominator["total"]:
        return None
    return numerator["total"] / denominator["total"]


def _cpu_ratio(numerator: dict | None, denominator: dict | None) -> float | None:
    numerator, denominator = _ok(numerator), _ok(denominator)
    if not numerator or not denominator or not denominator["cpu_seconds"]:
        return None
    return numerator["cpu_seconds"] / denominator["cpu_seconds"]


def ratio_line(figures: dict) -> str:
    parts = []
    for key, name in (("duckdb_edits", "DuckDB"), ("python_edits", "per-claim Python")):
        ratio = _ratio(figures.get(key), figures.get("engine_edits"))
        cpu = _cpu_ratio(figures.get(key), figures.get("engine_edits"))
        if ratio is not None:
            parts.append(
                (f"{ratio:.2f}x faster than {name}" if ratio >= 1 else f"{1 / ratio:.2f}x SLOWER than {name}")
                + f" (CPU seconds {cpu:.2f}x)"
            )
    return "engine on the same edits: " + "; ".join(parts)


def _target(
    name: str, value: float | None, limit: float, unit: str, at_most: bool = True, failed: str | None = None
) -> dict:
    met = False if failed else None if value is None else (value <= limit if at_most else value >= limit)
    return {
        "target": name,
        "value": None if value is None else round(value, 3),
        "limit": limit,
        "unit": unit,
        "met": met,
        "failed": failed,
    }


def targets(results: dict) -> list[dict]:
    """The speed issue's targets (#20); the per-claim Python peer stays in the tables as a reference only."""
    sizes = results["sizes"]
    big, one = sizes.get("10m"), sizes.get("1m")
    big_failed = big["pipeline"]["failed"] if big and "failed" in big["pipeline"] else None
    big = big if big and _ok(big["pipeline"]) else None
    one = one if one and _ok(one["pipeline"]) else None
    extra = results.get("extra_rules", {})
    return [
        _target("10M lines, full pack: wall", big and big["pipeline"]["total"], 60, "s", failed=big_failed),
        _target(
            "10M lines, full pack: peak memory",
            big and big["pipeline"]["peak_rss_mib"] / GIB,
            6,
            "GiB",
            failed=big_failed,
        ),
        *(
            _target(
                f"engine faster than DuckDB on the same edits ({size})",
                _ratio(sizes[size].get("duckdb_edits"), sizes[size].get("engine_edits")),
                1.5,
                "x",
                at_most=False,
            )
            for size in ("1m", "10m")
            if size in sizes
        ),
        _target(
            "whole command / DuckDB's whole script (1m, process wall)",
            one
            and sizes["1m"].get("duckdb_edits")
            and one["pipeline"]["process_wall"] / sizes["1m"]["duckdb_edits"]["process_wall"],
            2,
            "x",
        ),
        _target("writing all outputs, share of the 1M run", one and writing_share(one["pipeline"]), 20, "%"),
        _target(
            "10M time / 1M time",
            big and one and big["pipeline"]["total"] / one["pipeline"]["total"],
            12,
            "x",
            failed=big_failed,
        ),
        _target(
            f"+{extra.get('extra_rules', 200)} payer rules / plain pack",
            _ratio(extra.get("plus"), extra.get("plain")),
            1.3,
            "x",
        ),
        _target("200-claim batch, python -m scrubber run", results.get("small_batch", {}).get("total"), 2, "s"),
        _target("fix list of 50,000 findings", results.get("fix_list", {}).get("total"), 10, "s"),
    ]


# Billed lines are written beside the rules, yet counted whole: writing time is never hidden, so the share
# over-counts by whatever of it the rules' cores absorbed.
WRITING_STAGES = ("summary", "fix list", "worklist", "findings files", "wait for writers", BILLED_LINES_BESIDE)


def writing_share(pipeline: dict) -> float:
    """Percent of the pipeline's time spent writing its outputs (bench/measure.py names the stages)."""
    return 100 * sum(pipeline["stages"].get(stage, 0) for stage in WRITING_STAGES) / pipeline["total"]


def targets_table(rows: list[dict]) -> str:
    lines = ["| target | measured | limit | met |", "|---|---|---|---|"]
    for row in rows:
        value = (
            f"run stopped: {row['failed']}"
            if row.get("failed")
            else "not measured"
            if row["value"] is None
            else f"{row['value']:.2f} {row['unit']}"
        )
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        bound = "≤" if row["unit"] != "x" or "faster" not in row["target"] else "≥"
        lines.append(f"| {row['target']} | {value} | {bound} {row['limit']} {row['unit']} | {met} |")
    return "\n".join(lines)


def _size_rows(results: dict) -> list[str]:
    rows = [
        "| lines | run | wall s | lines/s | peak GiB | CPU s | load avg | stages |",
        "|---|---|---|---|---|---|---|---|",
    ]
    titles = {
        "pipeline": "full pack",
        "pipeline_csv": "full pack (CSV)",
        "floor": "I/O floor",
        "engine_edits": "engine, peer edits",
        "duckdb_edits": "DuckDB, peer edits",
        "python_edits": "per-claim Python, peer edits",
    }
    for label, figures in results["sizes"].items():
        for key, title in titles.items():
            if key not in figures:
                continue
            f = figures[key]
            if "failed" in f:
                rows.append(f"| {label} | {title} | failed: {f['failed']} | | | | {f.get('load_average', '')} | |")
                continue
            stages = ", ".join(f"{k} {v:.2f}" for k, v in f.get("stages", {}).items())
            rows.append(
                f"| {label} | {title} | {f['total']:.2f} | {_rate(figures['lines'], f['total'])} | "
                f"{f['peak_rss_mib'] / GIB:.2f} | {f['cpu_seconds']:.1f} | {f['load_average']} | {stages} |"
            )
    return rows


def markdown(results: dict) -> str:
    m = results["machine"]
    extra = results.get("extra_rules")
    out = [
        "# Benchmark results",
        "",
        f"Run {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}; Python {m['python']}, "
        f"Polars {m['polars']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}. Batches as of {results['as_of']}; "
        f"rule pack of {results['pack']['rules']} rules. Regenerate with `python -m bench.run` (see bench/README.md).",
        "",
        "## Targets",
        "",
        targets_table(results["targets"]),
        "",
        "## Per size",
        "",
        *_size_rows(results),
        "",
        "Engine against its peers on the same edits (peer time / engine time; above 1 the engine is faster):",
        "",
        "| lines | DuckDB, wall | DuckDB, CPU s | per-claim Python, wall | per-claim Python, CPU s |",
        "|---|---|---|---|---|",
        *[
            f"| {label} | "
            + " | ".join(
                "-"
                if f(figures.get(key), figures.get("engine_edits")) is None
                else f"{f(figures.get(key), figures.get('engine_edits')):.2f}x"
                for key in ("duckdb_edits", "python_edits")
                for f in (_ratio, _cpu_ratio)
            )
            + " |"
            for label, figures in results["sizes"].items()
            if "engine_edits" in figures
        ],
        "",
        f"Peer edits ({len(results['edits'])}): " + "; ".join(f"{k}: {v}" for k, v in results["edits"].items()) + ".",
    ]
    if results["edits_missing"]:
        out.append(f"Edits whose rule is not in the pack (left out): {', '.join(results['edits_missing'])}.")
    out.append("")
    if extra and _ok(extra["plus"]):
        out.append(
            f"With {extra['extra_rules']} generated payer rules on {extra['lines']:,} lines: "
            f"{extra['plus']['total']:.2f}s "
            f"(plain pack {extra['plain']['total']:.2f}s), {extra['plus']['findings']:,} findings, "
            f"peak {extra['plus']['peak_rss_mib'] / GIB:.2f} GiB."
        )
    out.append(
        f"A {results['small_batch']['claims']}-claim batch through `python -m scrubber run`: "
        f"{results['small_batch']['walls']} s."
    )
    if parse := results.get("x12_parse"):
        out.append(
            f"837P parse: {parse['claims']:,} claims ({parse['megabytes']} MB, {parse['lines']:,} lines) "
            f"in {parse['seconds']} s, "
            f"{parse['claims_per_second']:,} claims per second."
        )
    fix = results.get("fix_list", {})
    if "findings" in fix:
        out.append(f"Fix list for {fix['findings']:,} findings ({fix['lines']:,} lines): {fix['total']:.2f}s.")
    out += [
        "",
        "Wall seconds are the pipeline's own (inside the process); CPU seconds and peak RSS are the whole child "
        "process. The load average is the machine's 1-minute load around the run: above the core count, other "
        "work shared the CPUs and wall times are inflated.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    # Re-render the Markdown summary (and targets) from a results file: python -m bench.report bench/results/latest.json
    source = Path(sys.argv[1])
    data = json.loads(source.read_text(encoding="utf-8"))
    data["targets"] = targets(data)
    source.with_suffix(".md").write_text(markdown(data), encoding="utf-8")
    print(targets_table(data["targets"]))
