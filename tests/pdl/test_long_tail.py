"""The counting long tail: jobs from real Debian drivers the counter used to refuse.

Each driver's output is generated once for the module (1 and 3 pages) and
counted; the count must be the number of pages the source document has.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pykota_ldap.accounting.pdl import count_pages
from pykota_ldap.testing.ci import require_tools, skip_unless_ci

from .conftest import ps_document

PAGES = (1, 3)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[int, Path]:
    directory = tmp_path_factory.mktemp("long-tail")
    made = {}
    for pages in (*PAGES, 8):
        made[pages] = directory / f"source-{pages}.ps"
        made[pages].write_bytes(ps_document(pages))
    return made


def ghostscript(source: Path, target: Path, *args: str) -> Path:
    require_tools("gs")
    done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", *args, f"-sOutputFile={target}",
                           str(source)], capture_output=True, timeout=300)
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        skip_unless_ci(f"gs {' '.join(args)} failed: {done.stderr.decode(errors='replace')[-300:]}")
    return target


@pytest.fixture(scope="module")
def bj10e(sources) -> dict[int, Path]:
    """Canon BJ-10e: Ghostscript's bj10e device (Epson-style commands between BJ ones)."""
    return {pages: ghostscript(sources[pages], sources[pages].with_suffix(".bj10e"), "-sDEVICE=bj10e", "-r180")
            for pages in PAGES}


@pytest.fixture(scope="module")
def pxljr(sources) -> dict[int, Path]:
    """HP Color LaserJet 3500 through foomatic's pxljr IJS server, as its PPD runs it:
    PCL XL with JetReady vendor-unique operators carrying the bands."""
    require_tools("ijs_pxljr")
    return {pages: ghostscript(source, source.with_suffix(".pxljr"), "-sDEVICE=ijs", "-sIjsServer=ijs_pxljr",
                               "-sDeviceManufacturer=HEWLETT-PACKARD", "-sDeviceModel=hp color LaserJet 3500",
                               "-dIjsUseOutputFD", "-r600")
            for pages, source in sources.items() if pages in PAGES}


@pytest.fixture(scope="module")
def hbp(sources) -> dict[int, Path]:
    """Brother HBP (HL-720/730/760): Ghostscript's hl7x0 device."""
    return {pages: ghostscript(sources[pages], sources[pages].with_suffix(".hbp"), "-sDEVICE=hl7x0", "-r300")
            for pages in PAGES}


@pytest.mark.parametrize("pages", PAGES)
def test_brother_hbp(hbp, pages):
    assert b"ENTER LANGUAGE = HBP" in hbp[pages].read_bytes()[:100]
    result = count_pages(hbp[pages])
    assert (result.pages, result.copies, result.language) == (pages, 1, "hbp")


@pytest.fixture(scope="module")
def bitmaps(sources) -> dict[int, Path]:
    """The PBM pages CUPS would give the foo2* drivers."""
    return {pages: ghostscript(source, source.with_suffix(".pbm"), "-sDEVICE=pbmraw", "-r600", "-sPAPERSIZE=a4")
            for pages, source in sources.items()}


def foo2lava(bitmap: Path, *options: str) -> Path:
    require_tools("foo2lava")
    target = bitmap.with_suffix(".lava" + "".join(options).replace("-", "_"))
    with bitmap.open("rb") as pages:
        target.write_bytes(subprocess.run(["foo2lava", "-r600x600", "-p9", *options], stdin=pages,
                                          capture_output=True, timeout=120, check=True).stdout)
    return target


@pytest.fixture(scope="module")
def lavaflow(bitmaps) -> dict[tuple[int, int], Path]:
    """Konica Minolta magicolor LAVAFLOW (foo2lava's default model and -z2)."""
    return {(pages, copies): foo2lava(bitmaps[pages], f"-n{copies}") for pages in PAGES for copies in (1, 2)}


@pytest.fixture(scope="module")
def opl(bitmaps) -> dict[int, Path]:
    """Konica Minolta magicolor 2480MF OPL (foo2lava -z1)."""
    return {pages: foo2lava(bitmaps[pages], "-z1") for pages in PAGES}


@pytest.fixture(scope="module")
def hbpl(bitmaps) -> dict[tuple[int, int], Path]:
    """Fuji Xerox / Dell HBPL version 2 from foo2hbpl2 (8 pages: it then sends ESC D M between pages)."""
    require_tools("foo2hbpl2")
    made = {}
    for pages, copies in ((1, 1), (3, 1), (3, 2), (8, 1)):
        made[pages, copies] = bitmaps[pages].with_suffix(f".hbpl{copies}")
        with bitmaps[pages].open("rb") as bitmap:
            made[pages, copies].write_bytes(subprocess.run(
                ["foo2hbpl2", "-r600x600", "-p9", f"-n{copies}"], stdin=bitmap, capture_output=True, timeout=120,
                check=True).stdout)
    return made


