"""Running the rule pack: every scope built once, every rule a lazy query over it, one collect."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from scrubber.batch.schema import ENCOUNTERS, empty_frame
from scrubber.engine.compile import CompiledRule, compile_rule, findings_query
from scrubber.engine.context import RunContext
from scrubber.engine.derived import FAMILIES
from scrubber.engine.partition import part_count, split
from scrubber.engine.scopes import BUILDERS, KEYS, PAIR_SIDES, REQUIRES, pair_keys, pair_scope
from scrubber.errors import ScrubberInputError
from scrubber.findings import RULE_COLUMNS, empty_findings, in_stable_order, with_source
from scrubber.rulebook.rules import Rule
from scrubber.rulebook.schema import SCOPES


MISSING_REASON = {
    "history": "no earlier run under reports/ to compare with",
    "claims.payer_claim_number": "no payer_claim_number column in claims (the original claim's payer claim number)",
}


@dataclass
class RuleRun:
    findings: pl.DataFrame
    not_checked: list[dict]  # rules that could not run for lack of data, with the reason
    ran: list[str]  # ids of the rules that ran


def available_columns(ctx: RunContext, scope: str) -> set[str]:
    """Every column a rule of this scope may read, derived families included."""
    base_scope = "line" if scope == "line_pair" else scope
    columns = set(_base(ctx, base_scope).collect_schema().names())
    columns |= {c for f in FAMILIES.values() if base_scope in f.scopes for c in f.columns}
    if scope == "line_pair":
        columns = {f"{side}.{c}" for side in PAIR_SIDES for c in columns if not c.startswith("_")}
    return columns


def _base(ctx: RunContext, scope: str) -> pl.LazyFrame:
    if scope in REQUIRES and not ctx.batch.has(REQUIRES[scope]):
        # An empty typed table stands in, so a rule's names are checked even when it cannot run.
        ctx = replace(ctx, batch=replace(ctx.batch, encounters=empty_frame(ENCOUNTERS)))
    return BUILDERS[scope](ctx)


def compile_all(rules: list[Rule], ctx: RunContext) -> list[CompiledRule]:
    columns = {scope: available_columns(ctx, scope) for scope in {r.scope for r in rules}}
    return [compile_rule(rule, columns[rule.scope], ctx.profiles, ctx.references) for rule in rules]


def run_rules(rules: list[Rule], ctx: RunContext, parts: int | None = None) -> RuleRun:
    """Every rule over the batch; a large batch runs in groups of patients (see engine/partition.py)."""
    live = [r for r in rules if r.status != "retired"]
    compiled = compile_all(live, ctx)
    runnable, not_checked = [], []
    for item in compiled:
        missing = sorted(t for t in item.requirements() | _scope_requirement(item.rule) if not ctx.has(t))
        if missing:
            not_checked.append({"rule_id": item.rule.id, "reason": "; ".join(MISSING_REASON.get(t, f"no {t} file in the batch") for t in missing)})
        else:
            runnable.append(item)
    # Load issues are few and name claims of any patient: their rules run once over the whole batch.
    intake = [c for c in runnable if c.rule.scope == "load_issue"]
    per_patient = [c for c in runnable if c.rule.scope != "load_issue"]
    found = [_findings(intake, ctx)] + [
        _findings(per_patient, replace(ctx, batch=part))
        for part in split(ctx.batch, parts if parts is not None else part_count(ctx.batch))
    ]
    findings = with_source(pl.concat(found, how="vertical"), ctx.batch.claims)
    return RuleRun(in_stable_order(findings), not_checked, [c.rule.id for c in runnable])


def _findings(runnable: list[CompiledRule], ctx: RunContext) -> pl.DataFrame:
    """One pass of the compiled rules over the batch in ctx: each scope built once, one collect."""
    scopes = materialise_scopes(runnable, ctx)
    queries = []
    for item in runnable:
        try:
            queries.append(findings_query(item, scope_frame(item, scopes), ctx.profiles))
        except pl.exceptions.PolarsError as exc:
            raise ScrubberInputError(f"{item.rule.path}: rule {item.rule.id} cannot run: {str(exc).splitlines()[0]}") from None
    return _collect(queries, runnable)


def _scope_requirement(rule: Rule) -> set[str]:
    return {REQUIRES[rule.scope]} if rule.scope in REQUIRES else set()


# What every pair needs beside the columns its rules read: the pairing keys and the finding keys.
PAIR_BASE = {"claim.claim_id", "line.line_number", "claim.payer_id", "line.service_date", "claim.patient_id",
             "claim.rendering_npi", "claim.billing_npi"}  # fmt: skip


CLAIM_BASED = {"claim", "line", "diagnosis", "modifier"}


def materialise_scopes(compiled: list[CompiledRule], ctx: RunContext) -> dict[str, pl.DataFrame]:
    """Each scope once, with only the columns and derived families some rule reads.

    The line pairs are built once too, from only the line columns pair rules read: a self-join
    of the full line scope would multiply every column of it.
    """
    needs: dict[str, set[str]] = {}
    families: dict[str, set[str]] = {}
    pair_reads: set[str] = set()
    for item in compiled:
        scope = "line" if item.rule.scope == "line_pair" else item.rule.scope
        reads = item.reads
        if item.rule.scope == "line_pair":
            reads = {c.split(".", 1)[1] for c in item.reads} | PAIR_BASE
            pair_reads |= reads
        needs.setdefault(scope, set()).update(reads)
        families.setdefault(scope, set()).update(item.families)
    if needs.keys() & CLAIM_BASED:
        # Built once for the scopes that start from it; payer lists no rule reads stay out of it.
        unread = {f"payer.{name}" for name in ctx.profiles.list_params} - set().union(*needs.values())
        ctx = replace(ctx, claim_rows=BUILDERS["claim"](ctx).drop(unread).collect())
    built = {}
    for scope, columns in needs.items():
        frame = BUILDERS[scope](ctx)
        for name in sorted(families[scope]):
            frame = FAMILIES[name].add(frame, ctx, scope)
        built[scope] = frame.select([*KEYS, *sorted(columns)]).collect()
    if pair_reads:
        built["line_pair"] = pair_scope(built["line"].select(sorted(pair_reads))).collect()
    return built


def scope_frame(item: CompiledRule, scopes: dict[str, pl.DataFrame]) -> pl.LazyFrame:
    if item.rule.scope == "line_pair":
        return scopes["line_pair"].lazy().with_columns(pair_keys(item.rule.finding_on))
    return scopes[item.rule.scope].lazy()


def _collect(queries: list[pl.LazyFrame], compiled: list[CompiledRule]) -> pl.DataFrame:
    if not queries:
        return empty_findings().select(RULE_COLUMNS)
    try:
        frames = pl.collect_all(queries)
    except pl.exceptions.PolarsError as exc:
        # Find the rule whose query fails, so the error names its file.
        for query, item in zip(queries, compiled):
            try:
                query.collect()
            except pl.exceptions.PolarsError:
                raise ScrubberInputError(
                    f"{item.rule.path}: rule {item.rule.id} failed at run time: {str(exc).splitlines()[0]}"
                ) from None
        raise
    return pl.concat([f.select(RULE_COLUMNS) for f in frames], how="vertical")


def scope_columns(ctx: RunContext) -> dict[str, list[str]]:
    """What a rule of each scope can read, for `scrubber fields` and the docs."""
    return {scope: sorted(c for c in available_columns(ctx, scope) if not c.startswith("_")) for scope in SCOPES}
