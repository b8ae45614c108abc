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


def test_binary_section_is_read_by_the_interpreter(tmp_path):
    """Data declared by %%BeginBinary is read by the program itself (here
    with readstring): only the interpreter knows where it ends, and a
    %%Page: line inside it is no page."""
    need("gs")
    blob = b"\n%%Page: 9 9\n" + bytes(range(256))
    code = b"currentfile " + str(len(blob)).encode() + b" string readstring\n" + blob + b"\npop pop\n"
    section = b"%%BeginBinary: " + str(len(code)).encode() + b"\n" + code + b"%%EndBinary\n"
    data = ps_document(2).replace(b"%%EndSetup", section + b"%%EndSetup")
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


def lying(body: str, setup: str = "") -> bytes:
    """A job whose DSC says one page, consistently, around ``body``."""
    return (f"%!PS-Adobe-3.0\n%%Pages: 1\n%%EndComments\n%%BeginSetup\n{setup}\n%%EndSetup\n"
            f"%%Page: 1 1\n{body}\n%%Trailer\n%%EOF\n").encode()


DRAW = "/Helvetica findfont 24 scalefont setfont 72 400 moveto (Page) show 72 72 200 100 rectfill"

# (body, setup, page images a printer outputs)
LIES = {
    "loop of pages": (f"1 1 50 {{ {DRAW} showpage }} for", "", 50),
    "computed NumCopies": (f"{DRAW} showpage", "<< /NumCopies 5 10 mul >> setpagedevice", 50),
    "computed #copies": (f"{DRAW} showpage", "/#copies 5 10 mul def", 50),
    "showpage in a procedure": (f"{DRAW} P P P", "/P { showpage } bind def", 3),
    "redefined operator": ("(a) show (b) show (c) show (d) show", "/show { pop showpage } def", 4),
    "string executed": ("(showpage showpage showpage) cvx exec", "", 3),
    "code read from the file": ("currentfile 26 string readstring\nshowpage showpage showpage\npop cvx exec", "", 3),
    "copies under a string key": (f"{DRAW} showpage", "userdict (#copies) 7 put", 7),
    "copypage": (f"{DRAW} copypage copypage showpage", "", 3),
    "repeat": (f"4 {{ {DRAW} showpage }} repeat", "", 4),
    "loop ended by exit": ("0 { 1 add dup 6 gt { exit } if showpage } loop pop", "", 6),
    "conditional copies": (f"{DRAW} showpage", "true { /#copies 9 def } if", 9),
    "copies from the stack": (f"{DRAW} showpage", "9 /#copies exch def", 9),
    "setpagedevice through a name": (f"{DRAW} showpage", "/spd /setpagedevice load def << /NumCopies 8 >> spd", 8),
    "page device dictionary built": (f"{DRAW} showpage", "2 dict dup /NumCopies 6 put setpagedevice", 6),
}


def gs_page_images(path) -> int:
    """What Ghostscript outputs (pages x copies), counted by the device itself."""
    done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage", "-c",
                           f"({path}) run currentpagedevice /PageCount get =="],
                          capture_output=True, timeout=60, text=True)
    return int(done.stdout.split()[-1])


@pytest.mark.parametrize("lie", LIES, ids=list(LIES))
def test_consistent_dsc_that_lies_is_not_believed(tmp_path, lie):
    """The DSC says 1 page, and says it consistently; the program prints
    more. Before: counted 1 page (or the literal copies, 5 of 50)."""
    need("gs")
    body, setup, expected = LIES[lie]
    path = write(tmp_path, lying(body, setup))
    assert gs_page_images(path) == expected  # the printer's truth, by Ghostscript
    assert count_pages(path).total == expected


@pytest.fixture
def without_ghostscript(monkeypatch):
    """Counting may not use Ghostscript: only the DSC fast path works."""
    from pykota_ldap.accounting.pdl import ghostscript

    def refuse(*args, **kwargs):
        raise AssertionError("Ghostscript was started")
    monkeypatch.setattr(ghostscript, "count_pages", refuse)


@pytest.mark.parametrize("sample, total", [
    ("ps-dsc-1.ps", 1), ("ps-dsc-4.ps", 25), ("ps-hash-copies.ps", 6), ("ps-ctrl-d.ps", 3),
    ("ps-cups-pstops-copies.ps", 6),
])
def test_plain_dsc_jobs_keep_the_fast_path(without_ghostscript, sample, total):
    from .conftest import corpus_dir

    directory = corpus_dir()
    if directory is None:
        pytest.skip("shared corpus not found")
    assert count_pages(directory / "files" / sample).total == total


@pytest.mark.parametrize("options, copies, expected", [("", 1, 7), ("", 2, 14)])
def test_cups_pstops_output_keeps_the_fast_path(tmp_path, without_ghostscript, options, copies, expected):
    import os
    program = "/usr/lib/cups/filter/pstops"
    ppd = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"
    if not (os.path.exists(program) and os.path.exists(ppd)):
        pytest.skip("CUPS pstops or the cups-filters PPDs are not installed")
    source = write(tmp_path, ps_document(7), "source.ps")
    job = subprocess.run([program, "1", "user", "title", str(copies), options, str(source)],
                         capture_output=True, timeout=60, env={**os.environ, "PPD": ppd}).stdout
    assert count_pages(write(tmp_path, job)).total == expected


def test_a_uel_anywhere_ends_the_postscript(tmp_path):
    """A printer's PJL layer leaves PostScript at a UEL in the middle of a
    line too, and prints the PCL job that follows (3 form feeds). Before,
    only a UEL starting a line ended the section: Ghostscript got the PCL
    too, and its 3 pages were not counted."""
    need("gs")
    data = (b"%!\nshowpage \x1b%-12345X@PJL ENTER LANGUAGE=PCL\n\x1bE" + b"text\x0c" * 3 + b"\x1bE\x1b%-12345X")
    assert count_pages(write(tmp_path, data)).total == 4


@pytest.mark.parametrize("separator", [b"\x04", b"\x0c"])
def test_bytes_ghostscript_reads_as_separators(tmp_path, separator):
    """Ctrl-D separates tokens for Ghostscript, and a form feed ends a
    comment: a page hidden behind either is still counted."""
    need("gs")
    hidden = b"/x" + separator + b"showpage" if separator == b"\x04" else b"%note" + separator + b"showpage"
    data = lying(DRAW + " showpage").replace(b"%%Trailer", hidden + b"\n%%Trailer")
    assert count_pages(write(tmp_path, data)).total == 2


def test_pjl_copies_around_interpreted_postscript(tmp_path):
    """PJL COPIES=2 around PostScript that asks for no copies itself: two
    copies print. Before, the interpreted path always said 1 copy."""
    need("gs")
    data = (b"\x1b%-12345X@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n" + ps_document(3, dsc=False)
            + b"\x1b%-12345X")
    assert counted(tmp_path, data) == (3, 2)
