"""`scrubber remit`: the payers' 835s against the scrubber's earlier runs, as remit.html plus Parquet and CSV.

The files (each as NAME.parquet and NAME.csv) are built here, in Polars, and written into a staging folder
that report/atomic.py moves into place whole; the page only lays them out (templates/remit.html.j2).
Figures count the current answer of each claim (scrubber.remit.match: a payment later reversed is
superseded), except `trend`, which counts what each file brought as it came.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from markupsafe import Markup

from scrubber.errors import ScrubberInputError
from scrubber.history import PastRun, previous_runs
from scrubber.lock import run_lock
from scrubber.paths import Settings
from scrubber.remit.match import (
    CARC_FAMILIES,
    DENIAL_CLASSES,
    DENIED_AS_PREDICTED,
    DENIED_OTHER,
    NO_ANSWER,
    NOT_DENIALS,
    NOT_PREDICTED,
    NOT_SCRUBBED,
    PAID_CLEARED,
    PAID_OPEN,
    PREDICTED,
    SENT_ANYWAY,
    Matched,
    carc_of,
    family_of,
    match,
    scrub_history,
)
from scrubber.remit.x835 import MONEY, RemitRead, read_remittances
from scrubber.report.atomic import atomic_folder
from scrubber.report.charts import money
from scrubber.report.fix_list import TEMPLATES, csp_hash, template_environment
from scrubber.report.write import spreadsheet_safe
from scrubber.rulebook.reference import load_table
from scrubber.rulebook.rules import Rule, load_rules

PAGE = "remit.html"
RECORD = "rule_record"  # the table `scrubber catalog --record` reads
TABLE_ROWS = 300
_ZERO = pl.lit(0, MONEY)
# A column per class of denial: predicted, predicted_sent_anyway, not_predicted, not_scrubbed.
_CLASS_COLUMNS = {name: name.replace(", ", "_").replace(" ", "_") for name in DENIAL_CLASSES}


@dataclass(frozen=True)
class RemitReport:
    tables: dict[str, pl.DataFrame]
    headline: dict[str, str | int]


def runs_under(root: Path) -> list[PastRun]:
    """Every completed run kept under root (reports/ by default), oldest first."""
    return previous_runs(Path(root) / ".remit", dt.date.max)


def remit(folder: Path, runs: list[PastRun], out_dir: Path, settings: Settings) -> RemitReport:
    """Read every 835 of folder, match it to runs, write the report into out_dir whole; exit 2 (ScrubberInputError)
    before anything is written when the folder is missing, empty, or holds a file that is not an 835."""
    read = _read(Path(folder))
    rules = load_rules(settings.rules_dir)
    texts = carc_texts(settings.reference_dir)
    report = build(read, match(read, scrub_history(runs)), rules, runs, texts)
    with run_lock(out_dir), atomic_folder(out_dir) as staging:
        for name, table in report.tables.items():
            table.write_parquet(staging / f"{name}.parquet")
            spreadsheet_safe(table).write_csv(staging / f"{name}.csv")
        render(staging / PAGE, report)
    return report


def read_record(out_dir: Path) -> pl.DataFrame:
    """Each rule's record from a `scrubber remit` output folder (exit 2 when it holds none)."""
    path = Path(out_dir) / f"{RECORD}.parquet"
    if not path.is_file():
        raise ScrubberInputError(f"{path}: no rule record here; give the output folder of `scrubber remit`")
    return pl.read_parquet(path)


def _read(folder: Path) -> RemitRead:
    if not folder.is_dir():
        raise ScrubberInputError(f"{folder}: not a folder of 835 remittance files; nothing written")
    read = read_remittances(folder)
    if read.issues.height == 0 and read.payments.height == 0:
        raise ScrubberInputError(f"{folder}: no 835 remittance file in the folder; nothing written")
    unread = read.issues.filter(~pl.col("file").is_in(read.payments["file"].implode()))
    if unread.height:
        first = unread.row(0, named=True)
        raise ScrubberInputError(
            f"{folder / first['file']}: {first['message']} ({unread['file'].n_unique()} file(s) not read as an "
            "835); nothing written: move the file out of the folder or fix it"
        )
    return read


