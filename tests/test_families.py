"""Each derived family on its own: it keeps its scope's rows, and reads exactly the columns it declares."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from scrubber.batch import load_batch
from scrubber.engine.context import RunContext
from scrubber.engine.families import FAMILIES
from scrubber.engine.scopes import BUILDERS, CLAIM_ROW, KEYS, LINE_ROW
from tests.conftest import DEMO, DEMO_AS_OF

SCOPED = [(family.namespace, scope) for family in FAMILIES.values() for scope in family.scopes]


@pytest.fixture(scope="module")
def demo_ctx(profiles, references):
    # One earlier run billed 99213 to Medicare for the demo's first patient, so hist. and day. join history.
    history = pl.DataFrame(
        {
            "payer_id": ["MEDICARE"],
            "member_id": ["M001"],
            "patient_id": ["P001"],
            "procedure_code": ["99213"],
            "service_date": [DEMO_AS_OF],
            "provider_npi": ["1234567893"],
            "modifiers": [""],
            "ndc": [""],
            "claim_id": ["OLD1"],
            "line_number": [1],
            "units": [Decimal(1)],
            "billed_in_run": [DEMO_AS_OF],
            "billing_npi": ["1234567893"],
            "diagnosis_codes": [["I10"]],
        }
    ).lazy()
    return RunContext(load_batch(DEMO), profiles, references, DEMO_AS_OF, history=history)


@pytest.fixture(scope="module")
def scopes(demo_ctx):
    return {scope: BUILDERS[scope](demo_ctx).collect() for scope in {s for _, s in SCOPED}}


def _declared_input(frame: pl.DataFrame, namespace: str, without: str | None = None) -> pl.LazyFrame:
    """The scope as the engine hands it to a family: its keys and the columns the family declares it reads."""
    reads = FAMILIES[namespace].reads - {without}
    return frame.select(*KEYS, *sorted(reads & set(frame.columns) - set(KEYS))).lazy()


@pytest.mark.parametrize(("namespace", "scope"), SCOPED)
def test_a_family_keeps_its_scopes_rows_in_order(namespace, scope, demo_ctx, scopes):
    # The engine sets a family's columns beside its scope's own, so a family that dropped,
    # repeated or reordered rows would pin one claim's facts on another.
    base = scopes[scope]
    keys = [*KEYS, *(c for c in (CLAIM_ROW, LINE_ROW) if c in base.columns)]
    added = FAMILIES[namespace].add(base.lazy(), demo_ctx, scope, frozenset(FAMILIES[namespace].columns))
    assert added.select(keys).collect().equals(base.select(keys))


@pytest.mark.parametrize(("namespace", "scope"), SCOPED)
def test_a_family_computes_every_column_it_declares_from_the_columns_it_declares_it_reads(
    namespace, scope, demo_ctx, scopes
):
    family = FAMILIES[namespace]
    added = family.add(_declared_input(scopes[scope], namespace), demo_ctx, scope, frozenset(family.columns)).collect()
    assert set(family.columns) <= set(added.columns)
    assert added.height == scopes[scope].height


@pytest.mark.parametrize(("namespace", "scope"), SCOPED)
def test_a_family_column_is_the_same_whether_or_not_its_other_columns_are_wanted(namespace, scope, demo_ctx, scopes):
    # The engine asks a family for the columns its rules read; work only the others need may be left out.
    family = FAMILIES[namespace]
    every = family.add(scopes[scope].lazy(), demo_ctx, scope, frozenset(family.columns)).collect()
    for column in family.columns:
        alone = family.add(scopes[scope].lazy(), demo_ctx, scope, frozenset({column})).select(column).collect()
        assert alone.equals(every.select(column)), column


@pytest.mark.parametrize("namespace", FAMILIES)
def test_every_column_a_family_declares_it_reads_is_read(namespace, demo_ctx, scopes):
    # A column it no longer reads would still be built into every scope a rule of the family runs on.
    family = FAMILIES[namespace]
    for column in sorted(family.reads - set(KEYS)):
        needed_in = []
        for scope in family.scopes:
            if column not in scopes[scope].columns:
                continue
            try:
                declared = _declared_input(scopes[scope], namespace, without=column)
                family.add(declared, demo_ctx, scope, frozenset(family.columns)).collect_schema()
            except pl.exceptions.ColumnNotFoundError:
                needed_in.append(scope)
        assert needed_in, f"{namespace}. declares it reads {column} but runs without it in {family.scopes}"
