"""Epson ESC/P-R from the real driver (printer-driver-escpr), printed through a private cupsd.

epson-escpr-wrapper reads its PPD from cupsd (cupsGetPPD), not from $PPD, so
it cannot be run alone: each job goes through a cupsd queue made from the
driver's own PPD (its cups/driver program) to a simulated socket printer,
whose received bytes are counted here.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_files, require_tools, skip_unless_ci

from .conftest import ps_document

WRAPPER = "/usr/lib/cups/filter/epson-escpr-wrapper"
PPD_URI = "escpr:0/cups/model/epson-inkjet-printer-escpr/{}-epson-escpr-en.ppd"
SIMPLEX = "Epson-L3110_Series"       # plain A4 inkjet
DUPLEX = "Epson-XP-3150_Series"      # has the Duplex option
# (model, pages, copies, options)
JOBS = {
    "1": (SIMPLEX, 1, 1, {}),
    "3": (SIMPLEX, 3, 1, {}),
    "3x2": (SIMPLEX, 3, 2, {}),
    "3-duplex": (DUPLEX, 3, 1, {"Duplex": "DuplexNoTumble"}),
    "8-mono": (DUPLEX, 8, 1, {"Ink": "MONO"}),
}


@pytest.fixture(scope="module")
def escpr(tmp_path_factory) -> dict[str, Path]:
    require_files(WRAPPER, "/usr/lib/cups/driver/escpr", package="printer-driver-escpr")
    require_tools("cupsd", "lpadmin", "gs")
    from pykota_ldap.testing.cups import Cupsd
    from pykota_ldap.testing.printer import NetworkPrinter

    out = tmp_path_factory.mktemp("escpr")
    made = {}
    with NetworkPrinter() as printer, Cupsd(profile="permissive", loglevel="warn") as cups:
        for model in {model for model, *_ in JOBS.values()}:
            cups.add_queue(model.lower().replace("-", "_"), printer.uri, ppd=PPD_URI.format(model))
        for name, (model, pages, copies, options) in JOBS.items():
            queue = model.lower().replace("-", "_")
            document = cups.document_dir / f"{name}.ps"
            document.write_bytes(ps_document(pages))
            os.chmod(document, 0o644)
            before = len(printer.jobs)
            job = cups.lp(queue, document, user="root", copies=copies, options=options)
            state = cups.wait_job(queue, job, timeout=180)
            received = _received(printer, before)
            if state.state != "completed" or received is None:
                skip_unless_ci(f"ESC/P-R job {name} did not print ({state}): {cups.log_tail(600)}")
            made[name] = out / f"{name}.escpr"
            made[name].write_bytes(Path(received).read_bytes())
    return made


def _received(printer, before: int, timeout: float = 30.0) -> str | None:
    """The file the simulated printer wrote for the job after the first `before` ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = printer.jobs[before:]
        if jobs and jobs[0].get("path"):
            return jobs[0]["path"]
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("name", JOBS)
def test_escpr_counts_the_pages_the_driver_printed(escpr, name):
    _, pages, copies, _ = JOBS[name]
    data = escpr[name].read_bytes()
    assert data.startswith(b"\x00\x00\x00\x1b\x01@EJL") and b"\x1b(R\x06\x00\x00ESCPR" in data[:300]
    result = count_pages(escpr[name])
    # The driver repeats the pages for copies: they are pages here.
    assert (result.pages, result.copies, result.total, result.language) == (pages * copies, 1, pages * copies,
                                                                            "escpr")


def test_escpr_duplex_blank_back_side_is_not_a_page(escpr):
    """An odd duplex job ends with the blank back the driver adds: 4 sides, 3 pages."""
    data = escpr["3-duplex"].read_bytes()
    assert data.count(b"sttp") == 4 and data.count(b"setn") == 3
    assert count_pages(escpr["3-duplex"]).pages == 3


def test_escpr_cut_inside_a_page_is_an_error(escpr, tmp_path):
    data = escpr["3"].read_bytes()
    cut = tmp_path / "cut.prn"
    cut.write_bytes(data[:data.rindex(b"endp") - 20])
    with pytest.raises(PDLError, match="truncated"):
        count_pages(cut)


def test_escpr_damaged_output_fails_cleanly(escpr, tmp_path):
    """Truncated, bit-flipped and spliced copies: a count or a one-line PDLError, in time."""
    from .test_fuzz import assert_damaged_copies_fail_cleanly

    assert_damaged_copies_fail_cleanly([escpr["3"], escpr["3-duplex"], escpr["8-mono"]], tmp_path, seed=6)


def test_escpr_garbage_after_the_mode_switch_is_one_clear_error(tmp_path):
    job = tmp_path / "bad.prn"
    job.write_bytes(b"\x1b@\x1b(R\x06\x00\x00ESCPR" + b"\x1bj\xff\xff\xff\x7fsetj" + b"\x00" * 64)
    with pytest.raises(PDLError, match="truncated ESC/P-R setj data"):
        count_pages(job)
    job.write_bytes(b"\x1b@\x1b(R\x06\x00\x00ESCPR" + b"hello world" * 10)
    with pytest.raises(PDLError, match="^not an ESC/P-R command at byte 13$"):
        count_pages(job)



def _command_at(data: bytes, name: bytes, start: int) -> tuple[int, int]:
    """(offset, length) of the first ESC/P-R command `name` from `start`: ESC, class, 32-bit
    length, name, data."""
    at = data.index(name, start) - 6
    return at, 10 + int.from_bytes(data[at + 2:at + 6], "little")


def test_escpr_back_side_without_number_that_holds_raster_is_a_page(escpr, tmp_path):
    """Only the driver's blank back (one raster line of 10 bytes) goes uncounted: a crafted job
    whose back side drops its setn still prints it, and so does a blank back with more raster."""
    data = escpr["3-duplex"].read_bytes()
    at, length = _command_at(data, b"setn", data.index(b"endp\x01"))    # the back side of page 1
    crafted = tmp_path / "crafted.escpr"
    crafted.write_bytes(data[:at] + data[at + length:])
    assert count_pages(crafted).pages == 3
    at, length = _command_at(data, b"dsnd", data.rindex(b"sttp"))      # the blank back's one line
    crafted.write_bytes(data[:at] + data[at:at + length] * 2 + data[at + length:])
    assert count_pages(crafted).pages == 4
