"""Command-line options shared by `scrubber run` and the maintainer commands: which rules and profiles to use."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

from scrubber.paths import Settings

rules_option = click.option(
    "--rules-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Rule folder (default: rules/ of the nearest folder, from here upward, holding rules/ and payer_profiles/).",
)
profiles_option = click.option(
    "--profiles-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Payer profile folder (default: payer_profiles/ next to the rules found from here upward).",
)


def rulebook_options(command: Callable) -> Callable:
    """--rules-dir and --profiles-dir; the command receives them as one `settings` (paths.Settings)."""

    @functools.wraps(command)  # keeps the options declared below this decorator
    def with_settings(*args, rules_dir: Path | None, profiles_dir: Path | None, **kwargs):
        return command(*args, settings=Settings.resolve(rules_dir, profiles_dir), **kwargs)

    return rules_option(profiles_option(with_settings))
