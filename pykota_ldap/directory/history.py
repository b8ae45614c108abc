"""Job history, payments and billing codes, and the exactly-once charge of a printed job."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Mapping

from ldap3 import MODIFY_ADD, MODIFY_INCREMENT

from ..model import BillingCode, Charge, Job, Payment
from . import escaping as esc
from .core import Directory, Writer, values
from .errors import AlreadyExists, AssertionFailed, DirectoryError
from .fastsearch import FirstValues, search_paged_fast, search_paged_first
from .records import (
    BILLING_ATTRS,
    JOB_ATTRS,
    PAYMENT_ATTRS,
    billing_code_from,
    job_attributes,
    job_from,
    payment_from,
    to_time,
)


def new_name(prefix: str, when: datetime | None = None) -> str:
    """A readable, unique entry name: prefix-20261124163000-9f2c1a7b."""
    when = when or datetime.now(timezone.utc)
    return f"{prefix}-{when.astimezone(timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


# -- jobs --------------------------------------------------------------------------------------

def job_dn(d: Directory, name: str) -> str:
    return d.dn("cn", name, d.settings.jobbase)


def add_job(d: Directory, job: Job, name: str | None = None) -> str:
    dn = job_dn(d, name or new_name(job.printer))
    d.add(dn, ["pkJob"], {"cn": esc.rdn_value(dn)[1], **job_attributes(job)})
    return dn


CHARGE_MEMORY_DAYS = 31     # how long an entry remembers the charges applied to it
PRUNE_ONE_IN = 50           # prune an entry's old marks on one charge in 50, on average
ALREADY = "attributeOrValueExists"      # the server's answer to a mark that is there already


def charge_mark(job: Job, name: str) -> str:
    """The value kept in pkAppliedCharge: the job's date first, so old marks can be pruned."""
    return f"{to_time(job.date)} {name}"


def reservation_mark(mark: str) -> str:
    """The mark an entry takes with what a strict admission counted on it. It stays (pruned with
    the others): the charge's own mark says the reservation was settled. A mark is only ever
    added in a charge, never removed: delta-syncrepl resolves a replayed modify against newer
    ones by dropping an "add X" that a newer "delete X" undid while keeping its increments, so a
    reservation replayed after its settlement (a provider restarted after a crash asks its peer
    again for its own last changes) would be counted twice (docs/replication.md)."""
    return f"{mark} reserved"


def _changes(deltas: Mapping[str, int], add: str | None = None) -> dict[str, list[tuple[str, list[object]]]]:
    """The mark first (a mark already there refuses the modify before any counter moves), then
    the Modify-Increments."""
    marks: list[tuple[str, list[object]]] = [(MODIFY_ADD, [add])] if add else []
    changes: dict[str, list[tuple[str, list[object]]]] = {"pkAppliedCharge": marks}
    changes.update({attr: [(MODIFY_INCREMENT, [int(delta)])] for attr, delta in deltas.items() if delta})
    return changes


def _write(d: Directory, dn: str, changes: Mapping[str, list[tuple[str, list[object]]]],
           assertion: str | None = None) -> None:
    """One modify that a mark makes safe to repeat (a refusal by the ACL names who may not write
    what: directory.errors)."""
    d.modify(dn, changes, assertion=assertion, retry_safe=True)


def reserve(d: Directory, dn: str, deltas: Mapping[str, int], guard: str, mark: str) -> None:
    """Count `deltas` on an entry at admission (strict enforcement), only if `guard` (a filter on
    the entry) holds: check and write are one server-side step. The entry takes the job's
    reservation mark in the same modify, so asking again after an answer lost in flight changes
    nothing (the assertion lets an entry holding the mark through, and the mark is then refused).
    AssertionFailed when the guard refuses."""
    held = reservation_mark(mark)
    try:
        _write(d, dn, _changes(deltas, add=held), assertion=f"(|{esc.eq('pkAppliedCharge', held)}{guard})")
    except DirectoryError as exc:
        if ALREADY not in str(exc):
            raise


def apply_once(d: Directory, dn: str, deltas: Mapping[str, int], mark: str,
               reserved: Mapping[str, int] | None = None) -> bool:
    """Change counters and add the charge's mark in ONE modify (atomic on the entry).

    If the mark is there already, the server refuses the whole modify and nothing is counted: the
    charge was applied before; returns False then. `reserved`: what the job's admission counted
    on the entry; when the entry still holds that reservation's mark, only the difference moves
    and the reservation's mark goes in the same modify; when it does not (never reserved, or
    given back), the whole deltas move. Marks are added, never removed here (reservation_mark)."""
    try:
        if reserved and any(reserved.values()):
            net = {attr: deltas.get(attr, 0) - reserved.get(attr, 0) for attr in {**deltas, **reserved}}
            try:
                _write(d, dn, _changes(net, add=mark), assertion=esc.eq("pkAppliedCharge", reservation_mark(mark)))
                return True
            except AssertionFailed:
                pass                     # never reserved here (or the reservation's answer was lost)
        if not any(deltas.values()):
            return True                  # nothing to count here: no write, no mark
        _write(d, dn, _changes(deltas, add=mark))
    except DirectoryError as exc:
        if ALREADY in str(exc):
            return False
        raise
    # Pruning reads every mark of the entry: do it now and then, not on every charge (a busy
    # billing code holds thousands of marks and the read would grow with them).
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        _forget_old_marks(d, dn, values(d.read(dn, ["pkAppliedCharge"]) or {}, "pkAppliedCharge"))
    return True


