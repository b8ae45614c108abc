"""Everything the quota decision needs for one job, read with as few operations as possible.

Operations for a job (counted by Directory.operations):
  1. the user entry                                  (search under userbase)
  2. the printer and the printer groups above it     (one indexed search per level of groups)
  3. the user's quota entries on the printer and the printer groups above it (one search)
  4. the user's managed groups, without their members (one search under groupbase)
and only when the user is in managed groups:
  5. those groups' quota entries on the printers      (one search)
A group quota entry holds its own page counter, incremented with each member's charge, so a
group of 50,000 costs what a group of 5 does. Only what cannot use that counter reads the
members: a balance group (the sum of the members' balances) and an entry made without counters
(an older schema), whose usage is then summed from the members' counters (one search each).
tools/bench_directory measures them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Group, GroupQuota, Printer, User, UserQuota
from ..policy import GroupState, printer_ancestors
from . import accounts, quotas
from . import printers as printer_store
from .core import Directory


@dataclass
class JobContext:
    username: str
    printername: str
    user: User | None
    printer: Printer | None
    chain: list[Printer] = field(default_factory=list)          # the printer, then the groups above it
    user_quotas: list[UserQuota] = field(default_factory=list)  # on the chain, the printer's own first
    groups: list[GroupState] = field(default_factory=list)
    group_counters: list[str] = field(default_factory=list)      # DNs of the group quota entries a charge counts on

    @property
    def own_quota(self) -> UserQuota | None:
        for quota in self.user_quotas:
            if quota.printer.lower() == self.printername.lower():
                return quota
        return None

    @property
    def missing(self) -> str | None:
        """What is not in the directory, for the `policy` directive (None: all there)."""
        if self.printer is None:
            return f"printer {self.printername} is not managed"
        if self.user is None or not self.user.managed:
            return f"user {self.username} is not managed"
        if self.own_quota is None and self.user.limit_by == "quota":
            return f"user {self.username} has no quota entry on {self.printername}"
        return None


def load_job_context(d: Directory, username: str, printername: str) -> JobContext:
    user = accounts.get_user(d, username)
    all_printers = printer_store.printer_and_groups(d, printername)
    printer = next((p for p in all_printers.values() if p.name.lower() == printername.lower()), None)
    context = JobContext(username, printername, user, printer)
    if user is None or printer is None:
        return context
    names = [printer.name] + printer_ancestors(printer.name, all_printers)
    context.chain = [all_printers[n] for n in names if n in all_printers]
    found = quotas.user_quotas(d, user.name, names)
    context.user_quotas = [found[n.lower()] for n in names if n.lower() in found]
    groups = accounts.user_groups(d, user)
    if groups:
        entries = quotas.group_quotas(d, [g.name for g in groups], names)
        context.group_counters = [q.dn for q in entries if q.counted]
        for group in groups:
            mine = [q for q in entries if q.group.lower() == group.name.lower()]
            if mine and group.limit_by != "noquota":
                context.groups.append(_group_state(d, group, mine))
    return context


def _group_state(d: Directory, group: Group, mine: list[GroupQuota]) -> GroupState:
    state = GroupState(limit_by=group.limit_by, quotas=mine, name=group.name)
    uncounted = [q for q in mine if not q.counted]
    if group.limit_by == "balance" or uncounted:
        members = accounts.group_members(d, group)
        if group.limit_by == "balance":
            state.balance = accounts.sum_balances(d, members)
        else:
            for quota in uncounted:
                quota.page_counter = quotas.group_page_usage(d, members, quota.printer)
    return state
