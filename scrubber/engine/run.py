"""Running the rule pack: every scope built once; the rules reading a row alone in one pass per scope
(engine/row_rules.py), every other rule a lazy query over its scope; their findings in one collect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from scrubber.batch.schema import ENCOUNTERS, empty_frame
from scrubber.engine.compile import CompiledRule, collect_findings, compile_rule, findings_query, lookup_matches
from scrubber.engine.context import RunContext
from scrubber.engine.families import FAMILIES, namespace_of
from scrubber.engine.pairs import (
    PAIR_FIELDS,
    PAIR_SIDES,
    BilledRows,
    code_filters,
    earlier_lines,
    line_columns,
    lookup_keys,
    needed_rows,
    pair_keys,
    pair_scope,
)
from scrubber.engine.partition import pack_reads, part_count, split
from scrubber.engine.row_rules import reads_its_row_only, row_rule_queries
from scrubber.engine.scopes import BUILDERS, FROM_CLAIM_ROWS, KEYS, REQUIRES
from scrubber.errors import ScrubberInputError
from scrubber.findings import RULE_COLUMNS, empty_findings, in_stable_order, with_source
from scrubber.rulebook.reference import ReferenceTable
from scrubber.rulebook.rules import Lookup, Rule
from scrubber.rulebook.schema import SCOPES

MISSING_REASON = {
    "history": "no earlier run under reports/ to compare with",
    "claims.payer_claim_number": "no payer_claim_number column in claims (the original claim's payer claim number)",
    "claim_lines.unit_type": "no unit_type column in claim_lines (the unit basis, 837 SV103: MJ minutes, UN units)",
}


def _missing_reason(source: str) -> str:
    if source in MISSING_REASON:
        return MISSING_REASON[source]
    table, _, column = source.partition(".")
    return f"no {column} column in {table}" if column else f"no {source} file in the batch"


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
        columns = {f"{side}.{c}" for side in PAIR_SIDES for c in columns if not c.startswith("_")} | set(PAIR_FIELDS)
    return columns


def _base(ctx: RunContext, scope: str) -> pl.LazyFrame:
    if scope in REQUIRES and not ctx.batch.has(REQUIRES[scope]):
        # An empty typed table stands in, so a rule's names are checked even when it cannot run.
        ctx = replace(ctx, batch=replace(ctx.batch, encounters=empty_frame(ENCOUNTERS)))
    return BUILDERS[scope](ctx)


def compile_all(rules: list[Rule], ctx: RunContext) -> list[CompiledRule]:
    columns = {scope: available_columns(ctx, scope) for scope in {r.scope for r in rules}}
    return [compile_rule(rule, columns[rule.scope], ctx.profiles, ctx.references) for rule in rules]


# Hook for scrubber/shard: given the ids of the per-patient rules that can run, returns their findings over the
# batch's patients (run elsewhere: processes, Ray); without it the groups of engine/partition.py run here.
PatientGroups = Callable[[list[str], RunContext], list[pl.DataFrame]]


def run_rules(
    rules: list[Rule], ctx: RunContext, parts: int | None = None, groups: PatientGroups | None = None
) -> RuleRun:
    """Every rule over the batch; a large batch runs in groups of patients (see engine/partition.py)."""
    live = [r for r in rules if r.status != "retired"]
    compiled = compile_all(live, ctx)
    runnable, not_checked = [], []
    for item in compiled:
        missing = sorted(t for t in item.requirements() | _scope_requirement(item.rule) if not ctx.has(t))
        if missing:
            not_checked.append(
                {
                    "rule_id": item.rule.id,
                    "reason": "; ".join(_missing_reason(t) for t in missing),
                }
            )
        else:
            runnable.append(item)
    # Load issues are few and name claims of any patient: their rules run once over the whole batch.
    intake = [c for c in runnable if c.rule.scope == "load_issue"]
    per_patient = [c for c in runnable if c.rule.scope != "load_issue"]
    if groups is not None:
        found = [_findings(intake, ctx), *groups([c.rule.id for c in per_patient], ctx)]
    else:
        billed = BilledRows(ctx.batch.claim_lines)
        if parts is None:
            parts = part_count(ctx.batch, pack_reads(scope_reads(per_patient)[0]))
        found = [_findings(intake, ctx)] + [
            _findings(per_patient, replace(ctx, batch=part), billed) for part in split(ctx.batch, parts)
        ]
    findings = with_source(pl.concat(found, how="vertical"), ctx.batch.claims)
    return RuleRun(in_stable_order(findings), not_checked, [c.rule.id for c in runnable])


def _findings(runnable: list[CompiledRule], ctx: RunContext, billed: BilledRows | None = None) -> pl.DataFrame:
    """The compiled rules over the batch in ctx (a patient group of `billed`'s batch): each scope built once,
    the row rules in one pass per scope, the others' queries and the row rules' finding rows in one collect."""
    scopes = materialise_scopes(runnable, ctx)
    matched = shared_lookups(runnable, scopes)
    billed = billed or BilledRows(ctx.batch.claim_lines)
    queries = row_rule_queries([c for c in runnable if reads_its_row_only(c)], scopes, ctx.profiles)
    for item in (c for c in runnable if not reads_its_row_only(c)):
        try:
            frame, rows = scope_and_rows(item, scopes, ctx, billed)
            queries.append((item, findings_query(item, frame, rows, ctx.profiles, matched.get(item.rule.id))))
        except pl.exceptions.PolarsError as exc:
            raise ScrubberInputError(
                f"{item.rule.path}: rule {item.rule.id} cannot run: {str(exc).splitlines()[0]}"
            ) from None
    if not queries:
        return empty_findings().select(RULE_COLUMNS)
    return pl.concat([f.select(RULE_COLUMNS) for f in collect_findings(queries)], how="vertical")


def shared_lookups(compiled: list[CompiledRule], scopes: dict[str, pl.DataFrame]) -> dict[str, dict[str, pl.DataFrame]]:
    """Per rule id and lookup alias, the lookup's matches (compile.lookup_matches), computed once for
    every rule of a scope that looks a table up the same way: eleven line rules read the fee schedule
    by code and date, eight diagnosis rules the ICD-10-CM table, each probing the scope's distinct keys.

    Pair rules join their own needed rows (pairs.needed_rows); a lookup keyed on another lookup's column
    is left to its rule.
    """
    users: dict[tuple, list[tuple[str, Lookup, ReferenceTable]]] = {}
    for item in compiled:
        scope = item.rule.scope
        if scope not in scopes:
            continue
        for lookup, table in item.lookups:
            reads = [*lookup.on.values(), lookup.date or "_date"]
            if all(c in scopes[scope].columns for c in reads):
                key = (scope, table.name, tuple(lookup.on.items()), lookup.date, repr(sorted(lookup.where.items())))
                users.setdefault(key, []).append((item.rule.id, lookup, table))
    shared = [(key, found) for key, found in users.items() if len(found) > 1]
    frames = pl.collect_all(
        lookup_matches(scopes[key[0]].lazy(), lookup, table) for key, [(_, lookup, table), *_] in shared
    )
    matched: dict[str, dict[str, pl.DataFrame]] = {}
    for (_, found), frame in zip(shared, frames, strict=True):
        first = found[0][1]
        added = [c for c in frame.columns if c not in {*first.on.values(), first.date or "_date"}]  # `<alias>.` ones
        for rule_id, lookup, _ in found:
            names = {c: f"{lookup.alias}.{c.split('.', 1)[1]}" for c in added}
            matched.setdefault(rule_id, {})[lookup.alias] = frame.rename(names)
    return matched


def _scope_requirement(rule: Rule) -> set[str]:
    return {REQUIRES[rule.scope]} if rule.scope in REQUIRES else set()


CLAIM_BASED = {"claim", "line", "diagnosis", "modifier"}


def materialise_scopes(compiled: list[CompiledRule], ctx: RunContext) -> dict[str, pl.DataFrame]:
    """Each scope once, with only the columns and derived families some rule reads.

    Pair rules read the line scope: each rule's pairs are made in its own query (see scope_and_rows).
    """
    needs, families = scope_reads(compiled)
    if needs.keys() & CLAIM_BASED:
        # Built once for the scopes that start from it, with only the columns some rule, family or
        # scope reads: the whole claim scope (66 columns at 1M lines) cost 1.5 CPU s, most of it unread.
        read = set().union(*needs.values(), *(FAMILIES[name].reads for names in families.values() for name in names))
        claims = BUILDERS["claim"](ctx)
        kept = [c for c in claims.collect_schema().names() if c in read | FROM_CLAIM_ROWS]
        ctx = replace(ctx, claim_rows=claims.select(kept).collect())
    return {scope: _with_families(scope, columns, sorted(families[scope]), ctx) for scope, columns in needs.items()}


def scope_reads(compiled: list[CompiledRule]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per scope the rules build, the columns they read (derived ones included) and the families they need."""
    needs: dict[str, set[str]] = {}
    families: dict[str, set[str]] = {}
    for item in compiled:
        scope = "line" if item.rule.scope == "line_pair" else item.rule.scope
        reads = line_columns(item.reads) if item.rule.scope == "line_pair" else item.reads
        needs.setdefault(scope, set()).update(reads)
        families.setdefault(scope, set()).update(item.families)
    return needs, families


def _with_families(scope: str, columns: set[str], names: list[str], ctx: RunContext) -> pl.DataFrame:
    """The scope's columns that rules read, with its derived families' columns beside them.

    The scope is built once and every family computed from it alone, in one collect. Chained one
    on another, a family that reads its input twice (a join back onto its own keys) re-ran each
    family before it, and the scope's own joins with them (the line scope's join ran four times).
    """
    own = [*KEYS, *sorted(c for c in columns if namespace_of(c) not in names)]
    frame = BUILDERS[scope](ctx)
    if not names:
        return frame.select(own).collect()
    inputs = set().union(*(FAMILIES[name].reads for name in names))
    base = frame.select(*own, *sorted(inputs & set(frame.collect_schema().names()) - set(own))).collect()
    wanted = {name: frozenset(c for c in columns if namespace_of(c) == name) for name in names}
    added = pl.collect_all(
        FAMILIES[name].add(base.lazy(), ctx, scope, wanted[name]).select(sorted(wanted[name])) for name in names
    )
    return pl.concat([base[own], *added], how="horizontal")


def scope_and_rows(
    item: CompiledRule,
    scopes: dict[str, pl.DataFrame],
    ctx: RunContext | None = None,
    billed: BilledRows | None = None,
) -> tuple[pl.LazyFrame, dict[str, pl.DataFrame]]:
    """The rule's row set, and for a pair rule the rows of each table it needs that its pairs can match
    (its lookups join those, not 3 million PTP rows per rule; `billed` holds the rows billed in the batch,
    shared by the run's pair rules that read this batch's lines alone, see pairs.needed_rows)."""
    if item.rule.scope == "line_pair":
        # From only the line columns the rule reads: pairs multiply every column they carry. Picked, not
        # selected: an eager select of a scope's columns went through the query engine (40-100 ms a rule
        # per 250,000-line group), picking them shares them (0.2 ms).
        lines = scopes["line"][sorted(line_columns(item.reads))]
        pairing = item.rule.pairing
        earlier = None
        if pairing.with_history and ctx is not None and ctx.history is not None:
            earlier = earlier_lines(ctx.history, lines, ctx.batch.claims.get_column("claim_id"), pairing)
        rows = needed_rows(
            lookup_keys(lines, earlier, item.lookups),
            item.lookups,
            item.required,
            item.side_filters,
            billed if earlier is None else None,
        )
        tables = code_filters(rows, item.lookups)
        filters = {side: [*item.side_filters[side], *tables[side]] for side in PAIR_SIDES}
        pairs = pair_scope(lines, filters, pairing, earlier)
        return pairs.with_columns(pair_keys(item.rule.finding_on)), rows
    return scopes[item.rule.scope].lazy(), {}


def scope_columns(ctx: RunContext) -> dict[str, list[str]]:
    """What a rule of each scope can read, for `scrubber fields`: one line per column, sorted by name,
    a derived column followed by what it means (as its family declares it in engine/families/)."""
    meanings = {column: meaning for f in FAMILIES.values() for column, meaning in f.columns.items()} | PAIR_FIELDS
    listed = {}
    for scope in SCOPES:
        # A pair rule's a.dup.occurrence means what dup.occurrence means on that line.
        named = {
            c: meanings.get(c.split(".", 1)[1] if scope == "line_pair" and c not in PAIR_FIELDS else c, "")
            for c in sorted(available_columns(ctx, scope))
            if not c.startswith("_")
        }
        width = max((len(c) for c, meaning in named.items() if meaning), default=0)
        listed[scope] = [f"{c:<{width}}  {meaning}".rstrip() for c, meaning in named.items()]
    return listed
