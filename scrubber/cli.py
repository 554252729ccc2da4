"""The `scrubber` command line: parses arguments and calls the pipeline, nothing more."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from scrubber import paths
from scrubber.batch.load import empty_batch
from scrubber.engine.context import RunContext
from scrubber.engine.run import scope_columns
from scrubber.errors import ScrubberInputError
from scrubber.maintain.commands import COMMANDS as MAINTAINER_COMMANDS
from scrubber.pipeline import Settings, run
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.reference import ReferenceLibrary


def _settings(rules_dir: Path | None, profiles_dir: Path | None) -> Settings:
    return Settings(rules_dir or paths.rules_dir(), profiles_dir or paths.profiles_dir())


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--as-of") from None


rules_option = click.option(
    "--rules-dir", type=click.Path(path_type=Path), default=None, help="Rule folder (default: the repo's rules/)."
)
profiles_option = click.option(
    "--profiles-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Payer profile folder (default: the repo's payer_profiles/).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Scrub a batch of medical claims against the repo's YAML payer and coding edits."""


@cli.command("run")
@click.argument("batch_dir", type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", default=None, help="The run's date, YYYY-MM-DD (default: today); timely filing counts to it.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: reports/<as-of>/).")
@rules_option
@profiles_option
@click.option("-v", "--verbose", is_flag=True, help="Print one line per stage with its timing.")
def run_command(batch_dir, as_of, out_dir, rules_dir, profiles_dir, verbose) -> None:
    """Scrub BATCH_DIR and write findings, summary.json and fix_list.html."""
    day = _as_of(as_of)
    outcome = run(batch_dir, out_dir or paths.reports_dir() / day.isoformat(), day, _settings(rules_dir, profiles_dir))
    if verbose:
        for stage, seconds in outcome.timings.items():
            click.echo(f"{stage}: {seconds:.2f}s", err=True)
        click.echo(_headline(outcome.summary), err=True)


@cli.command("demo")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder (default: reports/demo/).")
@click.option("--as-of", "as_of", default="2026-03-16", show_default=True, help="The demo batch's run date.")
def demo_command(out_dir, as_of) -> None:
    """Scrub the small demo batch kept in the repo and say where the fix list is."""
    day = _as_of(as_of)
    outcome = run(paths.demo_batch_dir(), out_dir or paths.reports_dir() / "demo", day, _settings(None, None))
    click.echo(_headline(outcome.summary))
    click.echo(f"Fix list: {(outcome.out_dir / 'fix_list.html').resolve()}")


@cli.command("fields")
@click.argument("scope", required=False)
@profiles_option
def fields_command(scope, profiles_dir) -> None:
    """List the fields a rule can read, for one SCOPE or all of them."""
    columns = scope_columns(
        RunContext(empty_batch(), load_profiles(profiles_dir or paths.profiles_dir()), ReferenceLibrary(paths.rules_dir() / "reference"), dt.date.today())
    )
    if scope is not None and scope not in columns:
        raise click.BadParameter(f"{scope!r}; scopes are {', '.join(columns)}", param_hint="SCOPE")
    for name, names in columns.items():
        if scope in (None, name):
            click.echo(f"{name}:")
            for column in names:
                click.echo(f"  {column}")


def _headline(summary: dict) -> str:
    return (
        f"{summary['claims_total']} claims: {summary['claims_with_errors']} with errors, "
        f"{summary['claims_with_warnings']} with warnings, {summary['claims_clean']} clean"
    )


for _command in MAINTAINER_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except ScrubberInputError as error:
        click.echo(f"scrubber: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2)
