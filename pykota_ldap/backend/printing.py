"""A decided job: reserved (strict), refused, or printed and charged.

From the decision on, the job's journal record (journal.py) says what the directory must still
receive if the job stops there. Every path that does not print gives any reservation back and
records why (refused, cancelled, cupsd gone, journal unwritable); nothing prints once cupsd is
gone (a new one runs the job again); R1 is on disk before the real backend starts.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from . import cupsio
from .cupsio import one_line
from .exits import BackendExit
from .job import Decided, Setup
from .jobinfo import JobInfo
from .state import Cancelled, JobState, Orphaned, Phase

if TYPE_CHECKING:
    from ..directory import Directory
    from ..model import Action
    from .banners import Banners
    from .decide import Verdict
    from .hardware import LifeCounter
    from .run import RunResult


def after_decision(decided: Decided, state: JobState) -> int:
    """Reserve (strict), then refuse or print. A job that stops before printing is recorded as
    such, its reservation given back."""
    from ..directory import DirectoryError, DirectoryUnavailable
    from ..model import Action
    from .hardware import CounterUnreadable
    from .journal import JournalError
    from .reserve import reserve
    job = decided.job
    try:
        try:
            reserve(decided)
        except DirectoryUnavailable as exc:       # the answer may be lost: R0 gives back whatever was counted
            cupsio.warning(f"directory lost while job {job.job_id} was admitted ({one_line(exc)}); it will be tried "
                           "again")
            return BackendExit.RETRY_CURRENT
        except DirectoryError as exc:
            cupsio.error(f"directory: {one_line(exc)}")
            _not_printed(decided, state, Action.PROBLEM)
            return BackendExit.STOP
        if not decided.verdict.prints:
            return _refuse(decided)
        _before_printing(decided)
        return _print_and_charge(decided, state)
    except Cancelled:
        cupsio.info(f"job {job.job_id} cancelled before printing")
        _not_printed(decided, state, Action.CANCEL)
        return BackendExit.OK
    except Orphaned:
        cupsio.info(f"cupsd is gone: job {job.job_id} not printed by this process (the new cupsd runs it)")
        _not_printed(decided, state, Action.CANCEL)
        return BackendExit.OK
    except CounterUnreadable as exc:
        cupsio.error(f"{exc}: queue stopped, job kept (onaccountererror: stop); restart the queue once the "
                     "printer answers")
        _not_printed(decided, state, Action.PROBLEM)
        return BackendExit.STOP
    except JournalError as exc:
        cupsio.error(f"{exc}; job {job.job_id} held rather than printed uncharged: make room or fix the journal "
                     "directory, then release the job")
        _not_printed(decided, state, Action.PROBLEM)
        return BackendExit.HOLD
    finally:
        decided.journal.close()
        close_quietly(decided.directory)


def _not_printed(decided: Decided, state: JobState, action: Action) -> None:
    """A job stopped before printing: nothing counted, any reservation given back, the history
    says so. On a new connection: the job's own may have been cut in the middle of an operation."""
    from ..directory import Directory
    from .charge import conclude, give_back
    state.finishing = True
    if not decided.verdict.record:
        return
    close_quietly(decided.directory)
    fresh = replace(decided, directory=Directory(decided.setup.config.ldap(admin=True)))
    try:
        conclude(fresh, give_back(fresh, action), printed=False)
    finally:
        close_quietly(fresh.directory)


def _refuse(decided: Decided) -> int:
    """Nothing reaches the printer: the history says why (any reservation given back), CUPS
    cancels the job."""
    from .banners import Banners
    from .charge import conclude, give_back
    from .notify import tell
    job, verdict = decided.job, decided.verdict
    Banners(decided).refused(verdict.action)
    if verdict.record:
        conclude(decided, give_back(decided, verdict.action), printed=False)
    tell(decided.setup.config, job, verdict.action, verdict.reason, _email(verdict))
    cupsio.error(f"job {job.job_id} of {job.user} refused: {verdict.reason}")   # last: the message lpstat shows
    return BackendExit.CANCEL


