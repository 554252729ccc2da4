"""The `scrubber` command line: parses arguments and calls the pipeline, nothing more."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from scrubber import paths
from scrubber.engine.context import RunContext
from scrubber.engine.run import scope_columns
from scrubber.errors import ScrubberError, TerminatedError
from scrubber.history import PastRun
from scrubber.logs import FORMATS, RunLog, redact
from scrubber.maintain.commands import COMMANDS as MAINTAINER_COMMANDS
from scrubber.options import rulebook_options
from scrubber.paths import Settings
from scrubber.pipeline import STAGES, run
from scrubber.remit.report import PAGE as REMIT_PAGE
from scrubber.remit.report import remit, runs_under
from scrubber.rulebook.book import load_rulebook
from scrubber.server.commands import COMMANDS as SERVER_COMMANDS
from scrubber.shard.contract import run_shard
from scrubber.shard.driver import ShardPlan
from scrubber.summary import RunSummary


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--as-of") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Scrub a batch of medical claims against the repo's YAML payer and coding edits."""


@cli.command("run")
@click.argument("batch_dir", type=click.Path(path_type=Path))
@click.option(
    "--as-of", "as_of", default=None, help="The run's date, YYYY-MM-DD (default: today); timely filing counts to it."
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: reports/<as-of>/)."
)
@rulebook_options
@click.option("-v", "--verbose", is_flag=True, help="One line per stage with its timing; the traceback of a crash.")
@click.option(
    "--log-format",
    "log_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Lines on stderr as text or as JSON objects (one per line).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Scrub patient shards in N local processes (or CPUs)."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where shards run: local processes, or Ray tasks (pip install 'claim-scrubber[ray]').",
)
@click.option("--address", default=None, help="The Ray cluster (default: $RAY_ADDRESS; none: start Ray here).")
@click.option("--shards", type=click.IntRange(min=1), default=None, help="Patient shards (default: by size).")
@click.option(
    "--stage",
    type=click.Path(path_type=Path),
    default=None,
    help="Staging folder for the shard folders, shared by every node (default: a temp folder here).",
)
def run_command(
    batch_dir, as_of, out_dir, settings, verbose, log_format, workers, engine, address, shards, stage
) -> None:
    """Scrub BATCH_DIR and write findings, summary.json and fix_list.html.

    Silent on success; on failure one line on stderr and exit status 2 (unusable
    batch, rule or profile), 3 (another run is writing the same folder) or 1.
    With --workers, --shards or --engine ray the patients are scrubbed in shards;
    the output files are those of a run without them.
    """
    day = _as_of(as_of)
    log = RunLog(verbose, log_format, stages=len(STAGES))
    target = out_dir or paths.reports_dir() / day.isoformat()
    if address and engine != "ray":
        raise click.BadParameter("is for --engine ray", param_hint="--address")
    sharded = engine == "ray" or (workers or 1) > 1 or shards is not None
    plan = ShardPlan(engine, workers, shards, stage, address) if sharded else None
    _guarded(log, lambda: run(batch_dir, target, day, settings, log, plan))


@cli.command("shard-run")
@click.argument("shard_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@rulebook_options
def shard_run_command(shard_dir, settings) -> None:
    """Scrub one shard folder cut by `scrubber run` and write its findings.parquet there.

    Any scheduler can run it. Exit status 2 when the shard was cut for other rules or
    library versions than this scrubber's.
    """
    _guarded(RunLog(), lambda: run_shard(shard_dir, settings))


@cli.command("demo")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: reports/demo/)."
)
@click.option("--as-of", "as_of", default=paths.DEMO_AS_OF, show_default=True, help="The demo batch's run date.")
def demo_command(out_dir, as_of) -> None:
    """Scrub the small demo batch kept in the repo and say where the fix list is."""
    day = _as_of(as_of)
    log = RunLog(stages=len(STAGES))
    outcome = _guarded(
        log,
        lambda: run(
            paths.demo_batch_dir(), out_dir or paths.reports_dir() / "demo", day, Settings.resolve(None, None), log
        ),
    )
    click.echo(_headline(outcome.summary))
    click.echo(f"Fix list: {(outcome.out_dir / 'fix_list.html').resolve()}")
    # The payers' answers to some demo claims, matched to this run only (not the practice's runs beside it).
    remit_dir = outcome.out_dir.with_name(f"{outcome.out_dir.name}-remit")
    demo_run = PastRun(outcome.out_dir, outcome.summary.as_of, outcome.summary)
    _guarded(log, lambda: remit(paths.demo_remittances_dir(), [demo_run], remit_dir, Settings.resolve(None, None)))
    click.echo(f"Remittance report: {(remit_dir / REMIT_PAGE).resolve()}")


@cli.command("remit")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--runs",
    "runs_root",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the earlier runs are kept (default: reports/); each run's findings are matched to the denials.",
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: <runs>/remit/)."
)
@rulebook_options
def remit_command(folder, runs_root, out_dir, settings) -> None:
    """Read the payers' 835 remittances in FOLDER and show which denials the rules foresaw: remit.html and tables.

    Silent on success, as `scrubber run` is; exit status 2, nothing written, when FOLDER is missing, empty or
    holds a file that is not an 835 (3 when another command is writing the same output folder).
    """
    root = runs_root or paths.reports_dir()
    _guarded(RunLog(), lambda: remit(folder, runs_under(root), out_dir or root / "remit", settings))


@cli.command("fields")
@click.argument("scope", required=False)
@rulebook_options
def fields_command(scope, settings) -> None:
    """List the fields a rule can read, for one SCOPE or all of them."""
    columns = scope_columns(RunContext.of(load_rulebook(settings)))
    if scope is not None and scope not in columns:
        raise click.BadParameter(f"{scope!r}; scopes are {', '.join(columns)}", param_hint="SCOPE")
    for name, names in columns.items():
        if scope in (None, name):
            click.echo(f"{name}:")
            for column in names:
                click.echo(f"  {column}")


def _headline(summary: RunSummary) -> str:
    return (
        f"{summary.claims_total} claims: {summary.claims_with_errors} with errors, "
        f"{summary.claims_with_warnings} with warnings, {summary.claims_clean} clean"
    )


T = TypeVar("T")  # what a guarded command returns: a run's outcome, a remittance report

for _command in [*MAINTAINER_COMMANDS, *SERVER_COMMANDS]:
    cli.add_command(_command)


def _guarded(log: RunLog, work: Callable[[], T]) -> T:
    """Every way a run can fail ends in one line on stderr and a non-zero exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return work()
    except ScrubberError as error:
        log.error(redact(str(error)), error.exit_code)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        log.error("interrupted; no output written, the previous report is untouched", 130)
        sys.exit(130)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        log.error(f"{where}{error.strerror or error}; no output written, the previous report is untouched", 1)
        sys.exit(1)
    except Exception as error:  # a bug: still one line for cron, the traceback on request
        first = redact(str(error).splitlines()[0]) if str(error) else ""
        log.error(f"internal error (a bug; rerun with --verbose for the traceback): {type(error).__name__}: {first}", 1)
        if log.verbose:
            traceback.print_exc()
        sys.exit(1)


def _terminate(signum, frame) -> None:
    # Raised where the run is, so its cleanup (staging folder, lock) runs before exiting.
    raise TerminatedError("stopped by SIGTERM; no output written, the previous report is untouched")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except ScrubberError as error:
        click.echo(f"scrubber: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("scrubber: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2)
