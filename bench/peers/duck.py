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
SELECT claim_id, trim(patient_id) AS patient_id, trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id,
       lower(trim(claim_type)) AS claim_type, trim(billing_npi) AS billing_npi,
       coalesce(nullif(trim(rendering_npi), ''), trim(billing_npi)) AS provider,
       trim(place_of_service) AS place_of_service, diagnosis_codes, trim(frequency_code) AS frequency_code, total_charge
FROM read_parquet('{batch}/claims.parquet');
CREATE TEMP TABLE lines AS
SELECT claim_id, line_number, upper(trim(procedure_code)) AS procedure_code, units, charge, service_date,
       nullif(trim(place_of_service), '') AS place_of_service, list_transform(modifiers, lambda m: upper(trim(m))) AS modifiers,
       coalesce(trim(ndc), '') AS ndc
FROM read_parquet('{batch}/claim_lines.parquet');
CREATE TEMP TABLE patients AS
SELECT patient_id, any_value(upper(trim(sex))) AS sex FROM read_parquet('{batch}/patients.parquet') GROUP BY patient_id;
CREATE TEMP TABLE elig AS
SELECT trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id, coverage_start, coverage_end,
       lower(trim(status)) = 'active' AS active
FROM read_parquet('{batch}/eligibility.parquet');
CREATE TEMP TABLE cl AS
SELECT l.claim_id, l.line_number, l.procedure_code, l.units, l.service_date, coalesce(l.place_of_service, c.place_of_service) AS pos,
       l.modifiers, l.ndc, c.patient_id, c.member_id, c.payer_id, c.provider, c.frequency_code, c.claim_type
FROM lines l JOIN claims c USING (claim_id);
CREATE TEMP TABLE per_claim AS
SELECT claim_id, min(service_date) AS first_date, sum(charge) AS line_total FROM lines GROUP BY claim_id;
CREATE TEMP TABLE dx AS
SELECT d.claim_id, d.patient_id, d.payer_id, replace(upper(trim(d.code)), '.', '') AS code, f.first_date
FROM (SELECT claim_id, patient_id, coalesce(upper(trim(payer_id)), '') AS payer_id, unnest(diagnosis_codes) AS code
      FROM claims) d LEFT JOIN per_claim f USING (claim_id)
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
    "DX013": """
SELECT dx.claim_id, NULL::BIGINT, 'DX013', dx.first_date
FROM dx JOIN sex_hit h ON h.code = dx.code AND h.d = dx.first_date JOIN patients p USING (patient_id)
WHERE p.sex IN ('M', 'F') AND p.sex <> h.allowed_sex AND dx.payer_id NOT IN ({sex_edit_off})""",
    "MOD001": """
SELECT cl.claim_id, cl.line_number, 'MOD001', cl.service_date
FROM cl LEFT JOIN payer_params p USING (payer_id)
WHERE cl.pos IN ('02', '10')
  AND NOT coalesce(list_contains(cl.modifiers, coalesce(p.telehealth_modifier, '{default_modifier}')), false)""",
    "DQ003": """
SELECT c.claim_id, NULL::BIGINT, 'DQ003', f.first_date
FROM claims c LEFT JOIN per_claim f USING (claim_id) LEFT JOIN payer_params p USING (payer_id) WHERE p.payer_id IS NULL""",
    "DQ005": """
SELECT c.claim_id, NULL::BIGINT, 'DQ005', f.first_date FROM claims c JOIN per_claim f USING (claim_id)
WHERE c.total_charge <> f.line_total""",
    "PRV001": """
SELECT c.claim_id, NULL::BIGINT, 'PRV001', f.first_date FROM claims c LEFT JOIN per_claim f USING (claim_id)
WHERE NOT coalesce(regexp_full_match(c.billing_npi, '[0-9]{{10}}') AND {npi_check}, false)""",
    "TF001": """
SELECT cl.claim_id, cl.line_number, 'TF001', cl.service_date FROM cl JOIN payer_params p USING (payer_id)
WHERE coalesce(cl.claim_type, '') <> 'institutional' AND coalesce(cl.frequency_code <> '8', true)
  AND cl.service_date + p.timely_filing_days::INTEGER < DATE '{as_of}'""",
    "DUP001": """
SELECT claim_id, line_number, 'DUP001', service_date FROM (
    SELECT claim_id, line_number, service_date, row_number() OVER (
        PARTITION BY patient_id, procedure_code, service_date, provider, array_to_string(list_sort(modifiers), ';'), ndc
        ORDER BY claim_id, line_number) AS occurrence
    FROM cl WHERE coalesce(frequency_code, '1') NOT IN ('7', '8')
) WHERE occurrence > 1""",
    "MUE001": """
SELECT claim_id, line_number, 'MUE001', service_date FROM (
    SELECT cl.claim_id, cl.line_number, cl.service_date, cl.units, h.mai, h.mue_value,
           sum(cl.units) OVER (PARTITION BY cl.patient_id, cl.procedure_code, cl.service_date) AS day_units
    FROM cl JOIN mue_hit h ON h.code = cl.procedure_code AND h.d = cl.service_date
) WHERE (mai = '1' AND units > mue_value) OR (mai IN ('2', '3') AND day_units > mue_value)""",
    "PTP002": """
SELECT b.claim_id, b.line_number, 'PTP002', b.service_date
FROM (SELECT * FROM cl WHERE procedure_code IN (SELECT column1 FROM ptp_src)) a
JOIN (SELECT * FROM cl WHERE procedure_code IN (SELECT column2 FROM ptp_src)) b
  ON a.patient_id = b.patient_id AND a.service_date = b.service_date AND a.provider = b.provider
 AND NOT (a.claim_id = b.claim_id AND a.line_number = b.line_number)
JOIN ptp_src t ON t.column1 = a.procedure_code AND t.column2 = b.procedure_code
 AND b.service_date BETWEEN t.valid_from AND t.valid_to
WHERE NOT coalesce(list_has_any(a.modifiers, {ncci_modifiers}), false)
  AND NOT coalesce(list_has_any(b.modifiers, {ncci_modifiers}), false)
GROUP BY ALL HAVING arg_max(t.modifier_indicator, t.valid_from) = '1'""",
}
# Code-table probes on distinct (code, date): the row in force on the date, newest release first.
PROBES = {
    "icd_hit": ("icd10cm", "dx", "first_date", "arg_max(t.billable, t.valid_from) AS billable", ("DX001", "DX002")),
    "sex_hit": ("mce_sex_last", "dx", "first_date", "arg_max(t.allowed_sex, t.valid_from) AS allowed_sex", ("DX013",)),
    "mue_hit": ("mue", "(SELECT procedure_code AS code, service_date FROM cl)", "service_date",
                "arg_max(t.mai, t.valid_from) AS mai, arg_max(t.mue_value, t.valid_from) AS mue_value", ("MUE001",)),
}


