"""The Ray backend: each shard folder is a Ray task running the shard contract (contract.run_shard).

Imported only for `--engine ray`: a local run never needs Ray installed. Ray's usage statistics are
turned off before Ray is imported (the data is patient data), no dashboard is started by the scrubber,
and tasks log counts only. A task whose worker dies, or that raises, is run again up to RETRIES times
(Ray's own max_retries); the shard writes whole files only, so a rerun overwrites its first attempt.
"""

from __future__ import annotations

import os
from pathlib import Path

from scrubber.errors import ScrubberInputError
from scrubber.paths import Settings
from scrubber.shard.contract import ShardFailedError, run_shard
from scrubber.shard.local import RETRIES

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before `import ray`: Ray reads it when it starts or connects

try:
    import ray
except ImportError:  # pragma: no cover - depends on the installed extras
    ray = None


def _task(folder: str, settings: Settings) -> dict:
    return run_shard(Path(folder), settings)


class RayBackend:
    """Connects to the cluster at address (default $RAY_ADDRESS), or starts a local Ray of `workers` CPUs."""

    def __init__(self, address: str | None, workers: int | None) -> None:
        if ray is None:
            raise ScrubberInputError("--engine ray needs Ray: pip install 'claim-scrubber[ray]'")
        self._started = not ray.is_initialized()
        if self._started:
            address = address or os.environ.get("RAY_ADDRESS") or None
            if address is None:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        self._remote = ray.remote(max_retries=RETRIES, retry_exceptions=True)(_task)

    def slots(self) -> int:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def run(self, folders: list[Path], settings: Settings) -> list[dict]:
        refs = [self._remote.remote(str(folder), settings) for folder in folders]
        try:
            return ray.get(refs)
        except BaseException as error:
            for ref in refs:
                ray.cancel(ref, force=True)  # a no-op for finished tasks; stops the rest on failure or Ctrl-C
            if isinstance(error, ray.exceptions.RayError):
                said = [line for line in str(error).strip().splitlines() if line.strip()]
                last = said[-1] if said else type(error).__name__
                raise ShardFailedError(f"a shard failed {RETRIES + 1} times; the last: {last}") from None
            raise

    def close(self) -> None:
        if self._started:
            ray.shutdown()
