"""User and group quota entries: one entry per (user or group, printer).

Entries are named `cn=<user>@<printer>` (`cn=<group>@<printer>`) so that an admin reading
the tree with ldapsearch sees what each one is, and so that two processes creating the same
entry at once collide on the DN instead of making two.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterator, TypeVar

from ..model import GroupQuota, UserQuota
from . import ber
from . import escaping as esc
from .core import Attributes, Directory, Writer, first, first_int, values
from .errors import AssertionFailed, DirectoryError
from .fastsearch import search_paged_fast
from .records import GROUP_QUOTA_ATTRS, USER_QUOTA_ATTRS, group_quota_from, to_time, user_quota_from

Q = TypeVar("Q", UserQuota, GroupQuota)


def user_quota_dn(d: Writer, user: str, printer: str) -> str:
    return d.dn("cn", f"{user}@{printer}", d.settings.userquotabase)


def group_quota_dn(d: Writer, group: str, printer: str) -> str:
    return d.dn("cn", f"{group}@{printer}", d.settings.groupquotabase)


def user_quotas(d: Directory, user: str, printers: list[str]) -> dict[str, UserQuota]:
    """The user's entries on these printers, by printer name (lower case); one search."""
    flt = esc.all_of("(objectClass=pkUserQuota)", esc.eq("pkUserName", user), esc.any_of("pkPrinterName", printers))
    found = [user_quota_from(dn, e) for dn, e in d.search(d.settings.userquotabase, flt, USER_QUOTA_ATTRS)]
    return {q.printer.lower(): q for q in found}


def _owner(quota: UserQuota | GroupQuota) -> str:
    return quota.user if isinstance(quota, UserQuota) else quota.group


def _find_quotas(d: Directory, base: str, object_class: str, name_attr: str, attrs: list[str],
                 convert: Callable[[str, Attributes], Q], names: list[str] | None,
                 printers: list[str] | None) -> Iterator[Q]:
    """Stream quota entries whose owner and printer match the shell patterns (paged): the server
    narrows with the * parts, fnmatch keeps the exact ? and [...] semantics."""
    flt = esc.all_of(f"(objectClass={object_class})", esc.any_pattern(name_attr, names),
                     esc.any_pattern("pkPrinterName", printers))
    owner_matches, printer_matches = esc.matcher(names), esc.matcher(printers)
    for dn, entry in search_paged_fast(d, base, flt, attrs):
        quota = convert(dn, entry)
        if owner_matches(_owner(quota)) and printer_matches(quota.printer):
            yield quota


def find_user_quotas(d: Directory, users: list[str] | None = None,
                     printers: list[str] | None = None) -> Iterator[UserQuota]:
    return _find_quotas(d, d.settings.userquotabase, "pkUserQuota", "pkUserName", USER_QUOTA_ATTRS,
                        user_quota_from, users, printers)


def group_quotas(d: Directory, groups: list[str], printers: list[str]) -> list[GroupQuota]:
    if not groups:
        return []
    flt = esc.all_of("(objectClass=pkGroupQuota)", esc.any_of("pkGroupName", groups),
                     esc.any_of("pkPrinterName", printers))
    return [group_quota_from(dn, e) for dn, e in d.search(d.settings.groupquotabase, flt, GROUP_QUOTA_ATTRS)]


def find_group_quotas(d: Directory, groups: list[str] | None = None,
                      printers: list[str] | None = None) -> Iterator[GroupQuota]:
    return _find_quotas(d, d.settings.groupquotabase, "pkGroupQuota", "pkGroupName", GROUP_QUOTA_ATTRS,
                        group_quota_from, groups, printers)


def group_page_usage(d: Directory, members: list[str], printer: str) -> int:
    """Sum of the members' page counters on a printer.

    One indexed search, asking only for pkPageCounter, whatever the group's size (PyKota did 2
    searches per member). The filter, an OR of one term per member, is encoded directly
    (ber.py): ldap3 takes 20 us a term to compile it.
    """
    if not members:
        return 0
    flt = ber.all_of(ber.equality("objectClass", "pkUserQuota"), ber.equality("pkPrinterName", printer),
                     ber.any_of(*(ber.equality("pkUserName", m) for m in members)))
    return sum(first_int(entry, "pkPageCounter", 0)
               for _, entry in search_paged_fast(d, d.settings.userquotabase, flt, ["pkPageCounter"]))


