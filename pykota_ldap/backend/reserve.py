"""Strict enforcement under concurrency: what a job will use, counted at admission.

A quota user's precomputed pages go on each limited quota entry, a balance user's precomputed
price comes off the balance (floor: balancezero), each guarded by the limit in the same
server-side step (history.reserve), so the same user printing on several queues at once cannot
pass a limit. The difference is settled by the charge after printing.

Before the first write the job's journal holds R0, "give the reservation back": every path that
does not print applies it (or a replay does, if the backend dies), and the reservation marks make
that happen once, also when a reservation's answer was lost and it was asked again, or when the
giving back was cut off half-way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..directory import AssertionFailed, history
from ..model import Action
from .decide import limits_for, page_cap

if TYPE_CHECKING:
    from .job import Decided


def reserve(decided: Decided) -> None:
    """Count what the job will use now (strict enforcement only); the verdict turns to DENY when
    another job of the user took the room meanwhile."""
    from .charge import give_back
    verdict, size, d = decided.verdict, decided.size, decided.directory
    limits = limits_for(decided.setup.config, decided.job.printer)
    user, context = verdict.user, verdict.context
    if not (limits.strict and verdict.prints and verdict.charge) or user is None or context is None:
        return
    caps = {q.dn: (q, cap) for q in context.user_quotas if (cap := page_cap(q)) is not None}
    pages = {dn: size for dn in caps} if user.limit_by == "quota" and size > 0 else {}
    price = verdict.price if user.limit_by == "balance" and verdict.price > 0 and user.overcharge != 0 else 0
    if not pages and not price:
        return
    verdict.reserved_pages, verdict.reserved = pages, price
    undo = give_back(decided, Action.CANCEL)
    decided.journal.record(undo)                                       # R0, before the first write
    mark = history.charge_mark(undo.job, decided.name)
    for dn in pages:
        quota, cap = caps[dn]
        assert cap is not None
        try:
            history.reserve(d, dn, {"pkPageCounter": size}, f"(pkPageCounter<={cap - size})", mark)
        except AssertionFailed:
            verdict.action = Action.DENY
            verdict.reason = (f"{quota.printer}: this {size}-page job would pass the limit of {cap} pages "
                              f"(other jobs of {user.name} are printing)")
            return
    if price:
        try:
            history.reserve(d, user.dn, {"pkBalance": -price}, f"(pkBalance>={limits.balance_zero + price})", mark)
        except AssertionFailed:
            verdict.action = Action.DENY
            verdict.reason = (f"balance too low for this job (price {price / 1000:.2f}); other jobs of "
                              f"{user.name} are being charged")
