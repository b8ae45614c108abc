"""Refunding a printed job exactly once (pkrefund), with the charge's exactly-once idea.

A refund is, for one job: a payment of the job's price recorded with the reason, the balance
(and the billing code) credited, the pages taken off the user's counters on the printer and on
the printer groups above it, and the job marked REFUND. No read-modify-write anywhere:

1. The payment comes first, under a name derived from the job's entry (`refund-<job cn>`): two
   admins at once both try to add it, one succeeds, and both then read the same entry. Its date
   makes the refund's mark, `<date> refund-<job cn>`, the same for every process and every rerun.
2. Each counter entry changes in one modify that also adds the mark (history.apply_once): the
   server refuses the whole modify when the mark is there, so nothing moves twice.
3. The job becomes REFUND last, in a modify that only one run can make (it asserts the job is not
   REFUND yet): until then, the job is still one pkrefund selects, so a run cut off anywhere
   (SIGKILL, a lost server) is finished by running the same command again, and the run that
   marks the job is the one that puts it on its receipt.

The payment counts as money paid in: pkLifeTimePaid grows with it, so that lifetime paid stays the
sum of the payments (PyKota recorded -price and left lifetime paid alone, breaking that sum).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ldap3 import BASE

from ..model import Job
from ..policy import printer_ancestors
from . import accounts, history, quotas
from . import escaping as esc
from . import printers as printer_store
from .core import Directory, values
from .errors import AlreadyExists, AssertionFailed, NotFound
from .records import PAYMENT_ATTRS, payment_from, to_time

NOT_REFUNDABLE = ("DENY", "CANCEL", "REFUND")


class NoAccount(NotFound):
    """The job's user is not managed any more: no balance to credit, nothing written."""


@dataclass(frozen=True)
class Refunded:
    job: Job
    pages: int          # taken off each counter (0 when the job had not been counted)
    amount: int         # credited, thousandths
    first: bool         # this call marked the job REFUND: the refund is on this run's receipt


def refundable(job: Job) -> bool:
    """PyKota's rule: printed jobs of at least one page."""
    return bool(job.size) and (job.action or "").upper() not in NOT_REFUNDABLE


def refund_name(job: Job) -> str:
    if not job.dn:
        raise NotFound(f"job {job.job_id} has no history entry")
    return "refund-" + esc.rdn_value(job.dn)[1]


def refunds_begun(d: Directory, jobs: list[Job], chunk: int = 100) -> set[str]:
    """Of these jobs, the DNs of those whose refund's payment is recorded: refunded, or a refund cut
    off before the job became REFUND (the money is back already). One search per `chunk` jobs."""
    by_name = {refund_name(job).lower(): job.dn for job in jobs if job.dn}
    names, found = list(by_name), set[str]()
    for start in range(0, len(names), chunk):
        flt = esc.all_of("(objectClass=pkPayment)", esc.any_of("cn", names[start:start + chunk]))
        for _, entry in d.search(d.settings.paymentbase, flt, ["cn"]):
            found.update(cn.lower() for cn in values(entry, "cn"))
    return {dn for name, dn in by_name.items() if name in found and dn}


def charged_quota_dns(d: Directory, user: str, printer: str) -> list[str]:
    """The user's quota entries on the printer and on the printer groups above it: those the
    backend counts a job on."""
    found = printer_store.printer_and_groups(d, printer)
    names = [printer] + printer_ancestors(printer, found)
    return [q.dn for q in quotas.user_quotas(d, user, names).values()]


@dataclass(frozen=True)
class Targets:
    """The entries a job of this user on this printer moved when it was charged."""
    quota_dns: list[str]
    counted: bool           # False: passthrough printer or nochange user: the job kept its pages but
                            # no counter moved, so its refund gives none back
    user_dn: str | None     # None: the user is not managed (any more)


