"""From a snapshot of the directory, the rules and the clock, the list of changes to make.

Pure: no I/O. The plan holds only differences, so applying it to an up-to-date directory writes
nothing, and planning again after an interrupted run finds exactly what is left to do.

What is planned, per user matched by userfilter:
- not managed yet: attach pkAccount with the rule's limitby, the initial balance (and the first
  allocation when --allocate) as its starting balance, recorded as payments in the same step;
- quota entries missing on the sync printers: created with the rule's limits, only with
  `quotaentries: upfront` (by default the backend creates each at the user's first job there);
- with --update: limitby and limits that differ from the rule are set back to the rule's;
  without it they are only counted, since an admin may have changed them on purpose;
- with --allocate: the period's credit, once (the payment's name is the exactly-once key).
Quota entries of users no longer matched (deleted, or outside userfilter) are departures:
retired with --prune, reported otherwise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..directory.escaping import matches
from ..model import Payment, Printer, User, UserQuota
from .periods import period_of
from .rules import Allocation, Rule, SyncRules
from .snapshot import Snapshot


@dataclass(frozen=True)
class Options:
    update: bool = False
    prune: bool = False
    allocate: bool = False


@dataclass(frozen=True)
class PaymentSpec:
    name: str              # the entry's cn: unique, and for allocations the exactly-once key
    amount: int
    description: str


@dataclass(frozen=True)
class Attach:
    limit_by: str
    balance: int           # initial balance plus a first allocation
    payments: tuple[PaymentSpec, ...] = ()


@dataclass(frozen=True)
class QuotaAdd:
    printer: str
    soft_limit: int | None
    hard_limit: int | None


@dataclass(frozen=True)
class LimitChange:
    dn: str
    printer: str
    soft_limit: int | None
    hard_limit: int | None
    old_soft: int | None
    old_hard: int | None


@dataclass(frozen=True)
class Credit:
    amount: int
    cap: int | None        # the new balance must not pass it (checked again by the server)
    payment: PaymentSpec
    lifetime_paid: int     # pkLifeTimePaid when planned: the server checks it is unchanged
    resume: bool = False   # the payment was written by an interrupted run; only the credit is left


@dataclass
class UserChange:
    name: str
    dn: str
    rule: Rule
    attach: Attach | None = None
    limit_by: str | None = None          # new pkLimitBy (--update)
    old_limit_by: str | None = None
    quota_adds: list[QuotaAdd] = field(default_factory=list)
    limit_changes: list[LimitChange] = field(default_factory=list)
    credit: Credit | None = None

    @property
    def status(self) -> str:
        if self.attach is not None:
            return "added"
        if self.limit_by or self.quota_adds or self.limit_changes or self.credit:
            return "updated"
        return "unchanged"


@dataclass(frozen=True)
class Departure:
    user: str
    quotas: tuple[UserQuota, ...]


@dataclass
class Plan:
    now: datetime
    options: Options
    printers: list[str]
    groups_to_attach: list[tuple[str, str]] = field(default_factory=list)   # (name, dn)
    changes: list[UserChange] = field(default_factory=list)                 # users with something to do
    unchanged: int = 0
    departures: list[Departure] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)     # users whose values differ (no --update)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    @property
    def credits(self) -> list[UserChange]:
        return [c for c in self.changes if c.credit or (c.attach and any(
            p.name.startswith("allocation-") for p in c.attach.payments))]

    @property
    def writes_anything(self) -> bool:
        return bool(self.groups_to_attach or self.changes or (self.options.prune and self.departures))


# -- helpers -----------------------------------------------------------------------------------

def select_printers(patterns: tuple[str, ...], printers: dict[str, Printer]) -> list[str]:
    """Printers named by the patterns; a printer group brings its members (and theirs)."""
    by_lower = {name.lower(): name for name in printers}
    chosen: dict[str, str] = {}
    queue = [name for name in printers if any(matches(name, p) for p in patterns)]
    while queue:
        name = queue.pop()
        if name.lower() in chosen:
            continue
        chosen[name.lower()] = name
        queue.extend(by_lower[m.lower()] for m in printers[name].members if m.lower() in by_lower)
    return sorted(chosen.values(), key=str.lower)


def allocation_credit(balance: int, allocation: Allocation) -> int:
    """What the period gives: the amount, or less when the cap would be passed (never negative)."""
    if allocation.cap is None:
        return allocation.amount
    return max(0, min(allocation.amount, allocation.cap - balance))


def allocation_payment_name(user: str, kind: str, key: str) -> str:
    """User + period: a second credit for the same period collides on this entry name."""
    return f"allocation-{kind}-{key}-{user}"


def _memberships(snapshot: Snapshot, rules: SyncRules) -> dict[str, list[str]]:
    """Ruled group names of each user (lower-case user name)."""
    found: dict[str, list[str]] = {}
    for group in snapshot.groups:
        if group.name.lower() not in rules.groups:
            continue
        for member in group.members:
            found.setdefault(member.lower(), []).append(group.name)
    return found


# -- the plan ----------------------------------------------------------------------------------

def make_plan(snapshot: Snapshot, rules: SyncRules, now: datetime, options: Options = Options()) -> Plan:
    printers = select_printers(rules.printers, snapshot.printers)
    plan = Plan(now=now, options=options, printers=printers)
    if not printers:
        plan.warnings.append(f"printers: '{' '.join(rules.printers)}' names no printer in the directory: "
                             "no quota entries are made")
    _plan_groups(plan, snapshot, rules)

    quotas_by_user: dict[str, dict[str, UserQuota]] = {}
    for quota in snapshot.quotas:
        quotas_by_user.setdefault(quota.user.lower(), {})[quota.printer.lower()] = quota
    memberships = _memberships(snapshot, rules)
    paid = snapshot.payments

    seen: set[str] = set()
    for account in snapshot.accounts:
        key = account.name.lower()
        if key in seen:        # the same name twice under userbase: the first one wins
            plan.warnings.append(f"user {account.name} appears twice under userbase: {account.dn} ignored")
            continue
        seen.add(key)
        rule = rules.rule_for(memberships.get(key, []))
        change = _plan_user(account, rule, printers, quotas_by_user.get(key, {}), now, options, paid, plan,
                            add_quotas=rules.upfront)
        if change.status == "unchanged":
            plan.unchanged += 1
        else:
            plan.changes.append(change)

    for user_key, entries in sorted(quotas_by_user.items()):
        if user_key not in seen:
            quotas = tuple(sorted(entries.values(), key=lambda q: q.printer.lower()))
            plan.departures.append(Departure(quotas[0].user, quotas))
    return plan


def _plan_groups(plan: Plan, snapshot: Snapshot, rules: SyncRules) -> None:
    present = {g.name.lower() for g in snapshot.groups}
    for group in sorted(snapshot.groups, key=lambda g: g.name.lower()):
        if group.name.lower() in rules.groups and not group.managed:
            plan.groups_to_attach.append((group.name, group.dn))
    for key, rule in sorted(rules.groups.items()):
        if key not in present:
            plan.warnings.append(f"[sync:{rule.name}]: no group {rule.name} under groupbase: "
                                 "the rule applies to nobody")


def _plan_user(account: User, rule: Rule, printers: list[str], quotas: dict[str, UserQuota],
               now: datetime, options: Options, paid: dict[str, Payment], plan: Plan,
               add_quotas: bool = True) -> UserChange:
    change = UserChange(account.name, account.dn, rule)
    allocation = _due_allocation(account, rule, now, options)
    if account.managed:
        _plan_managed(change, account, options, allocation, paid, plan)
    else:
        change.attach = _plan_attach(account, rule, now, allocation, paid)
    _plan_quotas(change, printers, quotas, options, plan, add_quotas)
    return change


def _plan_attach(account: User, rule: Rule, now: datetime, allocation: DueAllocation | None,
                 paid: dict[str, Payment]) -> Attach:
    """pkAccount with the rule's limitby; its balance is the initial balance (and first allocation)."""
    payments: list[PaymentSpec] = []
    balance = rule.initial_balance
    if rule.initial_balance:
        # Named after the entry itself: an interrupted attach is redone under the same name.
        key = account.uuid or f"{now:%Y%m%d%H%M%S}"
        payments.append(PaymentSpec(f"initial-{account.name}-{key}", rule.initial_balance,
                                    f"initial balance (pksync rule {rule.label})"))
    if allocation:
        written = paid.get(allocation.name.lower())     # by an interrupted attach: same amount
        credit = written.amount if written else allocation_credit(balance, allocation.allocation)
        if credit:
            payments.append(PaymentSpec(allocation.name, credit, allocation.description))
            balance += credit
    return Attach(rule.limit_by, balance, tuple(payments))


