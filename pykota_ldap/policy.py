"""The quota decision and the job price: pure functions, no I/O.

Semantics follow PyKota's quota checks, with its bugs fixed:
- a printer max job size of 0 refuses every job (PyKota ignored it);
- a WARN from a group is kept when a balance user's own check allows;
- strict enforcement lets a job use the limit exactly: it is refused only when the pages
  (or credits) after the job would go beyond the limit.

Limits, in one sentence each:
- laxist: a job is judged on the usage before it, so the last job may overshoot;
- strict: a job is judged on the usage after it (precomputed size or price added).
The reasons users read say the same: the usage before (laxist), what the job would do (strict).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import money
from .model import Action, GroupQuota, Printer, User, UserQuota

_SEVERITY = {Action.ALLOW: 0, Action.WARN: 1, Action.DENY: 2}


@dataclass(frozen=True)
class Decision:
    action: Action                    # ALLOW, WARN or DENY
    reason: str
    charge: bool = True               # False: print without counting nor charging
    grace_dates: tuple[tuple[str, datetime], ...] = field(default=())  # (quota dn, date) to store

    @property
    def allowed(self) -> bool:
        return self.action != Action.DENY


@dataclass(frozen=True)
class Limits:
    """Settings from the configuration that the decision needs (per printer)."""

    strict: bool = False              # enforcement: strict
    grace_delay_days: int = 7         # gracedelay
    balance_zero: int = 0             # balancezero, thousandths
    poor_man: int = 1000              # poorman, thousandths


def worst(*actions: Action) -> Action:
    return max(actions, key=_SEVERITY.__getitem__) if actions else Action.ALLOW


# -- pages ---------------------------------------------------------------------------------------

def check_pages(counter: int, soft: int | None, hard: int | None, date_limit: datetime | None,
                job_size: int, limits: Limits, now: datetime) -> tuple[Action, str, datetime | None]:
    """One page quota. Returns (action, reason, grace date to store or None).

    The reason says what the decision looked at: under strict enforcement where the job would
    take the user ("this 8-page job would bring you to 19 of your 15 pages"), under laxist the
    usage before it ("hard limit of 15 pages reached (15 used)")."""
    used = counter + job_size if limits.strict else counter

    def over(limit: int) -> bool:
        return used > limit if limits.strict else used >= limit

    def beyond(limit: int, laxist: str, would: str = "would bring") -> str:
        return f"this {job_size}-page job {would} you to {used} of your {limit} pages" if limits.strict else laxist

    if soft is None and hard is None:
        return Action.ALLOW, "no page limit", None
    if hard is not None and over(hard):
        return Action.DENY, beyond(hard, f"hard limit of {hard} pages reached ({counter} used)"), None
    if soft is None:
        return Action.ALLOW, f"{counter} of {hard} pages used", None
    if not over(soft):
        return Action.ALLOW, f"{counter} of {soft} pages used", None
    if hard is None or hard <= soft:
        # A soft limit alone (or above the hard one) acts as a hard limit: no grace.
        return Action.DENY, beyond(soft, f"page limit of {soft} reached ({counter} used)"), None
    # Between the soft and the hard limit: the grace period.
    new_date = None
    if date_limit is None:
        date_limit = new_date = now + timedelta(days=limits.grace_delay_days)
    if now < date_limit:
        passed = beyond(soft, f"soft limit of {soft} pages passed ({counter} used)", would="brings")
        return Action.WARN, f"{passed}; grace until {date_limit:%Y-%m-%d %H:%M} UTC", new_date
    ended = beyond(soft, f"soft limit of {soft} pages passed and the grace period ended ({counter} used)")
    return Action.DENY, (f"{ended} and the grace period ended" if limits.strict else ended), new_date


# -- money ---------------------------------------------------------------------------------------

def job_price(job_size: int, printers: list[Printer], overcharge: int) -> int:
    """Price in thousandths: per job plus per page on the printer and each printer group above it
    that counts for the user, times the user's overcharge factor. A 0-page job costs nothing."""
    if job_size <= 0 or overcharge == 0:
        return 0
    base = sum(p.price_per_job + job_size * p.price_per_page for p in printers)
    return money.scale(base, overcharge)


