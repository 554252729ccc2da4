"""The peer edits hand-written as DuckDB SQL: what a data engineer would otherwise build.

Tuned as far as it fairly goes: DuckDB's own Parquet reader, two threads like the
engine, the claim/line join and the eligibility and code-table probes done once on
distinct keys, every edit one SELECT and all of them one COPY to Parquet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from bench.generate import AS_OF
from bench.peers.common import effective, payers, reference

THREADS = 2

LOAD = """
CREATE TEMP TABLE claims AS
SELECT claim_id, patient_id, trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id,
       trim(place_of_service) AS place_of_service, diagnosis_codes
FROM read_parquet('{batch}/claims.parquet');
CREATE TEMP TABLE lines AS
SELECT claim_id, line_number, service_date, nullif(trim(place_of_service), '') AS place_of_service,
       list_transform(modifiers, lambda m: upper(trim(m))) AS modifiers
FROM read_parquet('{batch}/claim_lines.parquet');
CREATE TEMP TABLE patients AS
SELECT patient_id, any_value(upper(trim(sex))) AS sex FROM read_parquet('{batch}/patients.parquet') GROUP BY patient_id;
CREATE TEMP TABLE elig AS
SELECT trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id, coverage_start, coverage_end,
       lower(trim(status)) = 'active' AS active
FROM read_parquet('{batch}/eligibility.parquet');
CREATE TEMP TABLE cl AS
SELECT l.claim_id, l.line_number, l.service_date, coalesce(l.place_of_service, c.place_of_service) AS pos,
       l.modifiers, c.member_id, c.payer_id
FROM lines l JOIN claims c USING (claim_id);
CREATE TEMP TABLE dx AS
SELECT d.claim_id, d.patient_id, d.payer_id, replace(upper(trim(d.code)), '.', '') AS code, f.first_date
FROM (SELECT claim_id, patient_id, payer_id, unnest(diagnosis_codes) AS code FROM claims) d
LEFT JOIN (SELECT claim_id, min(service_date) AS first_date FROM lines GROUP BY claim_id) f USING (claim_id)
WHERE d.code IS NOT NULL;
"""

EDIT_SQL = {
    "ELIG001": """
SELECT cl.claim_id, cl.line_number, 'ELIG001' AS rule_id, cl.service_date AS d
FROM cl JOIN (
    SELECT k.member_id, k.payer_id, k.service_date
    FROM (SELECT DISTINCT member_id, payer_id, service_date FROM cl) k
    JOIN elig e ON e.member_id = k.member_id AND e.payer_id = k.payer_id
    GROUP BY ALL
    HAVING NOT bool_or(e.active AND e.coverage_start <= k.service_date AND (e.coverage_end IS NULL OR k.service_date <= e.coverage_end))
       AND NOT bool_or(NOT e.active AND e.coverage_start <= k.service_date AND (e.coverage_end IS NULL OR k.service_date <= e.coverage_end))
) u USING (member_id, payer_id, service_date)""",
    "DX001": """
SELECT dx.claim_id, NULL::BIGINT, 'DX001', dx.first_date
FROM dx LEFT JOIN icd_hit h ON h.code = dx.code AND h.d = dx.first_date
WHERE h.code IS NULL AND ({icd_in_force})""",
    "DX002": """
SELECT dx.claim_id, NULL::BIGINT, 'DX002', dx.first_date
FROM dx JOIN icd_hit h ON h.code = dx.code AND h.d = dx.first_date WHERE h.billable = 'N'""",
    "DX010": """
SELECT dx.claim_id, NULL::BIGINT, 'DX010', dx.first_date
FROM dx JOIN sex_hit h ON h.code = dx.code AND h.d = dx.first_date JOIN patients p USING (patient_id)
WHERE p.sex IN ('M', 'F') AND p.sex <> h.allowed_sex""",
    "MOD001": """
SELECT cl.claim_id, cl.line_number, 'MOD001', cl.service_date
FROM cl LEFT JOIN payer_params p USING (payer_id)
WHERE cl.pos IN ('02', '10')
  AND NOT coalesce(list_contains(cl.modifiers, coalesce(p.telehealth_modifier, '{default_modifier}')), false)""",
    "DQ003": """
SELECT c.claim_id, NULL::BIGINT, 'DQ003', f.first_date
FROM claims c LEFT JOIN (SELECT claim_id, min(service_date) AS first_date FROM lines GROUP BY claim_id) f USING (claim_id)
LEFT JOIN payer_params p USING (payer_id) WHERE p.payer_id IS NULL""",
}
# Code-table probes on distinct (code, date): the row in force on the date, newest release first.
PROBES = {
    "icd_hit": ("icd10cm", "arg_max(t.billable, t.valid_from) AS billable", ("DX001", "DX002")),
    "sex_hit": ("mce_sex", "arg_max(t.allowed_sex, t.valid_from) AS allowed_sex", ("DX010",)),
}


def _in_force(windows: list[tuple], column: str) -> str:
    return " OR ".join(f"{column} BETWEEN DATE '{a}' AND DATE '{b}'" for a, b in windows) or "false"


def _effective_filter(window: tuple) -> str:
    start, end = window
    test = f"d >= DATE '{start}'" + (f" AND d <= DATE '{end}'" if end else "")
    return f"(d IS NULL OR ({test}))"


def findings(batch: Path, rule_ids: list[str], as_of: dt.date = AS_OF) -> pl.DataFrame:
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    con.execute(LOAD.format(batch=Path(batch).as_posix()))
    profiles = payers()
    con.register("payer_params_src", pl.DataFrame(
        {"payer_id": sorted(profiles.known), "telehealth_modifier": [profiles.telehealth_modifier.get(p) for p in sorted(profiles.known)]},
        schema={"payer_id": pl.String, "telehealth_modifier": pl.String},
    ))
    con.execute("CREATE TEMP TABLE payer_params AS SELECT * FROM payer_params_src")
    in_force = {}
    for name, (table, pick, users) in PROBES.items():
        if not set(users) & set(rule_ids):
            continue
        ref = reference(table)
        con.register(f"{name}_src", ref.rows)
        con.execute(f"""CREATE TEMP TABLE {name} AS
            SELECT p.code, p.d, {pick}
            FROM (SELECT DISTINCT code, first_date AS d FROM dx) p
            JOIN {name}_src t ON t.code = p.code AND p.d BETWEEN t.valid_from AND t.valid_to
            GROUP BY p.code, p.d""")
        in_force[table] = _in_force(ref.releases, "dx.first_date")
    windows = effective(rule_ids)
    selects = [
        f"SELECT * FROM ({EDIT_SQL[r].format(icd_in_force=in_force.get('icd10cm', 'false'), default_modifier=profiles.default_telehealth_modifier)}) "
        f"AS e(claim_id, line_number, rule_id, d) WHERE {_effective_filter(windows[r])}"
        for r in rule_ids
    ]
    query = " UNION ALL ".join(selects)
    return con.sql(f"SELECT DISTINCT claim_id, line_number, rule_id FROM ({query})").pl()
