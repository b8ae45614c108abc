"""Printer-specific languages from Debian's drivers and Ghostscript devices."""

from __future__ import annotations

import subprocess

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_files

from .conftest import need


@pytest.fixture
def bitmap(gs_render):
    """A PBM of ``pages`` A4 pages, the input of the foo2* drivers."""
    def make(pages: int, resolution: str) -> bytes:
        return gs_render("pbmraw", pages, f"-r{resolution}", "-sPAPERSIZE=a4").read_bytes()
    return make


@pytest.mark.parametrize("driver, resolution, language", [
    ("foo2zjs", "1200x600", "zjstream"), ("foo2xqx", "1200x600", "xqx"),
    ("foo2qpdl", "600x600", "qpdl"),
])
@pytest.mark.parametrize("pages, copies", [(1, 1), (3, 1), (2, 3)])
def test_foo2_drivers(tmp_path, bitmap, driver, resolution, language, pages, copies):
    need(driver)
    job = subprocess.run([driver, f"-r{resolution}", "-p9", f"-n{copies}"], input=bitmap(pages, resolution),
                         capture_output=True, timeout=120).stdout
    path = tmp_path / "job.prn"
    path.write_bytes(job)
    result = count_pages(path)
    assert (result.pages, result.copies, result.language) == (pages, copies, language)


