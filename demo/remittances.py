"""The payers' answers to some demo claims: two X12 835 files written from the demo batch's own rows.

`python demo/make_demo_batch.py` writes them to demo/remittances/ beside demo/batch/; `scrubber demo` (and
`scrubber remit demo/remittances --runs reports`) matches them to the demo run's findings. Each answer below
says what the payer did and which class the remittance report should give it. Money: a paid line is allowed
at 80% of its charge (CO-45 writes off the rest), and the patient owes 20% of the allowed amount (PR-2); a
denied line is adjusted in full with its CARC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

FIRST, SECOND = "2026-10-02", "2026-10-16"  # production and payment dates, after the demo run of 2026-09-14
FILING = {"MEDICARE": "MB", "MEDICAID_TX": "MC"}  # CLP06; commercial payers CI
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Answer:
    claim_id: str
    date: str
    lines: tuple[int, ...] | None = None  # the lines this payment covers (a split claim); None: all
    denied: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # line -> (group, CARC, remark)
    claim_denial: tuple[str, str] | None = None  # (group, CARC): the whole claim denied at claim level
    reverses: bool = False  # first reverse the payment of the earlier file, then pay again (a correction)
    allowed_share: Decimal = Decimal("0.80")
    note: str = ""


ANSWERS = [
    Answer("C1001", FIRST, note="paid: a clean claim"),
    Answer("C1004", SECOND, note="paid: a clean claim"),
    Answer("C1002", FIRST, lines=(1,), note="split: the visit paid in the first file"),
    Answer("C1002", SECOND, lines=(2,), note="split: the lab test paid in the second"),
    Answer("C1003", FIRST, allowed_share=Decimal("0.70"), note="paid, then reversed and paid again"),
    Answer("C1003", SECOND, reverses=True, note="reversal (CLP02 22) and correction of the first payment"),
    Answer("C1008", FIRST, claim_denial=("CO", "27"),
           note="predicted, sent anyway: ELIG001 (CO-27) open in the run, coverage had ended"),
    Answer("C1020", FIRST, denied={1: ("CO", "146", "M76")}, note="predicted, sent anyway: DX001 (CO-146)"),
    Answer("C2014", FIRST, denied={2: ("CO", "234", "M80")},
           note="predicted by family: PTP001 names CO-97, the payer sent CO-234 (bundling)"),
    Answer("C2018", SECOND, denied={1: ("CO", "50", "N115")}, note="predicted, sent anyway: NCD001 warned of CO-50"),
    Answer("C2028", FIRST, note="fired but paid in full: MOD009 warned, the payer paid"),
    Answer("C1010", FIRST, denied={1: ("CO", "50", "N115")}, note="not predicted: no finding on the claim"),
    Answer("C1013", SECOND, denied={1: ("OA", "22", "")},
           note="not predicted, and no rule names CARC 22 (coordination of benefits): the pack could grow"),
    Answer("C9001", SECOND, claim_denial=("CO", "31"), note="not scrubbed: a claim no run saw"),
]  # fmt: skip
UNSCRUBBED = {"C9001": ("AETNA", "M9001X", [("99213", "2026-09-04", Decimal("120.00"))])}


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):.2f}"


def _payment(answer: Answer, claim: dict, lines: list[dict], status: str, sign: int) -> tuple[list[str], Decimal]:
    """One CLP loop; sign -1 writes the reversal of the same payment (every amount negated)."""
    body, charged, paid, patient = [], Decimal(0), Decimal(0), Decimal(0)
    claim_denial = answer.claim_denial
    for line in lines:
        charge = Decimal(line["charge"])
        charged += charge
        if claim_denial:  # denied at claim level: the payer lists no service lines
            continue
        number = int(line["line_number"])
        if number in answer.denied:
            adjustments = [(*answer.denied[number][:2], charge)]
            line_paid, coinsurance = Decimal(0), Decimal(0)
        else:
            allowed = (charge * answer.allowed_share).quantize(CENT)
            coinsurance = (allowed * Decimal("0.20")).quantize(CENT)
            line_paid = allowed - coinsurance
            adjustments = [("CO", "45", charge - allowed), ("PR", "2", coinsurance)]
        code = ":".join(["HC", line["procedure_code"], *filter(None, line["modifiers"].split(";"))])
        body += [f"SVC*{code}*{_money(sign * charge)}*{_money(sign * line_paid)}**{line['units']}",
                 f"DTM*472*{line['service_date'].replace('-', '')}"]  # fmt: skip
        body += [f"CAS*{group}*{carc}*{_money(sign * amount)}" for group, carc, amount in adjustments]
        if number in answer.denied and answer.denied[number][2]:
            body.append(f"LQ*HE*{answer.denied[number][2]}")
        paid, patient = paid + line_paid, patient + coinsurance
    head = [
        f"CLP*{answer.claim_id}*{status}*{_money(sign * charged)}*{_money(sign * paid)}*{_money(sign * patient)}"
        f"*{FILING.get(claim['payer_id'], 'CI')}*{answer.claim_id}-PCN*11*1",
        f"NM1*QC*1*PATIENT*DEMO****MI*{claim['member_id']}",
    ]
    if claim_denial:
        head.append(f"CAS*{claim_denial[0]}*{claim_denial[1]}*{_money(sign * charged)}")
    return head + body, sign * paid


def _transactions(answers: list[Answer], claims: dict, lines: dict, paid_before: dict) -> list[list[str]]:
    """One ST..SE per payer: its header, then its claims."""
    by_payer: dict[str, list[str]] = {}
    totals: dict[str, Decimal] = {}
    for answer in answers:
        claim = claims[answer.claim_id]
        own = [
            line for line in lines[answer.claim_id] if answer.lines is None or int(line["line_number"]) in answer.lines
        ]
        loops = []
        if answer.reverses:
            earlier = paid_before[answer.claim_id]
            reversal, paid = _payment(earlier, claim, own, "22", -1)
            loops.append((reversal, paid))
        status = "4" if answer.claim_denial else "1"
        loops.append(_payment(answer, claim, own, status, 1))
        paid_before[answer.claim_id] = answer
        for segments, paid in loops:
            by_payer.setdefault(claim["payer_id"], []).extend(segments)
            totals[claim["payer_id"]] = totals.get(claim["payer_id"], Decimal(0)) + paid
    return [
        [*_header(payer, totals[payer], answers[0].date, n), *body]
        for n, (payer, body) in enumerate(by_payer.items(), 1)
    ]


def _header(payer: str, total: Decimal, date: str, n: int) -> list[str]:
    day = date.replace("-", "")
    method = "ACH" if total > 0 else "NON"
    return [
        f"BPR*I*{_money(total)}*C*{method}*CCP*01*999999999*DA*123456*1234567893**01*888888888*DA*654321*{day}",
        f"TRN*1*{payer[:4]}{day}{n}*1234567893", f"DTM*405*{day}",
        f"N1*PR*{payer}*XV*{payer}", "N1*PE*DEMO CLINIC*XX*1234567893", "LX*1",
    ]  # fmt: skip


def interchange(transactions: list[list[str]], date: str, control: int) -> str:
    day = date.replace("-", "")
    sets = []
    for n, body in enumerate(transactions, 1):
        segments = [f"ST*835*{n:04d}", *body]
        sets += [*segments, f"SE*{len(segments) + 1}*{n:04d}"]
    isa = (f"ISA*00*          *00*          *ZZ*PAYERS         *ZZ*DEMOCLINIC     *{day[2:]}*1200*^*00501*"
           f"{control:09d}*0*P*:")  # fmt: skip
    envelope = [isa, f"GS*HP*PAYERS*DEMOCLINIC*{day}*1200*{control}*X*005010X221A1", *sets,
                f"GE*{len(transactions)}*{control}", f"IEA*1*{control:09d}"]  # fmt: skip
    return "~\n".join(envelope) + "~\n"


def write(rows: dict[str, list[dict]], folder: Path) -> None:
    """Every answer's file, from the batch's claim and line rows (plus the one claim no run saw)."""
    claims = {c["claim_id"]: c for c in rows["claims"]}
    lines: dict[str, list[dict]] = {}
    for line in rows["claim_lines"]:
        lines.setdefault(line["claim_id"], []).append(line)
    for claim_id, (payer, member, services) in UNSCRUBBED.items():
        claims[claim_id] = {"claim_id": claim_id, "payer_id": payer, "member_id": member}
        lines[claim_id] = [
            {"line_number": n, "procedure_code": code, "modifiers": "", "units": "1", "charge": str(charge),
             "service_date": date} for n, (code, date, charge) in enumerate(services, 1)
        ]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    paid_before: dict[str, Answer] = {}
    for control, date in enumerate([FIRST, SECOND], 1):
        answers = [a for a in ANSWERS if a.date == date]
        text = interchange(_transactions(answers, claims, lines, paid_before), date, control)
        (folder / f"remittance-{date}.835").write_text(text, encoding="utf-8")
