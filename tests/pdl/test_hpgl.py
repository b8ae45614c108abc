"""Standalone HP-GL and HP-GL/2 from a real converter: pstoedit's hpgl driver and its GNU
libplot one (plot-hpgl), the HP-GL a plotter or a DesignJet queue is sent."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_tools, skip_unless_ci

from .conftest import ps_document

PAGES = (1, 3, 8)
DRIVERS = ("hpgl", "plot-hpgl")
BLANK_SECOND_PAGE = b"""%!PS
/Helvetica findfont 48 scalefont setfont
72 400 moveto (Page 1) show showpage
showpage
72 400 moveto (Page 3) show showpage
"""


def pstoedit(source: Path, driver: str) -> Path:
    require_tools("pstoedit", "gs")
    target = source.with_suffix(f".{driver}")
    done = subprocess.run(["pstoedit", "-q", "-f", driver, str(source), str(target)], capture_output=True,
                          timeout=300)
    if not target.exists() or target.stat().st_size == 0:
        skip_unless_ci(f"pstoedit -f {driver} failed: {done.stderr.decode(errors='replace')[-300:]}")
    return target


@pytest.fixture(scope="module")
def hpgl(tmp_path_factory) -> dict[tuple[str, int | str], Path]:
    directory = tmp_path_factory.mktemp("hpgl")
    made = {}
    for pages in PAGES:
        source = directory / f"source-{pages}.ps"
        source.write_bytes(ps_document(pages))
        for driver in DRIVERS:
            made[driver, pages] = pstoedit(source, driver)
    blank = directory / "blank.ps"
    blank.write_bytes(BLANK_SECOND_PAGE)
    for driver in DRIVERS:
        made[driver, "blank"] = pstoedit(blank, driver)
    return made


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("pages", PAGES)
def test_hpgl_counts_pstoedit_pages(hpgl, driver, pages):
    data = hpgl[driver, pages].read_bytes()
    assert data.startswith((b"IN;", b"BP;IN;")) and b"\x1b" not in data
    result = count_pages(hpgl[driver, pages])
    assert (result.pages, result.copies, result.total, result.language) == (pages, 1, pages, "hpgl")


@pytest.mark.parametrize("driver", DRIVERS)
def test_hpgl_blank_page_is_not_plotted(hpgl, driver):
    """The converter leaves the blank page out (a plotter ignores PG on an empty page): 2 pages."""
    assert count_pages(hpgl[driver, "blank"]).pages == 2


def test_hpgl_behind_pjl_takes_its_copies(hpgl, tmp_path):
    job = tmp_path / "pjl.prn"
    job.write_bytes(b"\x1b%-12345X@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=HPGL2\r\n"
                    + hpgl["hpgl", 3].read_bytes() + b"\x1b%-12345X")
    result = count_pages(job)
    assert (result.pages, result.copies, result.total, result.language) == (3, 2, 6, "hpgl")


def test_hpgl_last_page_without_advance_is_counted(hpgl, tmp_path):
    data = hpgl["plot-hpgl", 3].read_bytes()
    job = tmp_path / "no-last-pg.hpgl"
    job.write_bytes(data[:data.rindex(b"PG0;")])
    assert count_pages(job).pages == 3
    job.write_bytes(b"IN;SP1;PU100,100;PG;PG;LB\x03;PG;PA0,0;SP0;")      # nothing drawn anywhere
    with pytest.raises(PDLError, match="no page found"):
        count_pages(job)


@pytest.mark.parametrize("job, message", [
    (b"IN;SP1;LBno terminator" + b"x" * 3_000_000, "^unterminated HP-GL/2 label from byte 9$"),
    (b"IN;PD;RP2;", "replot"),
    (b"IN;PD;\x1b*r1A", "escape sequence"),
    (b"IN;PD;\x00\x01\x02garbage", "^not an HP-GL/2 instruction at byte 7$"),
])
def test_hpgl_bad_input_is_one_clear_error(tmp_path, job, message):
    path = tmp_path / "bad.hpgl"
    path.write_bytes(job)
    with pytest.raises(PDLError, match=message):
        count_pages(path)


def test_hpgl_long_polyline_and_label_terminator(tmp_path):
    """A 20 MB polyline streams through; DT changes what ends a label."""
    path = tmp_path / "long.hpgl"
    path.write_bytes(b"IN;SP1;PD;PA" + b"1234,5678," * 2_000_000 + b";PG;DT@,1;LBsemi;colon:\x03@;PG;")
    started = time.monotonic()
    assert count_pages(path, timeout=20).pages == 2
    assert time.monotonic() - started < 20


def test_hpgl_damaged_output_fails_cleanly(hpgl, tmp_path):
    """Truncated, bit-flipped and spliced copies: a count or a one-line PDLError, in time."""
    from .test_fuzz import assert_damaged_copies_fail_cleanly

    assert_damaged_copies_fail_cleanly([hpgl["hpgl", 8], hpgl["plot-hpgl", 8]], tmp_path, seed=2)


TEXT_PAGES = b"IN;PD;\r\n" + b"".join(b"PA PA PA %d\r\n" % i * 50 + b"\x0c" for i in range(40))


def test_hpgl_opening_does_not_overrule_pjl_pcl(tmp_path):
    """Text that opens like HP-GL after ENTER LANGUAGE=PCL is printed as text: PCL's 40 pages,
    not one plot."""
    job = tmp_path / "pcl-text.prn"
    job.write_bytes(b"\x1b%-12345X@PJL JOB\r\n@PJL ENTER LANGUAGE=PCL\r\n" + TEXT_PAGES + b"\x1b%-12345X")
    result = count_pages(job)
    assert (result.pages, result.language) == (40, "pcl5")
    job.write_bytes(b"\x1b%-12345X@PJL ENTER LANGUAGE=VENDORX\r\n" + TEXT_PAGES)
    with pytest.raises(PDLError, match="unsupported language"):
        count_pages(job)
    job.write_bytes(b"\x1b%-12345X@PJL ENTER LANGUAGE=HPGL\r\nIN;PD;PA10,10;PG;PD;PA1,1;\x1b%-12345X")
    assert count_pages(job).pages == 2                          # a PJL name of HP-GL's own


def test_hpgl_text_with_form_feeds_is_refused(tmp_path):
    """A raw text job opening with IN; and ejecting pages with form feeds is not one plot."""
    job = tmp_path / "text.hpgl"
    job.write_bytes(TEXT_PAGES)
    with pytest.raises(PDLError, match="^form feed at byte 608: text, not HP-GL/2$"):
        count_pages(job)


@pytest.mark.parametrize("job, pages", [(b'BP1,"my plot",2,1;IN;PD;PA10,10;PG;', 1),
                                        (b'BP 1,"x,2",5,1;IN;PD;PA10,10;', 1), (b"BP;IN;PD;PA1,1;", 1)])
def test_hpgl_begin_plot_without_copies_is_counted(tmp_path, job, pages):
    path = tmp_path / "bp.hpgl"
    path.write_bytes(job)
    assert count_pages(path).pages == pages


@pytest.mark.parametrize("job", [b"BP2,50;IN;PD;PA10,10;PG;", b'BP1,"a",2 , 3;IN;PD;PA1,1;', b"IN;BP2.0,2;PD;PA1,1;"])
def test_hpgl_copies_in_begin_plot_are_refused(tmp_path, job):
    """BP's kind 2 is the number of copies a DesignJet plots: not one page."""
    path = tmp_path / "bp.hpgl"
    path.write_bytes(job)
    with pytest.raises(PDLError, match=r"copies in BP \(kind 2, .*\) at byte \d+ are not counted"):
        count_pages(path)