# What each colour space's letters mean, for the coefficient_<colour> keys (PyKota's names).
INK_NAMES = {"cmyk": {"C": "cyan", "M": "magenta", "Y": "yellow", "K": "black"},
             "cmy": {"C": "cyan", "M": "magenta", "Y": "yellow"},
             "rgb": {"R": "red", "G": "green", "B": "blue"},
             "bw": {"B": "black", "W": "white"},
             "gc": {"G": "grayscale", "C": "colored"}}


def ink_job_price(job_size: int, coverage: list[dict[str, float]], printers: list[Printer], overcharge: int,
                  coefficients: dict[str, dict[str, float]]) -> int:
    """PyKota's price with ink accounting: per job, plus for each page the sum over its inks of
    coefficient x price per page x coverage / 100 (coverage[i]: ink name -> percent; a page
    without a coverage pays the plain price per page; coefficients: printer -> ink -> factor,
    1.0 when missing), on the printer and each printer group above it, times the overcharge."""
    if job_size <= 0 or overcharge == 0:
        return 0
    total = 0.0
    for printer in printers:
        factors = coefficients.get(printer.name, {})
        total += printer.price_per_job
        for page in range(job_size):
            if page >= len(coverage):
                total += printer.price_per_page
                continue
            total += sum(factors.get(ink, 1.0) * printer.price_per_page * percent / 100
                         for ink, percent in coverage[page].items())
    return money.scale(round(total), overcharge)


def check_balance(balance: int, price: int, limits: Limits) -> tuple[Action, str]:
    left = balance - price if limits.strict else balance
    shown = money.format(balance)
    if limits.strict:
        if left < limits.balance_zero:
            return Action.DENY, f"balance {shown} is too low for this job (price {money.format(price)})"
        if left == limits.balance_zero:
            return Action.WARN, f"this job uses up the balance ({shown})"
    elif left <= limits.balance_zero:
        return Action.DENY, f"balance {shown} is used up"
    if left <= limits.poor_man:
        return Action.WARN, f"balance is low: {shown}"
    return Action.ALLOW, f"balance {shown}"


# -- the whole decision --------------------------------------------------------------------------

@dataclass
class GroupState:
    """A group of the user with its quota entries on the printer (and printer groups above it)."""

    limit_by: str
    quotas: list[GroupQuota]          # page_counter filled with the members' sum
    balance: int = 0                  # sum of the members' balances (balance groups)
    name: str = ""


def decide(user: User, printer: Printer, user_quotas: list[UserQuota], groups: list[GroupState],
           job_size: int, price: int, limits: Limits, now: datetime) -> Decision:
    """Whether a job of job_size pages (price in thousandths) may print.

    user_quotas: the user's entries on this printer and on the printer groups above it (the
    caller has applied `policy` when the entry on the printer itself is missing).
    """
    decided = _before_limits(user, printer, user_quotas, job_size)
    if decided:
        return decided
    found = _Findings()
    denied = _check_groups(groups, job_size, price, limits, now, found)
    if denied:
        return denied
    _check_user(user, printer, user_quotas, job_size, price, limits, now, found)
    final = worst(*found.actions)
    if final == Action.ALLOW:
        return Decision(Action.ALLOW, found.reasons[-1] if found.reasons else "allowed", grace_dates=tuple(found.grace))
    chosen = [r for a, r in zip(found.actions, found.reasons, strict=True) if a == final]
    return Decision(final, "; ".join(chosen), grace_dates=tuple(found.grace))