class TargetCache:
    """Targets read once per (user, printer) and billing codes once per code, for one run: a
    refund of many jobs then costs its writes, not the same reads again."""

    def __init__(self, d: Directory):
        self.d = d
        self._targets: dict[tuple[str, str], Targets] = {}
        self._codes: dict[str, bool] = {}

    def of(self, job: Job) -> Targets:
        key = (job.user.lower(), job.printer.lower())
        if key not in self._targets:
            printer = printer_store.get_printer(self.d, job.printer)
            user = accounts.get_user(self.d, job.user)
            counted = not (printer is not None and printer.passthrough) and \
                not (user is not None and user.limit_by == "nochange")
            self._targets[key] = Targets(charged_quota_dns(self.d, job.user, job.printer) if counted else [],
                                         counted, user.dn if user is not None and user.managed else None)
        return self._targets[key]

    def has_code(self, code: str) -> bool:
        if code.lower() not in self._codes:
            self._codes[code.lower()] = history.get_billing_code(self.d, code) is not None
        return self._codes[code.lower()]


def _payment(d: Directory, job: Job, name: str, amount: int, description: str, when: datetime) -> datetime:
    """The refund's payment, added now or found from an earlier (or concurrent) run: its date."""
    try:
        history.add_payment(d, job.user, amount, description, when=when, name=name)
        return when
    except AlreadyExists:
        entry = d.read(d.dn("cn", name, d.settings.paymentbase), PAYMENT_ATTRS)
        if entry is None:
            raise NotFound(f"the refund payment {name} vanished while being read") from None
        return payment_from(d.dn("cn", name, d.settings.paymentbase), entry).date


def _holds(d: Directory, dn: str, mark: str) -> bool:
    return bool(d.search(dn, esc.eq("pkAppliedCharge", mark), ["cn"], scope=BASE))


@dataclass(frozen=True)
class Moved:
    """What the job's charge counted: the pages, on these quota entries and this billing code."""
    pages: int
    quota_dns: list[str]
    code_dn: str | None


def counted_on(d: Directory, job: Job, targets: Targets, cache: TargetCache) -> Moved:
    """The entries the job's charge moved: those holding its mark (history.charge_mark). A job
    older than the marks are kept: the printer, its groups and the billing code as they are now."""
    code_dn = history.billing_code_dn(d, job.billing_code) if job.billing_code else None
    if not history.replay_is_safe(job):
        known = code_dn if job.billing_code and cache.has_code(job.billing_code) else None
        return Moved((job.size or 0) if targets.counted else 0, targets.quota_dns, known)
    assert job.dn is not None
    mark = history.charge_mark(job, esc.rdn_value(job.dn)[1])
    flt = esc.all_of("(objectClass=pkUserQuota)", esc.eq("pkUserName", job.user), esc.eq("pkAppliedCharge", mark))
    quota_dns = [dn for dn, _ in d.search(d.settings.userquotabase, flt, ["cn"])]
    code_dn = code_dn if code_dn and _holds(d, code_dn, mark) else None
    return Moved((job.size or 0) if quota_dns or code_dn else 0, quota_dns, code_dn)


def refund_job(d: Directory, job: Job, description: str, when: datetime | None = None,
               cache: TargetCache | None = None) -> Refunded:
    """Refund one job (see the module's text); safe to call again, also by several processes."""
    name = refund_name(job)
    cache = cache or TargetCache(d)
    targets = cache.of(job)
    if targets.user_dn is None:
        raise NoAccount(f"user {job.user} is not managed any more: no balance to credit")
    moved = counted_on(d, job, targets, cache)
    pages = moved.pages
    amount = job.price or 0
    when = (when or datetime.now(timezone.utc)).replace(microsecond=0)
    paid_on = _payment(d, job, name, amount, description, when)
    mark = f"{to_time(paid_on)} {name}"
    for dn in moved.quota_dns:
        history.apply_once(d, dn, {"pkPageCounter": -pages, "pkLifePageCounter": -pages}, mark)
    if amount:
        history.apply_once(d, targets.user_dn, {"pkBalance": amount, "pkLifeTimePaid": amount}, mark)
    if moved.code_dn:
        history.apply_once(d, moved.code_dn, {"pkPageCounter": -pages, "pkBalance": amount}, mark)
    assert job.dn is not None      # refund_name checked it
    try:       # one run only marks the job: it owns the receipt (a run cut off before this wrote none)
        d.replace(job.dn, {"pkAction": "REFUND"}, assertion="(!(pkAction=REFUND))")
    except AssertionFailed:
        return Refunded(job, pages, amount, False)
    return Refunded(job, pages, amount, True)
