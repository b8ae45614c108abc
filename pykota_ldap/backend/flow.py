"""One job: spool, precount, decide (waiting for the directory if needed); then printing.py
reserves (strict), refuses or prints, and charge.settle counts the pages and charges them.

`run(argv)` is the job as CUPS sees it, the same in the backend process and in the resident
helper's child (server.py): the SIGTERM handler follows the job's phase (state.JobState) and
every path ends in an exit code (exits.BackendExit, or the real backend's own when it failed).
A job whose cupsd is gone while it waits for the directory stops there (Orphaned).
Only light modules are imported before the page count is forked off: the LDAP client (ldap3)
and the decision are imported while the child counts.
"""
from __future__ import annotations

import os
import secrets
import signal
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from . import cupsio
from .cupsio import one_line
from .exits import BackendExit, guarded
from .job import Decided, Setup
from .jobinfo import JobInfo, UsageError, from_argv
from .places import spool_dir
from .printing import after_decision, close_quietly
from .state import Cancelled, JobState, Orphaned, Retry

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Config
    from ..directory import Directory
    from .decide import Verdict
    from .precount import Precount


def run(argv: list[str], cupsd: tuple[int, int] | None = None) -> int:
    """The job as CUPS runs it, in the backend process or in the resident helper's child
    (cupsd: the backend process cupsd started and cupsd's pid, when the job was handed over)."""
    state = JobState(cupsd)
    return guarded(lambda args: _run_with_signals(args, state), argv)


def _run_with_signals(argv: list[str], state: JobState) -> int:
    try:
        signal.signal(signal.SIGTERM, state.on_sigterm)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        return run_job(argv, state)
    except Cancelled:
        cupsio.info("job cancelled before printing")
        return BackendExit.OK


def run_job(argv: list[str], state: JobState) -> int:
    ready = _prepare(argv)
    if ready is None:
        return BackendExit.STOP
    setup, job = ready
    job.spool(spool_dir([setup.config.get("directory", None, job.printer), os.environ.get("TMPDIR")]))
    counting = None
    try:
        if job.size_bytes == 0:
            cupsio.info(f"job {job.job_id} contains no data: nothing to print")
            return BackendExit.OK
        # Count before printing (the precomputed size; copies are ours on raw queues); with
        # parallelcount, in a child process while this one loads the LDAP client and connects.
        from .precount import Precount
        counting = Precount(job.data_path, setup.pdl_timeout, fork=setup.parallel_count)
        decided = _decide(setup, job, counting, state)
        if isinstance(decided, int):
            return decided
        return after_decision(decided, state)
    finally:
        if counting is not None:
            counting.abandon()
        job.cleanup(keep=_keep(setup.config, job.printer))


def _prepare(argv: list[str]) -> tuple[Setup, JobInfo] | None:
    """The configuration, the job CUPS gave, the real backend; None (told to CUPS) when the
    queue must stop."""
    from ..accounting.accounter import AccounterError, parse
    from ..config import Config, ConfigError
    from .run import backend_path
    try:
        config = Config(want_admin=True)
        for warning in config.warnings:         # the commands and pkdoctor show them; users need not
            cupsio.debug(f"configuration: {warning}")
        job = from_argv(argv, dict(os.environ),
                        config.get_choice("usernamecase", ("native", "upper", "lower"), "native"),
                        config.get("winbind_separator"), config.get("striptitle", None, os.environ.get("PRINTER")))
        printer = job.printer
        accounter = parse(config.get("accounter", None, printer))
        retries, pause, charge_on_error = _backend_error_policy(config, printer)
        setup = Setup(config, accounter, backend="",
                      directory_wait=config.get_float("directorywait", 60.0, printer, minimum=0),
                      pdl_timeout=config.get_float("pdltimeout", 60.0, printer, minimum=1),
                      parallel_count=(config.get_bool("parallelcount", False, printer)
                                      or bool(os.environ.get("PYKOTA_PRECOUNT_FORK"))),
                      on_accounter_error=config.get_choice("onaccountererror", ("stop", "continue"), "stop",
                                                           printer),
                      retries=retries, retry_pause=pause, charge_on_error=charge_on_error)
    except (ConfigError, AccounterError) as exc:
        cupsio.error(f"configuration: {one_line(exc)}")
        return None
    except UsageError as exc:
        cupsio.error(str(exc))
        return None
    path = backend_path(job.scheme, job.environ, os.path.realpath(__file__))
    if path is None:
        cupsio.error(f"no CUPS backend for {job.uri!r} (device URI {job.device_uri!r})")
        return None
    return replace(setup, backend=path), job


