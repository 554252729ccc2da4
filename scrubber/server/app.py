"""The worklist's web application: Flask, served by waitress (see serve()).

Safe by default for patient data: pages only for a logged-in user, a CSRF token on every change,
a Content-Security-Policy as strict as the static fix list's (no script at all here), nothing
cached by the browser, and log lines that carry the route's template, never a claim or patient id
or a query string. URLs name a claim by its row number in the database, not by its claim id, so a
reverse proxy's own access log carries no claim id either.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from pathlib import Path

from flask import Flask, abort, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup
from sqlalchemy import Engine, select

from scrubber.report.fix_list import csp_hash
from scrubber.server import claims as work
from scrubber.server.auth import check_login, csrf_ok, csrf_token, end_sessions, session_secret
from scrubber.server.runs import RunWatcher
from scrubber.server.store import STATUS_LABELS, STATUSES, users

LOG = logging.getLogger("scrubber.serve")
HERE = Path(__file__).parent
OPEN_ENDPOINTS = {"login", "login_form"}
SESSION_HOURS = 12


class WorklistApp(Flask):
    def select_jinja_autoescape(self, filename: str) -> bool:
        """Escape every page: Flask escapes only names ending in .html, and ours end in .html.j2. Claim ids,
        notes and remittance texts come from outside (a payer's 835, a colleague's note)."""
        return True

    def log_exception(self, exc_info) -> None:
        """Where it failed, without the exception's text: a database error's text quotes the claim's values."""
        kind, _value, tb = exc_info
        rule = request.url_rule.rule if request.url_rule else "<unmatched>"
        where = "".join(traceback.format_tb(tb))
        LOG.error("unhandled %s in %s %s\n%s", kind.__name__, request.method, rule, where)


