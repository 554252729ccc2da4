"""Global surgery package: visits, critical care and procedures by the surgeon's group in the days after
a procedure with a 010 or 090-day global period, each next to a clean claim that differs only in the
modifier the edit checks. Claims C4001-C4099, patients P401-P499, visits E4001-E4999. As of 2026-09-14.

A surgery billed in an earlier run catching tonight's visit needs two runs: tests/test_global_surgery.py."""

from scenarios.c_billing import document_billed_visits, line

PATIENTS = [
    ("P401", "1949-05-14", "F", "MEDICARE"),
    ("P402", "1951-10-02", "M", "MEDICARE"),
    ("P403", "1982-03-27", "M", "AETNA"),
    ("P404", "1979-12-08", "F", "AETNA"),
    ("P405", "1944-07-19", "M", "MEDICARE"),
    ("P406", "1946-01-30", "F", "MEDICARE"),
    ("P407", "1953-04-11", "F", "MEDICARE"),
    ("P408", "1950-08-22", "M", "MEDICARE"),
]


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    # GLB001: a visit for bronchitis 22 days after a knee replacement, without 24; P402's visit has it.
    for patient_id, first, modifiers in (("P401", 4001, ""), ("P402", 4003, "24")):
        b.claim(  # a knee replacement is a hospital inpatient operation: the surgeon bills it at POS 21
            f"C{first}",
            patient_id,
            "MEDICARE",
            ["M17.11"],
            [line("27447", "2026-08-10", "1650.00", modifiers="RT")],
            place_of_service="21",
        )
        b.claim(
            f"C{first + 1}",
            patient_id,
            "MEDICARE",
            ["J20.9"],
            [line("99213", "2026-09-01", "110.00", modifiers=modifiers)],
        )
    # GLB002: a visit with 25 (no procedure that day) five days after an abscess drainage (010 days); P404's has 24.
    for patient_id, first, modifiers in (("P403", 4005, "25"), ("P404", 4007, "24")):
        b.claim(f"C{first}", patient_id, "AETNA", ["L02.411"], [line("10060", "2026-09-03", "210.00")])
        b.claim(
            f"C{first + 1}",
            patient_id,
            "AETNA",
            ["J02.9"],
            [line("99213", "2026-09-08", "120.00", modifiers=modifiers)],
        )
    # GLB003: critical care for respiratory failure three days after a hip fracture repair, without FT.
    for patient_id, first, modifiers in (("P405", 4009, "24"), ("P406", 4011, "24;FT")):
        b.claim(
            f"C{first}",
            patient_id,
            "MEDICARE",
            ["S72.001A"],
            [line("27236", "2026-09-02", "1500.00", modifiers="RT")],
            place_of_service="21",
        )
        b.claim(
            f"C{first + 1}",
            patient_id,
            "MEDICARE",
            ["J96.01"],
            [line("99291", "2026-09-05", "280.00", modifiers=modifiers)],
            place_of_service="21",
        )
    # GLB004: the second eye's cataract operation two weeks after the first, without 79; P408's has it.
    for patient_id, first, modifiers in (("P407", 4013, "LT"), ("P408", 4015, "LT;79")):
        b.claim(
            f"C{first}",
            patient_id,
            "MEDICARE",
            ["H25.11"],
            [line("66984", "2026-08-24", "820.00", modifiers="RT")],
            place_of_service="24",
        )
        b.claim(
            f"C{first + 1}",
            patient_id,
            "MEDICARE",
            ["H25.12"],
            [line("66984", "2026-09-08", "820.00", modifiers=modifiers)],
            place_of_service="24",
        )
    # Runs after c_billing's visit export: document this file's claims the same way.
    document_billed_visits(
        b, skip={c["claim_id"] for c in b.rows["claims"] if not c["claim_id"].startswith("C40")}, first_number=4001
    )
