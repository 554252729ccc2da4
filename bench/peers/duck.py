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
import pyarrow.parquet as pq

from bench.generate import AS_OF
from bench.peers.common import (
    DEFAULT_SETTING,
    DISTINCT_SERVICE,
    EM_RANGE,
    LAB,
    NON_WORKDAYS,
    OUTPATIENT_BILLS,
    VISIT_BYPASS,
    anatomic_modifiers,
    effective,
    payers,
    reference,
)

THREADS = 2

LOAD = """
CREATE TEMP TABLE claims AS
SELECT claim_id, trim(patient_id) AS patient_id, trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id,
       lower(trim(claim_type)) AS claim_type, trim(billing_npi) AS billing_npi,
       coalesce(nullif(trim(rendering_npi), ''), trim(billing_npi)) AS provider,
       trim(place_of_service) AS place_of_service, diagnosis_codes, trim(frequency_code) AS frequency_code,
       total_charge,
       {type_of_bill} AS type_of_bill
FROM read_parquet('{batch}/claims.parquet');
-- Which NCCI tables judge a claim: the payer's for a professional claim, outpatient hospital for an
-- outpatient bill type (with or without the UB-04's leading zero), none for other institutional bills.
ALTER TABLE claims ADD COLUMN institutional BOOLEAN;
ALTER TABLE claims ADD COLUMN ncci_setting VARCHAR;
UPDATE claims SET institutional = coalesce(lower(claim_type) = 'institutional', false);
UPDATE claims c SET ncci_setting = CASE
    WHEN NOT c.institutional THEN coalesce(
        (SELECT p.ncci_professional_setting FROM payer_params p WHERE p.payer_id = c.payer_id), '{default_setting}')
    WHEN substr(ltrim(trim(c.type_of_bill), '0'), 1, 2) IN {outpatient_bills} THEN 'outpatient_hospital' END;
CREATE TEMP TABLE lines AS
SELECT claim_id, line_number, upper(trim(procedure_code)) AS procedure_code, units, charge, service_date,
       nullif(trim(place_of_service), '') AS place_of_service,
       list_transform(modifiers, lambda m: upper(trim(m))) AS modifiers,
       coalesce(trim(ndc), '') AS ndc
FROM read_parquet('{batch}/claim_lines.parquet');
CREATE TEMP TABLE patients AS
SELECT patient_id, any_value(upper(trim(sex))) AS sex FROM read_parquet('{batch}/patients.parquet') GROUP BY patient_id;
CREATE TEMP TABLE elig AS
SELECT trim(member_id) AS member_id, upper(trim(payer_id)) AS payer_id, coverage_start, coverage_end,
       lower(trim(status)) = 'active' AS active
FROM read_parquet('{batch}/eligibility.parquet');
CREATE TEMP TABLE cl AS
SELECT l.claim_id, l.line_number, l.procedure_code, l.units, l.service_date,
       coalesce(l.place_of_service, c.place_of_service) AS pos,
       l.modifiers, l.ndc, c.patient_id, c.member_id, c.payer_id, c.provider, c.frequency_code, c.claim_type,
       c.institutional, c.ncci_setting, l.procedure_code BETWEEN '{em_low}' AND '{em_high}' AS is_em,
       regexp_full_match(l.procedure_code, '{lab}') AS is_lab,
       list_filter(l.modifiers, lambda m: list_contains({anatomic}, m)) AS anatomic,
       coalesce(c.frequency_code, '1') IN ('7', '8') AND coalesce(p.takes_replacements, true) AS restates
FROM lines l JOIN claims c USING (claim_id) LEFT JOIN payer_params p USING (payer_id);
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
    HAVING NOT bool_or(e.active AND e.coverage_start <= k.service_date
                       AND (e.coverage_end IS NULL OR k.service_date <= e.coverage_end))
       AND NOT bool_or(NOT e.active AND e.coverage_start <= k.service_date
                       AND (e.coverage_end IS NULL OR k.service_date <= e.coverage_end))
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
FROM claims c LEFT JOIN per_claim f USING (claim_id) LEFT JOIN payer_params p USING (payer_id)
WHERE p.payer_id IS NULL""",
    "DQ005": """
SELECT c.claim_id, NULL::BIGINT, 'DQ005', f.first_date FROM claims c JOIN per_claim f USING (claim_id)
WHERE c.total_charge <> f.line_total""",
    "PRV001": """
SELECT c.claim_id, NULL::BIGINT, 'PRV001', f.first_date FROM claims c LEFT JOIN per_claim f USING (claim_id)
WHERE NOT coalesce(regexp_full_match(c.billing_npi, '[0-9]{{10}}') AND {npi_check}, false)""",
    "TF001": """
SELECT claim_id, line_number, 'TF001', service_date FROM (
    SELECT cl.claim_id, cl.line_number, cl.service_date, CASE
        WHEN p.timely_filing_months IS NOT NULL
            THEN CAST(cl.service_date + to_months(p.timely_filing_months::INTEGER) AS DATE)
        ELSE cl.service_date + p.timely_filing_days::INTEGER END AS limit_day, p.next_workday
    FROM cl JOIN payer_params p USING (payer_id)
    WHERE coalesce(cl.claim_type, '') <> 'institutional' AND coalesce(cl.frequency_code <> '8', true)
) t
-- The deadline moves to the next workday: at most a few days past a weekend or holiday.
WHERE (SELECT min(t.limit_day + k::INTEGER) FROM range(0, 7) r(k)
       WHERE NOT t.next_workday OR (isodow(t.limit_day + k::INTEGER) < 6
                                    AND (t.limit_day + k::INTEGER) NOT IN (SELECT day FROM non_workdays))
      ) < DATE '{as_of}'""",
    "DUP001": """
SELECT claim_id, line_number, 'DUP001', service_date FROM (
    SELECT claim_id, line_number, service_date, row_number() OVER (
        PARTITION BY payer_id, member_id, patient_id, procedure_code, service_date, provider,
                     array_to_string(list_sort(modifiers), ';'), ndc
        ORDER BY claim_id, line_number) AS occurrence
    FROM cl WHERE NOT restates
) WHERE occurrence > 1""",
    # MUE (MAI 2/3) units run per payer, patient, provider, code and day in claim and line order: a void, an
    # original its replacement restates and an exact repeat (same service, same units) count nothing.
    "MUE001": """
SELECT claim_id, line_number, 'MUE001', service_date FROM (
    SELECT *, sum(units) OVER (PARTITION BY payer_id, patient_id, provider, procedure_code, service_date
                               ORDER BY claim_id, line_number ROWS UNBOUNDED PRECEDING) AS through
    FROM (
        SELECT cl.*, h.mai, h.mue_value FROM (
            SELECT *, row_number() OVER (
                PARTITION BY payer_id, member_id, patient_id, procedure_code, service_date, provider,
                             array_to_string(list_sort(modifiers), ';'), ndc, units
                ORDER BY claim_id, line_number) AS repeat
            FROM (SELECT *, bool_or(coalesce(frequency_code, '1') = '7' AND restates) OVER (
                              PARTITION BY payer_id, patient_id, provider, procedure_code, service_date) AS replaced
                  FROM cl)
            WHERE coalesce(frequency_code, '1') <> '8' AND NOT (replaced AND NOT restates)
        ) cl JOIN mue_hit h ON h.setting = cl.ncci_setting AND h.code = cl.procedure_code AND h.d = cl.service_date
        WHERE repeat = 1
    )
) WHERE mue_value > 0 AND ((mai = '1' AND units > mue_value) OR (mai IN ('2', '3') AND through > mue_value))""",
    # A table's releases of one setting do not overlap and its key is unique, so a pair has at most one row in force.
    "PTP002": """
SELECT b.claim_id, b.line_number, 'PTP002', b.service_date
FROM (SELECT * FROM cl WHERE procedure_code IN (SELECT column1 FROM ptp_src)) a
JOIN (SELECT * FROM cl WHERE procedure_code IN (SELECT column2 FROM ptp_src) AND NOT is_em) b
  ON a.patient_id = b.patient_id AND a.service_date = b.service_date AND a.provider = b.provider
 AND NOT (a.claim_id = b.claim_id AND a.line_number = b.line_number) AND a.ncci_setting = b.ncci_setting
JOIN ptp_src t ON t.setting = a.ncci_setting AND t.column1 = a.procedure_code AND t.column2 = b.procedure_code
 AND b.service_date BETWEEN t.valid_from AND t.valid_to
WHERE t.modifier_indicator = '1' AND NOT coalesce(
       (NOT a.is_em AND list_has_any(a.modifiers, {distinct_service}))
    OR list_has_any(b.modifiers, {distinct_service})
    OR (a.is_em AND list_has_any(a.modifiers, {visit_bypass}))
    OR (len(a.anatomic) > 0 AND len(b.anatomic) > 0 AND NOT list_has_any(a.anatomic, b.anatomic))
    OR (a.is_lab AND b.is_lab AND (list_contains(a.modifiers, '91') OR list_contains(b.modifiers, '91')))
    OR (a.institutional AND (list_contains(a.modifiers, '27') OR list_contains(b.modifiers, '27'))), false)""",
}
# Code-table probes on distinct (keys, date): the row in force on the date, newest release first.
PROBES = {
    "icd_hit": (
        "icd10cm",
        "dx",
        ("code",),
        "first_date",
        "arg_max(t.billable, t.valid_from) AS billable",
        ("DX001", "DX002"),
    ),
    "sex_hit": (
        "mce_sex_last",
        "dx",
        ("code",),
        "first_date",
        "arg_max(t.allowed_sex, t.valid_from) AS allowed_sex",
        ("DX013",),
    ),
    "mue_hit": (
        "mue",
        "(SELECT ncci_setting AS setting, procedure_code AS code, service_date FROM cl)",
        ("setting", "code"),
        "service_date",
        "arg_max(t.mai, t.valid_from) AS mai, arg_max(t.mue_value, t.valid_from) AS mue_value",
        ("MUE001",),
    ),
}


