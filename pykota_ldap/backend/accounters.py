"""The accounters that read something else than SNMP: hardware(pjl[:port]), hardware(command)
and software(command) (accounting/accounter.py parses them), and preaccounter.

The admin's commands run without a shell: their line is split into words once (shlex), the
only placeholder `%(printer)s` (hardware(command): the device URI's host) is replaced inside a
word, the job's values reach them only as PYKOTA* variables of their environment (commands.job_env)
and, for software(command), the job's data on their standard input. The first line of their
output that is a whole number is the count; none is an accounter error (onaccountererror).
"""
from __future__ import annotations

import os
import re
import subprocess
from typing import TYPE_CHECKING

from ..accounting.snmp import Reading, SNMPError
from . import commands, cupsio

if TYPE_CHECKING:
    from ..accounting.accounter import Accounter
    from ..config import Config
    from ..model import Printer
    from .jobinfo import JobInfo


# ASCII digits only (str.isdigit() takes '²', which int() refuses), at most 15 of them
_COUNT = re.compile(r"[0-9]{1,15}")


class CounterCommandError(SNMPError):
    """An accounter command failed or printed no number (an SNMPError: the hardware path treats
    every unreadable counter the same way)."""


def command_words(command: str, host: str | None) -> list[str]:
    import shlex  # here: only accounter commands are split
    return [word.replace("%(printer)s", host or "").replace("%%", "%") for word in shlex.split(command)]


def run_count(command: str, job: JobInfo, timeout: float, host: str | None = None, data: str | None = None) -> int:
    """What the command prints: its first whole number."""
    words = command_words(command, host)
    name = os.path.basename(words[0])
    try:
        with open(data or os.devnull, "rb") as stdin:
            done = subprocess.run(words, stdin=stdin, capture_output=True, timeout=timeout, env=commands.job_env(job))
    except subprocess.TimeoutExpired:
        raise CounterCommandError(f"{name} did not answer in {timeout:.0f} s") from None
    except OSError as exc:
        raise CounterCommandError(f"cannot run {name}: {exc.strerror or exc}") from None
    for line in done.stderr.decode("utf-8", "replace").splitlines()[:20]:
        cupsio.debug(f"[{name}] {line}")
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if _COUNT.fullmatch(line.strip()):
            return int(line.strip())
    raise CounterCommandError(f"{name} exited with {done.returncode} and printed no number")


class CommandCounter:
    """hardware(command): the admin's command prints the printer's counter; it is run once
    before and once after the job (waiting for the printer is the command's business)."""

    def __init__(self, command: str, job: JobInfo, host: str | None, timeout: float):
        self.command, self.job, self.host, self.timeout = command, job, host, timeout

    def read(self) -> Reading:
        return Reading(run_count(self.command, self.job, self.timeout, host=self.host), 3, 2)

    def counter_before(self, settle: float, max_wait: float, log: object = None) -> Reading:
        return self.read()

    def counter_after(self, before: int, expected: int | None, no_printing_max: float, settle: float,
                      max_wait: float, log: object = None) -> Reading:
        return self.read()

    def close(self) -> None:
        pass


def device(accounter: Accounter, job: JobInfo, host: str, timeout: float, max_wait: float,
           error_mask: int) -> object:
    """What reads the printer's counter for this accounter (PrinterSNMP's interface)."""
    if accounter.kind == "pjl":
        from ..accounting.pjlstatus import PrinterPJL
        return PrinterPJL(host, accounter.port or _socket_port(job.uri) or 9100, timeout=max(timeout, 1.0))
    if accounter.kind == "ipp":
        from ..accounting.ipp import PrinterIPP
        return PrinterIPP(job.uri, timeout=max(timeout, 5.0))
    if accounter.kind == "hardware-command":
        return CommandCounter(accounter.command, job, host, max_wait)
    from ..accounting.snmp import PrinterSNMP
    return PrinterSNMP(host, accounter.port, accounter.community, timeout=timeout, error_mask=error_mask)


def _socket_port(uri: str) -> int | None:
    """The port of a socket:// device URI (the printer's raw port, where it answers PJL)."""
    if not uri.startswith("socket://"):
        return None
    where = uri[len("socket://"):].split("/", 1)[0].split("?", 1)[0]
    _, _, port = where.rpartition(":")
    return int(port) if port.isdigit() else None


