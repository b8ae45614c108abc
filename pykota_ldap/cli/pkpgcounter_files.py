"""Counting the files given to pkpgcounter and printing the total: shared by
the click-free entry point (pkpgcounter_entry) and the click command, so both
print and fail the same way. Imports nothing but the page counter, lazily."""

from __future__ import annotations

import sys
import time

# typing costs start-up and only the type checker needs it (it takes this
# name as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Sequence

DEFAULT_TIMEOUT = 60.0


def _label(name: str) -> str:
    return "<stdin>" if name == "-" else name


def count_files(names: Sequence[str], timeout: float, debug: bool,
                echo: Callable[[str, bool], None]) -> bool:
    """Count ``names``, print their total (if any file counted) and one line per
    failure; ``echo(text, to_stderr)`` prints. True when every file counted."""
    from pykota_ldap.accounting.pdl import PDLError, count_pages

    failed = False
    total = counted = 0
    for name in names or ("-",):
        started = time.monotonic()
        try:
            result = count_pages(sys.stdin.buffer if name == "-" else name, timeout=timeout)
        except PDLError as exc:
            echo(f"pkpgcounter: {_label(name)}: {exc}", True)
            failed = True
            continue
        except OSError as exc:      # a file missing or unreadable; anything else is a bug
            echo(f"pkpgcounter: {_label(name)}: {type(exc).__name__}: {exc}", True)
            failed = True
            continue
        total += result.total
        counted += 1
        if debug:
            echo(f"{_label(name)}: language={result.language} pages={result.pages} copies={result.copies} "
                 f"total={result.total} ({time.monotonic() - started:.3f} s)", True)
    if counted:
        echo(str(total), False)
    return not failed
