"""One job: spool, precount, decide (waiting for the directory if needed), print; then
charge.settle counts the pages and charges them.

`run(argv)` is the job as CUPS sees it, the same in the backend process and in the resident
helper's child (server.py): the SIGTERM handler follows the job's phase (state.JobState) and
every path ends in an exit code (exits.BackendExit, or the real backend's own when it failed).
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
from .state import Cancelled, JobState, Phase, Retry

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Config
    from ..directory import Directory
    from .decide import Verdict
    from .precount import Precount
    from .run import RunResult


def run(argv: list[str]) -> int:
    """The job as CUPS runs it, in the backend process or in the resident helper's child."""
    return guarded(_run_with_signals, argv)


def _run_with_signals(argv: list[str]) -> int:
    state = JobState()
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
    workdir = setup.config.get("directory", None, job.printer) or os.environ.get("TMPDIR")
    if workdir and not os.access(workdir, os.W_OK):
        workdir = None
    job.spool(workdir)
    counting = None
    try:
        if job.size_bytes == 0:
            cupsio.info(f"job {job.job_id} contains no data: nothing to print")
            return BackendExit.OK
        # Count before printing (the precomputed size; copies are ours on raw queues); with
        # parallelcount, in a child process while this one loads the LDAP client and connects.
        from .precount import Precount
        counting = Precount(job.data_path, setup.pdl_timeout, fork=setup.parallel_count)
        decided = _decide(setup, job, counting)
        if isinstance(decided, int):
            return decided
        if not decided.verdict.prints:
            return _refuse(decided)
        _before_printing(decided)
        return _print_and_charge(decided, state)
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


def _decide(setup: Setup, job: JobInfo, counting: Precount) -> Decided | int:
    """The directory's verdict (waiting `directorywait` for it), or the exit code when there is none."""
    from ..config import ConfigError
    from ..directory import DirectoryError
    from .precount import PrecountError

    def size_of() -> int:
        return _precomputed_pages(setup, job, counting)

    try:
        d, verdict, size = _connect_and_decide(setup.config, job, size_of, time.monotonic() + setup.directory_wait)
    except PrecountError as exc:
        cupsio.error(f"job {job.job_id} refused: its pages cannot be counted ({exc})")
        return BackendExit.CANCEL
    except Retry:
        cupsio.warning(f"directory still unreachable after {setup.directory_wait:.0f} s: job {job.job_id} "
                       f"will be tried again")
        return BackendExit.RETRY_CURRENT
    except DirectoryError as exc:                 # refused bind, schema missing, ...
        cupsio.error(f"directory: {one_line(exc)}")
        return BackendExit.STOP
    except ConfigError as exc:
        cupsio.error(f"configuration: {one_line(exc)}")
        return BackendExit.STOP
    name = f"{job.printer}-{job.job_id}-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    return Decided(setup, job, d, verdict, size, name)


def _precomputed_pages(setup: Setup, job: JobInfo, counting: Precount) -> int:
    from .precount import PrecountError
    try:
        total, _ = counting.result()
        return total * (job.copies if job.raw_queue else 1)
    except PrecountError as exc:
        if setup.on_accounter_error == "stop":
            raise
        cupsio.warning(f"pages of job {job.job_id} cannot be counted ({exc}); counted as 0")
        return 0


def _connect_and_decide(config: Config, job: JobInfo, size_of: Callable[[], int],
                        deadline: float) -> tuple[Directory, Verdict, int]:
    """(directory, verdict, size); waits for an unreachable directory until `deadline`, then Retry."""
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
                _close(d)
            if not told:
                cupsio.warning(f"directory unreachable, job {job.job_id} kept until it answers: {one_line(exc)}")
                told = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Retry() from None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def _replay_journal(config: Config, d: Directory) -> None:
    """Charges kept on disk while the directory was away go first (a few per job)."""
    from .journal import journal_dir, replay
    try:
        report = replay(d, journal_dir(config), limit=50)
    except OSError as exc:
        cupsio.debug(f"journal not readable: {exc}")
        return
    if report.applied or report.already:
        cupsio.info(f"journal: {report}")


def _refuse(decided: Decided) -> int:
    """Nothing reaches the printer: the history says why, CUPS cancels the job."""
    from ..model import Charge
    from .charge import apply, history_entry
    from .notify import tell
    job, verdict = decided.job, decided.verdict
    if verdict.record:
        apply(decided, Charge(decided.name, history_entry(decided, verdict.action)))    # the entry only
    cupsio.error(f"job {job.job_id} of {job.user} refused: {verdict.reason}")
    tell(decided.setup.config, job, verdict.action, verdict.reason, _email(verdict))
    _close(decided.directory)
    return BackendExit.CANCEL


def _before_printing(decided: Decided) -> None:
    """A warning for the user when the verdict says so, then the prehook."""
    from ..model import Action
    from .commands import hook
    from .notify import tell
    config, job, verdict = decided.setup.config, decided.job, decided.verdict
    if verdict.action == Action.WARN:
        cupsio.warning(f"{job.user}: {verdict.reason}")
        tell(config, job, Action.WARN, verdict.reason, _email(verdict))
    hook(config, job, "prehook", PYKOTAPHASE="BEFORE", PYKOTAACTION=verdict.action, PYKOTAREASON=verdict.reason,
         PYKOTAPRECOMPUTEDJOBSIZE=decided.size, PYKOTAPRECOMPUTEDJOBPRICE=verdict.price)


def _print_and_charge(decided: Decided, state: JobState) -> int:
    from .charge import settle
    counter = None
    if decided.setup.accounter.kind == "snmp" and decided.verdict.record:
        from .hardware import open_counter
        counter = open_counter(decided.setup.config, decided.job, decided.setup.accounter)
    result = _print(decided.setup, decided.job, state)
    # Whatever goes wrong from here, a printed job must not go back to CUPS as failed (it would
    # be printed again): exit 0 with the reason.
    try:
        return settle(decided, state, result, counter)
    except Exception as exc:  # noqa: BLE001
        if result.status != 0:
            raise
        import traceback
        for line in traceback.format_exc().splitlines():
            cupsio.debug(line)
        cupsio.error(f"job {decided.job.job_id} printed, but its accounting failed: {type(exc).__name__}: {exc}")
        return BackendExit.OK
    finally:
        _close(decided.directory)
        cupsio.debug(f"job {decided.job.job_id}: {decided.directory.operations} LDAP operations")


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


def _email(verdict: Verdict) -> str | None:
    return verdict.user.email if verdict.user else None


def _keep(config: Config, printer: str) -> bool:
    try:
        return config.get_bool("keepfiles", False, printer)
    except Exception:  # noqa: BLE001
        return False


def _close(d: Directory) -> None:
    try:
        d.close()
    except Exception:  # noqa: BLE001 - a connection that died with the directory
        pass


