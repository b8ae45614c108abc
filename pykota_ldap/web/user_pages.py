"""A user's pages: the account (quotas per printer and printer group, balance, recent jobs,
payments, pages per month), the price quote, and "why was job N refused".

Whose data a page shows is the session's user; `?user=` is honoured for admins only (anyone
else gets 403), so editing a URL or a form field never shows someone else's data. Names are
looked up by equality (directory.own), never as patterns.
"""
from __future__ import annotations

import heapq
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, abort, render_template, request, session

from .. import money
from ..backend.decide import limits_for
from ..cupsjobs import job_message
from ..directory import accounts, own, quotas
from ..directory import printers as printer_store
from ..model import Job, UserQuota
from ..quote import QuoteError, Verdict, printers_for, quote
from ..quote import count as count_pages
from ..report.quota_report import Line, flag_and_grace
from . import charts
from .context import _, directory, web

bp = Blueprint("user", __name__)
RECENT = 100
ASKED_OF_CUPS = 20          # the latest refused jobs whose reason is asked of CUPS (one IPP request each)
MONTHS = 12
PRINTED = ("ALLOW", "WARN")


def subject() -> str:
    """The user whose data the page shows."""
    asked = request.values.get("user", "").strip()
    if asked and asked.lower() != session["user"].lower():
        if not session.get("admin"):
            abort(403)
        return asked
    return session["user"]


def month_labels(now: datetime, count: int = MONTHS) -> list[str]:
    """'YYYY-MM' of the last `count` months, oldest first."""
    year, month = now.year, now.month
    labels = []
    for _step in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return labels[::-1]


def jobs_and_months(jobs: Any, labels: list[str]) -> tuple[list[Job], dict[str, int]]:
    """One pass over a user's jobs: the latest RECENT, and the pages printed per month."""
    pages: dict[str, int] = defaultdict(int)
    wanted = set(labels)

    def counted(job: Job) -> Job:
        month = f"{job.date:%Y-%m}"
        if month in wanted and job.action in PRINTED:
            pages[month] += job.size or 0
        return job

    latest = heapq.nlargest(RECENT, (counted(job) for job in jobs), key=lambda job: job.date)
    return latest, pages


def quota_rows(name: str, entries: list[UserQuota], user: Any, printers: dict) -> list[dict]:
    """The user's entries with repykota's flag and grace column."""
    now = datetime.now(timezone.utc)
    by_name = {p.name.lower(): p for p in printers.values()}
    rows = []
    for q in entries:
        printer = by_name.get(q.printer.lower())
        line = Line(name=name, limit_by=user.limit_by, used=q.page_counter, soft=q.soft_limit, hard=q.hard_limit,
                    date_limit=q.date_limit, balance=user.balance, total=q.life_page_counter, paid=user.lifetime_paid,
                    overcharge=user.overcharge, warn=q.warn_count)
        flag, grace = flag_and_grace(line, limits_for(web().config, q.printer), now)
        rows.append({"quota": q, "group": bool(printer and printer.is_group), "flag": flag, "grace": grace,
                     "used": q.page_counter})
    return rows


def group_rows(user: Any, printers: dict) -> list[dict]:
    """The quotas of the user's managed groups (what `repykota -g` shows a member): the members'
    pages on each printer, the group's limits and flag."""
    d = directory()
    groups = {g.name.lower(): g for g in accounts.user_groups(d, user, with_members=True)}
    now = datetime.now(timezone.utc)
    rows = []
    for q in sorted(quotas.group_quotas(d, [g.name for g in groups.values()], list(printers)),
                    key=lambda q: (q.group.lower(), q.printer.lower())):
        group = groups[q.group.lower()]
        used = quotas.group_page_usage(d, group.members, q.printer)
        balance = accounts.sum_balances(d, group.members) if group.limit_by == "balance" else 0
        line = Line(name=group.name, limit_by=group.limit_by, used=used, soft=q.soft_limit, hard=q.hard_limit,
                    date_limit=q.date_limit, balance=balance, total=0, paid=0)
        flag, grace = flag_and_grace(line, limits_for(web().config, q.printer), now)
        rows.append({"name": group.name, "quota": q, "flag": flag, "grace": grace, "used": used})
    return rows