def _npi_check(npi: str) -> str:
    """The NPI Luhn check (80840 prefix adds 24) as SQL over the ten digit characters."""
    digit = [f"CAST(substr({npi}, {i}, 1) AS INTEGER)" for i in range(1, 11)]
    doubled = [f"(CASE WHEN {d} * 2 > 9 THEN {d} * 2 - 9 ELSE {d} * 2 END)" for d in digit[0:9:2]]
    total = " + ".join(["24", *doubled, *digit[1:9:2]])
    return f"((10 - ({total}) % 10) % 10 = {digit[9]})"


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]::VARCHAR[]"


def _in_force(windows: list[tuple], column: str) -> str:
    return " OR ".join(f"{column} BETWEEN DATE '{a}' AND DATE '{b}'" for a, b in windows) or "false"


def _effective_filter(window: tuple) -> str:
    start, end = window
    test = f"d >= DATE '{start}'" + (f" AND d <= DATE '{end}'" if end else "")
    return f"(d IS NULL OR ({test}))"


def findings(batch: Path, rule_ids: list[str], as_of: dt.date = AS_OF) -> pl.DataFrame:
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    profiles = payers()
    known = sorted(profiles.known)
    con.register(
        "payer_params_src",
        pl.DataFrame(
            {
                "payer_id": known,
                "telehealth_modifier": [profiles.telehealth_modifier.get(p) for p in known],
                "timely_filing_days": [profiles.timely_filing_days.get(p) for p in known],
                "timely_filing_months": [profiles.timely_filing_months.get(p) for p in known],
                "next_workday": [p in profiles.next_workday for p in known],
                "takes_replacements": [p in profiles.takes_replacements for p in known],
                "ncci_professional_setting": [profiles.ncci_professional_setting.get(p) for p in known],
            },
            schema={
                "payer_id": pl.String,
                "telehealth_modifier": pl.String,
                "timely_filing_days": pl.Int64,
                "timely_filing_months": pl.Int64,
                "next_workday": pl.Boolean,
                "takes_replacements": pl.Boolean,
                "ncci_professional_setting": pl.String,
            },
        ),
    )
    con.execute("CREATE TEMP TABLE payer_params AS SELECT * FROM payer_params_src")
    con.register("non_workdays_src", pl.DataFrame({"day": sorted(NON_WORKDAYS)}, schema={"day": pl.Date}))
    con.execute("CREATE TEMP TABLE non_workdays AS SELECT * FROM non_workdays_src")
    batch = Path(batch)
    # type_of_bill is optional in a batch (institutional claims only): absent, every claim has none.
    has_bill_type = "type_of_bill" in pq.read_schema(batch / "claims.parquet").names
    con.execute(
        LOAD.format(
            batch=batch.as_posix(),
            type_of_bill="nullif(trim(type_of_bill), '')" if has_bill_type else "NULL::VARCHAR",
            default_setting=DEFAULT_SETTING,
            outpatient_bills="(" + ", ".join(f"'{b}'" for b in OUTPATIENT_BILLS) + ")",
            em_low=EM_RANGE[0],
            em_high=EM_RANGE[1],
            lab=LAB,
            anatomic=_sql_list(anatomic_modifiers()),
        )
    )
    in_force = {}
    for name, (table, source, keys, date, pick, users) in PROBES.items():
        if not set(users) & set(rule_ids):
            continue
        ref = reference(table)
        con.register(f"{name}_src", ref.rows)
        on = " AND ".join(f"t.{k} = p.{k}" for k in keys)
        con.execute(f"""CREATE TEMP TABLE {name} AS
            SELECT {", ".join(f"p.{k}" for k in keys)}, p.d, {pick}
            FROM (SELECT DISTINCT {", ".join(keys)}, {date} AS d FROM {source}) p
            JOIN {name}_src t ON {on} AND p.d BETWEEN t.valid_from AND t.valid_to
            GROUP BY ALL""")
        in_force[table] = _in_force(ref.releases, "dx.first_date")
    if "PTP002" in rule_ids:
        con.register("ptp_src", reference("ncci_ptp").rows)
    windows = effective(rule_ids)
    fill = {
        "icd_in_force": in_force.get("icd10cm", "false"),
        "default_modifier": profiles.default_telehealth_modifier,
        "sex_edit_off": ", ".join(f"'{p}'" for p in sorted(profiles.sex_edit_off)) or "NULL",
        "npi_check": _npi_check("c.billing_npi"),
        "as_of": as_of.isoformat(),
        "distinct_service": _sql_list(DISTINCT_SERVICE),
        "visit_bypass": _sql_list(VISIT_BYPASS),
    }
    selects = [
        f"SELECT * FROM ({EDIT_SQL[r].format(**fill)}) "
        f"AS e(claim_id, line_number, rule_id, d) WHERE {_effective_filter(windows[r])}"
        for r in rule_ids
    ]
    query = " UNION ALL ".join(selects)
    return con.sql(f"SELECT DISTINCT claim_id, line_number, rule_id FROM ({query})").pl()