def add_user_quota(d: Writer, user: str, printer: str, soft: int | None = None, hard: int | None = None,
                   max_job_size: int | None = None) -> UserQuota:
    dn = user_quota_dn(d, user, printer)
    d.add(dn, ["pkUserQuota"], {"cn": f"{user}@{printer}", "pkUserName": user, "pkPrinterName": printer,
                                "pkSoftLimit": soft, "pkHardLimit": hard, "pkMaxJobSize": max_job_size,
                                "pkPageCounter": 0, "pkLifePageCounter": 0, "pkWarnCount": 0})
    return UserQuota(user=user, printer=printer, dn=dn, soft_limit=soft, hard_limit=hard, max_job_size=max_job_size)


def add_group_quota(d: Writer, group: str, printer: str, soft: int | None = None, hard: int | None = None,
                    max_job_size: int | None = None) -> GroupQuota:
    """Limits are written with the entry (PyKota's LDAP code dropped them at creation).

    The entry starts its own page counters, which every member's charge on the printer
    increments (jobcontext): a job then reads one number instead of summing every member's
    counter. On a server whose schema predates those counters the entry is made without them,
    and its usage stays the members' sum."""
    dn = group_quota_dn(d, group, printer)
    attrs = {"cn": f"{group}@{printer}", "pkGroupName": group, "pkPrinterName": printer,
             "pkSoftLimit": soft, "pkHardLimit": hard, "pkMaxJobSize": max_job_size}
    try:
        d.add(dn, ["pkGroupQuota"], {**attrs, "pkPageCounter": 0, "pkLifePageCounter": 0})
        counted = True
    except DirectoryError as exc:
        if "objectClassViolation" not in str(exc):
            raise
        d.add(dn, ["pkGroupQuota"], attrs)
        counted = False
    return GroupQuota(group=group, printer=printer, dn=dn, soft_limit=soft, hard_limit=hard, max_job_size=max_job_size,
                      counted=counted)


def set_limits(d: Writer, dn: str, soft: int | None = None, hard: int | None = None, *,
               clear_soft: bool = False, clear_hard: bool = False) -> None:
    """Set limits; the grace date restarts from the new limits (as in PyKota)."""
    changes: dict[str, int | None] = {"pkDateLimit": None}
    if soft is not None or clear_soft:
        changes["pkSoftLimit"] = None if clear_soft else soft
    if hard is not None or clear_hard:
        changes["pkHardLimit"] = None if clear_hard else hard
    d.replace(dn, changes)


def set_grace_date(d: Directory, dn: str, when: datetime) -> bool:
    """Start the grace period once: only if no other job started it meanwhile."""
    try:
        d.replace(dn, {"pkDateLimit": to_time(when)}, assertion="(!(pkDateLimit=*))")
        return True
    except AssertionFailed:
        return False


def add_pages(d: Directory, dns: list[str], pages: int, lifetime: bool = True) -> None:
    """Count pages on quota entries with Modify-Increment (never read-add-write)."""
    for dn in dns:
        deltas: dict[str, int] = {"pkPageCounter": pages}
        if lifetime:
            deltas["pkLifePageCounter"] = pages
        d.increment(dn, deltas)


def reset_counter(d: Directory, dn: str, hard: bool = False) -> None:
    """-r: page counter back to 0 (lifetime kept); -R also the lifetime counter.

    A reset is an admin's absolute write, the one place where a counter is replaced: it means
    "from now on", so a job charged a moment before is meant to be forgotten with the rest.
    """
    zeros: dict[str, str | None] = {"pkPageCounter": "0", "pkDateLimit": None, "pkWarnCount": "0"}
    if hard:
        zeros["pkLifePageCounter"] = "0"
    d.replace(dn, zeros)


def reset_group_counter(d: Directory, dn: str, hard: bool = False) -> None:
    """-g -r: the group's own page counter back to 0 (-R: the lifetime one too). An entry made
    without counters gets them here, and counts its members' jobs from now on."""
    changes: dict[str, str | None] = {"pkPageCounter": "0", "pkDateLimit": None}
    if hard or not values(d.read(dn, ["pkLifePageCounter"]) or {}, "pkLifePageCounter"):
        changes["pkLifePageCounter"] = "0"
    d.replace(dn, changes)


def delete_quota(d: Writer, dn: str) -> None:
    d.delete(dn)


# -- admin commands (edpykota, pkusers -d, pkprinters -d) --------------------------------------

def set_usage(d: Directory, dn: str, pages: int) -> None:
    """edpykota -U N: both counters become N. Like a reset, an admin's absolute write: the one
    other place where a counter is replaced rather than incremented."""
    d.replace(dn, {"pkPageCounter": str(pages), "pkLifePageCounter": str(pages), "pkDateLimit": None,
                   "pkWarnCount": "0"})


