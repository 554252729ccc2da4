"""fix_list.html: the billers' morning work queue, one self-contained page.

This module gathers plain data (built in Polars by cards.py, compare.py, charts.py
and the rule catalogue below) and hands it to the Jinja2 templates, which only lay it out and
escape every value. The page's own style and script are inlined and named in the
Content-Security-Policy by their SHA-256 hash, so the browser runs nothing else and
loads nothing from outside the file.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from scrubber.findings import counting
from scrubber.frames import first_claim_rows
from scrubber.report.cards import CARD_COLUMNS, FINDING_FIELDS, NO_PROFILE_TEAM, PAST, UNBILLED_RULE
from scrubber.report.charts import claim_charts, money, trend_chart
from scrubber.report.compare import FIXED, GONE, ClaimHistory, Comparison
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.rules import Rule
from scrubber.summary import RunSummary

if TYPE_CHECKING:
    from scrubber.report.write import RunReport

TEMPLATES = Path(__file__).parent / "templates"
TABLE_ROWS = 500  # side tables (preview, not on a claim, resolved) leave the rest to findings.csv
STATIC_CARDS = 300  # cards written as HTML for reading and printing with scripts off; the script draws the rest
# gzip level of the cards' JSON: at 1M lines (46,000 cards, 33 MB of compact JSON) level 3 takes 0.20 CPU s
# for 4.1 MB, level 6 0.51 s for 3.4 MB, level 1 0.13 s for 4.5 MB (bench/README.md).
CARDS_COMPRESSION = 3
BLANK_FINDING = dict.fromkeys(FINDING_FIELDS, "")
BLANK_LINE = {"findings": []}
BLANK_CARD = {"claim_findings": [], "lines": [], "other_findings": []}
UNBILLED, CLOSED = "unbilled", "closed"  # the list's buckets beside cards.ON_TIME and cards.PAST
# A list row: what the compact list shows and sorts by, then its card (CARD_COLUMNS).
LIST_COLUMNS = ["id", "kind", "bucket", "priority", "days_left", "total", "owner", "top", "more", "since",
                "nights", "since_label", "heading", "openable", "rules",
                *CARD_COLUMNS]  # fmt: skip


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_assets() -> dict[str, str]:
    """The inline style and script, and a policy that allows exactly those two and nothing else."""
    style = (TEMPLATES / "fix_list.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "fix_list.js").read_text(encoding="utf-8")
    csp = (
        f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return {"style": Markup(style), "script": Markup(script), "csp": csp}


def headline(
    summary: RunSummary,
    facts: pl.DataFrame,
    visits: pl.DataFrame,
    history: ClaimHistory | None,
    comparison: Comparison | None,
    warning_days: int,
) -> dict:
    """The header's answer to "how bad is today", for the whole batch (the list's own figures follow its filters)."""
    rate = summary.clean_rate
    days = pl.col("days_left")
    past = facts.filter(days < 0)
    soon = facts.filter((days >= 0) & (days <= warning_days))
    changes = {}
    if history is not None:
        since = facts["since"].value_counts()
        count = dict(zip(since["since"].to_list(), since["count"].to_list(), strict=True))
        closed = history.closed["change"].value_counts()
        count |= dict(zip(closed["change"].to_list(), closed["count"].to_list(), strict=True))
        changes = {k: count.get(k, 0) for k in ("new", "open", FIXED, GONE)}
    return {
        "as_of": summary.as_of.isoformat(),
        "rules_version": summary.rules_version,
        "batch": summary.batch,
        "claims_total": summary.claims_total,
        "claims_clean": summary.claims_clean,
        "claims_with_errors": summary.claims_with_errors,
        "claims_with_warnings": summary.claims_with_warnings,
        "clean_rate": "—" if rate is None else f"{rate:.1%}",
        "at_risk": money(facts["at_risk"].sum()),
        "past": past.height,
        "past_dollars": money(past["total"].sum()),
        "due_soon": soon.height,
        "due_soon_dollars": money(soon["total"].sum()),
        "unbilled": visits.height,
        "warning_days": warning_days,
        "not_checked": summary.not_checked,
        "comparison": comparison,
        "changes": changes,
    }


def _since_label(previous: str) -> pl.Expr:
    since = pl.col("since")
    return (
        pl.when(since == "new")
        .then(pl.lit("new tonight"))
        .when((since == "open") & pl.col("nights").is_not_null())
        .then(pl.format("open {} nights, since {}", "nights", "first_flagged"))
        .when(since == "open")
        .then(pl.lit("still open"))
        .when(since == FIXED)
        .then(pl.lit(f"fixed since {previous}: scrubs clean tonight"))
        .when(since == GONE)
        .then(pl.lit(f"not in tonight's batch (flagged on {previous}; sent or removed)"))
        .otherwise(pl.lit(""))
        .alias("since_label")
    )


def list_rows(
    cards: pl.DataFrame, visits: pl.DataFrame, history: ClaimHistory | None, claims: pl.DataFrame
) -> pl.DataFrame:
    """Every row of the page's list: the claims (with their cards), the unbilled visits beside them, and the
    claims the previous run flagged that tonight's does not (fixed, or not in tonight's batch)."""
    top = pl.format("{} · {}", "top_rule", "top_message")
    claim_rows = cards.with_columns(
        pl.col("claim_id").alias("id"),
        pl.lit("claim").alias("kind"),
        top.alias("top"),
        (pl.col("n_findings") - 1).alias("more"),
        pl.format("Claim {}", "claim_id").alias("heading"),
        pl.lit(True).alias("openable"),
    )
    finding = pl.struct(FINDING_FIELDS)
    visit_rows = visits.with_columns(
        pl.col("encounter_id").alias("id"),
        pl.lit("visit").alias("kind"),
        pl.lit(UNBILLED).alias("bucket"),
        pl.int_range(1, pl.len() + 1).alias("priority"),
        pl.format(
            "visit {} days ago · {}",
            "age_days",
            pl.when(pl.col("payer_id").is_null())
            .then(pl.lit("payer unknown: no claim of the patient in this batch"))
            .otherwise(pl.col("deadline_label")),
        ).alias("deadline_label"),
        pl.col("deadline").cast(pl.String).fill_null("—"),
        pl.when(pl.col("payer_name").is_not_null())
        .then(pl.format("{} ({}), likely", "payer_id", "payer_name"))
        .otherwise(pl.col("payer_id").fill_null("unknown"))
        .alias("payer_label"),
        pl.col("team").fill_null(NO_PROFILE_TEAM),
        pl.lit("—").alias("total_text"),
        pl.col("queue").alias("owner"),
        pl.format("{} · {}", "rule_id", "message").alias("top"),
        pl.lit(0).alias("more"),
        pl.when(pl.col("is_new")).then(pl.lit("new")).when(~pl.col("is_new")).then(pl.lit("open")).alias("since"),
        pl.format("Visit {} (no claim)", "encounter_id").alias("heading"),
        pl.lit(True).alias("openable"),
        pl.concat_list(pl.col("rule_id")).alias("rules"),
        pl.col("patient_id").fill_null("—"),
        pl.col("service_date").cast(pl.String).alias("service_dates"),
        pl.concat_list(finding).alias("claim_findings"),
        pl.concat_str(pl.col("encounter_id"), pl.lit(" "), pl.col("patient_id").fill_null(""))
        .str.to_lowercase()
        .alias("search"),
        pl.lit("1 warning").alias("counts_label"),
    ).with_columns(pl.col("payer_id").fill_null("—"))
    # The list's own order: claims that can go out on time, the unbilled visits, then the claims past their deadline.
    frames = [claim_rows.filter(pl.col("bucket") != PAST), visit_rows, claim_rows.filter(pl.col("bucket") == PAST)]
    if history is not None and history.closed.height:
        totals = first_claim_rows(claims, history.closed.select("claim_id")).select(
            "claim_id",
            pl.col("total_charge").cast(pl.Float64).alias("total"),
            pl.concat_str(pl.lit("$"), pl.col("total_charge").cast(pl.String)).alias("total_text"),
        )
        frames.append(
            history.closed.join(totals, on="claim_id", how="left").with_columns(
                pl.col("claim_id").alias("id"),
                pl.col("change").alias("kind"),
                pl.lit(CLOSED).alias("bucket"),
                pl.int_range(1, pl.len() + 1).alias("priority"),
                pl.col("change").alias("since"),
                pl.format("{} · {}", "rule_id", "message").alias("top"),
                pl.lit(0).alias("more"),
                pl.col("total_text").fill_null("—"),
                pl.col("payer_id").fill_null("—").alias("payer_label"),
                pl.format("Claim {}", "claim_id").alias("heading"),
                pl.lit(False).alias("openable"),
                pl.lit("—").alias("deadline_label"),
                pl.concat_str(pl.col("claim_id"), pl.lit("")).str.to_lowercase().alias("search"),
            )
        )
    previous = history.previous_as_of if history is not None else ""
    rows = pl.concat(frames, how="diagonal_relaxed").with_columns(_since_label(previous))
    return rows.select(*LIST_COLUMNS)


def _options(values: pl.Series, names: dict[str, str] | None = None) -> list[dict]:
    present = values.drop_nulls().unique().sort().to_list()
    return [{"value": v, "text": f"{v} ({names[v]})" if names and v in names else v} for v in present if v != ""]


def filter_choices(facts: pl.DataFrame, findings: pl.DataFrame, payer_names: dict[str, str]) -> list[dict]:
    """The filters' choices: only values that occur in this run's work queue.

    Each filter is named after the card or finding field it matches in the page script.
    """
    active = counting(findings).filter(pl.col("claim_id").is_not_null())
    return [
        {"name": "payer_id", "label": "Payer", "options": _options(facts["payer_id"], payer_names)},
        {"name": "team", "label": "Biller team", "options": _options(facts["team"])},
        {"name": "category", "label": "Category", "options": _options(active["category"])},
        {"name": "severity", "label": "Severity", "options": _options(active["severity"])},
        {"name": "rule_id", "label": "Rule", "options": _options(active["rule_id"])},
        {"name": "rendering_npi", "label": "Rendering provider (NPI)", "options": _options(facts["rendering_npi"])},
    ]


# The list's rows with their cards' nested lists, as flat tables: (table, its nested list column, the child table).
NESTED = [("rows", "claim_findings", "claim_findings"), ("rows", "lines", "lines"),
          ("rows", "other_findings", "other_findings"), ("lines", "findings", "line_findings")]  # fmt: skip


def cards_data(rows: pl.DataFrame) -> str:
    """The list's rows and their cards as compact JSON, gzip-compressed, in base64, for the page script to unpack
    (fix_list.js `unpack`) into the rows as they are here, with an empty list for a null one.

    Compact: each table is written column by column (a row's keys are not repeated), a text column whose values
    repeat as its distinct texts and each row's index into them (a rule's fix text is the same on thousands of
    findings), and a nested list (a card's lines, a line's findings) as its length, its items in a flat table
    of their own in the same order (NESTED). At 1M lines: 33 MB, where row by row it was 99 MB (bench/README.md).
    Base64 holds no character that could end the element it sits in. mtime=0 keeps reruns byte-identical.
    """
    tables = {"rows": rows}
    for parent, column, child in NESTED:
        tables[child] = tables[parent].select(pl.col(column).explode(keep_nulls=False)).unnest(column)
        tables[parent] = tables[parent].with_columns(pl.col(column).list.len().fill_null(0))
    # One row: each table as a struct of its columns, and how to nest them; written as JSON by Polars in one call.
    packed = io.BytesIO()
    tables_row = [table.select(_columns(table).alias(name)) for name, table in tables.items()]
    pl.concat([pl.DataFrame({"nested": [NESTED]}), *tables_row], how="horizontal").write_json(packed)
    return base64.b64encode(gzip.compress(packed.getvalue(), compresslevel=CARDS_COMPRESSION, mtime=0)).decode("ascii")


def _columns(table: pl.DataFrame) -> pl.Expr:
    """One table as a struct of its columns, each a list. A text column holding each value twice or more on
    average is a struct of `texts`, its distinct texts sorted, and `codes`, each row's index into them (null
    for null)."""
    columns = []
    for name, dtype in table.schema.items():
        if dtype == pl.String and table[name].n_unique() * 2 <= table.height:
            texts = table[name].drop_nulls().unique().sort()
            codes = pl.when(pl.col(name).is_not_null()).then(pl.lit(texts).search_sorted(pl.col(name)))
            columns.append(
                pl.struct(pl.lit(texts).implode().alias("texts"), codes.implode().alias("codes")).alias(name)
            )
        else:
            columns.append(pl.col(name).implode())
    return pl.struct(columns)


def _table(frame: pl.DataFrame) -> dict:
    return {"rows": frame.head(TABLE_ROWS).to_dicts(), "total": frame.height}


def rule_catalogue(rules: list[Rule], profiles: Profiles, findings: pl.DataFrame) -> list[dict]:
    """The rule catalogue at the foot of the page: one entry per rule that is not retired, by id, with how often
    it fired in this run. Every finding links here, so what a rule checks and why is written once, in its YAML
    (docs/rules.md renders the same rules for maintainers: maintain/catalog.py)."""
    fired = findings.group_by("rule_id").len()
    count = dict(zip(fired["rule_id"].to_list(), fired["len"].to_list(), strict=True))
    entries = []
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.status == "retired":
            continue
        regraded = profiles.regraded(rule.id)
        adjustments = [f"{payer}: {severity}" for payer, severity in sorted(regraded.items())]
        adjustments += [f"{payer}: off" for payer in profiles.disabled(rule.id)]
        entries.append(
            {
                "id": rule.id,
                "title": rule.title,
                "category": rule.category,
                "severity": rule.severity,
                "status": rule.status,
                "payers": "all payers" if rule.payers is None else ", ".join(rule.payers),
                "effective": f"from {rule.effective_from}" + (f" to {rule.effective_to}" if rule.effective_to else ""),
                "denial": rule.carc,
                "denial_text": rule.denial_text,
                "remark_codes": ", ".join(rule.rarc),
                "why": rule.why,
                "reference": rule.reference,
                "adjustments": "; ".join(adjustments),
                "fired": count.get(rule.id, 0),
            }
        )
    return entries


def render_fix_list(
    path: Path,
    report: RunReport,
    findings: pl.DataFrame,
    facts: pl.DataFrame,
    cards: pl.DataFrame,
    visits: pl.DataFrame,
    history: ClaimHistory | None,
    comparison: Comparison | None,
    warning_days: int,
) -> None:
    """Write the page. `findings` carries `is_new`; `facts`, `cards` and `visits` come from cards.py."""
    payer_names = {p.payer_id: p.name for p in report.profiles.payers.values()}
    rows = list_rows(cards, visits, history, report.claims)
    data = {
        **page_assets(),
        "h": headline(report.summary, facts, visits, history, comparison, warning_days),
        "static_cards": cards.head(STATIC_CARDS).to_dicts(),
        "cards_total": facts.height,
        "cards_on_page": cards.height,
        "cards_data": cards_data(rows),
        "blank": {"card": BLANK_CARD, "line": BLANK_LINE, "finding": BLANK_FINDING},
        "filters": filter_choices(facts, findings, payer_names),
        "charts": claim_charts(rows),
        "trend_chart": trend_chart(report.summary, report.previous_runs),
        "visits": _table(visits),
        "unclaimed": _table(
            counting(findings).filter(pl.col("claim_id").is_null() & (pl.col("rule_id") != UNBILLED_RULE))
        ),
        "preview": _table(findings.filter(pl.col("rule_status") == "preview")),
        "resolved": _table(comparison.resolved_findings) if comparison else {"rows": [], "total": 0},
        "catalogue": rule_catalogue(report.rules, report.profiles, findings),
    }
    html = template_environment().get_template("fix_list.html.j2").render(**data)
    path.write_text(html, encoding="utf-8")
