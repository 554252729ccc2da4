"""Modifier against procedure: 26/TC against the PC/TC indicator, global-only tests, modifier 50
on codes without sides, assistant/co-surgeon/team modifiers against their indicators and anesthesia
pricing modifiers, each next to a clean claim that differs only in what the edit checks. Claims
C8001-C8099, patients P801-P899, visits E8001-E8099. As of 2026-09-14."""

ORDERING_NPI = "1679576722"  # labs and tests need the ordering provider on Medicare claims
KENALOG_40_NDC = "00003029305"  # triamcinolone acetonide 40 mg/mL, 1 mL vial (J3301, per 10 mg)

PATIENTS = [
    ("P801", "1950-03-14", "F", "MEDICARE"),
    ("P802", "1952-07-09", "M", "MEDICARE"),
    ("P803", "1978-10-02", "F", "UHC"),
    ("P804", "1982-01-25", "M", "UHC"),
    ("P805", "1947-05-30", "M", "MEDICARE"),
    ("P806", "1949-12-12", "F", "MEDICARE"),
    ("P807", "1975-06-18", "F", "AETNA"),
    ("P808", "1980-09-04", "M", "AETNA"),
    ("P809", "1990-02-27", "F", "BCBS_TX"),
    ("P810", "1954-08-21", "M", "MEDICARE"),
    ("P811", "1951-04-03", "F", "MEDICARE"),
    ("P812", "1956-11-16", "M", "MEDICARE"),
    ("P813", "1953-02-08", "F", "MEDICARE"),
    ("P814", "1948-10-29", "M", "MEDICARE"),
    ("P815", "1955-06-06", "F", "MEDICARE"),
    ("P816", "1957-01-19", "M", "MEDICARE"),
    ("P817", "1958-09-23", "F", "MEDICARE"),
    ("P818", "1952-03-01", "M", "MEDICARE"),
    ("P819", "1988-04-12", "F", "BCBS_TX"),
    ("P820", "1951-10-07", "M", "MEDICARE"),
]