def _npi_check(npi: str) -> str:
    """The NPI Luhn check (80840 prefix adds 24) as SQL over the ten digit characters."""
    digit = [f"CAST(substr({npi}, {i}, 1) AS INTEGER)" for i in range(1, 11)]
    doubled = [f"(CASE WHEN {d} * 2 > 9 THEN {d} * 2 - 9 ELSE {d} * 2 END)" for d in digit[0:9:2]]
    total = " + ".join(["24", *doubled, *digit[1:9:2]])
    return f"((10 - ({total}) % 10) % 10 = {digit[9]})"


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
    known = sorted(profiles.known)
    con.register("payer_params_src", pl.DataFrame(
        {"payer_id": known, "telehealth_modifier": [profiles.telehealth_modifier.get(p) for p in known],
         "timely_filing_days": [profiles.timely_filing_days.get(p) for p in known]},
        schema={"payer_id": pl.String, "telehealth_modifier": pl.String, "timely_filing_days": pl.Int64},
    ))
    con.execute("CREATE TEMP TABLE payer_params AS SELECT * FROM payer_params_src")
    in_force = {}
    for name, (table, source, date, pick, users) in PROBES.items():
        if not set(users) & set(rule_ids):
            continue
        ref = reference(table)
        con.register(f"{name}_src", ref.rows)
        con.execute(f"""CREATE TEMP TABLE {name} AS
            SELECT p.code, p.d, {pick}
            FROM (SELECT DISTINCT code, {date} AS d FROM {source}) p
            JOIN {name}_src t ON t.code = p.code AND p.d BETWEEN t.valid_from AND t.valid_to
            GROUP BY p.code, p.d""")
        in_force[table] = _in_force(ref.releases, "dx.first_date")
    ncci_modifiers = "[]::VARCHAR[]"
    if "PTP002" in rule_ids:
        con.register("ptp_src", reference("ncci_ptp").rows)
        ncci = reference("modifiers").rows.filter(pl.col("ncci_associated") == "Y")["code"].to_list()
        ncci_modifiers = "[" + ", ".join(f"'{m}'" for m in ncci) + "]"
    windows = effective(rule_ids)
    fill = {"icd_in_force": in_force.get("icd10cm", "false"), "default_modifier": profiles.default_telehealth_modifier,
            "sex_edit_off": ", ".join(f"'{p}'" for p in sorted(profiles.sex_edit_off)) or "NULL",
            "npi_check": _npi_check("c.billing_npi"), "as_of": as_of.isoformat(), "ncci_modifiers": ncci_modifiers}
    selects = [
        f"SELECT * FROM ({EDIT_SQL[r].format(**fill)}) "
        f"AS e(claim_id, line_number, rule_id, d) WHERE {_effective_filter(windows[r])}"
        for r in rule_ids
    ]
    query = " UNION ALL ".join(selects)
    return con.sql(f"SELECT DISTINCT claim_id, line_number, rule_id FROM ({query})").pl()
