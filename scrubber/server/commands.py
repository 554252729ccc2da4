"""`scrubber serve` and `scrubber users`: the worklist server and its accounts.

The web and database libraries come with the `serve` extra; they are imported when one of these
commands runs, so the scrubber itself works without them.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from scrubber import paths

INSTALL = "the worklist server needs its extra: pip install 'claim-scrubber[serve]'"

reports_option = click.option(
    "--reports",
    "reports",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The folder of nightly runs (default: the project's reports/).",
)
db_option = click.option(
    "--db",
    "db_url",
    default=None,
    help="Database URL (default: sqlite file worklist.sqlite3 in the reports folder; "
    "e.g. postgresql+psycopg://user@host/worklist).",
)


def _engine(reports: Path | None, db_url: str | None):
    try:
        from scrubber.server.store import connect, default_url
    except ImportError:
        raise click.ClickException(INSTALL) from None
    return connect(db_url or default_url(_reports(reports)))


def _reports(reports: Path | None) -> Path:
    return (reports or paths.reports_dir()).resolve()


@click.command("serve")
@reports_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 opens it to the network."
)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@db_option
@click.option(
    "--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind a TLS reverse proxy)."
)
@click.option(
    "--check-every",
    "check_every",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between looks for a new run under the reports folder (made when a page is asked for).",
)
@click.option(
    "--remittances",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A folder of the payers' 835 remittances: each new file is applied once, as runs are "
    "(a paid claim closes, a denied one goes to the denial queue).",
)
def serve_command(reports, host, port, db_url, secure_cookies, check_every, remittances) -> None:
    """Serve the team's worklist over the runs in the reports folder, with owners, statuses and notes.

    New runs (and remittances, with --remittances) are imported as they appear; accounts are made
    with `scrubber users add NAME` (on the first start from a terminal, the first account is asked for).
    """
    engine = _engine(reports, db_url)
    try:
        from scrubber.server.app import serve
    except ImportError:
        raise click.ClickException(INSTALL) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from scrubber.server.auth import user_names

    if not user_names(engine):
        if sys.stdin.isatty():  # the first start on a terminal: make the first account here
            click.echo("No accounts yet: make the first one.")
            _add(engine, click.prompt("Name"))
        else:
            click.echo("No accounts yet: make one with `scrubber users add NAME`.", err=True)
    serve(engine, _reports(reports), host, port, secure_cookies, check_every, remittances and remittances.resolve())


@click.group("users")
def users_group() -> None:
    """The worklist server's accounts."""


@users_group.command("add")
@click.argument("name")
@reports_option
@db_option
def users_add(name, reports, db_url) -> None:
    """Add an account NAME; the password is asked for, or read from stdin's first line when it is not a terminal."""
    _add(_engine(reports, db_url), name)


def _add(engine, name: str) -> None:
    from scrubber.server.auth import AccountError, add_user

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        add_user(engine, name, password)
    except AccountError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Added {name.strip()}.")


@users_group.command("remove")
@click.argument("name")
@reports_option
@db_option
def users_remove(name, reports, db_url) -> None:
    """End NAME's account and its sessions; its name stays in the claims' history."""
    from scrubber.server.auth import AccountError, remove_user

    try:
        remove_user(_engine(reports, db_url), name)
    except AccountError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Removed {name.strip()}.")


@users_group.command("list")
@reports_option
@db_option
def users_list(reports, db_url) -> None:
    """The active accounts, one name a line."""
    from scrubber.server.auth import user_names

    for name in user_names(_engine(reports, db_url)):
        click.echo(name)


COMMANDS = [serve_command, users_group]
