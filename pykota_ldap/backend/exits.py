"""The exit codes of a CUPS backend (cups/backend.h), and the rule that no other code reaches CUPS."""
from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from . import cupsio


class BackendExit(IntEnum):
    """What CUPS does with the job (and the queue) for each code."""

    OK = 0              # job completed
    FAILED = 1          # the queue's printer-error-policy decides (default retry-job)
    AUTH_REQUIRED = 2   # held for authentication: never used on purpose
    HOLD = 3            # job held, the queue goes on
    STOP = 4            # queue stopped, job kept pending
    CANCEL = 5          # job cancelled, the queue goes on
    RETRY = 6           # job retried later, aborted after JobRetryLimit
    RETRY_CURRENT = 7   # job re-run at once


def guarded(work: Callable[[list[str]], int], argv: list[str]) -> int:
    """work(argv)'s exit code, never one of Python's own by accident (1 for a traceback, 2 for a
    usage error, which CUPS would read as "held for authentication"): a bug holds the job."""
    try:
        return work(argv)
    except SystemExit as exc:      # nothing below should call sys.exit; map it if it does
        code = exc.code if isinstance(exc.code, int) else BackendExit.HOLD
        return code if code in (BackendExit.OK, BackendExit.CANCEL, BackendExit.STOP) else BackendExit.HOLD
    except BaseException as exc:   # noqa: BLE001 - a bug must hold the job, not lose it
        import traceback
        for line in traceback.format_exc().splitlines():
            cupsio.debug(line)
        cupsio.error(f"internal error, job held: {type(exc).__name__}: {exc}")
        return BackendExit.HOLD
