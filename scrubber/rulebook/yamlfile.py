"""Reading YAML data files safely, checking them against a JSON Schema, and saying where a file is wrong."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scrubber.errors import ScrubberInputError

# LibYAML's parser when PyYAML was built with it (about ten times faster on the rule pack).
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DataLoader(_SafeBase):
    """The safe loader with YAML 1.2 scalars: dates stay text and only true/false are booleans.

    YAML 1.1 would read `on`, `no` and `off` as booleans and turn `2024-13-45` into an
    exception; rule authors write codes and dates, so both stay as written.
    """


_DataLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a rulebook file, where a maintainer finds it: `file:line: what is wrong`."""

    file: str
    line: int  # 0: the whole file or folder
    message: str

    def __str__(self) -> str:
        return f"{self.file}{f':{self.line}' if self.line else ''}: {self.message}"


def raise_first(problems: list[Problem]) -> None:
    """A run stops at the first problem the loaders found (`scrubber validate` lists them all)."""
    if problems:
        raise ScrubberInputError(str(problems[0]))


def read_yaml(path: Path) -> Any:
    """Parse with the safe loader only: no tags, no objects, nothing executed."""
    document, problem = _parsed(path)
    if problem is not None:
        raise ScrubberInputError(str(problem))
    return document


class CheckedFiles:
    """Documents that passed their schema in an earlier run, by the SHA-256 of the schema and the file's bytes.

    A run's rulebook is mostly the files it read last night: parsing and checking 110 rules against
    their schema was a quarter of a 200-claim run (figures in bench/README.md). A file whose bytes
    or schema changed is read and checked again; nothing else about it is kept, so a cached file
    is exactly what checking it would give. Kept as JSON (never pickle: loading it runs no code),
    one file per rule pack. `scrubber validate` never uses it. An unreadable or unwritable cache
    is no cache.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self._seen: dict[str, str] = {}  # key -> document as JSON text, of the files this run read
        self._kept: dict[str, str] = {}
        self._new = False
        try:
            kept = json.loads(path.read_text(encoding="utf-8")) if path else {}
            self._kept = kept if isinstance(kept, dict) else {}
        except (OSError, ValueError):
            pass

    @classmethod
    def for_pack(cls, rules_dir: Path) -> CheckedFiles:
        """The cache of one rule pack: SCRUBBER_CACHE_DIR, else the user's cache folder (XDG)."""
        root = os.environ.get("SCRUBBER_CACHE_DIR") or Path(
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "claim-scrubber"
        )
        pack = hashlib.sha256(str(Path(rules_dir).resolve()).encode()).hexdigest()[:16]
        return cls(Path(root) / f"checked-{pack}.json")

    @staticmethod
    def key(schema: dict, raw: bytes) -> str:
        return hashlib.sha256(json.dumps(schema, sort_keys=True).encode() + b"\0" + raw).hexdigest()

    def get(self, key: str) -> Any:
        """The document checked before, as a new object (None: not checked before)."""
        text = self._seen.get(key) or self._kept.get(key)
        if not isinstance(text, str):
            return None
        self._seen[key] = text
        return json.loads(text)

    def add(self, key: str, document: Any) -> None:
        """Kept as JSON text at once: what the run does with the document later cannot change it."""
        try:
            self._seen[key] = json.dumps(document)
        except (TypeError, ValueError):  # a value JSON cannot hold (YAML !!binary): checked every run
            return
        self._new = True

    def save(self) -> None:
        """Write this run's checked files (only: a removed rule leaves the cache) when one was new."""
        if not (self._new and self.path):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            partial.write_text(json.dumps(self._seen), encoding="utf-8")
            os.replace(partial, self.path)  # a concurrent run reads the old file or the new, never half of one
            self._new = False
        except OSError:
            pass


def read_checked(path: Path, schema: dict, checked: CheckedFiles | None = None) -> tuple[Any, list[Problem]]:
    """A file's document and every way it breaks the schema; the document is None when there is any.

    With `checked`, a file that passed the same schema with the same bytes before is not checked again.
    """
    if checked is None:
        document, problem = _parsed(path)
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return None, [Problem(str(path), 0, f"cannot be read: {exc.strerror or exc}")]
        key = CheckedFiles.key(schema, raw)
        if (document := checked.get(key)) is not None:
            return document, []
        document, problem = _parsed(path, raw)
    if problem is not None:
        return None, [problem]
    problems = schema_problems(path, document, schema)
    if checked is not None and not problems:
        checked.add(key, document)
    return (None if problems else document), problems


def _parsed(path: Path, raw: bytes | None = None) -> tuple[Any, Problem | None]:
    try:
        text = path.read_text(encoding="utf-8") if raw is None else raw.decode("utf-8")
        return _keys_to_text(yaml.load(text, Loader=_DataLoader)), None  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, Problem(str(path), mark.line + 1 if mark else 0, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    except UnicodeDecodeError:
        return None, Problem(str(path), 0, "not UTF-8 text")


def schema_problems(path: Path, document: Any, schema: dict) -> list[Problem]:
    """Every schema violation of a file, `at <path>: <what is wrong>` on the line it is on."""
    import jsonschema  # here, not at the top: a run whose files were all checked before never needs it

    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        leaf = jsonschema.exceptions.best_match([error])
        where = _path_text(leaf.absolute_path) or "top level"
        problems.append(Problem(str(path), line_of(path, tuple(leaf.absolute_path)), f"at {where}: {_plain(leaf)}"))
    return problems


def _plain(error) -> str:  # a jsonschema.ValidationError
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator in ("oneOf", "anyOf") and isinstance(error.instance, dict):
        keys = ", ".join(sorted(map(str, error.instance)))
        return f"not a valid condition or value (keys: {keys}); check the operator name and its argument"
    return error.message


def _path_text(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _keys_to_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _keys_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys_to_text(v) for v in value]
    return value


def line_of(path: Path, location: tuple) -> int:
    """The 1-based line in a YAML file of a document path such as ('when', 'all', 1), for `file:line` messages.

    Walks as deep as the path exists, so a missing key points at its parent.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            node = yaml.compose(handle, Loader=_DataLoader)  # a SafeLoader subclass: safe
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return 1
    line = node.start_mark.line + 1 if node is not None else 1
    for step in location:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