def create_app(
    engine: Engine,
    reports: Path,
    watch_every: float = 5.0,
    secure_cookies: bool = False,
    remittances: Path | None = None,
) -> Flask:
    app = WorklistApp(__name__, template_folder=str(HERE / "templates"), static_folder=None)
    app.secret_key = session_secret(engine)
    app.config.update(
        SESSION_COOKIE_NAME="scrubber_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    style = (HERE / "templates" / "serve.css").read_text(encoding="utf-8")
    # The static fix list's policy, with forms allowed to post back here and no framing.
    csp = (
        f"default-src 'none'; style-src {csp_hash(style)}; img-src data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    watcher = RunWatcher(engine, reports, watch_every, remittances)
    app.extensions["scrubber"] = {"engine": engine, "watcher": watcher}

    @app.context_processor
    def page_globals():
        return {
            "style": Markup(style),
            "csrf": csrf_token(session),
            "me": g.get("user"),
            "labels": STATUS_LABELS,
            "statuses": STATUSES,
            "money": _money,
            "today": dt.date.today(),
            "importing": watcher.importing,
        }

    @app.before_request
    def guard():
        g.started = time.perf_counter()
        user = session.get("user")
        if user is not None:
            query = select(users.c.id, users.c.name).where(
                users.c.id == user, users.c.active, users.c.session_epoch == session.get("epoch", -1)
            )
            with engine.connect() as db:
                row = db.execute(query).first()
            if row is None:
                session.clear()  # the account was removed, or logged out everywhere since this cookie was signed
            else:
                g.user = row
        if request.method != "GET" and not csrf_ok(session, request.form.get("csrf_token")):
            abort(403)
        if request.endpoint not in OPEN_ENDPOINTS and "user" not in g:
            if request.method == "GET":
                return redirect(url_for("login_form"))
            abort(403)
        if "user" in g:
            watcher.check_soon()
        return None

    @app.after_request
    def headers_and_log(response):
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"  # pages name patients: never kept on disk by the browser
        rule = request.url_rule.rule if request.url_rule else "<unmatched>"
        took = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        LOG.info("%s %s %s %.1fms", request.method, rule, response.status_code, took)
        return response

    @app.get("/login")
    def login_form():
        return render_template("login.html.j2")

    @app.post("/login")
    def login():
        name = request.form.get("name", "")
        user = check_login(engine, name, request.form.get("password", ""))
        if user is None:
            flash("Wrong name or password.")
            return redirect(url_for("login_form"), 303)
        session.clear()  # a fresh session (and CSRF token) for the logged-in user
        session.permanent = True
        session["user"], session["epoch"] = user.id, user.session_epoch
        return redirect(url_for("worklist"), 303)

    @app.post("/logout")
    def logout():
        end_sessions(engine, g.user.id)  # a copy of the cookie elsewhere stops working too
        session.clear()
        return redirect(url_for("login_form"), 303)

    @app.get("/")
    def worklist():
        filters = work.Filters.read(request.args)
        page = work.worklist(engine, filters, g.user.id)
        return render_template(
            "worklist.html.j2",
            filters=filters,
            page=page,
            pages=max(1, -(-page["total"] // work.PAGE)),
            first=(filters.page - 1) * work.PAGE,
            breakdown=work.breakdown(engine, g.user.id),
            people=work.user_choices(engine),
        )

    @app.post("/assign")
    def assign():
        filters = work.Filters.read(request.form)
        chosen = [int(pk) for pk in request.form.getlist("claim") if pk.isdigit()]
        if not chosen:
            flash("Tick the claims to assign first.")
        else:
            changed = _changing(lambda: work.assign(engine, chosen, _owner(request.form.get("owner", "")), g.user.id))
            if changed is not None:
                flash(f"{changed} of {len(chosen)} claims assigned.")
        return redirect(url_for("worklist", **filters.query()), 303)

    @app.get("/claims/<int:pk>")
    def claim(pk: int):
        shown = work.claim_page(engine, pk)
        if shown is None:
            abort(404)
        return render_template("claim.html.j2", people=work.user_choices(engine), **shown)

    @app.post("/claims/<int:pk>/status")
    def claim_status(pk: int):
        form = request.form
        _changing(
            lambda: work.set_status(
                engine, pk, g.user.id, form.get("status", ""), form.get("reason", ""), form.get("until", "")
            )
        )
        return redirect(url_for("claim", pk=pk), 303)

    @app.post("/claims/<int:pk>/owner")
    def claim_owner(pk: int):
        _changing(lambda: work.assign(engine, [pk], _owner(request.form.get("owner", "")), g.user.id))
        return redirect(url_for("claim", pk=pk), 303)

    @app.post("/claims/<int:pk>/note")
    def claim_note(pk: int):
        _changing(lambda: work.add_note(engine, pk, g.user.id, request.form.get("note", "")))
        return redirect(url_for("claim", pk=pk), 303)

    @app.post("/search")
    def search():
        # A POST, so the claim id never sits in a URL (a proxy's access log, the browser's history).
        found = work.search(engine, request.form.get("claim_id", ""))
        if len(found) == 1:
            return redirect(url_for("claim", pk=found[0]), 303)
        flash("No claim with that id." if not found else "That claim id is on several payers' claims: pick one.")
        return redirect(url_for("worklist", status="any") if found else url_for("worklist"), 303)

    @app.get("/denials")
    def denials():
        page = work.Filters.read(request.args).page
        queue = work.denial_queue(engine, page)
        return render_template(
            "denials.html.j2",
            queue=queue,
            page=page,
            first=(page - 1) * work.PAGE,
            pages=max(1, -(-queue["total"] // work.PAGE)),
            watched=remittances,
        )

    @app.get("/remittances")
    def remittance_files():
        return render_template("remittances.html.j2", watched=remittances, **work.remittance_page(engine))

    @app.get("/progress")
    def progress():
        day = _day(request.args.get("day"))
        return render_template("progress.html.j2", day=day, **work.progress(engine, day))

    return app


def _changing(change):
    """Run a change a form asked for; a refused one is said on the next page."""
    try:
        return change()
    except work.ChangeError as refused:
        flash(f"Not changed: {refused}.")
        return None


def _owner(value: str) -> int | None:
    if value == "":
        return None
    if value == "me":
        return g.user.id
    if not value.isdigit():
        raise work.ChangeError("no such user")
    return int(value)


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        return dt.date.today()


def _money(value) -> str:
    return "—" if value is None else f"${float(value):,.2f}"


def serve(
    engine: Engine,
    reports: Path,
    host: str,
    port: int,
    secure_cookies: bool = False,
    check_every: float = 5.0,
    remittances: Path | None = None,
) -> None:
    """Serve until stopped, with waitress: a production WSGI server in pure Python (no compiled parts)."""
    from waitress import serve as waitress_serve

    app = create_app(engine, reports, check_every, secure_cookies, remittances)
    app.extensions["scrubber"]["watcher"].check()  # the newest runs and remittances are in before the first page
    LOG.info("serving the worklist on http://%s:%d/ (reports: %s)", host, port, reports)
    waitress_serve(app, host=host, port=port, threads=8, ident="scrubber")
