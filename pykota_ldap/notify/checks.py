"""warnpykota's rules (PyKota's), pure: who is over or near a limit, from what the directory holds.

- Only users who have printed are looked at: a page counter that is not 0 on the entry, or a
  balance above `balancezero` that differs from what was paid (the history is not searched).
- The decision is the backend's for a job of 0 pages; a quota entry between its limits starts
  its grace period, as in PyKota (the dates are returned, for the caller to store).
- Balance and noprint users are told once per run, quota users once per printer; with groups,
  each member of an offending group once per run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .. import money
from ..model import Action, GroupQuota, User, UserQuota
from ..policy import Limits, check_balance, check_pages
from .telling import Notice


@dataclass
class Findings:
    notices: list[Notice] = field(default_factory=list)
    grace_dates: list[tuple[str, datetime]] = field(default_factory=list)   # (quota dn, date to store)
    checked: int = 0


def _shown(value: object) -> str:
    return "None" if value is None else str(value)


def facts(user: User, counter: int | None = None, soft: int | None = None, hard: int | None = None,
          date_limit: datetime | None = None) -> dict[str, str]:
    return {"balance": money.format(user.balance), "pagecounter": _shown(counter), "softlimit": _shown(soft),
            "hardlimit": _shown(hard),
            "datelimit": date_limit.strftime("%Y-%m-%d %H:%M") if date_limit else "None"}


def has_printed(user: User, quota: UserQuota, limits: Limits) -> bool:
    return bool(quota.page_counter or quota.life_page_counter
                or (user.balance > limits.balance_zero and user.balance != user.lifetime_paid))


def user_findings(users: dict[str, User], entries: Iterable[UserQuota], limits_of: Callable[[str], Limits],
                  now: datetime) -> Findings:
    """users: by lower-case name; entries: their quota entries on the chosen printers."""
    found, told = Findings(), set()
    for quota in sorted(entries, key=lambda q: (q.user.lower(), q.printer.lower())):
        user = users.get(quota.user.lower())
        limits = limits_of(quota.printer)
        if user is None or not user.managed or not has_printed(user, quota, limits):
            continue
        found.checked += 1
        key = user.name.lower()
        if user.limit_by == "noprint":
            action, reason = Action.DENY, f"user {user.name} may not print"
        elif user.limit_by == "balance":
            action, reason = check_balance(user.balance, 0, limits)
        elif user.limit_by == "quota":
            action, reason, grace = check_pages(quota.page_counter, quota.soft_limit, quota.hard_limit,
                                                quota.date_limit, 0, limits, now)
            if grace is not None:
                found.grace_dates.append((quota.dn, grace))
                quota.date_limit = grace
            key = f"{key}@{quota.printer.lower()}"
        else:
            continue                                   # noquota, nochange: nothing to tell
        if action == Action.ALLOW or key in told:
            continue
        told.add(key)
        found.notices.append(Notice(str(action), user.name, quota.printer, reason, user.email,
                                    facts=facts(user, quota.page_counter, quota.soft_limit, quota.hard_limit,
                                                quota.date_limit), language=user.language))
    return found


@dataclass
class GroupState:
    """A group quota entry with what its members use: pages on the printer, or their balances."""

    quota: GroupQuota
    limit_by: str
    members: list[User]
    usage: int = 0                    # pages (quota groups) or balance sum in thousandths (balance groups)


def group_findings(states: Iterable[GroupState], limits_of: Callable[[str], Limits], now: datetime) -> Findings:
    found, told = Findings(), set()
    for state in sorted(states, key=lambda s: (s.quota.group.lower(), s.quota.printer.lower())):
        quota, limits = state.quota, limits_of(state.quota.printer)
        found.checked += 1
        if state.limit_by == "balance":
            action, reason = check_balance(state.usage, 0, limits)
        else:
            action, reason, grace = check_pages(state.usage, quota.soft_limit, quota.hard_limit, quota.date_limit, 0,
                                                limits, now)
            if grace is not None:
                found.grace_dates.append((quota.dn, grace))
        if action == Action.ALLOW:
            continue
        for member in state.members:
            if member.name.lower() in told:
                continue
            told.add(member.name.lower())
            found.notices.append(Notice(str(action), member.name, quota.printer, f"group {quota.group}: {reason}",
                                        member.email, facts=facts(member, state.usage, quota.soft_limit,
                                                                  quota.hard_limit, quota.date_limit),
                                        language=member.language))
    return found
