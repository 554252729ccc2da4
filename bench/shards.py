"""Patient shards at scale: shards, workers, wall time and peak memory per worker, one process against shards.

    python -m bench.shards --lines 1m                        # one process, local processes, a local Ray, a 3-node Ray
    python -m bench.shards --lines 10m --modes one,local     # 10M lines, without Ray
    python -m bench.shards --lines 1m --modes cluster --shards 8

Each mode runs `scrubber run` on the generated Parquet batch (bench/data/<size>/parquet, made by bench.run
or bench.generate) in a fresh process, and reads the run's own -v JSON log for the shard figures (counts
only). "cluster" simulates a multi-node Ray on this machine: a head with no CPUs of its own and two worker
nodes of one CPU each, each started with `ray start --block` and stopped by its pid afterwards. The
figures go to bench/results/shards-<size>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.generate import AS_OF, parse_size

HERE = Path(__file__).resolve().parent
NO_TELEMETRY = {"RAY_USAGE_STATS_ENABLED": "0"}
# The simulated cluster listens on 127.0.0.1 only, so it runs without Ray's token authentication (a real
# cluster keeps it: KubeRay and Databricks set it up); the driver of the "cluster" run gets the same setting.
LOOPBACK = {"RAY_AUTH_MODE": "disabled"}
# Runs `scrubber run`, then prints the driver's own peak memory and CPU seconds (its children's apart:
# local shard processes and the workbook writer) as the last line on stderr.
DRIVER = """
import json, resource, sys
from scrubber.cli import main
try:
    main()
finally:
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({"driver_peak_mib": round(own.ru_maxrss / 1024, 1),
                      "driver_cpu_s": round(own.ru_utime + own.ru_stime, 1),
                      "children_cpu_s": round(kids.ru_utime + kids.ru_stime, 1)}), file=sys.stderr)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def three_nodes(scratch: Path):
    """A Ray head (no CPUs: it only schedules) and two one-CPU worker nodes on this machine; its address."""
    port = _free_port()
    ray = str(Path(sys.executable).with_name("ray"))
    env = os.environ | NO_TELEMETRY | LOOPBACK
    common = ["--block", "--disable-usage-stats", "--node-ip-address=127.0.0.1"]
    head = [ray, "start", "--head", f"--port={port}", "--num-cpus=0", "--include-dashboard=false"]
    head += [f"--temp-dir={scratch / 'ray'}"]
    nodes = [subprocess.Popen([*head, *common], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    address = f"127.0.0.1:{port}"
    try:
        time.sleep(8)  # the head must listen before the workers join
        for _ in range(2):
            worker = [ray, "start", f"--address={address}", "--num-cpus=1", *common]
            nodes.append(subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(8)
        yield address
    finally:
        for node in reversed(nodes):  # `ray start --block` stops its node's processes when it is terminated
            node.terminate()
        for node in nodes:
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                node.kill()


def measure(batch: Path, out: Path, flags: list[str], env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, "-c", DRIVER, "run", str(batch), "--as-of", AS_OF.isoformat(), "--out", str(out)]
    command += ["-v", "--log-format", "json", *flags]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ | NO_TELEMETRY | (env or {}))
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(flags) or 'one process'}: exit {done.returncode}\n{done.stderr[-2000:]}")
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    stages = {r["stage"]: r for r in records if "stage" in r}
    rules_run = stages["rules_run"]
    return {
        "wall_s": round(wall, 1),
        "rules_run_s": rules_run["seconds"],
        "shards": rules_run.get("shards", 1),
        "worker_peak_mib": rules_run.get("shard_peak_rss_mib_max"),
        "shard_s_max": rules_run.get("shard_seconds_max"),
        "retries": rules_run.get("shard_retries", 0),
        "stage_mib": rules_run.get("stage_mib"),
        **records[-1],  # the driver's peak and CPU (DRIVER above)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", default="1m", help="a generated batch size: 100k, 1m, 10m")
    parser.add_argument("--modes", default="one,local,ray,cluster", help="one, local, ray, cluster")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=None, help="default: the scrubber's own (by size and workers)")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args()
    batch = args.data / args.lines / "parquet"
    if not batch.is_dir():
        raise SystemExit(f"{batch}: no batch; python -m bench.generate --lines {args.lines} --out {batch.parent}")
    shards = ["--shards", str(args.shards)] if args.shards else []
    results = {"lines": parse_size(args.lines), "load_average": os.getloadavg()[0], "runs": {}}
    with tempfile.TemporaryDirectory(prefix="scrubber-shards-bench-") as tmp:
        scratch = Path(tmp)
        for mode in args.modes.split(","):
            out = scratch / mode / "night"
            if mode == "one":
                flags, workers = [], 1
            elif mode == "local":
                flags, workers = ["--workers", str(args.workers), *shards], args.workers
            elif mode == "ray":
                flags, workers = ["--engine", "ray", "--workers", str(args.workers), *shards], args.workers
            else:
                flags, workers = ["--engine", "ray", "--stage", str(scratch / "stage"), *shards], 2
            print(f"{mode}: scrubber run {batch} {' '.join(flags)}", flush=True)
            if mode == "cluster":
                with three_nodes(scratch) as address:
                    run = measure(batch, out, [*flags, "--address", address], LOOPBACK)
            else:
                run = measure(batch, out, flags)
            results["runs"][mode] = {"workers": workers, "flags": " ".join(flags), **run}
            print(f"  {json.dumps(results['runs'][mode])}", flush=True)
    name = HERE / "results" / f"shards-{args.lines}"
    name.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    name.with_suffix(".md").write_text(table(results))
    print(table(results))


COLUMNS = {
    "shards": "shards",
    "workers": "workers",
    "wall_s": "wall s",
    "rules_run_s": "rules stage s",
    "shard_s_max": "slowest shard s",
    "worker_peak_mib": "peak per worker MiB",
    "driver_peak_mib": "driver peak MiB",
    "stage_mib": "staged MiB",
}


def table(results: dict) -> str:
    rows = [f"{results['lines']:,} lines, load average {results['load_average']:.1f} at the start", ""]
    rows.append("| mode | " + " | ".join(COLUMNS.values()) + " |")
    rows.append("|---" * (len(COLUMNS) + 1) + "|")
    for mode, run in results["runs"].items():
        rows.append(f"| {mode} | " + " | ".join(str(run.get(key) or "-") for key in COLUMNS) + " |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
