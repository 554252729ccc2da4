"""Compiling one rule into a Polars lazy query that returns its findings.

The query starts from the rule's scope (already built for the whole batch), adds
the reference lookups the rule declares as joins, keeps the rows where the
condition holds on a date the rule is in force for a payer it applies to, and
projects them into finding rows with the message and fix filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scrubber.batch.schema import GATED_FIELDS
from scrubber.engine.families import FAMILIES, namespace_of
from scrubber.engine.messages import placeholders, render
from scrubber.engine.operators import Resolver, compile_condition
from scrubber.engine.pairs import latest_pair_per_line, side_filters
from scrubber.engine.requirements import required_lookups
from scrubber.engine.scopes import KEYS
from scrubber.errors import ScrubberInputError
from scrubber.findings import RULE_COLUMNS, queue_of
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.reference import VALID_FROM, VALID_TO, ReferenceLibrary, ReferenceTable
from scrubber.rulebook.rules import Lookup, Rule

LOOKUP_FLAGS = ("found", "in_force")


@dataclass
class CompiledRule:
    rule: Rule
    condition: pl.Expr
    reads: set[str]  # scope columns the rule reads (lookup columns excluded)
    lookups: list[tuple[Lookup, ReferenceTable]]
    required: set[str]  # aliases of the lookups it cannot fire without a row of (engine/requirements.py)
    # Pair rules only: per side, the terms a line must meet for a pair of it to fire (engine/pairs.py).
    side_filters: dict[str, list[pl.Expr]] | None = None

    @property
    def families(self) -> set[str]:
        return {namespace_of(_unpaired(c)) for c in self.reads} & set(FAMILIES)

    def requirements(self) -> set[str]:
        """The batch tables, optional columns and history the rule cannot run without."""
        gated = {GATED_FIELDS[c] for c in map(_unpaired, self.reads) if c in GATED_FIELDS}
        return gated | {FAMILIES[f].requires for f in self.families if FAMILIES[f].requires}


def _unpaired(column: str) -> str:
    head, _, rest = column.partition(".")
    return rest if head in ("a", "b") else column


def compile_rule(rule: Rule, scope_columns: set[str], profiles: Profiles, references: ReferenceLibrary) -> CompiledRule:
    """Check every name the rule uses and build its condition; errors name the rule file."""

    def new_resolver() -> Resolver:
        return Resolver(
            param_defaults=profiles.defaults,
            listed=lambda name, where: listed_codes(references, name, where),
            payer_lists=profiles.list_params,
        )

    resolver = new_resolver()
    lookups = []
    lookup_columns: set[str] = set()
    for lookup in rule.lookups:
        table = references.get(lookup.table)
        for column in [*lookup.on, *lookup.where]:
            if column not in table.columns:
                raise ScrubberInputError(
                    f"{rule.path}: lookup {lookup.alias!r}: table {table.name} has no column {column!r}"
                )
        if table.partition and table.partition not in lookup.on:
            raise ScrubberInputError(
                f"{rule.path}: lookup {lookup.alias!r}: table {table.name} is released per {table.partition}: match it"
            )
        for field_name in [*lookup.on.values(), *([lookup.date] if lookup.date else [])]:
            resolver.column(field_name)
        lookup_columns |= {f"{lookup.alias}.{c}" for c in [*table.columns, *LOOKUP_FLAGS] if c not in lookup.on}
        lookups.append((lookup, table))
    try:
        condition = compile_condition(rule.when, resolver)
    except ValueError as exc:
        raise ScrubberInputError(f"{rule.path}: {exc}") from None
    for template in (rule.message, rule.fix):
        for name in placeholders(template):
            resolver.column(name)
    reads = resolver.fields - lookup_columns
    unknown = sorted(c for c in reads if c not in scope_columns)
    if unknown:
        raise ScrubberInputError(
            f"{rule.path}: unknown field {unknown[0]!r} for scope {rule.scope!r} "
            f"(see `scrubber fields {rule.scope}` for what a rule can read)"
        )
    required = required_lookups(rule, new_resolver, lookups)
    sides = side_filters(rule, new_resolver) if rule.scope == "line_pair" else None
    return CompiledRule(rule, condition, reads, lookups, required, sides)


def listed_codes(references: ReferenceLibrary, name: str, where: dict) -> list[str]:
    """The key values of a one-column-key table (rows passing `where`), for `{table: NAME}` arguments.

    Every release counts: the argument names a code list, not a row in force on a date.
    """
    try:
        table = references.get(name)
    except ScrubberInputError as exc:
        raise ValueError(str(exc)) from None
    if len(table.key) != 1 or any(column not in table.columns for column in where):
        raise ValueError(f"table {name!r} cannot be read as a code list with {where or 'no filter'}")
    rows = table.rows_where({column: str(value) for column, value in where.items()})
    return rows[table.key[0]].unique().sort().to_list()


def lookup_matches(
    frame: pl.LazyFrame, lookup: Lookup, table: ReferenceTable, rows: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """The table rows in force for each distinct (key, date) of the frame, as `<alias>.<column>` and
    `<alias>.found` beside the keys: what apply_lookup joins.

    Matching the table's whole key gives one row's values; matching part of it (a coverage
    policy by procedure code) gives the distinct values of the matching rows as lists. The join runs
    on the distinct (key, date) combinations, so a table whose key has several validity windows never
    multiplies the batch's rows.
    """
    keys = list(lookup.on.values())
    date = lookup.date or "_date"
    prefix = lookup.alias
    table_rows = (table.rows_where(lookup.where) if rows is None else rows).lazy()
    probe = frame.select([*keys, date]).unique()
    others = [c for c in table.columns if c not in lookup.on]
    in_window = probe.join(table_rows, left_on=keys, right_on=list(lookup.on), how="inner").filter(
        pl.col(date).is_between(pl.col(VALID_FROM), pl.col(VALID_TO))
    )
    if set(lookup.on) >= set(table.key):
        return (
            in_window.sort(VALID_FROM, descending=True)
            .unique(subset=[*keys, date], keep="first")
            .select(
                [
                    *keys,
                    date,
                    pl.lit(True).alias(f"{prefix}.found"),
                    *[pl.col(c).alias(f"{prefix}.{c}") for c in others],
                ]
            )
        )
    # Each column's distinct values, sorted: rules test them as sets and messages list them once.
    return (
        in_window.group_by([*keys, date])
        .agg(pl.col(c).drop_nulls().unique().sort().alias(f"{prefix}.{c}") for c in others)
        .with_columns(pl.lit(True).alias(f"{prefix}.found"))
    )


def apply_lookup(
    frame: pl.LazyFrame,
    lookup: Lookup,
    table: ReferenceTable,
    required: bool = False,
    rows: pl.DataFrame | None = None,
    matched: pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """Join the table rows in force on each row's date, as `<alias>.<column>` plus `<alias>.found`
    (lookup_matches; `matched` when already computed for the frame's scope, see run.shared_lookups)."""
    keys = list(lookup.on.values())
    date = lookup.date or "_date"
    prefix = lookup.alias
    found = lookup_matches(frame, lookup, table, rows) if matched is None else matched.lazy()
    in_force = table.in_force(pl.col(date), pl.col(lookup.on[table.partition]) if table.partition else None)
    # A rule that needs a row of the table drops the rows that have none at once.
    how = "inner" if required else "left"
    return frame.join(found, on=[*keys, date], how=how, nulls_equal=False).with_columns(
        in_force.alias(f"{prefix}.in_force"),
        # Where no release covers the date the table cannot say "absent": null, so nothing fires.
        pl.when(in_force).then(pl.col(f"{prefix}.found").fill_null(False)).alias(f"{prefix}.found"),
    )


def findings_query(
    compiled: CompiledRule,
    frame: pl.LazyFrame,
    rows: dict[str, pl.DataFrame],
    profiles: Profiles,
    matched: dict[str, pl.DataFrame] | None = None,
) -> pl.LazyFrame:
    """The rule's findings over its row set; `rows` holds, per lookup alias, the table rows it may join
    (a pair rule's needed rows, see pairs.needed_rows); other lookups join the whole table. `matched`
    holds, per alias, a lookup's matches already computed for the scope (run.shared_lookups)."""
    rule = compiled.rule
    matched = matched or {}
    for lookup, table in compiled.lookups:
        required = lookup.alias in compiled.required
        frame = apply_lookup(frame, lookup, table, required, rows.get(lookup.alias), matched.get(lookup.alias))
    hits = frame.filter(fires(compiled, profiles))
    if rule.pairing.one_per_line:
        hits = latest_pair_per_line(hits, rule.finding_on)
    return as_findings(rule, hits, profiles)


def fires(compiled: CompiledRule, profiles: Profiles) -> pl.Expr:
    """Where the rule fires on a row: its condition holds, on a date it is in force, for a payer it applies to."""
    rule = compiled.rule
    in_force = pl.col("_date") >= pl.lit(rule.effective_from)
    if rule.effective_to:
        in_force = in_force & (pl.col("_date") <= pl.lit(rule.effective_to))
    in_force = in_force | pl.col("_date").is_null()  # a claim with no dated line is still checked
    applies = pl.lit(True) if rule.payers is None else pl.col("_payer_id").is_in(list(rule.payers)).fill_null(False)
    switched_off = profiles.disabled(rule.id)
    if switched_off:
        applies = applies & ~pl.col("_payer_id").is_in(switched_off).fill_null(False)
    return compiled.condition & in_force & applies


def shown_columns(rule: Rule) -> list[str]:
    """What a finding row is made of beside the rule's own facts: the row's keys and the message's fields."""
    return list(dict.fromkeys([*KEYS, *placeholders(rule.message), *placeholders(rule.fix)]))


def as_findings(rule: Rule, hits: pl.LazyFrame, profiles: Profiles) -> pl.LazyFrame:
    """The finding rows of the rows the rule fires on, message and fix filled in."""
    severity = pl.lit(rule.severity)
    for payer_id, grade in profiles.regraded(rule.id).items():
        severity = pl.when(pl.col("_payer_id") == payer_id).then(pl.lit(grade)).otherwise(severity)
    schema = hits.collect_schema()
    return hits.select(
        pl.col("_claim_id").alias("claim_id"),
        pl.col("_line_number").cast(pl.Int64).alias("line_number"),
        pl.col("_encounter_id").alias("encounter_id"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.category).alias("category"),
        severity.alias("severity"),
        pl.col("_payer_id").alias("payer_id"),
        render(rule.message, schema).alias("message"),
        render(rule.fix, schema).alias("fix"),
        pl.lit(rule.carc).alias("denial_code"),
        pl.lit(";".join(rule.rarc) or None, pl.String).alias("remark_codes"),
        pl.lit(queue_of(rule.category)).alias("queue"),
        pl.lit(rule.status).alias("rule_status"),
        pl.col("_date").alias("service_date"),
    ).select(RULE_COLUMNS)


def collect_findings(queries: list[tuple[CompiledRule, pl.LazyFrame]]) -> list[pl.DataFrame]:
    """Each rule's query collected, all at once; when one fails at run time, the error names its rule's file."""
    try:
        return pl.collect_all(query for _, query in queries)
    except pl.exceptions.PolarsError as exc:
        for item, query in queries:  # find the rule whose query fails
            try:
                query.collect()
            except pl.exceptions.PolarsError:
                raise ScrubberInputError(
                    f"{item.rule.path}: rule {item.rule.id} failed at run time: {str(exc).splitlines()[0]}"
                ) from None
        raise
