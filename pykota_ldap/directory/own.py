"""One user's own data, found by the exact name (pkweb's user pages).

The other readers take shell patterns, as the commands do; here a name is only ever an equality
assertion (escaped, RFC 4515), so a user whose name holds `*` or `?` sees their own entries and
nobody else's.
"""
from __future__ import annotations

import heapq
from typing import Iterator

from ..model import Job, Payment, UserQuota
from . import escaping as esc
from .core import Directory
from .records import JOB_ATTRS, PAYMENT_ATTRS, USER_QUOTA_ATTRS, job_from, payment_from, user_quota_from


def quotas_of(d: Directory, user: str) -> list[UserQuota]:
    """The user's quota entries on every printer and printer group, by printer name."""
    flt = esc.all_of("(objectClass=pkUserQuota)", esc.eq("pkUserName", user))
    found = [user_quota_from(dn, e) for dn, e in d.search_paged(d.settings.userquotabase, flt, USER_QUOTA_ATTRS)]
    return sorted(found, key=lambda q: q.printer.lower())


def jobs_of(d: Directory, user: str) -> Iterator[Job]:
    """Every job of the user, in the directory's order (streamed)."""
    flt = esc.all_of("(objectClass=pkJob)", esc.eq("pkUserName", user))
    for dn, entry in d.search_paged(d.settings.jobbase, flt, JOB_ATTRS):
        yield job_from(dn, entry)


def recent_jobs(d: Directory, user: str, count: int) -> list[Job]:
    """The user's `count` latest jobs, newest first (memory: `count` jobs)."""
    return heapq.nlargest(count, jobs_of(d, user), key=lambda job: job.date)


def job_by_id(d: Directory, job_id: str, user: str | None = None) -> list[Job]:
    """The jobs with this CUPS job id (one per printer it was sent to), only the user's when given."""
    parts = ["(objectClass=pkJob)", esc.eq("pkJobId", job_id)] + ([esc.eq("pkUserName", user)] if user else [])
    found = [job_from(dn, e) for dn, e in d.search(d.settings.jobbase, esc.all_of(*parts), JOB_ATTRS)]
    return sorted(found, key=lambda job: job.date, reverse=True)


def payments_of(d: Directory, user: str) -> list[Payment]:
    """The user's payments, newest first."""
    flt = esc.all_of("(objectClass=pkPayment)", esc.eq("pkUserName", user))
    found = [payment_from(dn, e) for dn, e in d.search_paged(d.settings.paymentbase, flt, PAYMENT_ATTRS)]
    return sorted(found, key=lambda p: p.date, reverse=True)
