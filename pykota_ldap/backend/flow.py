"""One job: spool, precount, decide (waiting for the directory if needed), print, count, charge."""
from __future__ import annotations

import os
import secrets
import time
from datetime import datetime, timezone

from . import CANCEL, OK, RETRY_CURRENT, STOP, cupsio
from .jobinfo import UsageError, from_argv


def _config():
    from ..config import Config
    return Config(want_admin=True)


def _connect_and_decide(config, job, size_of, deadline):
    """(directory, verdict, size); waits for an unreachable directory until `deadline`, then Retry."""
    from ..directory import Directory, DirectoryUnavailable
    from .decide import decide
    from .journal import journal_dir, replay
    from .main import Retry

    delay, told = 0.5, False
    while True:
        d = None
        try:
            d = Directory(config.ldap(admin=True)).connect()
            try:
                report = replay(d, journal_dir(config), limit=50)
                if report.applied or report.already:
                    cupsio.info(f"journal: {report}")
            except OSError as exc:
                cupsio.debug(f"journal not readable: {exc}")
            size = size_of()
            verdict = decide(config, d, job, size, datetime.now(timezone.utc))
            if told:
                cupsio.info(f"directory reachable again ({d.server_uri})")
            return d, verdict, size
        except DirectoryUnavailable as exc:
            if d is not None:
                _close(d)
            if not told:
                cupsio.warning(f"directory unreachable, job {job.job_id} kept until it answers: "
                               f"{' '.join(str(exc).split())}")
                told = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Retry() from None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def _history_job(config, job, action, size, price, precomputed_size, precomputed_price, counter=None):
    from ..model import Job
    hidden = config.get_bool("privacy", False)
    return Job(job_id=job.job_id, user=job.user, printer=job.printer, date=datetime.now(timezone.utc),
               action=action, size=size, price=price, title="hidden" if hidden else job.title,
               filename="hidden" if hidden else job.filename, copies=job.copies,
               options="hidden" if hidden else job.options_text, hostname=job.hostname,
               size_bytes=job.size_bytes, md5sum=job.md5, billing_code=job.billing_code,
               precomputed_size=precomputed_size, precomputed_price=precomputed_price,
               printer_page_counter=counter)


def _charge(config, d, charge) -> str:
    """Charge exactly once; on a directory error the charge goes to the local journal (fsync)."""
    from ..directory import DirectoryError
    from ..directory.history import charge_job
    from .journal import journal_dir, write
    try:
        if d is None:
            raise DirectoryError("no connection")
        return "charged" if charge_job(d, charge) else "already"
    except DirectoryError as exc:
        path = write(journal_dir(config), charge)
        cupsio.warning(f"directory lost after printing ({' '.join(str(exc).split())}); "
                       f"charge of job {charge.job.job_id} kept in {path} and applied when it answers")
        return "journaled"


def _hardware_pages(before, after, expected) -> int:
    """PyKota's sanity rules for life counters (reference 5.5)."""
    if before is None or after is None:
        return expected if expected else 1
    size = after - before
    if -10 < size < 0:
        size += 10                      # HP printers save the counter every 10 pages
    elif size < 0:
        size = 1
    return size


