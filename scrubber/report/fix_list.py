"""The fix list's data: plain dictionaries the Jinja2 template only lays out.

Grouping, ordering and counting happen here, in Polars, so the template holds no
billing logic.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def claim_cards(claims: pl.DataFrame, lines: pl.DataFrame, findings: pl.DataFrame) -> list[dict]:
    """One card per claim with findings, its lines and each line's findings, payer by payer."""
    flagged = findings.filter(pl.col("claim_id").is_not_null())
    if flagged.height == 0:
        return []
    ids = flagged.select("claim_id").unique()
    header = (
        claims.join(ids, on="claim_id", how="semi")
        .unique("claim_id", keep="first", maintain_order=True)
        .with_columns(pl.col("diagnosis_codes").list.join(", ").alias("diagnoses"))
        .select("claim_id", "patient_id", "payer_id", "member_id", "total_charge", "diagnoses")
    )
    claim_lines = (
        lines.join(ids, on="claim_id", how="semi")
        .with_columns(
            pl.col("modifiers").list.join(" ").alias("modifiers"),
            pl.col("diagnosis_pointers").cast(pl.List(pl.String)).list.join(",").alias("pointers"),
        )
        .select("claim_id", "line_number", "procedure_code", "modifiers", "units", "charge", "service_date", "pointers")
        .sort("claim_id", "line_number")
    )
    items = flagged.select(
        "claim_id", "line_number", "rule_id", "category", "severity", "message", "fix", "denial_code", "rule_status"
    )
    by_claim_lines = {k[0]: v.to_dicts() for k, v in claim_lines.partition_by("claim_id", as_dict=True).items()}
    by_claim_items = {k[0]: v.to_dicts() for k, v in items.partition_by("claim_id", as_dict=True).items()}
    cards = []
    for row in header.sort("payer_id", "claim_id").to_dicts():
        found = by_claim_items.get(row["claim_id"], [])
        cards.append(
            {
                **row,
                "claim_findings": [f for f in found if f["line_number"] is None],
                "lines": [
                    {**line, "findings": [f for f in found if f["line_number"] == line["line_number"]]}
                    for line in by_claim_lines.get(row["claim_id"], [])
                ],
                "orphan_findings": [
                    f for f in found
                    if f["line_number"] is not None
                    and f["line_number"] not in {l["line_number"] for l in by_claim_lines.get(row["claim_id"], [])}
                ],
                "errors": sum(f["severity"] == "error" and f["rule_status"] == "active" for f in found),
                "warnings": sum(f["severity"] == "warning" and f["rule_status"] == "active" for f in found),
            }
        )
    return cards


def render_fix_list(path: Path, summary: dict, cards: list[dict], unclaimed: list[dict]) -> None:
    payers: dict[str, list[dict]] = {}
    for card in cards:
        payers.setdefault(card["payer_id"] or "(no payer)", []).append(card)
    html = _environment().get_template("fix_list.html.j2").render(summary=summary, payers=payers, unclaimed=unclaimed)
    path.write_text(html, encoding="utf-8")
