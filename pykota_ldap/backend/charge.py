"""The job's records and how each one reaches the directory: the give-back of a reservation, the
precount before printing, the real charge after it; each kept in the journal first when the job
has a record there, applied exactly once, or kept in the journal when the directory cannot take
it now. Then what CUPS and the hooks are told."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import cupsio
from .commands import hook
from .cupsio import one_line
from .exits import BackendExit
from .journal import JournalError

if TYPE_CHECKING:
    from ..model import Action, Charge, Job
    from .hardware import LifeCounter
    from .job import Decided
    from .run import RunResult
    from .state import JobState


def settle(decided: Decided, state: JobState, result: RunResult, counter: LifeCounter | None) -> int:
    """After the real backend: count, charge (or journal), tell; the job's exit code.

    Once the real backend has started, data may have reached the printer: a cancelled job is
    charged what it used (the software count, or the printer's when it counts), whatever the
    backend's status; a failed one only with `onbackenderror: charge`."""
    from ..model import Action
    job, verdict = decided.job, decided.verdict
    ok = result.status == 0 and result.started
    cancelled = state.cancelled and result.started
    charged = ok or cancelled or (decided.setup.charge_on_error and result.started)
    pages, printer_counter = _pages_printed(decided, result, counter, charged)
    if not verdict.record:
        return BackendExit.OK if state.cancelled else result.status
    action = verdict.action if ok else (Action.CANCEL if state.cancelled else Action.PROBLEM)
    charge = charge_of(decided, action, pages, printer_counter)
    outcome = conclude(decided, charge, printed=result.started)
    hook(decided.setup.config, job, "posthook", PYKOTAPHASE="AFTER", PYKOTAACTION=action,
         PYKOTAJOBSIZE=charge.job.size, PYKOTAJOBPRICE=charge.job.price, PYKOTAPRECOMPUTEDJOBSIZE=decided.size,
         PYKOTAPRECOMPUTEDJOBPRICE=verdict.price)
    if ok:
        _tell_charged(decided, charge, journaled=outcome == "journaled")
        return BackendExit.OK
    if state.cancelled:
        what = f"{pages} page{'s' if pages != 1 else ''} charged" if pages else "nothing charged"
        cupsio.info(f"job {job.job_id} cancelled {'while printing' if result.started else 'before printing'}: {what}")
        return BackendExit.OK
    not_charged = "" if charged else " (not charged)"
    cupsio.error(f"job {job.job_id} not printed: {result.message}{not_charged}")
    return result.status


def _pages_printed(decided: Decided, result: RunResult, counter: LifeCounter | None,
                   charged: bool) -> tuple[int, int | None]:
    """(pages the job used per `accounter`, the printer's life counter for the history); the
    counter's device lock is released."""
    setup, job, size = decided.setup, decided.job, decided.size
    trust = setup.config.get("trustjobsize", "yes", job.printer)
    pages, after = 0, None
    banners = result.banner_pages          # charged banners: the printer counts them, software adds them
    if charged:
        if counter is not None:
            after = counter.after(job, size + banners)
            pages = trust_job_size(trust, hardware_pages(counter.before, after, size + banners), size + banners)
        elif setup.accounter.kind == "backend" and result.reported_pages:
            # 0 / none: the printer does not count, use the precount
            pages = trust_job_size(trust, result.reported_pages, size) + banners
        elif setup.accounter.kind == "software-command":
            pages = _command_count(decided, size) + banners
        else:
            pages = size + banners
    if counter is None:
        return pages, None
    counter.close()
    if not setup.accounter.life_counter:           # hardware(ipp): the job's own count, no life counter
        return pages, None
    return pages, after if after is not None else counter.before


def _command_count(decided: Decided, precount: int) -> int:
    """software(command)'s count of the printed job; the precount when the command fails."""
    from .accounters import CounterCommandError, software_count
    try:
        pages = software_count(decided.setup.config, decided.job, "accounter")
    except CounterCommandError as exc:
        cupsio.warning(f"accounter of job {decided.job.job_id} failed ({exc}): charged its precount, {precount}")
        return precount
    return precount if pages is None else pages


def charge_of(decided: Decided, action: Action, pages: int, printer_counter: int | None = None) -> Charge:
    """A record of the job: its history entry and the counters it moves, and what admission
    reserved (given back where the charge is less). A job printed without charge (passthrough,
    nochange, a ticket's decision) is recorded with its pages, not counted."""
    from ..model import Charge
    from .accounters import price_of
    verdict = decided.verdict
    if not verdict.charge:
        return Charge(decided.name, history_entry(decided, action, pages, 0, printer_counter))
    user = verdict.user
    assert user is not None, "a charged verdict comes from a complete decision"
    price = price_of(decided.setup.config, decided.job, "accounter", pages, verdict.charged_printers,
                     user.overcharge) if pages else 0
    reserved = verdict.reserved_pages              # set by reserve.py just before R0
    return Charge(decided.name, history_entry(decided, action, pages, price, printer_counter),
                  quota_dns=tuple(verdict.quota_dns) if pages or reserved else (), pages=pages,
                  reserved_pages=dict(reserved), user_dn=user.dn, debit=price, reserved=verdict.reserved,
                  billing_code_dn=verdict.billing_code_dn)


def give_back(decided: Decided, action: Action) -> Charge:
    """The record of a job that did not print: nothing counted, any reservation given back."""
    return charge_of(decided, action, 0)


def history_entry(decided: Decided, action: Action, size: int = 0, price: int = 0,
                  printer_counter: int | None = None) -> Job:
    from ..model import Job
    config, job = decided.setup.config, decided.job
    hidden = config.get_bool("privacy", False)
    return Job(job_id=job.job_id, user=job.user, printer=job.printer, date=decided.date,
               action=action, size=size, price=price, title="hidden" if hidden else job.title,
               filename="hidden" if hidden else job.filename, copies=job.copies,
               options="hidden" if hidden else job.options_text, hostname=job.hostname,
               size_bytes=job.size_bytes, md5sum=job.md5, billing_code=job.billing_code,
               precomputed_size=decided.size, precomputed_price=decided.verdict.price,
               printer_page_counter=printer_counter)


def conclude(decided: Decided, charge: Charge, printed: bool) -> str:
    """The job's last record: on disk first when the job has a record there (it replaces R0 or
    R1), then applied exactly once; kept in the journal when the directory cannot take it now.
    Returns "charged", "already", "journaled", or "lost" (neither the directory nor the disk
    took it: said loudly)."""
    from ..directory import DirectoryError
    from ..directory.history import charge_job
    journal, unkept = decided.journal, None
    if journal.recorded:
        try:
            journal.record(charge)
        except JournalError as exc:             # the previous record stays: apply this one at once
            unkept = exc
    try:
        applied = charge_job(decided.directory, charge)
    except DirectoryError as exc:
        if not journal.recorded:
            try:
                journal.record(charge)
            except JournalError as error:
                unkept = error
        return _kept_for_later(decided, charge, exc, printed, unkept)
    journal.done()
    return "charged" if applied else "already"


def _kept_for_later(decided: Decided, charge: Charge, exc: Exception, printed: bool,
                    unkept: JournalError | None) -> str:
    """What CUPS is told about a record the directory could not take."""
    from ..directory import AccessDenied
    journal = decided.journal
    journal.close()
    what = f"{'charge' if printed else 'history entry'} of job {charge.job.job_id}"
    if unkept is not None:
        if journal.recorded:
            cupsio.error(f"{what} reached neither the directory ({one_line(exc)}) nor the journal ({unkept}); "
                         f"its earlier record in {journal.path} will be applied instead")
            return "journaled"
        cupsio.error(f"{what} LOST: it reached neither the directory ({one_line(exc)}) nor the journal ({unkept})")
        return "lost"
    if isinstance(exc, AccessDenied):
        cupsio.error(f"{one_line(exc)}; {what} kept in {journal.path}, applied once the ACL allows it")
    else:
        cupsio.warning(f"directory lost {'after printing' if printed else 'before printing'} ({one_line(exc)}); "
                       f"{what} kept in {journal.path} and applied when it answers")
    return "journaled"


def _tell_charged(decided: Decided, charge: Charge, journaled: bool) -> None:
    from ..money import format as fmt
    job, verdict = decided.job, decided.verdict
    pages, price = charge.job.size, charge.job.price
    what = f"{pages} page{'s' if pages != 1 else ''}"
    if not verdict.charge:
        cupsio.info(f"job {job.job_id}: {what} printed for {job.user}, not charged ({verdict.reason})")
        return
    cupsio.info(f"job {job.job_id}: {what} charged to {job.user}" + (f" (price {fmt(price)})" if price else "")
                + (" [journal]" if journaled else ""))


def hardware_pages(before: int | None, after: int | None, expected: int) -> int:
    """PyKota's sanity rules for life counters."""
    if before is None or after is None:
        return expected if expected else 1
    size = after - before
    if -10 < size < 0:
        size += 10                      # HP printers save the counter every 10 pages
    elif size < 0:
        size = 1
    return size


def trust_job_size(setting: str, measured: int, precomputed: int) -> int:
    """PyKota's trustjobsize, when the printer's count differs from the precount:
    yes (keep the printer's), >N:precomputed (the precount when the printer says more than N),
    >N:M (M pages when the printer says more than N)."""
    if measured == precomputed or not setting or setting.strip().lower() in ("yes", "y", "true", "1", "on"):
        return measured
    text = setting.strip().lower()
    if text.startswith(">") and ":" in text:
        limit, _, replacement = text[1:].partition(":")
        try:
            if measured > int(limit):
                return precomputed if replacement.strip() == "precomputed" else int(replacement)
        except ValueError:
            cupsio.debug(f"trustjobsize: cannot read {setting!r}")
    return measured
