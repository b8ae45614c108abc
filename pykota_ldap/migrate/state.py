"""What the directory holds now, in the Site's terms, keyed by lower-cased names (LDAP names match
regardless of case): read by plan.py before writing and by verify.py after."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..directory import Directory, accounts, history, printers, quotas
from ..directory.fastsearch import search_paged_fast
from ..directory.records import JOB_ATTRS, job_from
from ..model import BillingCode, Group, GroupQuota, Job, Payment, Printer, User, UserQuota


@dataclass
class State:
    printers: dict[str, Printer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)          # every entry of userbase, managed or not
    groups: dict[str, Group] = field(default_factory=dict)        # every entry of groupbase
    user_quotas: dict[tuple[str, str], UserQuota] = field(default_factory=dict)
    group_quotas: dict[tuple[str, str], GroupQuota] = field(default_factory=dict)
    billing_codes: dict[str, BillingCode] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)    # by entry name
    jobs: dict[str, Job | None] = field(default_factory=dict)     # by entry name; None: not read (names only)


def read_state(d: Directory, with_jobs: bool = False) -> State:
    """with_jobs: read every job whole (verify); else only the names of the history's entries."""
    state = State()
    state.printers = {name.lower(): p for name, p in printers.all_printers(d).items()}
    state.users = {u.name.lower(): u for u in accounts.find_users(d, managed_only=False)}
    state.groups = {g.name.lower(): g for g in accounts.find_groups(d, managed_only=False)}
    state.user_quotas = {(q.user.lower(), q.printer.lower()): q for q in quotas.find_user_quotas(d)}
    state.group_quotas = {(q.group.lower(), q.printer.lower()): q for q in quotas.find_group_quotas(d)}
    state.billing_codes = {c.code.lower(): c for c in history.find_billing_codes(d)}
    state.payments = {p.name.lower(): p for p in history.find_payments(d) if p.name}
    state.jobs = dict(_jobs(d, with_jobs))
    return state


def _jobs(d: Directory, whole: bool) -> Iterator[tuple[str, Job | None]]:
    attributes = ["cn"] + (JOB_ATTRS if whole else [])
    for dn, entry in search_paged_fast(d, d.settings.jobbase, "(objectClass=pkJob)", attributes):
        name = (entry.get("cn") or [""])[0].lower()
        yield name, job_from(dn, entry) if whole else None
