"""The claims' state as the team sees and changes it: the list views, a claim's page, its changes, the day's progress.

Every change writes a line of history (who, what, from, to, when); the day's progress is read from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Engine, and_, case, func, insert, select, update
from sqlalchemy.sql import Select

from scrubber.server.store import (
    CLEARED,
    DENIED,
    QUEUES,
    STATUSES,
    WORKING,
    claims,
    events,
    findings,
    lines,
    remit_claims,
    remittances,
    runs,
    users,
)

PAGE = 100
# Days left to file, as the fix list orders its claims (scrubber.report.cards.by_priority): the claims that can
# still be filed in time, closest deadline first, then those whose payer has no profile; then the ones past
# their deadline, most dollars first.
_PAST = case((claims.c.deadline < func.current_date(), 1), else_=0)
SORTS = {
    "deadline": (
        _PAST,
        case((_PAST == 0, claims.c.deadline)).asc().nulls_last(),
        claims.c.dollars.desc().nulls_last(),
        claims.c.id,
    ),
    "oldest": (claims.c.service_from.asc(), claims.c.dollars.desc(), claims.c.id),
    "dollars": (claims.c.dollars.desc(), claims.c.service_from.asc(), claims.c.id),
    "nights": (claims.c.nights_flagged.desc(), claims.c.service_from.asc(), claims.c.id),
}
VIEWS = ("all", "mine", "unassigned")
# What the denial queue shows of the remittance that put a claim there.
REMIT_SHOWN = ("outcome", "payment_date", "charge", "paid", "denied", "payer_claim_number", "carcs", "carc_text")
REMIT_SHOWN += ("remarks", "remark_text")
NOTE_LIMIT = 4000


class Tally(NamedTuple):
    key: str
    claims: int
    dollars: float


class ChangeError(ValueError):
    """A change the form asked for that cannot be made (an unknown status, a pend without a reason)."""


@dataclass(frozen=True)
class Filters:
    """What the list shows, read from the query string; unknown values fall back to the defaults."""

    view: str = "all"
    status: str = "working"  # working = open, in progress or pended
    payer: str = ""
    queue: str = ""
    sort: str = "deadline"
    page: int = 1

    @classmethod
    def read(cls, args) -> Filters:
        def choice(name, allowed, default):
            value = args.get(name, default)
            return value if value in allowed else default

        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        return cls(
            view=choice("view", VIEWS, "all"),
            status=choice("status", ("working", "any", *STATUSES), "working"),
            payer=args.get("payer", "")[:100],
            queue=choice("queue", QUEUES, ""),
            sort=choice("sort", SORTS, "deadline"),
            page=page,
        )

    def query(self, **changes) -> dict[str, str]:
        """The query string of this view with CHANGES (for links), without the defaults."""
        values = {**self.__dict__, **changes}
        defaults = Filters().__dict__
        return {k: str(v) for k, v in values.items() if v != defaults[k]}

    def where(self, me: int):
        conditions = []
        if self.view == "mine":
            conditions.append(claims.c.owner_id == me)
        elif self.view == "unassigned":
            conditions.append(claims.c.owner_id.is_(None))
        if self.status == "working":
            conditions.append(claims.c.status.in_(WORKING))
        elif self.status != "any":
            conditions.append(claims.c.status == self.status)
        if self.payer:
            conditions.append(claims.c.payer_id == self.payer)
        if self.queue:
            conditions.append(claims.c.needs_coder if self.queue == "coder" else claims.c.needs_biller)
        return and_(True, *conditions)


def worklist(engine: Engine, filters: Filters, me: int) -> dict:
    """One page of the claims in view, with how many claims and dollars the whole view holds."""
    where = filters.where(me)
    rows = (
        select(claims, users.c.name.label("owner"))
        .outerjoin(users, users.c.id == claims.c.owner_id)
        .where(where)
        .order_by(*SORTS[filters.sort])
        .limit(PAGE)
        .offset((filters.page - 1) * PAGE)
    )
    with engine.connect() as db:
        total, dollars = db.execute(_sum_where(where)).one()
        return {"rows": db.execute(rows).mappings().all(), "total": total, "dollars": dollars}


def breakdown(engine: Engine, me: int) -> dict:
    """Claims and dollars still to work by payer, by queue, mine and unassigned; and claims by status.

    One pass over the claims grouped by every key at once (a few hundred groups), summed here:
    at 50,000 claims that is one scan instead of six.
    """
    keys = [claims.c.payer_id, claims.c.status, claims.c.needs_coder, claims.c.needs_biller, claims.c.owner_id]
    query = select(*keys, func.count().label("claims"), func.coalesce(func.sum(claims.c.dollars), 0).label("dollars"))
    with engine.connect() as db:
        groups = db.execute(query.group_by(*keys)).all()
    payers: dict[str, list] = {}
    tallies = {name: [0, 0.0] for name in ("coder", "biller", "mine", "unassigned")}
    statuses: dict[str, int] = {}
    for group in groups:
        statuses[group.status] = statuses.get(group.status, 0) + group.claims
        if group.status not in WORKING:
            continue
        counted = [payers.setdefault(group.payer_id, [0, 0.0])]
        if group.needs_coder:
            counted.append(tallies["coder"])
        if group.needs_biller:
            counted.append(tallies["biller"])
        if group.owner_id == me:
            counted.append(tallies["mine"])
        elif group.owner_id is None:
            counted.append(tallies["unassigned"])
        for tally in counted:
            tally[0] += group.claims
            tally[1] += float(group.dollars)
    return {
        "payers": [Tally(payer, *payers[payer]) for payer in sorted(payers)],
        "queues": [Tally(queue, *tallies[queue]) for queue in QUEUES],
        "statuses": statuses,
        "mine": Tally("mine", *tallies["mine"]),
        "unassigned": Tally("unassigned", *tallies["unassigned"]),
    }


def _sum_where(where) -> Select:
    return select(func.count(), func.coalesce(func.sum(claims.c.dollars), 0)).where(where)


def claim_page(engine: Engine, pk: int) -> dict | None:
    with engine.connect() as db:
        claim = (
            db.execute(
                select(claims, users.c.name.label("owner"))
                .outerjoin(users, users.c.id == claims.c.owner_id)
                .where(claims.c.id == pk)
            )
            .mappings()
            .first()
        )
        if claim is None:
            return None
        history = (
            select(events, users.c.name.label("user"), runs.c.as_of.label("run_as_of"))
            .outerjoin(users, users.c.id == events.c.user_id)
            .outerjoin(runs, runs.c.id == events.c.run)
            .where(events.c.claim == pk)
            .order_by(events.c.at.desc(), events.c.id.desc())
        )
        found = (
            select(findings, runs.c.as_of.label("run_as_of"))
            .join(runs, runs.c.id == findings.c.run)
            .where(findings.c.claim == pk)
            .order_by(case((findings.c.severity == "error", 0), else_=1), findings.c.line_number, findings.c.rule_id)
        )
        return {
            "claim": claim,
            "lines": db.execute(select(lines).where(lines.c.claim == pk).order_by(lines.c.line_number))
            .mappings()
            .all(),
            "findings": db.execute(found).mappings().all(),
            "history": db.execute(history).mappings().all(),
            "remits": db.execute(
                select(remit_claims, remittances.c.file)
                .join(remittances, remittances.c.id == remit_claims.c.remittance)
                .where(remit_claims.c.claim == pk)
                .order_by(remit_claims.c.payment_date.desc(), remit_claims.c.id.desc())
            )
            .mappings()
            .all(),
        }


def denial_queue(engine: Engine, page: int) -> dict:
    """The claims the payers denied (in full, in part, or by a reversal), most denied dollars first, with the
    payer's codes and their texts from the remittance that put each one here."""
    where = claims.c.status == DENIED
    rows = (
        select(claims, users.c.name.label("owner"), *(remit_claims.c[name] for name in REMIT_SHOWN))
        .outerjoin(users, users.c.id == claims.c.owner_id)
        .outerjoin(remit_claims, remit_claims.c.id == claims.c.last_remit)
        .where(where)
        .order_by(claims.c.remit_denied.desc(), claims.c.remit_date.asc(), claims.c.id)
        .limit(PAGE)
        .offset((page - 1) * PAGE)
    )
    denied_total = select(func.count(), func.coalesce(func.sum(claims.c.remit_denied), 0)).where(where)
    unknown = select(func.count(func.distinct(remit_claims.c.claim_id))).where(
        remit_claims.c.claim.is_(None), remit_claims.c.outcome != "paid"
    )
    with engine.connect() as db:
        total, dollars = db.execute(denied_total).one()
        return {
            "rows": db.execute(rows).mappings().all(),
            "total": total,
            "dollars": dollars,
            "unknown": db.execute(unknown).scalar(),
        }