def _plan_managed(change: UserChange, account: User, options: Options, allocation: DueAllocation | None,
                  paid: dict[str, Payment], plan: Plan) -> None:
    """An account that exists: limitby only with --update; this period's credit if still due."""
    rule = change.rule
    current = account.limit_by or "quota"
    if current != rule.limit_by:
        if options.update:
            change.limit_by, change.old_limit_by = rule.limit_by, current
        else:
            _note_differs(plan, account.name)
    if not allocation:
        return
    written = paid.get(allocation.name.lower())
    if written is None:
        credit = allocation_credit(account.balance, allocation.allocation)
        if credit:
            change.credit = Credit(credit, allocation.allocation.cap,
                                   PaymentSpec(allocation.name, credit, allocation.description),
                                   account.lifetime_paid)
    elif _unapplied(written, account):
        change.credit = Credit(written.amount, allocation.allocation.cap,
                               PaymentSpec(allocation.name, written.amount, allocation.description),
                               account.lifetime_paid, resume=True)


def _plan_quotas(change: UserChange, printers: list[str], quotas: dict[str, UserQuota], options: Options,
                 plan: Plan, add_missing: bool) -> None:
    """Missing entries are created (upfront); limits that differ are set back only with --update."""
    rule = change.rule
    for printer in printers:
        quota = quotas.get(printer.lower())
        if quota is None:
            if add_missing:
                change.quota_adds.append(QuotaAdd(printer, rule.soft_limit, rule.hard_limit))
        elif (quota.soft_limit, quota.hard_limit) != (rule.soft_limit, rule.hard_limit):
            if options.update:
                change.limit_changes.append(LimitChange(quota.dn, quota.printer, rule.soft_limit, rule.hard_limit,
                                                        quota.soft_limit, quota.hard_limit))
            else:
                _note_differs(plan, change.name)


def _note_differs(plan: Plan, name: str) -> None:
    if not plan.differing or plan.differing[-1] != name:
        plan.differing.append(name)


@dataclass(frozen=True)
class DueAllocation:
    allocation: Allocation
    name: str              # the payment entry's name: user + period
    description: str


def _due_allocation(account: User, rule: Rule, now: datetime, options: Options) -> DueAllocation | None:
    """This period's allocation for the user, if the rules give one and --allocate asks for it."""
    if not options.allocate or rule.allocation is None:
        return None
    period = period_of(rule.allocation.period, now)
    return DueAllocation(rule.allocation, allocation_payment_name(account.name, period.kind, period.key),
                         f"{period.label} (pksync rule {rule.label})")


_WITNESS = re.compile(r"lifetime paid before (-?\d+)$")


def _unapplied(payment: Payment, account: User) -> bool:
    """A credit whose payment was written but whose increment was not (a run stopped between the
    two): the payment says what pkLifeTimePaid was before, and it has not moved since."""
    match = _WITNESS.search(payment.description or "")
    return match is not None and payment.amount > 0 and int(match[1]) == account.lifetime_paid
