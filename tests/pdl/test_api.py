"""The public API the CUPS backend uses, and its promises."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from pykota_ldap.accounting.pdl import PageCount, PDLError, count_pages

from .conftest import REPO, ps_document


def test_page_count_is_a_small_immutable_value():
    result = PageCount(pages=3, copies=2, total=6, language="pdf")
    with pytest.raises(AttributeError):
        result.pages = 4  # type: ignore[misc]
    assert result == PageCount(3, 2, 6, "pdf") and result != PageCount(3, 1, 3, "pdf")
    assert len({result, PageCount(3, 2, 6, "pdf")}) == 1
    assert repr(result) == "PageCount(pages=3, copies=2, total=6, language='pdf')" and str(result) == "6"


def test_import_is_cheap():
    code = ("import sys, pykota_ldap.accounting.pdl as p; "
            "heavy = [m for m in ('pikepdf', 'click', 'subprocess', 'pdfminer') if m in sys.modules]; "
            "print(heavy)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_counting_a_plain_job_from_the_command_line_loads_only_the_counter(tmp_path):
    """``pkpgcounter FILE`` is started once per job: for a PostScript job its DSC can
    vouch for, neither click, nor Ghostscript's sandbox, nor pikepdf may be loaded."""
    job = tmp_path / "job.ps"
    job.write_bytes(ps_document(3))
    code = ("import sys; from pykota_ldap.cli import pkpgcounter_entry as e\n"
            "try: e.main([sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "print([m for m in ('pikepdf', 'click', 'subprocess', 'dataclasses', 'typing', 'logging') "
            "if m in sys.modules])")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-S", "-c", code, str(job)], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.split("\n")[:2] == ["3", "[]"], out.stdout + out.stderr


def test_path_binary_file_and_pipe_give_the_same_count(tmp_path):
    data = ps_document(3)
    path = tmp_path / "job.ps"
    path.write_bytes(data)
    assert count_pages(path).total == 3
    assert count_pages(str(path)).total == 3
    with open(path, "rb") as f:
        assert count_pages(f).total == 3
    assert count_pages(io.BytesIO(data)).total == 3

    class Pipe(io.RawIOBase):  # not seekable, like the backend's stdin
        def __init__(self, payload: bytes):
            self._data = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self._data.read(min(len(b), 7))
            b[:len(chunk)] = chunk
            return len(chunk)

    assert count_pages(io.BufferedReader(Pipe(data))).total == 3


def test_a_seekable_file_is_counted_from_its_current_position(tmp_path):
    path = tmp_path / "job"
    path.write_bytes(b"garbage" + ps_document(2))
    with open(path, "rb") as f:
        f.seek(7)
        assert count_pages(f).pages == 2


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"Hello, this is plain text\n", "unknown job format"),
    (b"\x1b%-12345X@PJL ENTER LANGUAGE = HIPERC\r\n\x1b\x00", "unsupported language"),
    (b"\x1b%-12345X@PJL INFO STATUS\r\n\x1b%-12345X", "no printable data"),
])
def test_errors_are_one_line_reasons(tmp_path, data, reason):
    path = tmp_path / "job"
    path.write_bytes(data)
    with pytest.raises(PDLError, match=reason) as caught:
        count_pages(path)
    assert "\n" not in str(caught.value)


def test_missing_file():
    with pytest.raises(PDLError, match="cannot open"):
        count_pages("/nonexistent/job.prn")


def test_pdl_error_keeps_one_line():
    assert str(PDLError("two\nlines  here")) == "two lines here"


def test_memory_stays_flat_on_a_large_job(tmp_path):
    """A ~200 MB PCL XL job (one page repeated) counts with a small, flat RSS."""
    from .test_pcl import UEL
    page = b"\x43" + b"\xfa" + (1 << 20).to_bytes(4, "little") + b"\x00" * (1 << 20) + b"\x44"
    path = tmp_path / "big.prn"
    with open(path, "wb") as f:
        f.write(UEL + b"@PJL ENTER LANGUAGE=PCLXL\n) HP-PCL XL;2;0\n\x41")
        for _ in range(200):
            f.write(page)
        f.write(b"\x42" + UEL)
    # VmHWM, not ru_maxrss: the latter keeps the size of the forked parent
    # (pytest, large after other tests) across exec.
    code = ("import sys; from pykota_ldap.accounting.pdl import count_pages; "
            f"r = count_pages({str(path)!r}); "
            "hwm = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')][0]; "
            "print(r.pages, hwm)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    pages, rss_kib = map(int, out.stdout.split())
    assert pages == 200
    assert rss_kib < 100 * 1024


def test_more_page_images_than_the_cap_is_an_error_not_a_charge(tmp_path):
    """150,000 form feeds are 150,000 PCL pages in 150 KB: above the cap
    (100,000 page images per job unless the caller says otherwise)."""
    path = tmp_path / "feeds.prn"
    path.write_bytes(b"\x1bE" + b"\x0c" * 150_000 + b"\x1bE")
    with pytest.raises(PDLError, match="implausible count: 150000 page images .*limit of 100000"):
        count_pages(path)
    assert count_pages(path, max_pages=200_000).total == 150_000