def remittance_page(engine: Engine) -> dict:
    """The remittance files applied, newest first, with their problems; and the claims they name that the
    worklist does not hold."""
    unknown = (
        select(remit_claims, remittances.c.file)
        .join(remittances, remittances.c.id == remit_claims.c.remittance)
        .where(remit_claims.c.claim.is_(None))
        .order_by(remit_claims.c.payment_date.desc(), remit_claims.c.claim_id)
        .limit(1000)
    )
    with engine.connect() as db:
        return {
            "files": db.execute(select(remittances).order_by(remittances.c.id.desc()).limit(200)).mappings().all(),
            "unknown": db.execute(unknown).mappings().all(),
        }


def set_status(engine: Engine, pk: int, user: int, status: str, reason: str = "", until: str = "") -> None:
    """Move a claim to STATUS; a pend needs a reason and the date to look at it again."""
    if status not in STATUSES:
        raise ChangeError(f"unknown status {status!r}")
    values = {"status": status, "pend_reason": None, "pend_until": None}
    detail = None
    if status == "pended":
        reason = reason.strip()[:NOTE_LIMIT]
        try:
            day = dt.date.fromisoformat(until)
        except ValueError:
            raise ChangeError("a pended claim needs the date to look at it again") from None
        if not reason:
            raise ChangeError("a pended claim needs a reason")
        values |= {"pend_reason": reason, "pend_until": day}
        detail = f"{reason} (until {day.isoformat()})"
    with engine.begin() as db:
        old = db.execute(select(claims.c.status, claims.c.dollars).where(claims.c.id == pk)).first()
        if old is None:
            raise ChangeError("no such claim")
        db.execute(update(claims).where(claims.c.id == pk).values(**values, updated_at=_now()))
        _event(db, pk, user, "status", old.status, status, detail, old.dollars)