def line(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def claim(b, claim_id, patient_id, payer_id, diagnoses, lines, **header):
    """The claim and the visit documented for it (visit E8nnn for claim C8nnn)."""
    b.claim(claim_id, patient_id, payer_id, diagnoses, lines, **header)
    b.encounter(f"E{claim_id[1:]}", patient_id, lines[0]["service_date"], claim_id)


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    components(b)
    surgeons(b)
    anesthesia(b)


def components(b):
    # MOD010: 26 on an office visit (PC/TC indicator 0); C8002 is the same visit without it.
    claim(b, "C8001", "P801", "MEDICARE", ["I10"], [line("99213", "2026-09-01", "110.00", modifiers="26")])
    claim(b, "C8002", "P802", "MEDICARE", ["I10"], [line("99213", "2026-09-01", "110.00")])
    # MOD010: 26 on a blood count (indicator 9, paid by the lab fee schedule); C8004 without it.
    claim(
        b,
        "C8003",
        "P803",
        "UHC",
        ["D64.9"],
        [line("85025", "2026-09-02", "18.00", modifiers="26")],
        referring_npi=ORDERING_NPI,
    )
    claim(b, "C8004", "P804", "UHC", ["D64.9"], [line("85025", "2026-09-02", "18.00")], referring_npi=ORDERING_NPI)
    # MOD011: the routine ECG (global-only, indicator 4) billed by the cardiologist who read it for a
    # hospital outpatient; C8006 bills the interpretation code 93010, as it should.
    claim(
        b,
        "C8005",
        "P805",
        "MEDICARE",
        ["R00.2"],
        [line("93000", "2026-09-03", "45.00")],
        place_of_service="22",
        referring_npi=ORDERING_NPI,
    )
    claim(
        b,
        "C8006",
        "P806",
        "MEDICARE",
        ["R00.2"],
        [line("93010", "2026-09-03", "20.00")],
        place_of_service="22",
        referring_npi=ORDERING_NPI,
    )
    # MOD011: 93000-26 in the office, where 93010 is the interpretation's code; C8008 bills 93000 whole.
    claim(b, "C8007", "P807", "AETNA", ["R00.2"], [line("93000", "2026-09-04", "50.00", modifiers="26")])
    claim(b, "C8008", "P808", "AETNA", ["R00.2"], [line("93000", "2026-09-04", "50.00")])
    # MOD008 (warning): both knees injected (20610-50, right) and the drug line copying the 50: the
    # drug has no sides (bilateral indicator 9). C8019 bills the drug without it.
    for claim_id, patient_id, drug_modifiers in (("C8009", "P809", "50"), ("C8019", "P819", "")):
        claim(
            b,
            claim_id,
            patient_id,
            "BCBS_TX",
            ["M17.0"],
            [
                line("20610", "2026-09-04", "180.00", modifiers="50"),
                line("J3301", "2026-09-04", "24.00", modifiers=drug_modifiers, units="8", ndc=KENALOG_40_NDC),
            ],
        )


def surgeons(b):
    # MOD012: an assistant at an upper endoscopy (assistant indicator 1: never paid).
    claim(
        b,
        "C8010",
        "P810",
        "MEDICARE",
        ["K22.70"],
        [line("43239", "2026-09-08", "180.00", modifiers="80")],
        place_of_service="22",
    )
    # Clean: an assistant at a knee replacement (assistant indicator 2: paid).
    claim(
        b,
        "C8011",
        "P811",
        "MEDICARE",
        ["M17.11"],
        [line("27447", "2026-09-08", "420.00", modifiers="80;RT")],
        place_of_service="21",
    )
    # MOD013: co-surgeons on a knee arthroscopy (co-surgery indicator 0); C8013 co-surgeons on an
    # anterior cervical fusion (indicator 2: permitted).
    claim(
        b,
        "C8012",
        "P812",
        "MEDICARE",
        ["S83.211A"],
        [line("29881", "2026-09-09", "900.00", modifiers="62;RT")],
        place_of_service="24",
    )
    claim(
        b,
        "C8013",
        "P813",
        "MEDICARE",
        ["M50.121"],
        [line("22551", "2026-09-09", "1600.00", modifiers="62")],
        place_of_service="21",
    )
    # MOD014: a surgical team on a knee replacement (team indicator 0); C8015 the surgeon alone.
    claim(
        b,
        "C8014",
        "P814",
        "MEDICARE",
        ["M17.11"],
        [line("27447", "2026-09-10", "2100.00", modifiers="66;RT")],
        place_of_service="21",
    )
    claim(
        b,
        "C8015",
        "P815",
        "MEDICARE",
        ["M17.11"],
        [line("27447", "2026-09-10", "2100.00", modifiers="RT")],
        place_of_service="21",
    )
    # MOD015 (warning): co-surgeons on a laparoscopic cholecystectomy, paid only with documentation.
    claim(
        b,
        "C8016",
        "P816",
        "MEDICARE",
        ["K80.20"],
        [line("47562", "2026-09-10", "1100.00", modifiers="62")],
        place_of_service="22",
    )


def anesthesia(b):
    # MOD016: anesthesia for a screening colonoscopy, 38 minutes, with only the physical status
    # modifier; C8018 carries the pricing modifier AA as well. MOD017: C8020 sends the time as 3
    # units (basis UN) instead of 38 minutes (MJ).
    claim(
        b,
        "C8017",
        "P817",
        "MEDICARE",
        ["Z12.11"],
        [line("00811", "2026-09-11", "380.00", modifiers="P2", units="38", unit_type="MJ")],
        place_of_service="22",
    )
    claim(
        b,
        "C8018",
        "P818",
        "MEDICARE",
        ["Z12.11"],
        [line("00811", "2026-09-11", "380.00", modifiers="AA;P2", units="38", unit_type="MJ")],
        place_of_service="22",
    )
    claim(
        b,
        "C8020",
        "P820",
        "MEDICARE",
        ["Z12.11"],
        [line("00811", "2026-09-11", "380.00", modifiers="AA;P2", units="3", unit_type="UN")],
        place_of_service="22",
    )
