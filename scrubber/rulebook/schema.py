"""The JSON Schema every rule file must satisfy, and the vocabularies it uses.

Validation with jsonschema gives precise, path-named errors for malformed rules
without hand-written checks; the engine's compiler then checks what a schema
cannot (that field names exist in the rule's scope, that tables exist).
"""

from __future__ import annotations

from scrubber.rulebook.vocabulary import ARGUMENT_KINDS, VOCABULARY

CATEGORIES = (
    "eligibility",
    "coding",
    "modifier",
    "timely_filing",
    "duplicate",
    "provider",
    "authorization",
    "encounter",
    "data_quality",
)
# Coders fix codes and modifiers; billers everything else (coverage, deadlines, provider data, duplicates).
CODER_CATEGORIES = frozenset({"coding", "modifier"})
SEVERITIES = ("error", "warning")
STATUSES = ("preview", "active", "retired")
SCOPES = ("claim", "line", "diagnosis", "modifier", "line_pair", "encounter", "load_issue")

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NAME = {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$"}
_VALUE_REF = {
    "type": "object",
    "oneOf": [
        {"properties": {"field": _NAME}, "required": ["field"], "additionalProperties": False},
        {"properties": {"param": {"type": "string"}}, "required": ["param"], "additionalProperties": False},
    ],
}
_SCALAR = {"type": ["string", "number", "boolean"]}
# The codes a reference table lists, e.g. {table: modifiers, where: {ncci_associated: "Y"}}.
_TABLE_LIST = {
    "type": "object",
    "properties": {
        "table": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "where": {"type": "object", "additionalProperties": _SCALAR},
    },
    "required": ["table"],
    "additionalProperties": False,
}
_OPERAND = {"anyOf": [_SCALAR, _VALUE_REF]}
# The shape of each kind of operator argument (rulebook/vocabulary.py says which operator takes which).
_ARGUMENTS = {
    "value": _OPERAND,
    "values": {"anyOf": [_SCALAR, _VALUE_REF, _TABLE_LIST, {"type": "array", "items": _OPERAND}]},
    "range": {"type": "array", "minItems": 2, "maxItems": 2, "items": _OPERAND},
    "pattern": {"type": "string"},
    "flag": {"type": "boolean"},
}
assert _ARGUMENTS.keys() == ARGUMENT_KINDS.keys()
# Operators a condition leaf may use: `{field: NAME, OPERATOR: ARGUMENT}`.
OPERATORS = tuple(VOCABULARY)

_LEAF = {
    "type": "object",
    "properties": {"field": _NAME, **{op.name: _ARGUMENTS[op.argument] for op in VOCABULARY.values()}},
    "required": ["field"],
    "additionalProperties": False,
    "minProperties": 2,
    "maxProperties": 2,
}
_CONDITION = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
            "required": ["all"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
            "required": ["any"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"not": {"$ref": "#/$defs/condition"}},
            "required": ["not"],
            "additionalProperties": False,
        },
        _LEAF,
    ]
}
_EXAMPLE = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "note": {"type": "string"},
        "as_of": _DATE,
        "claim": {"type": "object"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "claims": {"type": "array", "items": {"type": "object"}},
        "patient": {"type": "object"},
        "patients": {"type": "array", "items": {"type": "object"}},
        "eligibility": {"type": "array", "items": {"type": "object"}},
        "encounters": {"type": "array", "items": {"type": "object"}},
        "billed_before": {"type": "array", "items": {"type": "object"}},
        "encoding": {"enum": ["utf-8", "windows-1252"]},
        "x12": {"type": "string", "minLength": 10},
    },
    "required": ["name"],
    "additionalProperties": False,
}
# One finding a fire example produces. claim_id is always named (null for a finding on the file
# itself); line_number is left out only for a claim-level finding.
_EXPECTED_FINDING = {
    "type": "object",
    "properties": {
        "claim_id": {"type": ["string", "null"]},
        "line_number": {"type": ["integer", "null"], "minimum": 1},  # null (or left out): a claim-level finding
        "encounter_id": {"type": "string"},
        "denial_code": {"type": "string"},
        "severity": {"enum": list(SEVERITIES)},
        "payer_id": {"type": "string"},
        "message": {"type": "string"},
        "service_date": _DATE,
    },
    "required": ["claim_id"],
    "additionalProperties": False,
}
_FIRE_EXAMPLE = {
    **_EXAMPLE,
    "properties": {**_EXAMPLE["properties"], "expect": {"type": "array", "minItems": 1, "items": _EXPECTED_FINDING}},
    "required": ["name", "expect"],
}
_LOOKUP = {
    "type": "object",
    "properties": {
        "table": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "as": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "match": {"type": "object", "minProperties": 1, "additionalProperties": _NAME},
        "date": _NAME,
        "where": {"type": "object", "additionalProperties": _SCALAR},
    },
    "required": ["table", "as", "match"],
    "additionalProperties": False,
}