def assign(engine: Engine, pks: list[int], owner: int | None, user: int) -> int:
    """Give claims to OWNER (None: nobody); returns how many changed hands."""
    changed = 0
    with engine.begin() as db:
        names = {row.id: row.name for row in db.execute(select(users.c.id, users.c.name))}
        active = set(db.execute(select(users.c.id).where(users.c.active)).scalars())
        if owner is not None and owner not in active:
            raise ChangeError("no such user")
        for row in db.execute(select(claims.c.id, claims.c.owner_id).where(claims.c.id.in_(pks))).all():
            if row.owner_id == owner:
                continue
            db.execute(update(claims).where(claims.c.id == row.id).values(owner_id=owner, updated_at=_now()))
            _event(db, row.id, user, "owner", names.get(row.owner_id), names.get(owner))
            changed += 1
    return changed


def add_note(engine: Engine, pk: int, user: int, text: str) -> None:
    text = text.strip()[:NOTE_LIMIT]
    if not text:
        raise ChangeError("an empty note")
    with engine.begin() as db:
        if db.execute(select(claims.c.id).where(claims.c.id == pk)).first() is None:
            raise ChangeError("no such claim")
        _event(db, pk, user, "note", None, None, text)


def _event(db, pk, user, what, old, new, detail=None, dollars=None) -> None:
    db.execute(
        insert(events).values(
            claim=pk, at=_now(), user_id=user, what=what, old=old, new=new, detail=detail, dollars=dollars
        )
    )


def progress(engine: Engine, day: dt.date) -> dict:
    """Who cleared what on DAY: the claims each person moved to fixed, sent or written off (once each), and dollars;
    and the denials each worked (claims moved out of the denial queue).

    The nightly import's own changes (scrubbed clean, no longer in the batch) are counted apart.
    """
    start = dt.datetime.combine(day, dt.time())
    cleared = (
        select(
            events.c.user_id,
            events.c.claim,
            func.max(events.c.dollars).label("dollars"),
        )
        .where(events.c.at >= start, events.c.at < start + dt.timedelta(days=1))
        .where(events.c.what == "status", events.c.new.in_(CLEARED))
        .group_by(events.c.user_id, events.c.claim)
        .subquery()
    )
    # A denial worked: a person moved a claim out of the denial queue (sent again, pended for an appeal, written off).
    worked = (
        select(events.c.user_id, func.count(func.distinct(events.c.claim)).label("denials"))
        .where(events.c.at >= start, events.c.at < start + dt.timedelta(days=1), events.c.user_id.is_not(None))
        .where(events.c.what == "status", events.c.old == DENIED, events.c.new != DENIED)
        .group_by(events.c.user_id)
        .subquery()
    )
    changes = (
        select(events.c.user_id, func.count().label("changes"))
        .where(events.c.at >= start, events.c.at < start + dt.timedelta(days=1), events.c.user_id.is_not(None))
        .group_by(events.c.user_id)
        .subquery()
    )
    per_user = (
        select(
            users.c.name,
            func.count(cleared.c.claim).label("claims"),
            func.coalesce(func.sum(cleared.c.dollars), 0).label("dollars"),
            func.coalesce(func.max(changes.c.changes), 0).label("changes"),
            func.coalesce(func.max(worked.c.denials), 0).label("denials"),
        )
        .select_from(users)
        .outerjoin(cleared, cleared.c.user_id == users.c.id)
        .outerjoin(changes, changes.c.user_id == users.c.id)
        .outerjoin(worked, worked.c.user_id == users.c.id)
        .group_by(users.c.name)
        .order_by(users.c.name)
    )
    by_import = select(func.count(cleared.c.claim), func.coalesce(func.sum(cleared.c.dollars), 0)).where(
        cleared.c.user_id.is_(None)
    )
    with engine.connect() as db:
        return {
            "people": db.execute(per_user).all(),
            "import": db.execute(by_import).one(),
            "runs": db.execute(select(runs).order_by(runs.c.as_of.desc(), runs.c.id.desc()).limit(10)).mappings().all(),
        }


def search(engine: Engine, claim_id: str) -> list[int]:
    """The claims (one per payer) with this claim id, ignoring case and spaces."""
    wanted = "".join(claim_id.split()).upper()
    with engine.connect() as db:
        return list(db.execute(select(claims.c.id).where(func.upper(claims.c.claim_id) == wanted)).scalars())


def user_choices(engine: Engine) -> list:
    with engine.connect() as db:
        return db.execute(select(users.c.id, users.c.name).where(users.c.active).order_by(users.c.name)).all()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
