"""Command-line entry points for rule maintainers: validate, explain, catalog, diff, reference import."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from scrubber import paths
from scrubber.batch import load_batch
from scrubber.errors import ScrubberInputError
from scrubber.examples import compare, run_example
from scrubber.history import previous_runs
from scrubber.maintain import catalog as catalogue
from scrubber.maintain.diff import as_text, diff, rules_at, write_html
from scrubber.maintain.explain import explain
from scrubber.maintain.validate import validate
from scrubber.options import rulebook_options, rules_option
from scrubber.paths import Settings
from scrubber.remit.report import read_record
from scrubber.rulebook import reference_import
from scrubber.rulebook.book import load_rulebook
from scrubber.rulebook.rules import load_rules

CATALOGUE = Path("docs") / "rules.md"


@click.command("validate")
@rulebook_options
def validate_command(settings) -> None:
    """Check every rule, payer profile and reference table; print each problem as file:line."""
    problems = validate(settings)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(2)
    click.echo(
        f"ok: rules and reference tables in {settings.rules_dir} and payer profiles in {settings.profiles_dir} "
        f"are valid (from {settings.found})"
    )


@click.command("explain")
@click.argument("rule_id")
@click.option("--plan", is_flag=True, help="Also print the Polars query the rule compiles to.")
@rulebook_options
def explain_command(rule_id, plan, settings) -> None:
    """Show RULE_ID as a biller reads it, and how each payer profile changes it."""
    rulebook = load_rulebook(settings)
    rules = {r.id: r for r in rulebook.rules}
    if rule_id.upper() not in rules:
        raise ScrubberInputError(f"{settings.rules_dir}: no rule {rule_id!r} (known: {', '.join(sorted(rules))})")
    click.echo(explain(rules[rule_id.upper()], rulebook, plan))


@click.command("examples")
@click.argument("rule_ids", nargs=-1)
@rulebook_options
def examples_command(rule_ids, settings) -> None:
    """Run each rule's examples (or RULE_IDS' only); list every example whose findings differ from its expect."""
    rulebook = load_rulebook(settings)
    wanted = {r.upper() for r in rule_ids}
    if unknown := wanted - {r.id for r in rulebook.rules}:
        raise ScrubberInputError(f"{settings.rules_dir}: no rule {', '.join(sorted(unknown))}")
    profiles, references = rulebook.profiles, rulebook.references
    failed = 0
    for rule in rulebook.rules:
        if wanted and rule.id not in wanted:
            continue
        for kind in ("fire", "pass"):
            for example in rule.examples[kind]:
                if mismatch := compare(run_example(rule, example, profiles, references), example.get("expect", [])):
                    failed += 1
                    click.echo(f"{rule.id} {kind} {example['name']}: {mismatch}")
    if failed:
        sys.exit(1)
    count = len(wanted) or len(rulebook.rules)
    click.echo(
        f"ok: every example of {count} rule(s) in {settings.rules_dir} gives exactly its "
        f"expected findings (from {settings.found})"
    )


@click.command("catalog")
@click.option("--write", "write_docs", is_flag=True, help="Rewrite docs/rules.md from the rule YAML.")
@click.option("--check", is_flag=True, help="Exit 1 when docs/rules.md is out of date.")
@click.option("--runs", is_flag=True, help="Show how often each rule fired in the runs kept under reports/.")
@click.option(
    "--record",
    "remit_out",
    type=click.Path(path_type=Path),
    default=None,
    help="A `scrubber remit` output folder: print the catalogue with each rule's record at the payers.",
)
@rulebook_options
def catalog_command(write_docs, check, runs, remit_out, settings) -> None:
    """The rule catalogue, generated from the YAML; with --runs, each rule's effectiveness; with --record, what
    the payers then did with each rule's findings."""
    rules = load_rules(settings.rules_dir)
    if remit_out is not None:
        if write_docs or check:
            raise ScrubberInputError("--record prints the catalogue; docs/rules.md is written without records")
        click.echo(catalogue.markdown(rules, read_record(remit_out)))
        return
    text = catalogue.markdown(rules)
    target = paths.project_root() / CATALOGUE
    if write_docs:
        catalogue.write_markdown(rules, target)
        click.echo(f"wrote {target}")
    elif check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            click.echo(f"{target} is out of date: run `scrubber catalog --write`", err=True)
            sys.exit(1)
    elif runs:
        past = previous_runs(paths.reports_dir() / ".current", dt.date.max)
        click.echo(catalogue.effectiveness_text(catalogue.effectiveness(past)))
    else:
        click.echo(text)


@click.command("diff")
@click.argument("batch_dir", type=click.Path(path_type=Path))
@click.option(
    "--base", required=True, help="A git revision (e.g. main, HEAD~1) or a folder holding rules/ and payer_profiles/."
)
@click.option("--as-of", "as_of", default=None, help="Run date YYYY-MM-DD (default: today).")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the comparison as an HTML page.",
)
@rulebook_options
def diff_command(batch_dir, base, as_of, html_path, settings) -> None:
    """Scrub BATCH_DIR under --base and under the working tree; show claims newly flagged or cleared, per rule."""
    day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    batch = load_batch(batch_dir)
    with rules_at(base, paths.project_root()) as base_settings:
        changes = diff(batch, base_settings, settings, day)
    click.echo(as_text(changes, base))
    if html_path:
        write_html(changes, base, batch_dir, html_path)
        click.echo(f"HTML: {html_path}")


IMPORTERS = {
    "ncci-ptp": ("ncci_ptp", reference_import.import_ncci_ptp),
    "mue": ("mue", reference_import.import_mue),
    "icd10cm": ("icd10cm", reference_import.import_icd10cm_order),
}
SETTINGS = sorted({**reference_import.PTP_SETTINGS, **reference_import.MUE_SETTINGS})


@click.group("reference")
def reference_group() -> None:
    """Reference tables under rules/reference/."""


@reference_group.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--release", "release_id", required=True, help="Release id, e.g. 2026Q4 or FY2027.")
@click.option("--effective-from", required=True, help="First date of service the release applies to, YYYY-MM-DD.")
@click.option(
    "--setting",
    type=click.Choice(SETTINGS),
    default=None,
    help="NCCI table of which setting (ncci-ptp: practitioner, outpatient_hospital; mue: those and dme). "
    "Default: told from CMS's file names.",
)
@click.option(
    "--origin", default=None, help="Where the file came from (URL or note), kept in the release's source line."
)
@rules_option
def reference_import_command(kind, source, release_id, effective_from, setting, origin, rules_dir) -> None:
    """Import a CMS release file (PTP text/zip, MUE CSV, ICD-10-CM order file) as a new release,
    keeping earlier ones."""
    table, importer = IMPORTERS[kind]
    folder = Settings.resolve(rules_dir, None).reference_dir / table
    options = {"origin": origin}
    if kind != "icd10cm":
        options["setting"] = setting
    elif setting:
        raise ScrubberInputError("--setting is for the NCCI tables (ncci-ptp, mue); icd10cm has none")
    try:
        result = importer(source, folder, release_id, dt.date.fromisoformat(effective_from), **options)
    except ValueError as error:
        raise ScrubberInputError(str(error)) from None
    closed = f"; closed release {result.closed_release}" if result.closed_release else ""
    click.echo(f"{table}: release {result.release_id} from {effective_from}, {result.rows} rows{closed}")


COMMANDS = [validate_command, examples_command, explain_command, catalog_command, diff_command, reference_group]