RULE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Z]{2,5}[0-9]{3}$"},
        "title": {"type": "string", "minLength": 5},
        "category": {"enum": list(CATEGORIES)},
        "severity": {"enum": list(SEVERITIES)},
        "status": {"enum": list(STATUSES)},
        "scope": {"enum": list(SCOPES)},
        "payers": {"anyOf": [{"const": "all"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]},
        "effective": {
            "type": "object",
            "properties": {"from": _DATE, "to": {"anyOf": [_DATE, {"type": "null"}]}},
            "required": ["from"],
            "additionalProperties": False,
        },
        "denial": {
            "type": "object",
            "properties": {
                "carc": {"type": "string", "pattern": r"^(CO|PR|OA|PI)-[0-9A-Z]+$"},
                "text": {"type": "string"},
                # The remark codes (RARC) payers usually send with the CARC, e.g. [N362] for an MUE.
                "rarc": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": r"^(M|MA|N)[0-9]+$"},
                },
            },
            "required": ["carc"],
            "additionalProperties": False,
        },
        "why": {"type": "string", "minLength": 10},
        "reference": {"type": "string", "minLength": 5},
        "lookups": {"type": "array", "items": _LOOKUP},
        "finding_on": {"enum": ["a", "b"]},
        # line_pair rules: pair by the billing NPI (a group) and/or across days (line a up to N days before
        # or after b), with the lines of earlier runs as line b, and one finding per line.
        "pairing": {
            "type": "object",
            "properties": {
                "provider": {"enum": ["rendering", "billing"]},
                "days_before": {"type": "integer", "minimum": 0, "maximum": 7},
                "days_after": {"type": "integer", "minimum": 0, "maximum": 366},
                "with_history": {"type": "boolean"},
                "one_per_line": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "when": {"$ref": "#/$defs/condition"},
        "message": {"type": "string", "minLength": 10},
        "fix": {"type": "string", "minLength": 10},
        "examples": {
            "type": "object",
            "properties": {
                "fire": {"type": "array", "minItems": 1, "items": _FIRE_EXAMPLE},
                "pass": {"type": "array", "minItems": 1, "items": _EXAMPLE},
            },
            "required": ["fire", "pass"],
            "additionalProperties": False,
        },
    },
    "required": [
        "id",
        "title",
        "category",
        "severity",
        "scope",
        "payers",
        "effective",
        "denial",
        "why",
        "reference",
        "when",
        "message",
        "fix",
        "examples",
    ],
    "additionalProperties": False,
    "$defs": {"condition": _CONDITION},
}

PROFILE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "payer_id": {"type": "string", "pattern": r"^[A-Z0-9_]+$"},
        "name": {"type": "string"},
        "timely_filing_days": {"type": "integer", "minimum": 1},
        "timely_filing_months": {"type": "integer", "minimum": 1},
        "timely_filing_next_workday": {"type": "boolean"},
        "accepts_replacement_claims": {"type": "boolean"},
        "team": {"type": "string"},
        "params": {"type": "object", "additionalProperties": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]}},
        "rules": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"enabled": {"type": "boolean"}, "severity": {"enum": list(SEVERITIES)}},
                "additionalProperties": False,
                "minProperties": 1,
            },
        },
    },
    "required": ["payer_id", "name"],  # and one of timely_filing_days or _months (load_profiles says which)
    "additionalProperties": False,
}

DEFAULTS_SCHEMA = {
    "type": "object",
    "properties": {"params": PROFILE_SCHEMA["properties"]["params"]},
    "required": ["params"],
    "additionalProperties": False,
}