def _before_printing(decided: Decided) -> None:
    """A warning for the user when the verdict says so, then the prehook."""
    from ..model import Action
    from .commands import hook
    from .notify import tell
    config, job, verdict = decided.setup.config, decided.job, decided.verdict
    if verdict.action == Action.WARN:
        tell(config, job, Action.WARN, verdict.reason, _email(verdict))
        cupsio.warning(f"{job.user}: {verdict.reason}")
    hook(config, job, "prehook", PYKOTAPHASE="BEFORE", PYKOTAACTION=verdict.action, PYKOTAREASON=verdict.reason,
         PYKOTAPRECOMPUTEDJOBSIZE=decided.size, PYKOTAPRECOMPUTEDJOBPRICE=verdict.price)


def _print_and_charge(decided: Decided, state: JobState) -> int:
    """The device lock and the counter before (hardware accounting), the last check that cupsd is
    still there, R1 (charge the precount: data may now reach the printer), the real backend, and
    the charge."""
    from .banners import Banners, reset_deny_banners
    from .charge import charge_of, settle
    setup, verdict = decided.setup, decided.verdict
    counter, banners = None, Banners(decided)
    try:
        counter = _counter_before(decided, state, banners)
        if state.cupsd_gone():
            raise Orphaned()
        if verdict.record:
            decided.journal.record(charge_of(decided, verdict.action, decided.size))
        banners.send("starting", charged=True, action=verdict.action)
        result = _print(setup, decided.job, state)
        printed = result.status == 0 and not state.cancelled
        if printed:
            banners.send("ending", charged=True, action=verdict.action)
        result.banner_pages = banners.pages
    except BaseException:
        if counter is not None:
            counter.close()
        raise
    # Whatever goes wrong from here, a printed job must not go back to CUPS as failed (it would
    # be printed again): exit 0 with the reason.
    try:
        code = settle(decided, state, result, counter)
        if printed:
            banners.send("ending", charged=False, action=verdict.action)  # after the charge: nobody pays it
            reset_deny_banners(decided)
        return code
    except Exception as exc:  # noqa: BLE001
        if result.status != 0:
            raise
        import traceback
        for line in traceback.format_exc().splitlines():
            cupsio.debug(line)
        cupsio.error(f"job {decided.job.job_id} printed, but its accounting failed: {type(exc).__name__}: {exc}")
        return BackendExit.OK
    finally:
        cupsio.debug(f"job {decided.job.job_id}: {decided.directory.operations} LDAP operations")


def _counter_before(decided: Decided, state: JobState, banners: Banners) -> LifeCounter | None:
    """The uncharged starting banner and, with hardware accounting, the printer's counter: the
    device locked, then the banner, then the counter, so no other queue's job counts the banner."""
    setup, verdict = decided.setup, decided.verdict
    if state.cupsd_gone():
        raise Orphaned()

    def uncharged_banner() -> None:
        banners.send("starting", charged=False, action=verdict.action)

    if setup.accounter.reads_printer and verdict.record:
        from .hardware import open_counter
        return open_counter(setup.config, decided.job, setup.accounter, first=uncharged_banner)
    uncharged_banner()
    return None


def _print(setup: Setup, job: JobInfo, state: JobState) -> RunResult:
    """The real backend, tried again per onbackenderror, never again once the job is cancelled."""
    from .run import Runner
    runner = Runner()
    state.stop_backend = runner.terminate
    state.phase = Phase.PRINTING
    attempt = 0
    while True:
        result = runner.run(job, setup.backend)
        if result.status == 0 or state.cancelled or (setup.retries != -1 and attempt >= setup.retries):
            break
        attempt += 1
        cupsio.warning(f"{result.message}; trying again in {setup.retry_pause} s ({attempt})")
        time.sleep(setup.retry_pause)
    state.phase = Phase.PRINTED
    state.stop_backend = None
    return result


def _email(verdict: Verdict) -> str | None:
    return verdict.user.email if verdict.user else None


def close_quietly(d: Directory) -> None:
    try:
        d.close()
    except Exception:  # noqa: BLE001 - a connection that died with the directory
        pass