def _decide(setup: Setup, job: JobInfo, counting: Precount, state: JobState) -> Decided | int:
    """The directory's verdict (waiting `directorywait` for it), or the exit code when there is none."""
    from ..config import ConfigError
    from ..directory import DirectoryError
    from .journal import JobJournal, journal_dir
    from .precount import PrecountError

    def size_of() -> int:
        return _precomputed_pages(setup, job, counting)

    try:
        d, verdict, size = _connect_and_decide(setup.config, job, size_of, time.monotonic() + setup.directory_wait,
                                               state)
    except PrecountError as exc:
        cupsio.error(f"job {job.job_id} refused: its pages cannot be counted ({exc})")
        return BackendExit.CANCEL
    except Retry:
        cupsio.warning(f"directory still unreachable after {setup.directory_wait:.0f} s: job {job.job_id} "
                       f"will be tried again")
        return BackendExit.RETRY_CURRENT
    except Orphaned:
        cupsio.info(f"cupsd is gone: job {job.job_id} not printed by this process (the new cupsd runs it)")
        return BackendExit.OK
    except DirectoryError as exc:                 # refused bind, schema missing, ...
        cupsio.error(f"directory: {one_line(exc)}")
        return BackendExit.STOP
    except ConfigError as exc:
        cupsio.error(f"configuration: {one_line(exc)}")
        return BackendExit.STOP
    date = datetime.now(timezone.utc)
    name = f"{job.printer}-{job.job_id}-{date:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    journal = JobJournal(journal_dir(setup.config), name)
    journal.provider = d.server_uri                  # the job's writes stay on it (directory.core)
    return Decided(setup, job, d, verdict, size, name, date, journal)


def _precomputed_pages(setup: Setup, job: JobInfo, counting: Precount) -> int:
    from .accounters import precount_by_command
    from .precount import PrecountError
    try:
        by_command = precount_by_command(setup.config, job)      # preaccounter: software(command)
        if by_command is not None:
            return by_command
        total, _ = counting.result()
        return total * (job.copies if job.raw_queue else 1)
    except PrecountError as exc:
        if setup.on_accounter_error == "stop":
            raise
        cupsio.warning(f"pages of job {job.job_id} cannot be counted ({exc}); counted as 0")
        return 0


def _connect_and_decide(config: Config, job: JobInfo, size_of: Callable[[], int],
                        deadline: float, state: JobState) -> tuple[Directory, Verdict, int]:
    """(directory, verdict, size); waits for an unreachable directory until `deadline`, then
    Retry; Orphaned as soon as cupsd is gone."""
    from ..directory import Directory, DirectoryUnavailable
    from .decide import decide

    delay, told = 0.5, False
    while True:
        d = None
        try:
            d = Directory(config.ldap(admin=True)).connect()
            _replay_journal(config, d)
            size = size_of()
            verdict = decide(config, d, job, size, datetime.now(timezone.utc))
            if told:
                cupsio.info(f"directory reachable again ({d.server_uri})")
            return d, verdict, size
        except DirectoryUnavailable as exc:
            if d is not None:
                close_quietly(d)
            if not told:
                cupsio.warning(f"directory unreachable, job {job.job_id} kept until it answers: {one_line(exc)}")
                told = True
            if state.cupsd_gone():
                raise Orphaned() from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Retry() from None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def _replay_journal(config: Config, d: Directory) -> None:
    """Records kept on disk while the directory was away, or left by jobs that died, go first
    (a few per job). Nothing in the journal may stop this job."""
    from ..directory import DirectoryUnavailable
    from .journal import journal_dir
    from .replay import replay
    try:
        report = replay(d, journal_dir(config), limit=50)
    except DirectoryUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001
        cupsio.warning(f"journal not replayed: {type(exc).__name__}: {one_line(exc)}")
        return
    if report.applied or report.already or report.failed or report.waiting:
        cupsio.info(f"journal: {report}")
    if report.errors:                  # one line: a record waiting for the ACL comes up at every job
        more = f" (and {len(report.errors) - 1} more: cupspykota --replay lists them)" if len(report.errors) > 1 else ""
        cupsio.warning(f"journal: {report.errors[0]}{more}")


def _backend_error_policy(config: Config, printer: str) -> tuple[int, float, bool]:
    """onbackenderror: charge | nocharge [, retry:N:S]  -> (retries, pause, charge). N=0: forever (-1)."""
    value = config.get("onbackenderror", "nocharge", printer)
    retries, pause, charge = 0, 0.0, False
    for part in (p.strip().lower() for p in value.split(",")):
        if part == "charge":
            charge = True
        elif part.startswith("retry:"):
            try:
                _, n, s = part.split(":")
                retries, pause = (int(n) if int(n) > 0 else -1), float(s)
            except ValueError:
                pass
    return retries, pause, charge


def _keep(config: Config, printer: str) -> bool:
    try:
        return config.get_bool("keepfiles", False, printer)
    except Exception:  # noqa: BLE001
        return False