@bp.route("/")
def account() -> Any:
    name = subject()
    d = directory()
    user = accounts.get_user(d, name)
    if user is None or not user.managed:
        abort(404)
    labels = month_labels(datetime.now(timezone.utc))
    jobs, pages = jobs_and_months(own.jobs_of(d, user.name), labels)
    chart = charts.stacked_columns(_("Pages per month"), [label[2:] for label in labels],
                                   {user.name: [pages.get(label, 0) for label in labels]})
    printers = printer_store.all_printers(d)
    refused = [job for job in jobs if job.action not in PRINTED][:ASKED_OF_CUPS]
    told = {job.dn: job_message(job.printer, int(job.job_id), owner=job.user) for job in refused
            if job.job_id.isascii() and job.job_id.isdigit()}
    return render_template("account.html", user=user, told=told,
                           quotas=quota_rows(user.name, own.quotas_of(d, user.name), user, printers),
                           groups=group_rows(user, printers), jobs=jobs, payments=own.payments_of(d, user.name),
                           chart=chart, money=money, viewing=user.name != session["user"])


def _upload() -> tuple[str, int] | str:
    """(file name, pages) of the uploaded file, or the message saying why there is none."""
    sent = request.files.get("document")
    if sent is None or not sent.filename:
        return _("Choose a file.")
    shown = "".join(ch for ch in sent.filename if ch.isprintable())[-80:] or "?"
    with tempfile.TemporaryFile() as spool:
        sent.save(spool)
        spool.seek(0)
        try:
            return shown, count_pages(spool, web().config)
        except QuoteError as exc:
            return _("This file cannot be priced: {reason}", reason=str(exc))


@bp.route("/quote", methods=["GET", "POST"])
def price_quote() -> Any:
    name = subject()
    d = directory()
    # the printers where the user may print: those a quote keeps (it leaves out the unmanaged)
    offered = [line.printer for line in quote(web().config, d, name, 1, printers_for(d, None)).printers]
    if request.method == "GET":
        return render_template("quote.html", printers=offered, chosen=offered)
    chosen = [p for p in request.form.getlist("printer") if p in offered] or offered
    # a few at a time: quotes sent at once must not hold every thread of the server for pdltimeout
    if not web().counting.acquire(blocking=False):
        return render_template("quote.html", printers=offered, chosen=chosen, error=_(
            "Too many quotes are being counted: try again in a minute.")), 503
    try:
        uploaded = _upload()
    finally:
        web().counting.release()
    if isinstance(uploaded, str):
        return render_template("quote.html", printers=offered, chosen=chosen, error=uploaded), 400
    filename, pages = uploaded
    result = quote(web().config, d, name, pages, chosen)
    return render_template("quote.html", printers=offered, chosen=chosen, filename=filename, pages=pages,
                           result=result, money=money, Verdict=Verdict)


@bp.route("/why")
def why() -> Any:
    """A job's record, what CUPS told its owner when it still has the job, and what the same job
    would be told now (the history keeps the verdict, not its reason)."""
    job_id = request.args.get("job", "").strip()
    if not job_id:
        return render_template("why.html", job_id="", jobs=[])
    if not (job_id.isascii() and job_id.isdigit()) or len(job_id) > 12:
        abort(400)
    only = None if session.get("admin") and not request.args.get("user") else subject()
    jobs = own.job_by_id(directory(), job_id, only)
    now = [quote(web().config, directory(), job.user, job.precomputed_size or job.size or 0, [job.printer],
                 keep_unmanaged=True).printers for job in jobs]
    told = [job_message(job.printer, int(job.job_id), owner=job.user) if job.action not in PRINTED else None
            for job in jobs]
    return render_template("why.html", job_id=job_id, jobs=list(zip(jobs, now, told, strict=True)), money=money)