def test_foo2zjs_inside_pjl_wrapper(tmp_path, bitmap):
    need("foo2zjs")
    job = subprocess.run(["foo2zjs", "-r1200x600", "-p9"], input=bitmap(2, "1200x600"),
                         capture_output=True, timeout=120).stdout
    wrapped = (b"\x1b%-12345X@PJL JOB NAME=\"x\"\r\n" + job
               + b"\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
    path = tmp_path / "job.prn"
    path.write_bytes(wrapped)
    assert count_pages(path).pages == 2


def test_unsupported_pjl_language_is_named(tmp_path, bitmap):
    need("foo2hiperc")
    job = subprocess.run(["foo2hiperc", "-r600x600", "-p9"], input=bitmap(1, "600x600"),
                         capture_output=True, timeout=120).stdout
    path = tmp_path / "job.prn"
    path.write_bytes(job)
    with pytest.raises(PDLError, match="unsupported language 'HIPERC'"):
        count_pages(path)


@pytest.mark.parametrize("device, args, language", [
    ("gdi", ["-r300"], "spl1"), ("samsunggdi", ["-r300"], "spl1"),
    ("escp", ["-r180"], "escp2"), ("stcolor", ["-r360"], "escp2"), ("st800", ["-r360"], "escp2"),
    ("epson", ["-r72"], "escp2"), ("escpage", ["-r300"], "escpage"), ("lp2000", ["-r300"], "escpage"),
    ("bjc600", ["-r180"], "canon-bj"), ("bjc800", ["-r180"], "canon-bj"),
    ("xpswrite", [], "xps"),
])
@pytest.mark.parametrize("pages", [1, 3])
def test_ghostscript_printer_devices(gs_render, device, args, language, pages):
    result = count_pages(gs_render(device, pages, *args, color=True))
    assert (result.pages, result.language) == (pages, language)


SPLIX_FILTER = "/usr/lib/cups/filter/rastertoqpdl"
SPLIX_DRV = "/usr/share/cups/drv/splix-samsung.drv"


@pytest.mark.parametrize("model, raster_options", [
    ("ml1610", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=1", "-dcupsCompression=17"]),
    ("ml2010", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=1", "-dcupsCompression=19"]),
    ("clp300", ["-dcupsColorSpace=6", "-dcupsBitsPerColor=1", "-dcupsColorOrder=1", "-dcupsCompression=19"]),
])
def test_splix_qpdl(tmp_path, gs_render, model, raster_options):
    """SpliX's band headers differ between monochrome and colour models."""
    import os
    need("ppdc")
    require_files(SPLIX_FILTER, SPLIX_DRV, package="printer-driver-splix")
    subprocess.run(["ppdc", "-d", str(tmp_path), SPLIX_DRV], check=True, capture_output=True, timeout=120)
    raster = gs_render("cups", 3, "-r600", "-sPAPERSIZE=a4", *raster_options)
    job = subprocess.run([SPLIX_FILTER, "1", "user", "title", "1", "", str(raster)], capture_output=True,
                         timeout=120, env={**os.environ, "PPD": str(tmp_path / f"{model}.ppd")}).stdout
    path = tmp_path / "job.prn"
    path.write_bytes(job)
    result = count_pages(path)
    assert (result.pages, result.language) == (3, "qpdl")


GUTENPRINT_FILTER = "/usr/lib/cups/filter/rastertogutenprint.5.3"
GUTENPRINT_DRIVER = "/usr/lib/cups/driver/gutenprint.5.3"


@pytest.fixture
def gutenprint(tmp_path, gs_render):
    import os
    require_files(GUTENPRINT_FILTER, GUTENPRINT_DRIVER, package="printer-driver-gutenprint")
    raster = gs_render("cups", 2, "-r150", "-sPAPERSIZE=a4", "-dcupsColorSpace=1", "-dcupsBitsPerColor=8",
                       color=True)

    def run(model: str):
        ppd = tmp_path / f"{model}.ppd"
        ppd.write_bytes(subprocess.run([GUTENPRINT_DRIVER, "cat", f"gutenprint.5.3://{model}/expert"],
                                       capture_output=True, check=True, timeout=60).stdout)
        job = subprocess.run([GUTENPRINT_FILTER, "1", "user", "title", "1", "", str(raster)],
                             capture_output=True, timeout=300, env={**os.environ, "PPD": str(ppd)}).stdout
        path = tmp_path / f"{model}.prn"
        path.write_bytes(job)
        return path
    return run


@pytest.mark.parametrize("model, language", [
    ("escp2-c80", "escp2"), ("escp2-r2400", "escp2"), ("escp2-600", "escp2"), ("escp2-et2750", "escp2"),
    ("bjc-i560", "canon-bj"), ("bjc-PIXMA-iP4200", "canon-bj"), ("bjc-MULTIPASS-MP700", "canon-bj"),
    ("pcl-apollo-p2100", "pcl5"), ("samsung-clp-620", None), ("okidata-ol400", None),
])
def test_gutenprint(gutenprint, model, language):
    result = count_pages(gutenprint(model))
    assert result.pages == 2
    if language:
        assert result.language == language


@pytest.mark.parametrize("model", ["sony-updr150", "shinko-chcs9045", "lexmark-z42"])
def test_gutenprint_languages_we_do_not_know_are_errors(gutenprint, model):
    with pytest.raises(PDLError, match="unknown job format|unsupported"):
        count_pages(gutenprint(model))


CUPS_FILTERS = "/usr/lib/cups/filter"
CUPS_DRV = "/usr/share/cups/drv"
DRIVER_PACKAGES = {"hpcups": "printer-driver-hpcups", "sample": "cups", "brlaser": "printer-driver-brlaser"}


@pytest.mark.parametrize("drv, ppd, filter_name, raster_options, duplex", [
    ("hpcups", "hp-laserjet_1320.ppd", "hpcups", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=8", "-r600"], False),
    ("hpcups", "hp-deskjet_5550.ppd", "hpcups", ["-dcupsColorSpace=1", "-dcupsBitsPerColor=8", "-r300"], False),
    ("hpcups", "hp-color_laserjet_5550-pcl3.ppd", "hpcups",
     ["-dcupsColorSpace=1", "-dcupsBitsPerColor=8", "-r600"], False),
    ("sample", "laserjet.ppd", "rastertohp", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=1", "-r300"], False),
    ("sample", "laserjet.ppd", "rastertohp", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=1", "-r300"], True),
    ("sample", "deskjet.ppd", "rastertohp", ["-dcupsColorSpace=6", "-dcupsBitsPerColor=1", "-r300"], False),
    ("brlaser", "br2270dw.ppd", "rastertobrlaser", ["-dcupsColorSpace=3", "-dcupsBitsPerColor=1", "-r600"], False),
])
def test_cups_raster_drivers(tmp_path, gs_render, drv, ppd, filter_name, raster_options, duplex):
    """Real CUPS raster drivers; rastertohp's duplex ends front sides with ESC&a2G."""
    import os
    need("ppdc")
    source = os.path.join(CUPS_DRV, f"{drv}.drv")
    program = os.path.join(CUPS_FILTERS, filter_name)
    require_files(source, program, package=DRIVER_PACKAGES[drv])
    subprocess.run(["ppdc", "-d", str(tmp_path / drv), source], check=True, capture_output=True, timeout=120)
    extra = ["-dDuplex"] if duplex else []
    raster = gs_render("cups", 3, "-sPAPERSIZE=a4", *raster_options, *extra)
    job = subprocess.run([program, "1", "user", "title", "1", "sides=two-sided-long-edge" if duplex else "",
                          str(raster)], capture_output=True, timeout=300,
                         env={**os.environ, "PPD": str(tmp_path / drv / ppd)}).stdout
    path = tmp_path / "job.prn"
    path.write_bytes(job)
    if duplex:
        assert b"\x1b&a2G" in job
    assert count_pages(path).pages == 3