def add_usage(d: Directory, dn: str, delta: int) -> None:
    """edpykota -U +N / -N: both counters change by delta, atomically; refused (AssertionFailed)
    when either would go below zero. The grace date and the warning count restart."""
    assertion = f"(&(pkPageCounter>={-delta})(pkLifePageCounter>={-delta}))" if delta < 0 else None
    d.increment(dn, {"pkPageCounter": delta, "pkLifePageCounter": delta}, assertion=assertion)
    d.replace(dn, {"pkDateLimit": None, "pkWarnCount": "0"})


def set_quota_max_job_size(d: Directory, dn: str, pages: int | None) -> None:
    """None: unlimited (the attribute is removed, never stored as 'None')."""
    d.replace(dn, {"pkMaxJobSize": None if pages is None else str(pages)})


def change_limits(d: Directory, dn: str, delta: int) -> tuple[int, int]:
    """edpykota -I N: both limits change by N (an unset limit counts as 0). Guarded by an assertion
    on the values read, so two admins at once cannot lose one change. Returns the new limits;
    refused (AssertionFailed) when a limit would go below zero."""
    entry = d.read(dn, ["pkSoftLimit", "pkHardLimit"]) or {}
    soft, hard = first_int(entry, "pkSoftLimit", 0), first_int(entry, "pkHardLimit", 0)
    if soft + delta < 0 or hard + delta < 0:
        raise AssertionFailed(f"limits {soft}/{hard} cannot decrease by {-delta}")

    def same(attr: str, value: int) -> str:
        return f"({attr}={value})" if values(entry, attr) else f"(!({attr}=*))"

    d.replace(dn, {"pkSoftLimit": str(soft + delta), "pkHardLimit": str(hard + delta), "pkDateLimit": None},
              assertion=esc.all_of(same("pkSoftLimit", soft), same("pkHardLimit", hard)))
    return soft + delta, hard + delta


def _delete_quotas(d: Directory, base: str, object_class: str, name_attr: str, name: str | None,
                   printer: str | None) -> int:
    flt = esc.all_of(f"(objectClass={object_class})", esc.eq(name_attr, name) if name else "",
                     esc.eq("pkPrinterName", printer) if printer else "")
    dns = [dn for dn, _ in d.search_paged(base, flt, ["cn"])]
    for dn in dns:
        d.delete(dn)
    return len(dns)


def delete_user_quotas_of(d: Directory, user: str | None = None, printer: str | None = None) -> int:
    """Delete every user quota entry of a user, or on a printer; returns how many."""
    return _delete_quotas(d, d.settings.userquotabase, "pkUserQuota", "pkUserName", user, printer)


def delete_group_quotas_of(d: Directory, group: str | None = None, printer: str | None = None) -> int:
    return _delete_quotas(d, d.settings.groupquotabase, "pkGroupQuota", "pkGroupName", group, printer)


def page_usage_by_printer(d: Directory, printers: list[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """(user, printer) lower-cased -> (page counter, lifetime counter) for every user quota entry
    (on these printers); one paged search. Reports sum group usage from it without a search per
    group (a group's usage is its members' usage)."""
    flt = "(objectClass=pkUserQuota)"
    if printers:
        flt = esc.all_of(flt, esc.any_of("pkPrinterName", printers))
    usage: dict[tuple[str, str], tuple[int, int]] = {}
    for _, entry in d.search_paged(d.settings.userquotabase, flt, ["pkUserName", "pkPrinterName", "pkPageCounter",
                                                                   "pkLifePageCounter"]):
        key = (str(first(entry, "pkUserName")).lower(), str(first(entry, "pkPrinterName")).lower())
        usage[key] = (first_int(entry, "pkPageCounter", 0), first_int(entry, "pkLifePageCounter", 0))
    return usage


# -- deny banners (maxdenybanners) -------------------------------------------------------------

def add_deny_banner(d: Directory, dn: str, limit: int) -> bool:
    """One more banner for a refused job, counted on pkWarnCount only while it is under `limit`
    (one atomic step: two refused jobs at once cannot both take the last one). False: reached."""
    from .errors import AssertionFailed
    try:
        d.increment(dn, {"pkWarnCount": 1}, assertion=f"(!(pkWarnCount>={limit}))")
    except AssertionFailed:
        return False
    return True


def reset_deny_banners(d: Directory, dn: str) -> None:
    """A job that printed: its refused jobs' banners start again from 0 (PyKota's)."""
    d.replace(dn, {"pkWarnCount": "0"})
