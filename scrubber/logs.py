"""What a run says about itself on stderr, for cron mail and log collectors.

Silent on success unless asked (`--verbose`); one line per stage with its timing,
as text or as JSON lines. Stage lines carry numbers only (rows, rules, findings),
never a value from the batch, so patient identifiers cannot reach a log. A
progress bar is drawn only on a terminal, never into a cron mail or a log file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

FORMATS = ("text", "json")
BAR_WIDTH = 20


class RunLog:
    def __init__(self, verbose: bool = False, fmt: str = "text", stream: TextIO | None = None, stages: int = 0):
        self.verbose = verbose
        self.fmt = fmt
        self.stream = stream if stream is not None else sys.stderr
        self.stages = stages
        self.done = 0
        self.timings: dict[str, float] = {}
        self.bar = stages > 0 and fmt == "text" and not verbose and _is_terminal(self.stream)

    @contextmanager
    def stage(self, name: str, settings: dict[str, str] | None = None) -> Iterator[dict[str, int]]:
        """Time a stage; the caller fills the yielded dict with counts for its line.

        `settings` are the run's own choices shown on the line (which rule folders), never batch values.
        """
        facts: dict[str, int] = {}
        self._draw(name)
        started = time.perf_counter()
        yield facts
        self.timings[name] = seconds = time.perf_counter() - started
        self.done += 1
        if self.verbose:
            said = f" ({'; '.join(f'{k}: {v}' for k, v in settings.items())})" if settings else ""
            self._emit(
                "info",
                f"{name} {seconds:.2f}s{said}",
                stage=name,
                seconds=round(seconds, 3),
                **_numbers(facts),
                **(settings or {}),
            )

    def finish(self, counts: dict[str, int]) -> None:
        self._clear()
        if self.verbose:
            text = " ".join(f"{k}={v}" for k, v in counts.items())
            self._emit("info", f"done {sum(self.timings.values()):.2f}s {text}", stage="done", **_numbers(counts))

    def warning(self, message: str) -> None:
        self._clear()
        self._emit("warning", message, message=message)

    def error(self, message: str, exit_code: int) -> None:
        self._clear()
        self._emit("error", message, message=message, exit=exit_code)

    def _emit(self, level: str, text: str, **fields) -> None:
        if self.fmt == "json":
            record = {
                "time": dt.datetime.now().astimezone().isoformat(timespec="milliseconds"),
                "level": level,
                **fields,
            }
            line = json.dumps(record, sort_keys=False, default=str)
        else:
            line = f"scrubber: {'' if level == 'info' else level + ': '}{text}"
        self.stream.write(line + "\n")
        self.stream.flush()

    def _draw(self, name: str) -> None:
        if self.bar:
            filled = BAR_WIDTH * self.done // self.stages
            self.stream.write(f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{self.stages} {name}\033[K")
            self.stream.flush()

    def _clear(self) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.bar = False


def _numbers(facts: dict) -> dict[str, int | float]:
    """Refuse anything but counts, so a batch value can never be logged by mistake."""
    for key, value in facts.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(f"log field {key!r} must be a number, not {type(value).__name__}")
    return facts


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_QUOTED = re.compile(r"`[^`]*`|\[\"[^\]]*\]")


def redact(text: str) -> str:
    """Library error text quotes the cells it failed on; keep the sentence, drop the values."""
    return _QUOTED.sub("…", text)
