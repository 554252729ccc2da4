"""The local backend: each shard is `scrubber shard-run` in its own process, N at a time.

A process per shard, not a pool of long-lived workers: a shard that crashes or is killed takes
only itself down and is simply started again, and the parent reads each one's peak memory from
the kernel (wait4). Loading the rule pack once per shard costs a second or two; shards are big.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

from scrubber.paths import Settings
from scrubber.shard.contract import STATS, ShardFailedError, ShardRefusedError

RETRIES = 2  # a shard is started at most 3 times
LOG = "worker.log"  # the worker's stderr: one line on failure, kept for the driver's message
# How a shard is started; the tests put a wrapper in front of it to kill a worker.
SHARD_COMMAND = [sys.executable, "-m", "scrubber", "shard-run"]


class LocalBackend:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._running: set[subprocess.Popen] = set()
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def slots(self) -> int:
        return self.workers

    def run(self, folders: list[Path], settings: Settings) -> list[dict]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="shard") as pool:
            futures = [pool.submit(self._shard, folder, settings) for folder in folders]
            try:
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # the first failure, raised here
                return [future.result() for future in futures]
            finally:
                self._stop()

    def close(self) -> None:
        self._stop()

    def _stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for process in self._running:
                process.kill()

    def _shard(self, folder: Path, settings: Settings) -> dict:
        command = [*SHARD_COMMAND, str(folder), "--rules-dir", str(settings.rules_dir)]
        command += ["--profiles-dir", str(settings.profiles_dir)]
        for attempt in range(RETRIES + 1):
            if self._stopping.is_set():
                raise ShardFailedError(f"{folder.name}: not run, the run is stopping")
            with open(folder / LOG, "wb") as log, self._lock:
                process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
                self._running.add(process)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            with self._lock:
                self._running.discard(process)
            if process.returncode == 0:
                stats = _read_stats(folder)
                stats["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # the whole process, from the kernel
                stats["attempts"] = attempt + 1
                return stats
            said = (folder / LOG).read_text(errors="replace").strip().splitlines()
            reason = said[-1] if said else f"exit status {process.returncode}"
            if process.returncode == ShardRefusedError.exit_code:
                raise ShardFailedError(f"{folder.name}: refused: {reason}")  # the same every time: no retry
        raise ShardFailedError(f"{folder.name} failed {RETRIES + 1} times; the last: {reason}")


def _read_stats(folder: Path) -> dict:
    return json.loads((folder / STATS).read_text())
