"""Derived column families that rules may read, each computed only when a rule uses it.

A family is a namespace (`elig.`, `day.`, `dup.`, `hist.`, `tf.`, `orig.`, `enc.`, `visit.`, `addon.`, `freq.`),
one module here named after it, declaring its `FAMILY` (base.Family) beside the function that
adds its columns. A family names the batch table (or optional column, `claims.payer_claim_number`)
it needs; a rule that reads a family whose data is absent is reported as not checked. Every family
is a join or window over the whole batch, never a loop. A family keeps its scope's rows and their
order (left joins keep the left order): the engine sets the columns it adds beside the scope's own.

A new family is a new module here, added to MODULES, and its test.
"""

from __future__ import annotations

from scrubber.engine.families import addon, day, dup, elig, enc, freq, hist, orig, tf, visit
from scrubber.engine.families.base import Family

MODULES = (elig, day, dup, hist, tf, orig, enc, visit, addon, freq)
FAMILIES: dict[str, Family] = {module.FAMILY.namespace: module.FAMILY for module in MODULES}
# One module per namespace, named after it, so a reader finds `hist.` in families/hist.py.
assert all(module.__name__.rsplit(".", 1)[1] == module.FAMILY.namespace for module in MODULES)
assert all(c.startswith(f"{f.namespace}.") for f in FAMILIES.values() for c in f.columns)


def namespace_of(column: str) -> str:
    return column.split(".", 1)[0]


def markdown() -> str:
    """The derived fields as a README list: each family, what it needs, and what each column means."""
    out = []
    for family in FAMILIES.values():
        needs = f", needs {family.requires}" if family.requires else ""
        out.append(f"- `{family.namespace}.` ({', '.join(family.scopes)} scope{needs}):")
        out += [f"  - `{column}`: {meaning}" for column, meaning in family.columns.items()]
    return "\n".join(out) + "\n"