@pytest.mark.parametrize("pages, copies", [(1, 1), (3, 1), (3, 2), (8, 1)])
def test_hbpl(hbpl, pages, copies):
    data = hbpl[pages, copies].read_bytes()
    assert b"ENTER LANGUAGE=HBPL" in data[:600] and (pages < 8 or b"\x1bDM" in data)
    result = count_pages(hbpl[pages, copies])
    assert (result.pages, result.copies, result.language) == (pages, copies, "hbpl")


@pytest.mark.parametrize("pages", PAGES)
def test_opl(opl, pages):
    assert opl[pages].read_bytes().startswith(b"Event=StartOfJob;")
    result = count_pages(opl[pages])
    assert (result.pages, result.copies, result.language) == (pages, 1, "opl")


def test_opl_cut_inside_raster_data_is_an_error(opl, tmp_path):
    from pykota_ldap.accounting.pdl import PDLError

    data = opl[3].read_bytes()
    cut = tmp_path / "cut.prn"
    cut.write_bytes(data[:data.index(b"RasterObject.Data#") + 30])
    with pytest.raises(PDLError, match="truncated OPL data"):
        count_pages(cut)


@pytest.mark.parametrize("pages", PAGES)
@pytest.mark.parametrize("copies", (1, 2))
def test_lavaflow(lavaflow, pages, copies):
    assert b"ENTER LANGUAGE=LAVAFLOW" in lavaflow[pages, copies].read_bytes()[:400]
    result = count_pages(lavaflow[pages, copies])
    assert (result.pages, result.copies, result.language) == (pages, copies, "lavaflow")


@pytest.mark.parametrize("pages", PAGES)
def test_canon_bj10e(bj10e, pages):
    result = count_pages(bj10e[pages])
    assert (result.pages, result.copies, result.language) == (pages, 1, "canon-bj")


@pytest.mark.parametrize("pages", PAGES)
def test_pxljr_jetready(pxljr, pages):
    data = pxljr[pages].read_bytes()
    assert b"JetReady" in data[:400]
    result = count_pages(pxljr[pages])
    assert (result.pages, result.copies, result.language) == (pages, 1, "pclxl")


def test_pxljr_vendor_data_cut_short_is_an_error(pxljr, tmp_path):
    """The vendor data length is believed only as far as the file goes: a cut job is refused."""
    from pykota_ldap.accounting.pdl import PDLError

    data = pxljr[3].read_bytes()
    cut = tmp_path / "cut.prn"
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(PDLError, match="truncated|ends inside a page"):
        count_pages(cut)


def test_damaged_driver_output_fails_cleanly(bj10e, pxljr, lavaflow, opl, hbpl, hbp, tmp_path):
    """Truncated, bit-flipped and spliced copies of every new format: a count or a one-line
    PDLError, never another exception, and within the time limit."""
    from .test_fuzz import assert_damaged_copies_fail_cleanly

    jobs = [bj10e[3], pxljr[3], lavaflow[3, 2], opl[3], hbpl[8, 1], hbp[3]]
    assert_damaged_copies_fail_cleanly(jobs, tmp_path, seed=17)


@pytest.mark.parametrize("version", (1, 2, 3))
def test_cups_raster_as_ghostscript_writes_each_version_agrees_with_rastertopdf(sources, version):
    """Ghostscript's cups device (libcups' writer) for each -dcupsRasterVersion, counted here
    and by CUPS' own reader: rastertopdf's PDF has as many pages."""
    import os

    rastertopdf = "/usr/lib/cups/filter/rastertopdf"
    if not os.path.exists(rastertopdf):
        skip_unless_ci("rastertopdf not found: install cups-filters")
    raster = ghostscript(sources[3], sources[3].with_suffix(f".v{version}.ras"), "-sDEVICE=cups", "-r100",
                         f"-dcupsRasterVersion={version}")
    pdf = raster.with_suffix(".pdf")
    pdf.write_bytes(subprocess.run([rastertopdf, "1", "user", "title", "1", "", str(raster)], capture_output=True,
                                   timeout=120, check=True).stdout)
    assert count_pages(raster).pages == count_pages(pdf).pages == 3