def run_job(argv: list[str], state: dict) -> int:
    # Only light modules before the page count is forked off: the LDAP client (ldap3) and the
    # decision are imported in the parent while the child counts.
    from ..config import ConfigError
    from . import accounting
    from .main import Retry
    from .notify import tell
    from .run import Runner, backend_path

    class _NotYet(Exception):
        pass

    DirectoryError = _NotYet          # rebound once the directory layer is imported

    try:
        config = _config()
        job = from_argv(argv, dict(os.environ), config.get_choice("usernamecase", ("native", "upper", "lower"), "native"),
                        config.get("winbind_separator"), config.get("striptitle", None, os.environ.get("PRINTER")))
        accounter = accounting.parse(config.get("accounter", None, job.printer))
        directory_wait = config.get_float("directorywait", 60.0, job.printer, minimum=0)
    except (ConfigError, accounting.AccounterError) as exc:
        cupsio.error(f"configuration: {' '.join(str(exc).split())}")
        return STOP
    except UsageError as exc:
        cupsio.error(str(exc))
        return STOP

    path = backend_path(job.scheme, job.environ, os.path.realpath(__file__))
    if path is None:
        cupsio.error(f"no CUPS backend for {job.uri!r} (device URI {job.device_uri!r})")
        return STOP

    workdir = config.get("directory", None, job.printer) or os.environ.get("TMPDIR")
    if workdir and not os.access(workdir, os.W_OK):
        workdir = None
    job.spool(workdir)
    counting = None
    try:
        if job.size_bytes == 0:
            cupsio.info(f"job {job.job_id} contains no data: nothing to print")
            return OK

        # Count before printing (the precomputed size; copies are ours on raw queues); with
        # parallelcount, in a child process while this one loads the LDAP client and connects.
        from .precount import Precount, PrecountError
        counting = Precount(job.data_path, config.get_float("pdltimeout", 60.0, job.printer, minimum=1),
                            fork=config.get_bool("parallelcount", False, job.printer)
                            or bool(os.environ.get("PYKOTA_PRECOUNT_FORK")))
        on_error = config.get_choice("onaccountererror", ("stop", "continue"), "stop", job.printer)
        from ..directory import AccessDenied, DirectoryError, SchemaMissing
        from ..model import Action

        def size_of() -> int:
            try:
                total, _ = counting.result()
                return total * (job.copies if job.raw_queue else 1)
            except PrecountError as exc:
                if on_error == "stop":
                    raise
                cupsio.warning(f"pages of job {job.job_id} cannot be counted ({exc}); counted as 0")
                return 0

        deadline = time.monotonic() + directory_wait
        try:
            d, verdict, size = _connect_and_decide(config, job, size_of, deadline)
        except PrecountError as exc:
            cupsio.error(f"job {job.job_id} refused: its pages cannot be counted ({exc})")
            return CANCEL
        except Retry:
            cupsio.warning(f"directory still unreachable after {directory_wait:.0f} s: job {job.job_id} "
                           f"will be tried again")
            return RETRY_CURRENT
        except (AccessDenied, SchemaMissing) as exc:
            cupsio.error(f"directory: {' '.join(str(exc).split())}")
            return STOP
        except ConfigError as exc:
            cupsio.error(f"configuration: {' '.join(str(exc).split())}")
            return STOP

        name = f"{job.printer}-{job.job_id}-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        user = verdict.context.user if verdict.context else None
        email = user.email if user else None

        if not verdict.prints:
            if verdict.record:
                from ..model import Charge
                record = _history_job(config, job, verdict.action, 0, 0, size, verdict.price)
                _charge(config, d, Charge(name, record))        # the history entry only
            cupsio.error(f"job {job.job_id} of {job.user} refused: {verdict.reason}")
            tell(config, job, verdict.action, verdict.reason, email)
            _close(d)
            return CANCEL
        if verdict.action == Action.WARN:
            cupsio.warning(f"{job.user}: {verdict.reason}")
            tell(config, job, Action.WARN, verdict.reason, email)

        _hook(config, job, "prehook", PYKOTAPHASE="BEFORE", PYKOTAACTION=verdict.action, PYKOTAREASON=verdict.reason,
              PYKOTAPRECOMPUTEDJOBSIZE=size, PYKOTAPRECOMPUTEDJOBPRICE=verdict.price)

        # Print.
        snmp, before, lock = None, None, None
        if accounter.kind == "snmp" and verdict.record:
            from .hardware import open_counter
            snmp, before, lock = open_counter(config, job, accounter)
        runner = Runner()
        state["runner"] = runner
        retries, pause, charge_on_error = _backend_error_policy(config, job.printer)
        attempt = 0
        while True:
            state["printing"] = True
            result = runner.run(job, path)
            state["printing"] = False
            if result.status == 0 or attempt >= retries and retries != -1:
                break
            attempt += 1
            cupsio.warning(f"{result.message}; trying again in {pause} s ({attempt})")
            time.sleep(pause)

        # Count after printing and charge. Whatever goes wrong from here, a printed job must not
        # go back to CUPS as failed (it would be printed again): exit 0 with the reason. A cancel
        # (SIGTERM) from now on is noted, not obeyed: the pages are out, they are charged.
        state["accounting"] = True
        try:
            return _account_and_charge(config, job, state, verdict, d, name, accounter, snmp, before, lock, result,
                                       size, charge_on_error)
        except Exception as exc:  # noqa: BLE001
            if result.status != 0:
                raise
            import traceback
            for line in traceback.format_exc().splitlines():
                cupsio.debug(line)
            cupsio.error(f"job {job.job_id} printed, but its accounting failed: {type(exc).__name__}: {exc}")
            return OK
    except DirectoryError as exc:
        cupsio.error(f"directory: {' '.join(str(exc).split())}")
        return STOP
    finally:
        if counting is not None:
            counting.abandon()
        job.cleanup(keep=_keep(config, job.printer))