def software_count(config: Config, job: JobInfo, key: str) -> int | None:
    """The pages software(command) in `key` (accounter or preaccounter) counts in the job's
    data; None when that key is not a software command. CounterCommandError when it fails."""
    from ..accounting.accounter import parse
    accounter = parse(config.get(key, None, job.printer))
    if accounter.kind != "software-command":
        return None
    pages = run_count(accounter.command, job, config.get_float("pdltimeout", 60.0, job.printer, minimum=1),
                      data=job.data_path)
    return pages * (job.copies if job.raw_queue else 1)


def precount_by_command(config: Config, job: JobInfo) -> int | None:
    """preaccounter software(command): the pages before printing; None: the built-in counter.
    PrecountError when the command fails (onaccountererror decides, as for the built-in one)."""
    from .precount import PrecountError
    try:
        return software_count(config, job, "preaccounter")
    except CounterCommandError as exc:
        raise PrecountError(f"preaccounter: {exc}") from None


# -- ink(colorspace[, dpi]) ----------------------------------------------------------------------

_coverages: dict[tuple[str, str, int], list[dict[str, float]] | None] = {}


def _coefficient(config: Config, key: str, printer: str) -> float | None:
    """One coefficient_<colour> for a printer; an empty value in its section cancels [global]'s."""
    value = config.get(key, None, printer)
    return float(value) if value else None


def coefficients(config: Config, printer: str) -> dict[str, float]:
    """The ink coefficients of one printer (or printer group): ink name -> factor (unset: 1.0)."""
    found = {"cyan": _coefficient(config, "coefficient_cyan", printer),
             "magenta": _coefficient(config, "coefficient_magenta", printer),
             "yellow": _coefficient(config, "coefficient_yellow", printer),
             "black": _coefficient(config, "coefficient_black", printer),
             "red": _coefficient(config, "coefficient_red", printer),
             "green": _coefficient(config, "coefficient_green", printer),
             "blue": _coefficient(config, "coefficient_blue", printer),
             "white": _coefficient(config, "coefficient_white", printer),
             "grayscale": _coefficient(config, "coefficient_grayscale", printer),
             "colored": _coefficient(config, "coefficient_colored", printer)}
    return {ink: factor for ink, factor in found.items() if factor is not None}


def ink_coverage(accounter: Accounter, job: JobInfo) -> list[dict[str, float]] | None:
    """Each page's ink (name -> percent) for every copy the job prints, measured once per job;
    None (told once) when the job's language cannot be measured."""
    from ..accounting.pdl import PDLError
    from ..accounting.pdl.ink import ink_coverage as measure
    from ..policy import INK_NAMES
    key = (job.data_path, accounter.colorspace, accounter.resolution)
    if key not in _coverages:
        try:
            pages = measure(job.data_path, accounter.colorspace, accounter.resolution)
            names = INK_NAMES[accounter.colorspace]
            _coverages.clear()                      # one job per process at a time
            _coverages[key] = [{names.get(ink, ink): pct for ink, pct in page.items()} for page in pages]
        except PDLError as exc:
            cupsio.warning(f"ink coverage of job {job.job_id} not measured ({exc}): priced per page")
            _coverages[key] = None
    coverage = _coverages[key]
    return None if coverage is None else coverage * (job.copies if job.raw_queue else 1)


def price_of(config: Config, job: JobInfo, key: str, pages: int, printers: list[Printer], overcharge: int) -> int:
    """The price of `pages` with the accounter in `key` (accounter or preaccounter): by ink
    coverage for ink(...), else per page and per job (policy.job_price)."""
    from .. import policy
    from ..accounting.accounter import parse
    accounter = parse(config.get(key, None, job.printer))
    coverage = ink_coverage(accounter, job) if accounter.kind == "ink" and pages else None
    if coverage is None:
        return policy.job_price(pages, printers, overcharge)
    return policy.ink_job_price(pages, coverage, printers, overcharge,
                                {p.name: coefficients(config, p.name) for p in printers})
