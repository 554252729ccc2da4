"""Add-on codes without their primary, and the preventive-service frequency limits, each next to a
clean claim that differs only in what the edit checks. Claims C5001-C5099, patients P501-P599,
visits E5001-E5999. As of 2026-09-14.

The frequency limits on earlier services (FRQ001, FRQ002) need an earlier run: the demo has none,
so they are reported not checked here and shown by tests/test_addon_frequency.py, which runs the
demo twice."""

NP_NPI = "1982716403"  # a nurse practitioner of the practice (as in c_billing)

PATIENTS = [
    ("P501", "1961-04-02", "F", "AETNA"),
    ("P502", "1966-10-19", "M", "AETNA"),
    ("P503", "1949-05-23", "M", "MEDICARE"),
    ("P504", "1952-08-30", "F", "MEDICARE"),
    ("P505", "1970-01-15", "F", "BCBS_TX"),
    ("P506", "1972-06-11", "M", "BCBS_TX"),
    ("P507", "1947-03-09", "F", "MEDICARE"),
    ("P508", "1950-12-01", "M", "MEDICARE"),
    ("P510", "1958-01-20", "M", "MEDICARE"),
    ("P511", "1953-11-27", "F", "MEDICARE"),
]


def line(code, date, charge, **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, **extra}


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    # ADD001: prolonged service 99417 goes only with 99205 or 99215 (NCCI add-on type 1): with a level-4
    # visit it has no primary; C5001 bills it with 99215.
    b.claim(
        "C5001",
        "P501",
        "AETNA",
        ["E11.65"],
        [line("99215", "2026-09-08", "210.00"), line("99417", "2026-09-08", "65.00")],
    )
    b.claim(
        "C5002",
        "P502",
        "AETNA",
        ["E11.65"],
        [line("99214", "2026-09-08", "160.00"), line("99417", "2026-09-08", "65.00")],
    )
    # ADD002: fluoroscopic guidance 77001 (type 2: CMS lists no primary) billed with nothing else by the
    # physician that day; in C5003 the tunneled catheter it guided is on the same claim.
    b.claim(
        "C5003",
        "P503",
        "MEDICARE",
        ["N18.6"],
        [line("36558", "2026-09-09", "620.00"), line("77001", "2026-09-09", "95.00")],
    )
    b.claim("C5004", "P504", "MEDICARE", ["N18.6"], [line("77001", "2026-09-09", "95.00")])
    # ADD003: decalcification 88311 (type 3) with a gross-only specimen 88300, none of its listed
    # primaries; C5005 bills it with the bone biopsy specimen 88307.
    b.claim(
        "C5005",
        "P505",
        "BCBS_TX",
        ["M89.9"],
        [line("88307", "2026-09-10", "180.00"), line("88311", "2026-09-10", "40.00")],
    )
    b.claim(
        "C5006",
        "P506",
        "BCBS_TX",
        ["M89.9"],
        [line("88300", "2026-09-10", "30.00"), line("88311", "2026-09-10", "40.00")],
    )
    # ADD004: the visit complexity add-on G2211 goes with an office visit by the same practitioner: on
    # C5008 the physician bills it while the nurse practitioner's claim C5009 bills the visit; C5007 has both.
    b.claim(
        "C5007",
        "P507",
        "MEDICARE",
        ["I10", "E11.9"],
        [line("99214", "2026-09-10", "135.00"), line("G2211", "2026-09-10", "16.00")],
    )
    b.claim("C5008", "P508", "MEDICARE", ["I10", "E11.9"], [line("G2211", "2026-09-10", "16.00")])
    b.claim(
        "C5009", "P508", "MEDICARE", ["I10", "E11.9"], [line("99214", "2026-09-10", "135.00")], rendering_npi=NP_NPI
    )
    # FRQ003: a Welcome to Medicare visit (IPPE) 20 months after Part B began (P510: 2025-01-01);
    # P509's Part B began in February.
    b.patient("P509", "1961-02-14", "F", "MEDICARE", coverage=(("2026-02-01", "", "active"),))
    b.claim("C5010", "P510", "MEDICARE", ["Z00.00"], [line("G0402", "2026-09-11", "170.00")])
    b.claim("C5011", "P509", "MEDICARE", ["Z00.00"], [line("G0402", "2026-09-11", "170.00")])
    # FRQ002 needs the patient's last AWV: P511's subsequent AWV is clean tonight, and
    # tests/test_addon_frequency.py bills another one in a later run.
    b.claim("C5012", "P511", "MEDICARE", ["Z00.00"], [line("G0439", "2026-09-11", "135.00")])
    document_visits(b, first_number=5001)


def document_visits(b, first_number):
    """A documented visit for each of this file's claims, by the claim's provider on its date
    (c_billing documents the claims of the files before it)."""
    number = first_number
    for claim in b.rows["claims"]:
        if not claim["claim_id"].startswith("C50"):
            continue
        dates = sorted({row["service_date"] for row in b.rows["claim_lines"] if row["claim_id"] == claim["claim_id"]})
        for date in dates:
            b.encounter(
                f"E{number}",
                claim["patient_id"],
                date,
                claim_id=claim["claim_id"],
                rendering_npi=claim["rendering_npi"],
            )
            number += 1