def _account_and_charge(config, job, state, verdict, d, name, accounter, snmp, before, lock, result, size,
                        charge_on_error) -> int:
    """After the real backend: count, charge (or journal), tell; the job's exit code."""
    # Count after printing.
    counter_after = None
    if result.status == 0 or charge_on_error:
        if accounter.kind == "snmp" and snmp is not None:
            from .hardware import counter_after as read_after
            counter_after = read_after(config, job, snmp, before, size)
            pages = trust_job_size(config.get("trustjobsize", "yes", job.printer),
                                   _hardware_pages(before, counter_after, size), size)
        elif accounter.kind == "backend" and result.reported_pages:
            # 0 / none: the printer does not count, use the precount
            pages = trust_job_size(config.get("trustjobsize", "yes", job.printer), result.reported_pages, size)
        else:
            pages = size
    else:
        pages = 0
    if snmp is not None:
        snmp.close()
    if lock is not None:
        lock.close()

    if not verdict.record:
        return result.status
    ok = result.status == 0
    cancelled = bool(state.get("cancelled"))
    from ..model import Action
    action = verdict.action if ok else (Action.CANCEL if cancelled else Action.PROBLEM)
    if not verdict.charge:
        pages_charged, price, debit = 0, 0, 0
    else:
        from .. import policy
        ctx = verdict.context
        pages_charged = pages
        price = policy.job_price(pages, verdict.charged_printers, ctx.user.overcharge) if pages else 0
        debit = price - verdict.reserved
    if not verdict.charge:
        record_size, record_price = (pages, 0)
    else:
        record_size, record_price = (pages_charged, price)
    record = _history_job(config, job, action, record_size, record_price, size, verdict.price,
                          counter_after if counter_after is not None else before)
    from ..model import Charge
    reserved_pages = verdict.reserved_pages if verdict.charge else {}
    charge = Charge(name, record,
                    quota_dns=tuple(verdict.quota_dns) if verdict.charge and (pages_charged or reserved_pages) else (),
                    pages=pages_charged if verdict.charge else 0, reserved_pages=reserved_pages,
                    user_dn=verdict.user_dn, debit=debit,
                    billing_code_dn=verdict.billing_code_dn if verdict.charge else None)
    outcome = _charge(config, d, charge)
    _close(d)
    cupsio.debug(f"job {job.job_id}: {d.operations} LDAP operations")
    _hook(config, job, "posthook", PYKOTAPHASE="AFTER", PYKOTAACTION=action, PYKOTAJOBSIZE=record_size,
          PYKOTAJOBPRICE=record_price, PYKOTAPRECOMPUTEDJOBSIZE=size, PYKOTAPRECOMPUTEDJOBPRICE=verdict.price)
    if ok:
        from ..money import format as fmt
        what = f"{pages} page{'s' if pages != 1 else ''}"
        if verdict.charge:
            cupsio.info(f"job {job.job_id}: {what} charged to {job.user}"
                        + (f" (price {fmt(price)})" if price else "") + ("" if outcome != "journaled" else " [journal]"))
        else:
            cupsio.info(f"job {job.job_id}: {what} printed for {job.user}, not charged ({verdict.reason})")
        return OK
    if cancelled:
        cupsio.info(f"job {job.job_id} cancelled while printing" + ("" if charge_on_error else " (not charged)"))
        return OK
    cupsio.error(f"job {job.job_id} not printed: {result.message}"
                 + ("" if charge_on_error else " (not charged)"))
    return result.status


def _close(d) -> None:
    try:
        d.close()
    except Exception:  # noqa: BLE001 - a connection that died with the directory
        pass


def _hook(config, job, key, **values) -> None:
    """prehook / posthook: a command run with the job's PYKOTA* variables (PyKota's)."""
    command = config.get(key, None, job.printer)
    if not command:
        return
    from . import commands
    status, _ = commands.run(command, commands.job_env(job, **values))
    if status:
        cupsio.debug(f"{key} exited with {status}")


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


def _keep(config, printer) -> bool:
    try:
        return config.get_bool("keepfiles", False, printer)
    except Exception:  # noqa: BLE001
        return False


def _backend_error_policy(config, printer) -> tuple[int, float, bool]:
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
