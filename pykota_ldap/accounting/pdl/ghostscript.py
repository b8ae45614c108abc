"""Ghostscript as an interpreter of last resort, always in a sandbox cell.

Used for PostScript whose structure cannot be trusted and for ink coverage.
Every run happens in a :class:`sandbox.Cell` (private read-only directory,
unprivileged account, memory, file-size and CPU limits, killed at the
deadline) with -dSAFER. What Ghostscript prints is logged at debug level
only: a user sees one fixed sentence, never the interpreter's words (which
a job can fill with whatever it managed to read).

Pages are counted by the device: after the job, a procedure the job cannot
reach (bound, execute-only, on the execution stack) prints the device's
PageCount, which counts every page image output, copies included, whatever
the job did to its page device. An EndPage hook also prints each page's
copies, to tell pages from copies; the job can remove or call that hook, so
it is only believed when it adds up to the device's count.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil

from .deadline import Deadline
from .errors import PDLError
from .result import Tally
from .sandbox import JOB_NAME, Cell
from .stream import Job

log = logging.getLogger(__name__)

COULD_NOT_INTERPRET = "Ghostscript could not interpret this job"
MAX_COPIES = 9999

# The whole run as one procedure: the page hook, ``quit`` turned into
# ``stop`` (a job that quits still gets its pages counted), the job inside
# ``stopped`` (an error ends the job, as on a printer, and the count still
# runs), then the device's page count after a secret.
_PROGRAM = (
    "{ {"
    " exch pop dup 2 ne dup {"
    "  (\\nPKPGPAGE ) print"
    "  currentpagedevice /NumCopies 2 copy known { get } { pop pop null } ifelse"
    "  dup null eq { pop /#copies where { /#copies get } { 1 } ifelse } if"
    "  dup type /integertype ne { pop 1 } if"
    "  20 string cvs print (\\n) print flush"
    " } if exch pop"
    " } bind executeonly << /EndPage 3 -1 roll >> setpagedevice"
    " userdict /quit { stop } put"
    f" {{ ({JOB_NAME}) run }} stopped pop"
    " (\\nPKPGEND @SECRET@ ) print currentpagedevice /PageCount get 20 string cvs print (\\n) print flush"
    " } bind executeonly exec"
)
_PAGE_LINE = re.compile(rb"\nPKPGPAGE (\d+)\n")


def executable() -> str:
    gs = shutil.which("gs")
    if gs is None:
        raise PDLError("Ghostscript (gs) is needed to interpret this job but is not installed")
    return gs


def run(job: Job, start: int, end: int | None, args: list[str], deadline: Deadline, what: str,
        memory: int | None = None) -> tuple[int, bytes, bytes]:
    """Run gs with ``args`` in a cell holding bytes ``start``..``end`` of the
    job as the file named :data:`sandbox.JOB_NAME`, the only one gs may read."""
    command = [executable(), "-q", "-dSAFER", f"--permit-file-read={JOB_NAME}", "-dBATCH", "-dNOPAUSE",
               "-dNOPROMPT", "-sBandListStorage=memory", *args]
    with Cell() as cell:
        cell.copy_in(job.file, start, job.end if end is None else end, deadline)
        extra = {} if memory is None else {"memory": memory}
        status, out, err = cell.run(command, deadline, f"Ghostscript {what}", **extra)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("gs %s: exit %s, stdout %r, stderr %r", what, status, out[-2000:], err[-2000:])
    return status, out, err


def count_pages(job: Job, start: int, end: int | None, deadline: Deadline) -> Tally:
    """Interpret a PostScript section and tally the page images it outputs."""
    secret = secrets.token_hex(16)
    program = _PROGRAM.replace("@SECRET@", secret)
    _, out, _ = run(job, start, end, ["-sDEVICE=nullpage", "-c", program], deadline, "interpreting the job")
    found = re.search(rb"\nPKPGEND " + secret.encode() + rb" (\d+)\n", out)
    if found is None:
        raise PDLError(f"{COULD_NOT_INTERPRET} (it did not run to its end)")
    total = int(found.group(1))
    if total == 0:
        raise PDLError(f"{COULD_NOT_INTERPRET} (it printed no page)")
    marked = [min(int(copies), MAX_COPIES) for copies in _PAGE_LINE.findall(out[:found.start() + 1])]
    tally = Tally()
    # One copy is what a job gets when it asks for nothing: then copies
    # requested around it (PJL COPIES) apply, as on the DSC path.
    if sum(marked) == total:
        for copies in marked:
            tally.add(1, None if copies == 1 else copies)
    else:
        # The job replaced or called the page hook: the device's count is
        # what was printed; pages and copies can no longer be told apart.
        log.debug("gs page hook disagrees with the device (%d marks, %d page images)", len(marked), total)
        tally.add(total)
    return tally