@dataclass
class _Findings:
    """The checks made so far: an action and its reason each, and the grace dates to store."""

    actions: list[Action] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    grace: list[tuple[str, datetime]] = field(default_factory=list)

    def add(self, action: Action, reason: str) -> None:
        self.actions.append(action)
        self.reasons.append(reason)

    def pages(self, quota: UserQuota | GroupQuota, job_size: int, limits: Limits, now: datetime) -> tuple[Action, str]:
        """check_pages on a quota entry; the grace period it starts is kept to be stored."""
        action, reason, new_date = check_pages(quota.page_counter, quota.soft_limit, quota.hard_limit,
                                               quota.date_limit, job_size, limits, now)
        if new_date:
            self.grace.append((quota.dn, new_date))
        return action, reason


def _before_limits(user: User, printer: Printer, user_quotas: list[UserQuota], job_size: int) -> Decision | None:
    """What is decided before any limit is looked at: passthrough, noprint, job sizes, no limits."""
    if printer.passthrough:
        return Decision(Action.ALLOW, f"printer {printer.name} is in passthrough mode", charge=False)
    if user.limit_by == "noprint":
        return Decision(Action.DENY, f"user {user.name} may not print")
    if printer.max_job_size is not None and job_size > printer.max_job_size:
        return Decision(Action.DENY, f"job of {job_size} pages is larger than the {printer.max_job_size} allowed "
                                     f"on {printer.name}")
    for quota in user_quotas:
        if quota.max_job_size is not None and job_size > quota.max_job_size:
            return Decision(Action.DENY, f"job of {job_size} pages is larger than the {quota.max_job_size} allowed "
                                         f"for {user.name} on {quota.printer}")
    if user.limit_by == "nochange":
        return Decision(Action.ALLOW, "not counted (nochange)", charge=False)
    if user.limit_by == "noquota":
        return Decision(Action.ALLOW, "no limit (noquota)")
    return None


def _check_groups(groups: list[GroupState], job_size: int, price: int, limits: Limits, now: datetime,
                  found: _Findings) -> Decision | None:
    """The user's groups' limits: the first one that denies decides; warnings are kept."""
    for group in groups:
        if group.limit_by == "noquota":
            continue
        for quota in group.quotas:
            if group.limit_by == "balance":
                action, reason = check_balance(group.balance, price, limits)
            else:
                action, reason = found.pages(quota, job_size, limits, now)
            if action == Action.DENY:
                return Decision(Action.DENY, f"group {quota.group} on {quota.printer}: {reason}",
                                grace_dates=tuple(found.grace))
            if action == Action.WARN:
                found.add(Action.WARN, f"group {quota.group} on {quota.printer}: {reason}")
    return None


def _check_user(user: User, printer: Printer, user_quotas: list[UserQuota], job_size: int, price: int,
                limits: Limits, now: datetime, found: _Findings) -> None:
    """The user's own limit: the balance, or the page quota on each printer of the chain."""
    if user.limit_by == "balance":
        if user.overcharge == 0:
            found.add(Action.ALLOW, "free for this user (overcharge 0)")
        else:
            found.add(*check_balance(user.balance, price, limits))
        return
    for quota in user_quotas:
        action, reason = found.pages(quota, job_size, limits, now)
        found.add(action, f"{quota.printer}: {reason}" if quota.printer != printer.name else reason)


def printer_ancestors(name: str, printers: dict[str, Printer]) -> list[str]:
    """Printer groups above a printer, nearest first, each once (cycles are cut)."""
    parents: dict[str, list[str]] = {}
    for group in printers.values():
        for member in group.members:
            parents.setdefault(member.lower(), []).append(group.name)
    seen, order, queue = {name.lower()}, [], [name]
    while queue:
        current = queue.pop(0)
        for parent in parents.get(current.lower(), []):
            if parent.lower() not in seen:
                seen.add(parent.lower())
                order.append(parent)
                queue.append(parent)
    return order
