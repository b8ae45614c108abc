"""Read the snapshot a plan is made from: five paged searches, whatever the directory's size."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable, Iterator, TypeVar

from ..directory import Directory
from ..directory import printers as printer_store
from ..directory import sync as store
from ..directory.ber import filter_problem
from .periods import period_of
from .rules import SyncRules
from .snapshot import Snapshot

T = TypeVar("T")


def _counted(items: Iterable[T], progress: Callable[[int], None]) -> Iterator[T]:
    for item in items:
        progress(1)
        yield item


def load_snapshot(d: Directory, rules: SyncRules, now: datetime, allocate: bool = False,
                  progress: Callable[[int], None] | None = None) -> Snapshot:
    """progress(n) is called for every entry read (users and quota entries, the bulk of it)."""
    progress = progress or (lambda n: None)
    problem = filter_problem(rules.userfilter)
    if problem:
        raise rules.bad_userfilter(problem)
    accounts = list(_counted(store.read_accounts(d, rules.userfilter), progress))
    groups = store.read_groups(d, [rule.name for rule in rules.groups.values()])
    quotas = list(_counted(store.read_quota_limits(d), progress))
    printers = printer_store.all_printers(d)
    payments = {}
    if allocate:
        kinds = {r.allocation.period for r in [rules.defaults, *rules.groups.values()] if r.allocation}
        if kinds:
            since = min(period_of(kind, now).start for kind in kinds)
            payments = store.read_payments(d, since)
    return Snapshot(accounts, groups, quotas, printers, payments)