def _forget_old_marks(d: Directory, dn: str, marks: list[str]) -> None:
    """Drop marks older than CHARGE_MEMORY_DAYS so the attribute stays small. Best effort: a
    failure here costs nothing but space."""
    limit = to_time(datetime.now(timezone.utc) - timedelta(days=CHARGE_MEMORY_DAYS))
    old = [m for m in marks if m.split(" ", 1)[0] < limit]
    if old:
        try:
            d.delete_values(dn, "pkAppliedCharge", old)
        except DirectoryError:
            pass


def replay_is_safe(job: Job, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    return job.date > now - timedelta(days=CHARGE_MEMORY_DAYS - 1)


def charge_job(d: Directory, charge: Charge) -> bool:
    """Record a job and charge it exactly once, even when replayed.

    Each counter entry (the quota entries of the printer and the printer groups above it, the
    user's balance, the billing code) changes in one modify that also adds the charge's mark,
    so applying the same charge again changes nothing on that entry. The history entry comes
    last, under the charge's unique name: when it exists, the whole charge is done. A charge cut
    off half-way (directory lost, backend killed) is finished by replaying it (the backend's
    local journal holds it from before the first write).

    No LDAP transaction: slapd 2.5's back-mdb crashes under concurrent transactions and a failed
    one can corrupt the database (measured here), while single modifies are atomic and safe.

    What strict enforcement counted at admission (charge.reserved_pages, charge.reserved) is not
    counted again on an entry that still holds the reservation's mark (apply_once).
    Returns False when the charge had been applied completely before (a replay).
    Marks are kept CHARGE_MEMORY_DAYS after the job's date: replay_is_safe() tells a journal
    whether a charge is still young enough to be replayed without risk.
    """
    mark = charge_mark(charge.job, charge.name)
    for quota_dn in charge.quota_dns:
        apply_once(d, quota_dn, {"pkPageCounter": charge.pages, "pkLifePageCounter": charge.pages}, mark,
                   reserved={"pkPageCounter": charge.reserved_pages.get(quota_dn, 0)})
    if charge.user_dn and (charge.debit or charge.reserved):
        apply_once(d, charge.user_dn, {"pkBalance": -charge.debit}, mark, reserved={"pkBalance": -charge.reserved})
    if charge.billing_code_dn and (charge.pages or charge.debit):
        apply_once(d, charge.billing_code_dn, {"pkPageCounter": charge.pages, "pkBalance": -charge.debit}, mark)
    try:
        d.add(job_dn(d, charge.name), ["pkJob"], {"cn": charge.name, **job_attributes(charge.job)})
    except AlreadyExists:
        return False
    if charge.job.printer_page_counter is not None:
        record_printer_counter(d, charge.job.printer, charge.job.printer_page_counter)
    return True


def record_printer_counter(d: Directory, printer: str, counter: int) -> None:
    """The printer's own life counter after a hardware-counted job, on its entry (repykota's
    "Real :" line). A reading, not a sum: it replaces the last one (a replaced printer starts
    lower). A printer entry that is gone is no reason to fail a charge."""
    from .printers import printer_dn
    try:
        d.replace(printer_dn(d, printer), {"pkPrinterPageCounter": str(counter)})
    except DirectoryError:
        pass


def job_charged(d: Directory, name: str) -> bool:
    return d.read(job_dn(d, name), ["cn"]) is not None


def history_filter(user: str | None = None, printer: str | None = None, hostname: str | None = None,
                   billing_code: str | None = None, job_id: str | None = None, action: str | None = None,
                   start: datetime | None = None, end: datetime | None = None) -> str:
    """A server-side filter for the history: dates compared by the server (ordering index)."""
    parts = ["(objectClass=pkJob)"]
    for attr, value in (("pkUserName", user), ("pkPrinterName", printer), ("pkHostName", hostname),
                        ("pkBillingCode", billing_code), ("pkJobId", job_id), ("pkAction", action)):
        if value:
            parts.append(esc.pattern_filter(attr, value))
    return esc.all_of(*parts, *_between("pkJobDate", start, end))


def _between(attribute: str, start: datetime | None, end: datetime | None) -> list[str]:
    """Date bounds compared by the server (either may be None: no bound)."""
    return ([f"({attribute}>={to_time(start)})"] if start else []) + ([f"({attribute}<={to_time(end)})"] if end else [])


def find_jobs(d: Directory, **criteria: Any) -> Iterator[Job]:
    """Jobs matching history_filter's criteria (names are shell patterns), streamed."""
    for dn, entry in search_paged_fast(d, d.settings.jobbase, history_filter(**criteria), JOB_ATTRS):
        yield job_from(dn, entry)


def find_job_values(d: Directory, **criteria: Any) -> Iterator[FirstValues]:
    """find_jobs' entries before they become Jobs: the DN and each attribute's first value
    (what job_from reads), for dumps written straight from them (report.history_csv)."""
    return search_paged_first(d, d.settings.jobbase, history_filter(**criteria), JOB_ATTRS)


def last_job(d: Directory, printer: str, since: datetime) -> Job | None:
    """The most recent job on a printer since a moment (duplicate detection); one search."""
    jobs = list(find_jobs(d, printer=printer, start=since))
    return max(jobs, key=lambda j: j.date) if jobs else None


# -- payments ----------------------------------------------------------------------------------

def add_payment(d: Writer, user: str, amount: int, description: str | None = None,
                when: datetime | None = None, name: str | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    name = name or new_name(user, when)
    dn = d.dn("cn", name, d.settings.paymentbase)
    d.add(dn, ["pkPayment"], {"cn": name, "pkUserName": user, "pkAmount": amount,
                              "pkPaymentDate": to_time(when), "description": description or None})
    return dn


def find_payments(d: Directory, user: str | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> Iterator[Payment]:
    parts = ["(objectClass=pkPayment)"]
    if user:
        parts.append(esc.pattern_filter("pkUserName", user))
    flt = esc.all_of(*parts, *_between("pkPaymentDate", start, end))
    for dn, entry in d.search_paged(d.settings.paymentbase, flt, PAYMENT_ATTRS):
        yield payment_from(dn, entry)


# -- billing codes -----------------------------------------------------------------------------

def billing_code_dn(d: Directory, code: str) -> str:
    return d.dn("cn", code, d.settings.billingcodebase)


def get_billing_code(d: Directory, code: str) -> BillingCode | None:
    entry = d.read(billing_code_dn(d, code), BILLING_ATTRS)
    return billing_code_from(billing_code_dn(d, code), entry) if entry else None


def add_billing_code(d: Directory, code: str, description: str | None = None) -> BillingCode:
    dn = billing_code_dn(d, code)
    d.add(dn, ["pkBillingCode"], {"cn": code, "description": description or None, "pkPageCounter": 0,
                                  "pkBalance": 0})
    return BillingCode(code=code, dn=dn, description=description)


def find_billing_codes(d: Directory, patterns: list[str] | None = None) -> Iterator[BillingCode]:
    flt = esc.all_of("(objectClass=pkBillingCode)", esc.any_pattern("cn", patterns))
    for dn, entry in d.search_paged(d.settings.billingcodebase, flt, BILLING_ATTRS):
        code = billing_code_from(dn, entry)
        if not patterns or any(esc.matches(code.code, p) for p in patterns):
            yield code


# -- admin commands (pkbcodes) -----------------------------------------------------------------

def set_billing_code_description(d: Directory, code: BillingCode, description: str | None) -> None:
    d.replace(code.dn, {"description": description or None})


def reset_billing_code(d: Directory, code: BillingCode) -> None:
    """pkbcodes -r: pages and balance back to 0. An admin's absolute reset ("from now on"), the only
    write that sets these counters instead of incrementing them."""
    d.replace(code.dn, {"pkPageCounter": "0", "pkBalance": "0"})


def delete_billing_code(d: Directory, code: BillingCode) -> None:
    """The code's entry only: jobs keep their pkBillingCode, on purpose (as in PyKota)."""
    d.delete(code.dn)


# -- reports over a date window (dumpykota) ----------------------------------------------------

def jobs_between(d: Directory, start: datetime | None, end: datetime | None, **criteria: Any) -> Iterator[Job]:
    """Jobs in [start, end] (either may be None), streamed in bounded memory.

    The dates are compared here, not by the server: slapd 2.5 evaluates a range assertion on
    pkJobDate by walking its index for every search and, with the paged-results control, for
    every page, so a paged dump of a date window grows with the square of the history (20,000
    jobs: 33 s paged with the range filter, 0.14 s paged without it). One paged search on the
    indexed names plus this comparison is linear, and memory stays at one page.
    """
    for job in find_jobs(d, **criteria):
        if (start is None or job.date >= start) and (end is None or job.date <= end):
            yield job


# -- the CUPS backend (strict enforcement under concurrency) ----------------------------------

def same_job_since(d: Directory, user: str, printer: str, md5sum: str, since: datetime,
                   actions: tuple[str, ...] = ("ALLOW", "WARN")) -> Job | None:
    """The latest job of `user` on `printer` with the same data (MD5) since a moment, printed
    (duplicate detection). One search on the indexed names and MD5, which match a handful of
    entries; the date is compared here (a range filter on pkJobDate walks its whole index)."""
    flt = esc.all_of("(objectClass=pkJob)", esc.eq("pkUserName", user), esc.eq("pkPrinterName", printer),
                     esc.eq("pkMD5Sum", md5sum))
    found = [job_from(dn, e) for dn, e in d.search(d.settings.jobbase, flt, JOB_ATTRS)]
    found = [j for j in found if j.date and j.date >= since and j.action in actions]
    return max(found, key=lambda j: j.date) if found else None