def build(
    read: RemitRead, matched: Matched, rules: list[Rule], runs: list[PastRun], described: pl.DataFrame
) -> RemitReport:
    denials = matched.denials
    current = denials.filter("current")
    claims = matched.claims
    tables = {
        "denials": denials.select(
            "file", "claim_id", "payer_id", "remit_date", "level", "line_position", "our_line_number",
            "procedure_code", "service_date", "denial_code", "carc", "remark_codes", "family", "amount", "class",
            "match", "predicted_by", "other_findings", "last_run", "superseded",
        ),
        "claims": _claims(claims, denials),
        "by_carc": _by_carc(current, described),
        "by_payer": _by_payer(claims, current),
        RECORD: rule_record(matched.findings, rules),
        "unpredicted": _unpredicted(current, rules, described),
        "trend": _trend(read, claims, denials),
        "finding_outcomes": matched.findings,
        "issues": read.issues,
    }  # fmt: skip
    answered = claims.filter("current")
    scrubbed = current.filter(pl.col("class") != NOT_SCRUBBED)
    foreseen = scrubbed.filter(pl.col("class").is_in([PREDICTED, SENT_ANYWAY]))
    headline = {
        "files": read.payments["file"].n_unique(),
        "runs": len(runs),
        "last_run": runs[-1].as_of.isoformat() if runs else "none",
        "claims": answered["claim_id"].n_unique(),
        "not_scrubbed": answered.filter(~pl.col("scrubbed"))["claim_id"].n_unique(),
        "reversals": claims.filter("reversal").height,
        "corrections": claims.filter("correction").height,
        "split": claims.filter(pl.col("remittance_files") > 1)["claim_id"].n_unique(),
        "paid": money(claims["paid"].sum() or 0),
        "denials": current.height,
        "denied": money(current["amount"].sum() or 0),
        "foreseen": foreseen.height,
        "foreseen_rate": f"{foreseen.height / scrubbed.height:.0%}" if scrubbed.height else "—",
        "sent_anyway": current.filter(pl.col("class") == SENT_ANYWAY).height,
        "fired_paid": matched.findings.filter(pl.col("outcome") == PAID_OPEN).height,
        "issues": read.issues.height,
    }
    return RemitReport(tables, headline)


# The pack's remit_codes table holds the codes its rules name, not the whole X12 lists.
NO_TEXT = "not in the pack's code table (rules/reference/remit_codes)"


def carc_texts(reference_dir: Path) -> pl.DataFrame:
    """The CARC texts of the pack's remit_codes table (the X12 list's wording, for the codes the rules name)."""
    rows = load_table(reference_dir, "remit_codes").rows
    return rows.filter(pl.col("kind") == "CARC").select(carc="code", description="description").unique("carc")


def _described(table: pl.DataFrame, described: pl.DataFrame) -> pl.DataFrame:
    """Each CARC with its text; a code the pack's table lacks says so rather than showing nothing."""
    return table.join(described, on="carc", how="left").with_columns(pl.col("description").fill_null(NO_TEXT))


def _count_classes() -> list[pl.Expr]:
    klass = pl.col("class")
    return [
        pl.len().alias("denials"),
        pl.col("amount").sum().alias("dollars"),
        pl.col("claim_id").n_unique().alias("claims"),
        *[(klass == name).sum().alias(column) for name, column in _CLASS_COLUMNS.items()],
        pl.col("amount").filter(klass.is_in([PREDICTED, SENT_ANYWAY])).sum().alias("predicted_dollars"),
    ]  # fmt: skip


def _by_carc(current: pl.DataFrame, described: pl.DataFrame) -> pl.DataFrame:
    table = current.group_by("carc").agg(
        *_count_classes(),
        group_codes=pl.col("group_code").unique().sort().str.join(";"),
        payers=pl.col("payer_id").unique().sort().str.join(";"),
    )
    return (
        _described(table, described)
        .with_columns(family=family_of(pl.col("carc")))
        .sort("dollars", "carc", descending=[True, False])
    )


