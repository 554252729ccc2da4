"""Reference tables under rules/reference/<name>/: versioned code lists with effective dates.

Each release of a table applies to the dates of service between its effective
dates; rows may carry their own validity too (NCCI effective and deletion dates).
Loading folds both into `_from` / `_to` columns so the engine can pick, for every
claim line, the row in force on its date of service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from scrubber.errors import ScrubberInputError
from scrubber.rulebook.yamlfile import check, read_yaml

VALID_FROM, VALID_TO = "_from", "_to"
OPEN_END = dt.date(9999, 12, 31)
_TYPES = {"string": pl.String, "int": pl.Int64, "decimal": pl.Decimal(18, 3), "date": pl.Date}

TABLE_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "key": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "columns": {"type": "object", "additionalProperties": {"enum": list(_TYPES)}, "minProperties": 1},
        "row_validity": {
            "type": "object",
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            "required": ["from", "to"],
            "additionalProperties": False,
        },
        "releases": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "file": {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]+\.csv(\.gz)?$"},
                    "effective_from": {"type": "string"},
                    "effective_to": {"type": ["string", "null"]},
                    "source": {"type": "string"},
                },
                "required": ["id", "file", "effective_from", "source"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["name", "title", "key", "columns", "releases"],
    "additionalProperties": True,
}


@dataclass(frozen=True)
class Release:
    id: str
    path: Path
    effective_from: dt.date
    effective_to: dt.date  # inclusive; OPEN_END when the release is the newest
    source: str


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    title: str
    description: str
    key: tuple[str, ...]
    columns: dict[str, str]
    row_validity: tuple[str, str] | None
    releases: tuple[Release, ...]
    folder: Path

    @cached_property
    def rows(self) -> pl.DataFrame:
        """Every release's rows with the window (`_from`, `_to`) in which each is in force."""
        schema = {name: _TYPES[kind] for name, kind in self.columns.items()}
        frames = []
        for release in self.releases:
            frame = pl.read_csv(release.path, infer_schema=False)
            if list(frame.columns) != list(self.columns):
                raise ScrubberInputError(
                    f"{release.path}: header {frame.columns} does not match the columns of {self.folder / 'table.yaml'}"
                )
            frame = frame.select(
                pl.col(c).str.to_date("%Y-%m-%d") if t == pl.Date else pl.col(c).cast(t) for c, t in schema.items()
            )
            start, end = pl.lit(release.effective_from), pl.lit(release.effective_to)
            if self.row_validity:
                row_from, row_to = self.row_validity
                start = pl.max_horizontal(start, pl.col(row_from).fill_null(release.effective_from))
                end = pl.min_horizontal(end, pl.col(row_to).fill_null(OPEN_END))
            frames.append(frame.with_columns(start.alias(VALID_FROM), end.alias(VALID_TO)))
        return pl.concat(frames, how="vertical").filter(pl.col(VALID_FROM) <= pl.col(VALID_TO))

    def rows_where(self, where: dict[str, Any]) -> pl.DataFrame:
        """The rows whose columns hold the given values (a lookup's or a code list's `where`)."""
        return self.rows.filter(*(pl.col(column) == value for column, value in where.items()))

    def in_force(self, date: pl.Expr) -> pl.Expr:
        """True where some release covers the date: outside them the table cannot answer."""
        return pl.any_horizontal(date.is_between(r.effective_from, r.effective_to) for r in self.releases)


def load_table(reference_dir: Path, name: str) -> ReferenceTable:
    folder = Path(reference_dir) / name
    path = folder / "table.yaml"
    if not path.is_file():
        raise ScrubberInputError(f"{path}: reference table {name!r} not found under {reference_dir}")
    document = read_yaml(path)
    check(path, document, TABLE_SCHEMA)
    releases = []
    for entry in document["releases"]:
        data = (folder / entry["file"]).resolve()
        if folder.resolve() not in data.parents or not data.is_file():
            raise ScrubberInputError(f"{path}: release {entry['id']} file {entry['file']!r} not found in {folder}")
        start = dt.date.fromisoformat(entry["effective_from"])
        end = dt.date.fromisoformat(entry["effective_to"]) if entry.get("effective_to") else OPEN_END
        releases.append(Release(entry["id"], data, start, end, entry["source"]))
    for earlier, later in zip(releases, releases[1:]):
        if later.effective_from <= earlier.effective_to:
            raise ScrubberInputError(f"{path}: release {later.id} starts before release {earlier.id} ends")
    validity = document.get("row_validity")
    return ReferenceTable(
        name=document["name"],
        title=document["title"],
        description=document.get("description", "").strip(),
        key=tuple(document["key"]),
        columns=dict(document["columns"]),
        row_validity=(validity["from"], validity["to"]) if validity else None,
        releases=tuple(releases),
        folder=folder,
    )


class ReferenceLibrary:
    """Tables loaded on first use, once per run."""

    def __init__(self, reference_dir: Path):
        self.reference_dir = Path(reference_dir)
        self._tables: dict[str, ReferenceTable] = {}

    def get(self, name: str) -> ReferenceTable:
        if name not in self._tables:
            self._tables[name] = load_table(self.reference_dir, name)
        return self._tables[name]
