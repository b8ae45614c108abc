"""What is still to write: the Site against the directory's State.

One rule, which makes a run idempotent and a cut-off run finishable: what the directory lacks is
written whole (each entry, or each attach of pkAccount/pkGroup with its values, is ONE LDAP
operation, so it is there completely or not at all); what it has already is never overwritten, and
where it differs from PyKota the difference is listed. Balances and counters are thus never
written twice, even if the backend charged a migrated user between two runs.

People are never invented: a PyKota user without an entry under userbase is listed, and only
--create-missing (with `newuser: below`) makes one. Their jobs and payments, records of the past,
move all the same; their account and quota entries do not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..directory import Directory
from ..directory.accounts import account_values, attach_class
from ..directory.core import Writer
from ..directory.quotas import group_quota_dn, user_quota_dn
from ..directory.records import job_attributes, to_time
from ..model import BillingCode, Group, GroupQuota, Job, Payment, Printer, User, UserQuota
from .compare import differences
from .site import Site
from .state import State

# What pkusers --add and pkgroups --add refuse in a new name (cli.admin's CREATE_FORBIDDEN, which
# this layer may not import): a name PyKota accepted is never created with them either.
NOT_IN_NEW_NAMES = set("/@?*[,;&|")


def creatable(name: str) -> bool:
    return (bool(name) and not set(name) & NOT_IN_NEW_NAMES and name == name.strip()
            and all(ord(ch) >= 32 for ch in name))


@dataclass
class Write:
    kind: str                              # "printers", "users", ... as in Site.counts()
    what: str
    apply: Callable[[Writer], None]


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)     # existing entries that differ: left as they are
    missing: list[str] = field(default_factory=list)       # users and groups not in the directory
    membership: list[str] = field(default_factory=list)    # PyKota's member lists against the directory's
    skipped: list[str] = field(default_factory=list)       # what does not move, and why

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for write in self.writes:
            found[write.kind] = found.get(write.kind, 0) + 1
        return found


class Planner:
    def __init__(self, d: Directory, site: Site, state: State, create_missing: bool = False):
        self.d, self.s, self.site, self.state = d, d.settings, site, state
        self.create_missing = create_missing
        self.plan = Plan()
        self.accounts: set[str] = set()      # lower-cased users that have (or will have) an entry
        self.printer_names: set[str] = set()  # lower-cased, as planned
        self.quota_names: set[str] = set()    # lower-cased user@printer and @group@printer, as planned

    def make(self) -> Plan:
        for printer in self.site.printers.values():
            self._printer(printer)
        for user in self.site.users.values():
            self._user(user)
        for group in self.site.groups.values():
            self._group(group)
        for code in self.site.billing_codes.values():
            self._billing_code(code)
        for quota in self.site.user_quotas.values():
            self._user_quota(quota)
        for group_quota in self.site.group_quotas.values():
            self._group_quota(group_quota)
        for payment in self.site.payments.values():
            self._payment(payment)
        for name, job in self.site.jobs.items():
            if name.lower() not in self.state.jobs:
                self._add("jobs", f"job {job.job_id} of {job.user}", self._job_writer(name, job))
        return self.plan

    def _add(self, kind: str, what: str, apply: Callable[[Writer], None]) -> None:
        self.plan.writes.append(Write(kind, what, apply))

    # -- printers --------------------------------------------------------------------------------
    def _printer(self, p: Printer) -> None:
        if p.name.lower() in self.printer_names:
            self._twin(f"printer {p.name}")
            return
        self.printer_names.add(p.name.lower())
        found = self.state.printers.get(p.name.lower())
        if found is not None:
            self.plan.conflicts += differences(f"printer {p.name}", p, found)
            return
        attrs = {"cn": p.name, "description": p.description, "pkPricePerPage": p.price_per_page,
                 "pkPricePerJob": p.price_per_job, "pkMaxJobSize": p.max_job_size,
                 "pkPassThrough": "TRUE" if p.passthrough else "FALSE",
                 "member": [self.d.dn("cn", m, self.s.printerbase) for m in p.members]}
        dn = self.d.dn("cn", p.name, self.s.printerbase)
        self._add("printers", f"printer {p.name}", lambda w: w.add(dn, ["pkPrinter"], attrs))

    # -- users and groups ------------------------------------------------------------------------
    def _twin(self, what: str) -> None:
        """PyKota told 'bob' and 'BOB' apart; LDAP names ignore case: the second is listed, not written."""
        self.plan.conflicts.append(f"{what}: the same name for LDAP (case is ignored) as one migrated before: "
                                   f"left out")

    def _seen(self, name: str) -> bool:
        """Whether an entry of this name (case ignored) was planned already; it is, from now on."""
        key = name.lower()
        if key in self.quota_names:
            return True
        self.quota_names.add(key)
        return False

    def _user(self, u: User) -> None:
        if u.name.lower() in self.accounts:
            self._twin(f"user {u.name}")
            return
        found = self.state.users.get(u.name.lower())
        pk_values = account_values(u.limit_by, u.balance, u.lifetime_paid, u.overcharge, u.description)
        if found is None:
            if not self.create_missing:
                self.plan.missing.append(f"user {u.name}: no entry under {self.s.userbase}")
                return
            if not creatable(u.name):
                self.plan.missing.append(f"user {u.name}: not created (pkusers --add refuses such a name)")
                return
            dn = self.d.dn(self.s.userrdn, u.name, self.s.userbase)
            entry = {self.s.userrdn: u.name, **pk_values}
            self._add("users", f"new user {u.name}", lambda w: w.add(dn, ["account", "pkAccount"], entry))
            if u.email:
                self.plan.skipped.append(f"user {u.name}: e-mail {u.email} not set on the new entry (class account "
                                         f"has no {self.s.usermail})")
        elif found.managed:
            self.plan.conflicts += differences(f"user {u.name}", u, found, skip=("email",))
        else:
            values = dict(pk_values)
            if u.email and not found.email:
                values[self.s.usermail] = u.email
            elif u.email and found.email != u.email:
                self.plan.conflicts.append(f"user {u.name}: e-mail is {found.email} in the directory, {u.email} "
                                           f"in PyKota (kept)")
            user_dn = found.dn
            self._add("users", f"user {u.name}", lambda w: attach_class(w, user_dn, "pkAccount", values))
        self.accounts.add(u.name.lower())

    def _group(self, g: Group) -> None:
        if "@" + g.name.lower() in self.accounts:
            self._twin(f"group {g.name}")
            return
        found = self.state.groups.get(g.name.lower())
        values: dict[str, object] = {"pkLimitBy": g.limit_by}
        if g.description:
            values["description"] = g.description
        if found is None:
            if not self.create_missing:
                self.plan.missing.append(f"group {g.name}: no entry under {self.s.groupbase}")
                return
            if not creatable(g.name):
                self.plan.missing.append(f"group {g.name}: not created (pkgroups --add refuses such a name)")
                return
            # As pkusers makes them (attach_group): members are the identity system's to write.
            dn = self.d.dn(self.s.grouprdn, g.name, self.s.groupbase)
            entry = {self.s.grouprdn: g.name, "gidNumber": 0, **values}
            self._add("groups", f"new group {g.name}", lambda w: w.add(dn, ["posixGroup", "pkGroup"], entry))
            self._compare_members(g, Group(name=g.name, dn=dn))
        else:
            self._compare_members(g, found)
            if found.managed:
                self.plan.conflicts += differences(f"group {g.name}", g, found)
            else:
                group_dn = found.dn
                self._add("groups", f"group {g.name}", lambda w: attach_class(w, group_dn, "pkGroup", values))
        self.accounts.add("@" + g.name.lower())

    def _compare_members(self, g: Group, found: Group) -> None:
        theirs = {m.lower() for m in found.members}
        mine = {m.lower() for m in g.members}
        if mine - theirs:
            self.plan.membership.append(f"group {g.name}: members in PyKota only: {', '.join(sorted(mine - theirs))}")
        if theirs - mine:
            self.plan.membership.append(f"group {g.name}: members in the directory only: "
                                        f"{', '.join(sorted(theirs - mine))}")

    def _billing_code(self, c: BillingCode) -> None:
        found = self.state.billing_codes.get(c.code.lower())
        if found is not None:
            self.plan.conflicts += differences(f"billing code {c.code}", c, found)
            return
        dn = self.d.dn("cn", c.code, self.s.billingcodebase)
        attrs = {"cn": c.code, "description": c.description, "pkPageCounter": c.page_counter, "pkBalance": c.balance}
        self._add("billing codes", f"billing code {c.code}", lambda w: w.add(dn, ["pkBillingCode"], attrs))

    # -- quota entries ---------------------------------------------------------------------------
    def _user_quota(self, q: UserQuota) -> None:
        what = f"quota of {q.user} on {q.printer}"
        found = self.state.user_quotas.get((q.user.lower(), q.printer.lower()))
        if self._seen(f"{q.user}@{q.printer}"):
            self._twin(what)
        elif found is not None:
            self.plan.conflicts += differences(what, q, found)
        elif q.user.lower() not in self.accounts:
            self.plan.skipped.append(f"{what}: the user is not in the directory")
        else:
            dn = user_quota_dn(self.d, q.user, q.printer)
            attrs = {"cn": f"{q.user}@{q.printer}", "pkUserName": q.user, "pkPrinterName": q.printer,
                     "pkSoftLimit": q.soft_limit, "pkHardLimit": q.hard_limit, "pkMaxJobSize": q.max_job_size,
                     "pkDateLimit": to_time(q.date_limit) if q.date_limit else None,
                     "pkPageCounter": q.page_counter, "pkLifePageCounter": q.life_page_counter,
                     "pkWarnCount": q.warn_count}
            self._add("user quotas", what, lambda w: w.add(dn, ["pkUserQuota"], attrs))

    def _group_quota(self, q: GroupQuota) -> None:
        what = f"quota of group {q.group} on {q.printer}"
        found = self.state.group_quotas.get((q.group.lower(), q.printer.lower()))
        if self._seen(f"@{q.group}@{q.printer}"):
            self._twin(what)
        elif found is not None:
            self.plan.conflicts += differences(what, q, found)
        elif "@" + q.group.lower() not in self.accounts:
            self.plan.skipped.append(f"{what}: the group is not in the directory")
        else:
            dn = group_quota_dn(self.d, q.group, q.printer)
            attrs = {"cn": f"{q.group}@{q.printer}", "pkGroupName": q.group, "pkPrinterName": q.printer,
                     "pkSoftLimit": q.soft_limit, "pkHardLimit": q.hard_limit, "pkMaxJobSize": q.max_job_size,
                     "pkDateLimit": to_time(q.date_limit) if q.date_limit else None}
            self._add("group quotas", what, lambda w: w.add(dn, ["pkGroupQuota"], attrs))

    # -- records of the past ---------------------------------------------------------------------
    def _payment(self, p: Payment) -> None:
        name = p.name or ""
        found = self.state.payments.get(name.lower())
        what = f"payment of {p.user} on {p.date:%Y-%m-%d %H:%M:%S}"
        if found is not None:
            self.plan.conflicts += differences(what, p, found)
            return
        dn = self.d.dn("cn", name, self.s.paymentbase)
        attrs = {"cn": name, "pkUserName": p.user, "pkAmount": p.amount, "pkPaymentDate": to_time(p.date),
                 "description": p.description}
        self._add("payments", what, lambda w: w.add(dn, ["pkPayment"], attrs))

    def _job_writer(self, name: str, job: Job) -> Callable[[Writer], None]:
        dn = self.d.dn("cn", name, self.s.jobbase)
        attrs = {"cn": name, **job_attributes(job)}
        return lambda w: w.add(dn, ["pkJob"], attrs)


def make_plan(d: Directory, site: Site, state: State, create_missing: bool = False) -> Plan:
    return Planner(d, site, state, create_missing).make()