def _by_payer(claims: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    answered = (
        claims.filter("current")
        .group_by("payer_id")
        .agg(
            payer_name=pl.col("payer_name").first(),
            claims=pl.col("claim_id").n_unique(),
            charged=pl.col("charge").sum(),
            paid=pl.col("paid").sum(),
        )
    )
    denied = current.group_by("payer_id").agg(*_count_classes()).drop("claims")
    return (
        answered.join(denied, on="payer_id", how="left", nulls_equal=True)
        .with_columns(
            pl.col("dollars", "predicted_dollars").fill_null(_ZERO),
            pl.col("denials", *_CLASS_COLUMNS.values()).fill_null(0),
        )
        .sort("dollars", "payer_id", descending=[True, False])
    )


def rule_record(outcomes: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """Per rule: its findings on claims the payers answered, and what the payers did with them."""
    out = pl.col("outcome")
    record = outcomes.group_by("rule_id").agg(
        fired=pl.len(),
        denied_as_predicted=(out == DENIED_AS_PREDICTED).sum(),
        sent_anyway=((out == DENIED_AS_PREDICTED) & pl.col("open_when_sent")).sum(),
        denied_other=(out == DENIED_OTHER).sum(),
        fired_paid_in_full=(out == PAID_OPEN).sum(),
        paid_after_fix=(out == PAID_CLEARED).sum(),
        no_answer=(out == NO_ANSWER).sum(),
        denied_dollars=pl.col("denied_dollars").sum(),
    )
    pack = pl.DataFrame(
        {"rule_id": [r.id for r in rules], "title": [r.title for r in rules], "denial_code": [r.carc for r in rules]},
        schema={"rule_id": pl.String, "title": pl.String, "denial_code": pl.String},
    )
    return record.join(pack, on="rule_id", how="left").sort("rule_id")


def _unpredicted(current: pl.DataFrame, rules: list[Rule], described: pl.DataFrame) -> pl.DataFrame:
    """Denials no finding foresaw, by CARC and dollars, with the pack's rules that name that CARC or its family:
    none means the pack has no edit for it yet."""
    missed = current.filter(pl.col("class").is_in([NOT_PREDICTED, NOT_SCRUBBED]))
    pack = pl.DataFrame(
        {"rule_id": [r.id for r in rules], "rule_carc": [r.carc for r in rules]},
        schema={"rule_id": pl.String, "rule_carc": pl.String},
    ).with_columns(rule_carc=carc_of(pl.col("rule_carc")))
    carcs = missed.select(pl.col("carc").unique())
    naming = (
        carcs.join(pack, how="cross")
        .filter((pl.col("rule_carc") == pl.col("carc")) | (family_of(pl.col("rule_carc")) == family_of(pl.col("carc"))))
        .group_by("carc")
        .agg(pack_rules=pl.col("rule_id").unique().sort().str.join(";"))
    )  # fmt: skip
    table = missed.group_by("carc").agg(
        denials=pl.len(),
        dollars=pl.col("amount").sum(),
        claims=pl.col("claim_id").n_unique(),
        not_scrubbed=(pl.col("class") == NOT_SCRUBBED).sum(),
        payers=pl.col("payer_id").unique().sort().str.join(";"),
    )
    return (
        _described(table, described)
        .join(naming, on="carc", how="left")
        .with_columns(family=family_of(pl.col("carc")), pack_rules=pl.col("pack_rules").fill_null(""))
        .sort("dollars", "carc", descending=[True, False])
    )


def _claims(claims: pl.DataFrame, denials: pl.DataFrame) -> pl.DataFrame:
    per_row = denials.group_by("file", "claim_position").agg(
        denials=pl.len(),
        denied=pl.col("amount").sum(),
        classes=pl.col("class").unique().sort().str.join(";"),
    )
    return (
        claims.join(per_row, on=["file", "claim_position"], how="left")
        .with_columns(pl.col("denials").fill_null(0), pl.col("denied").fill_null(_ZERO))
        .select(
            "file", "claim_position", "claim_id", "payer_id", "payer_claim_number", "remit_date", "status_code",
            "status", "outcome", "charge", "paid", "patient_responsibility", "reversal", "correction", "superseded",
            "current", "remittance_rows", "remittance_files", "sequence", "scrubbed", "runs_before", "last_run",
            "denials", "denied", "classes",
        )
    )  # fmt: skip


def _trend(read: RemitRead, claims: pl.DataFrame, denials: pl.DataFrame) -> pl.DataFrame:
    """Per file, as it came: claims, reversals, money paid, denials and how many the runs foresaw."""
    per_file = claims.group_by("file").agg(
        remit_date=pl.col("remit_date").min(),
        payers=pl.col("payer_id").unique().sort().str.join(";"),
        claims=pl.len(),
        reversals=pl.col("reversal").sum(),
        paid=pl.col("paid").sum(),
    )
    denied = denials.group_by("file").agg(
        denials=pl.len(),
        denied=pl.col("amount").sum(),
        predicted=pl.col("class").is_in([PREDICTED, SENT_ANYWAY]).sum(),
        not_predicted=(pl.col("class") == NOT_PREDICTED).sum(),
    )
    payments = read.payments.group_by("file").agg(
        payment_date=pl.col("payment_date").min(), checks=pl.col("check_number").unique().sort().str.join(";")
    )
    return (
        payments.join(per_file, on="file", how="left")
        .join(denied, on="file", how="left")
        .with_columns(pl.col("denials", "predicted", "not_predicted").fill_null(0), pl.col("denied").fill_null(_ZERO))
        .sort("remit_date", "payment_date", "file", nulls_last=True)
    )


def render(path: Path, report: RemitReport) -> None:
    style = (TEMPLATES / "fix_list.css").read_text(encoding="utf-8")
    csp = f"default-src 'none'; script-src 'none'; style-src {csp_hash(style)}; base-uri 'none'; form-action 'none'"
    tables = {name: _rows(frame) for name, frame in report.tables.items()}
    html = (
        template_environment()
        .get_template("remit.html.j2")
        .render(
            h=report.headline,
            t=tables,
            total={name: frame.height for name, frame in report.tables.items()},
            style=Markup(style),  # the page's own file, hashed into the policy as is
            csp=csp,
            families=[(name, ", ".join(carcs), note) for name, (carcs, note) in CARC_FAMILIES.items()],
            not_denials=sorted(NOT_DENIALS.items(), key=lambda item: int(item[0])),
            limit=TABLE_ROWS,
        )
    )
    path.write_text(html, encoding="utf-8")


def _rows(frame: pl.DataFrame) -> list[dict]:
    """The first rows as text, money as $ figures, for the page."""
    shown = frame.head(TABLE_ROWS).with_columns(
        pl.col(c).map_elements(money, return_dtype=pl.String)
        for c, t in frame.schema.items()
        if isinstance(t, pl.Decimal)
    )
    return shown.with_columns(pl.all().cast(pl.String).fill_null("")).to_dicts()
