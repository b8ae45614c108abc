"""The users' quota rows of every listing (repykota, pkweb's report, edpykota -L, dumpykota -d
upquotas): the entries in the directory, and, where `[sync] quotaentries: firstjob` leaves them
to the first job, the rows of those not written yet.

A managed user of `userfilter` who never printed on a sync printer has no entry there yet, but
has one in effect: the backend will write it from the user's rule at the first job. Such a row
shows what that entry will hold: 0 pages, the rule's limits, the DN it will have. Without a
[sync] section, or with `quotaentries: upfront`, the rows are the entries alone.

Cost, only on firstjob sites: three paged searches (the managed users' names, narrowed by the
listing's user patterns; the ruled groups' members; the printers), planned in memory.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..directory import Directory, quotas
from ..directory import escaping as esc
from ..directory import printers as printer_store
from ..directory import sync as store
from ..model import UserQuota

if TYPE_CHECKING:
    from ..config import Config
    from ..sync.rules import SyncRules


def user_quota_rows(d: Directory, config: Config | None, users: list[str] | None = None,
                    printers: list[str] | None = None) -> Iterator[UserQuota]:
    """The quota entries of these users on these printers (shell patterns; None: all), then the
    rows of the entries the [sync] rules give that no job has written yet."""
    from ..sync.rules import firstjob_rules
    rules = firstjob_rules(config)
    written: set[tuple[str, str]] = set()
    for quota in quotas.find_user_quotas(d, users, printers):
        written.add((quota.user.lower(), quota.printer.lower()))
        yield quota
    if rules is not None:
        yield from _unwritten(d, rules, users, printers, written)


def _unwritten(d: Directory, rules: SyncRules, users: list[str] | None, printers: list[str] | None,
               written: set[tuple[str, str]]) -> Iterator[UserQuota]:
    from ..sync.plan import select_printers
    wanted = esc.matcher(printers)
    chosen = [p for p in select_printers(rules.printers, printer_store.all_printers(d)) if wanted(p)]
    if not chosen:
        return
    memberships: dict[str, list[str]] = {}
    for group in store.read_groups(d, [rule.name for rule in rules.groups.values()]):
        for member in group.members:
            memberships.setdefault(member.lower(), []).append(group.name)
    for name in store.read_managed_names(d, rules.userfilter, users):
        rule = rules.rule_for(memberships.get(name.lower(), []))
        for printer in chosen:
            if (name.lower(), printer.lower()) not in written:
                yield UserQuota(user=name, printer=printer, dn=quotas.user_quota_dn(d, name, printer),
                                soft_limit=rule.soft_limit, hard_limit=rule.hard_limit)
