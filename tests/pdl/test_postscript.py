"""PostScript: DSC only when consistent, Ghostscript otherwise; copies in all spellings."""

from __future__ import annotations

import subprocess
import time

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_files

from .conftest import need, ps_document


def write(tmp_path, data: bytes, name: str = "job.ps"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def counted(tmp_path, data: bytes):
    result = count_pages(write(tmp_path, data), timeout=60)
    assert result.language == "postscript"
    return result.pages, result.copies


@pytest.mark.parametrize("pages", [1, 3, 12])
def test_consistent_dsc(tmp_path, pages):
    assert counted(tmp_path, ps_document(pages)) == (pages, 1)


@pytest.mark.parametrize("pages", [1, 4])
def test_without_dsc_is_interpreted(tmp_path, pages):
    need("gs")
    assert counted(tmp_path, ps_document(pages, dsc=False)) == (pages, 1)


@pytest.mark.parametrize("setup, copies", [
    ("<< /NumCopies 4 >> setpagedevice", 4),
    ("/#copies 2 def", 2),
    ("%%BeginNonPPDFeature: NumCopies 3\n%%EndNonPPDFeature", 3),
    ("%%BeginFeature: *NumCopies 5\n%%EndFeature", 5),
    ("%RBINumCopies: 6", 6),
])
def test_copies_with_dsc(tmp_path, setup, copies):
    assert counted(tmp_path, ps_document(2, setup=setup)) == (2, copies)


def test_requirements_numcopies(tmp_path):
    data = ps_document(3).replace(b"%%Pages: 3", b"%%Requirements: numcopies(2) collate\n%%Pages: 3")
    assert counted(tmp_path, data) == (3, 2)


@pytest.mark.parametrize("setup, copies", [
    ("<< /NumCopies 3 >> setpagedevice", 3),
    ("/#copies 2 def", 2),
    ("1 dict dup /NumCopies 4 put setpagedevice", 4),
])
def test_copies_without_dsc_come_from_the_page_device(tmp_path, setup, copies):
    need("gs")
    assert counted(tmp_path, ps_document(2, dsc=False, setup=setup)) == (2, copies)


def test_pstops_decoy_is_not_copies(tmp_path):
    setup = "2/languagelevel where{pop languagelevel 2 ge}{false}ifelse\n" \
            "{1 dict begin/NumCopies exch def currentdict end setpagedevice}\n" \
            "{userdict/#copies 3 -1 roll put}ifelse"
    need("gs")
    assert counted(tmp_path, ps_document(2, dsc=False, setup="%\n" + setup)) == (2, 2)


def test_concatenated_jobs_are_added(tmp_path):
    need("gs")
    assert counted(tmp_path, ps_document(3) + ps_document(4)) == (7, 1)


def test_page_comment_inside_undeclared_binary_data(tmp_path):
    need("gs")
    data = ps_document(3).replace(b"%%Page: 2 2", b"/junk (\n%%Page: 7 7\n) def\n%%Page: 2 2")
    assert counted(tmp_path, data) == (3, 1)


def test_declared_binary_section_is_skipped(tmp_path):
    blob = b"\n%%Page: 9 9\n" + bytes(range(256))
    section = b"%%BeginBinary: " + str(len(blob)).encode() + b"\n" + blob + b"\n%%EndBinary\n"
    data = ps_document(2).replace(b"%%EndSetup", section + b"%%EndSetup")
    # DSC is still consistent once the binary part is skipped: no interpreter needed.
    assert counted(tmp_path, data) == (2, 1)


def test_pages_comment_that_lies(tmp_path):
    need("gs")
    data = ps_document(3).replace(b"%%Pages: 3", b"%%Pages: 5")
    assert counted(tmp_path, data) == (3, 1)


def test_ctrl_d_and_pjl_wrapper_with_copies(tmp_path):
    data = (b"\x1b%-12345X@PJL JOB\r\n@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE = POSTSCRIPT\r\n"
            + b"\x04" + ps_document(3) + b"\x04\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
    assert counted(tmp_path, data) == (3, 2)


def test_in_file_copies_override_pjl(tmp_path):
    data = (b"\x1b%-12345X@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n"
            + ps_document(2, setup="<< /NumCopies 3 >> setpagedevice") + b"\x1b%-12345X")
    assert counted(tmp_path, data) == (2, 3)


def test_pjl_wrapped_without_dsc_is_interpreted_up_to_the_uel(tmp_path):
    need("gs")
    data = (b"\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\r\n" + ps_document(2, dsc=False)
            + b"\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
    assert counted(tmp_path, data) == (2, 1)


def test_ps2write_output(tmp_path, gs_render):
    result = count_pages(gs_render("ps2write", 5, suffix=".ps"))
    assert (result.pages, result.copies) == (5, 1)


def test_eps2write_output(tmp_path, gs_render):
    result = count_pages(gs_render("eps2write", 1, suffix=".eps"))
    assert result.pages == 1


def test_endless_job_hits_the_time_limit(tmp_path):
    need("gs")
    started = time.monotonic()
    with pytest.raises(PDLError, match="(?i)within|time limit"):
        count_pages(write(tmp_path, b"%!\n{ 1 pop } loop\nshowpage\n"), timeout=2)
    assert time.monotonic() - started < 15


def test_job_that_fails_before_any_page(tmp_path):
    need("gs")
    with pytest.raises(PDLError):
        count_pages(write(tmp_path, b"%!\nthisisnotanoperator\nshowpage\n"))


def test_job_without_any_page(tmp_path):
    need("gs")
    with pytest.raises(PDLError, match="no page"):
        count_pages(write(tmp_path, b"%!\n1 2 add pop\n"))


def test_pdftops_output(tmp_path, make_ps):
    need("gs", "pdftops")
    pdf = tmp_path / "in.pdf"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                    f"-sOutputFile={pdf}", str(make_ps(6))], check=True, timeout=60)
    out = tmp_path / "out.ps"
    subprocess.run(["pdftops", str(pdf), str(out)], check=True, timeout=60)
    assert count_pages(out).pages == 6


def test_kyocera_prescribe_between_pjl_lines(tmp_path):
    data = (b"\x1b%-12345X@PJL JOB\r\n@PJL SET COPIES=2\r\n!R! FRPO U0,6; FRPO U1,0;\r\nEXIT;\r\n"
            b"@PJL ENTER LANGUAGE=POSTSCRIPT\r\n" + ps_document(2) + b"\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
    assert counted(tmp_path, data) == (2, 2)


@pytest.mark.parametrize("dsc", [True, False])
def test_kyocera_prescribe_after_enter_language(tmp_path, dsc):
    need("gs")
    data = (b"\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\r\n!R! RES;\r\nFRPO P1,2;\r\nEXIT;\r\n"
            + ps_document(3, dsc=dsc) + b"\x1b%-12345X")
    assert counted(tmp_path, data) == (3, 1)


@pytest.mark.parametrize("options, copies, expected", [
    ("", 1, 7), ("", 2, 14), ("number-up=2", 1, 4), ("number-up=2", 2, 8), ("page-ranges=2-5", 2, 8),
])
def test_cups_pstops(tmp_path, options, copies, expected):
    """CUPS' pstops: N-up sheets, and copies written as PJL-framed repeated jobs."""
    import os
    program = "/usr/lib/cups/filter/pstops"
    ppd = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"
    require_files(program, ppd, package="cups (pstops) and cups-filters (the PPD)")
    source = write(tmp_path, ps_document(7), "source.ps")
    job = subprocess.run([program, "1", "user", "title", str(copies), options, str(source)],
                         capture_output=True, timeout=60, env={**os.environ, "PPD": ppd}).stdout
    result = count_pages(write(tmp_path, job))
    assert result.total == expected
