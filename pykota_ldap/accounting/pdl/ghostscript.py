"""Ghostscript as an interpreter of last resort, always under a time limit.

Used for PostScript whose structure cannot be trusted (pages are counted as
the interpreter emits them, with the copies the page device asks for) and
for ink coverage. Ghostscript runs with -dSAFER in its own process group,
which is killed whole when the deadline passes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess

from .deadline import Deadline
from .errors import PDLError
from .result import Tally

# Prints one marker line per page the device emits, with that page's copies
# (the page device's /NumCopies, else #copies as Level 1 showpage reads it).
_PAGE_HOOK = (
    "<< /EndPage { exch pop dup 2 ne dup {"
    " (\\nPKPGPAGE ) print"
    " currentpagedevice /NumCopies 2 copy known { get } { pop pop null } ifelse"
    " dup null eq { pop /#copies where { /#copies get } { 1 } ifelse } if"
    " dup type /integertype ne { pop 1 } if"
    " 20 string cvs print (\\n) print flush"
    " } if exch pop } >> setpagedevice"
)
_PAGE_LINE = re.compile(rb"PKPGPAGE (\d+)")


def executable() -> str:
    gs = shutil.which("gs")
    if gs is None:
        raise PDLError("Ghostscript (gs) is needed to interpret this job but is not installed")
    return gs


def run(args: list[str], deadline: Deadline, what: str) -> tuple[int, bytes, bytes]:
    """Run gs with ``args``; return (exit status, stdout, stderr)."""
    command = [executable(), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT", *args]
    timeout = deadline.remaining()
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise PDLError(f"cannot start Ghostscript: {exc}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise PDLError(f"Ghostscript did not finish {what} within {deadline.seconds:g} s") from None
    except BaseException:
        _kill(proc)
        raise
    return proc.returncode, out, err


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def count_pages(path: str, deadline: Deadline) -> Tally:
    """Interpret a PostScript (or PDF) file and tally the pages it emits."""
    status, out, err = run(["-sDEVICE=nullpage", "-c", _PAGE_HOOK, "-f", path],
                           deadline, "interpreting the job")
    tally = Tally()
    for match in _PAGE_LINE.finditer(out):
        tally.add(1, min(int(match.group(1)), 9999))
    if tally.pages == 0 and status != 0:
        raise PDLError(f"Ghostscript failed on this job: {_error_line(out + err)}")
    return tally


def _error_line(output: bytes) -> str:
    for line in output.decode("latin-1").splitlines():
        if "Error" in line or "error" in line:
            return line.strip()[:200]
    return "no page was produced"
