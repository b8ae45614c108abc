"""The lines of the quota report (repykota, pkweb's report page): one per user, or per users
group, on each printer, read with a few paged searches whatever the number of users (the users'
quota entries decoded without ldap3: directory.fastsearch)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..directory import Directory, accounts, quotas
from ..model import Group, Printer, User
from .quota_report import Line
from .rule_quotas import user_quota_rows

if TYPE_CHECKING:
    from ..config import Config


def user_lines(d: Directory, users: dict[str, User], printers: list[Printer],
               config: Config | None = None) -> dict[str, list[Line]]:
    """config: its [sync] rules add the users' entries not written yet (rule_quotas)."""
    lines: dict[str, list[Line]] = {}
    if not users:
        return lines
    names = [p.name for p in printers]
    wanted = list(users) if len(users) <= 500 else None     # narrow the search unless it is everyone
    for q in user_quota_rows(d, config, wanted, names):
        user = users.get(q.user.lower())
        if user is None:
            continue
        lines.setdefault(q.printer.lower(), []).append(Line(
            name=user.name, limit_by=user.limit_by, used=q.page_counter, soft=q.soft_limit, hard=q.hard_limit,
            date_limit=q.date_limit, balance=user.balance, total=q.life_page_counter, paid=user.lifetime_paid,
            overcharge=user.overcharge, warn=q.warn_count))
    return lines


def group_lines(d: Directory, groups: dict[str, Group], printers: list[Printer]) -> dict[str, list[Line]]:
    lines: dict[str, list[Line]] = {}
    if not groups:
        return lines
    names = [p.name for p in printers]
    entries = [q for q in quotas.find_group_quotas(d, None, names) if q.group.lower() in groups]
    if not entries:
        return lines
    usage = quotas.page_usage_by_printer(d, sorted({q.printer for q in entries}))
    totals = accounts.account_totals(d)
    for q in entries:
        group = groups[q.group.lower()]
        pages = [usage.get((m.lower(), q.printer.lower()), (0, 0)) for m in group.members]
        money = [totals.get(m.lower(), (0, 0)) for m in group.members]
        # an entry with its own counter (kept by each member's charge) is the truth; older ones are summed
        used, total = (q.page_counter, q.life_page_counter) if q.counted else (sum(p for p, _ in pages),
                                                                                sum(lp for _, lp in pages))
        lines.setdefault(q.printer.lower(), []).append(Line(
            name=group.name, limit_by=group.limit_by, used=used, soft=q.soft_limit,
            hard=q.hard_limit, date_limit=q.date_limit, balance=sum(b for b, _ in money),
            total=total, paid=sum(p for _, p in money)))
    return lines
