"""Gutenprint's dye-sublimation formats, from its real CUPS filter (rastertogutenprint) and PPDs.

DNP and Citizen printers (``ESC P`` commands with a length each, a
``CNTRL START`` per print) and the families whose every print is one fixed
header giving its size (HiTi, Shinko/Sinfonia, Kodak 605/70xx/8810, 6800 and 1400, Canon SELPHY CP) and the Mitsubishi
CP-9xxx/CP30 and CP-D70 family and the Sony UP-CR10L/DP10/D895 streams are counted, with
the copies the driver writes (their PPDs say cupsManualCopies False: the
raster's NumCopies goes into the job); the other dye-sub families stay a
clear "unknown job format" error rather than a guess.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_files, require_tools, skip_unless_ci

from .conftest import ps_document

FILTER = "/usr/lib/cups/filter/rastertogutenprint.5.3"
DRIVER = "/usr/lib/cups/driver/gutenprint.5.3"
DNP_MODELS = ("dnp-ds40", "dnp-ds820", "dnp-qw410", "citizen-cw-01", "citizen-op900")
COUNTED_MODELS = {"hiti-p520l": "hiti", "hiti-p720l": "hiti", "hiti-p510k": "hiti",
                       "shinko-chcs1245": "shinko", "shinko-chcs2145": "shinko", "shinko-chcs6145": "shinko",
                       "shinko-chcs6245": "shinko", "kodak-6800": "kodak-6800", "kodak-6850": "kodak-6800",
                       "canon-cp820": "canon-selphy", "canon-cp910": "canon-selphy", "canon-cp1300": "canon-selphy",
                       "kodak-1400": "kodak-1400", "kodak-805": "kodak-1400",
                       "mitsubishi-9500dw": "mitsubishi", "mitsubishi-9550dw": "mitsubishi",
                       "mitsubishi-9600dw": "mitsubishi", "mitsubishi-9800dw": "mitsubishi",
                       "mitsubishi-cp30dw": "mitsubishi", "mitsubishi-cp-3800dw": "dnp",
                       "mitsubishi-d70dw": "mitsubishi-d70", "mitsubishi-d80dw": "mitsubishi-d70",
                       "mitsubishi-k60dw": "mitsubishi-d70", "kodak-305": "mitsubishi-d70",
                       "fujifilm-ask-300": "mitsubishi-d70", "kodak-605": "kodak-605", "kodak-7000": "kodak-605",
                       "kodak-7015": "kodak-605", "kodak-8810": "kodak-605",
                       "sony-upcr10l": "sony", "sony-upcx1": "sony", "dnp-sl10": "sony", "sony-updp10": "sony",
                       "sony-upd895": "sony"}
# The same header, copies big-endian BCD on one model and little-endian on the others: only 1 is read.
AMBIGUOUS_COPIES = {"kodak-605", "kodak-7000", "kodak-7015"}
NO_COPIES = {"canon-selphy", "kodak-1400", "mitsubishi-d70"}     # no copies field: Gutenprint drops them
UNKNOWN_MODELS = ("canon-cp800", "canon-cp10", "mitsubishi-d90dw", "sony-updr150", "kodak-8800", "kodak-8500",
                  "sony-upd897", "sony-dppex5", "shinko-chcs9045", "fujifilm-ask-2000", "olympus-p400",
                  "mitsubishi-cpm1", "mitsubishi-p95d")
PAGES = (1, 3)
RASTERS = ((1, 1), (3, 1), (3, 2))      # (pages, copies)


@pytest.fixture(scope="module")
def rasters(tmp_path_factory) -> dict[tuple[int, int], Path]:
    """CUPS raster pages, as cupsd would hand them to rastertogutenprint."""
    require_files(FILTER, DRIVER, package="printer-driver-gutenprint")
    require_tools("gs")
    directory = tmp_path_factory.mktemp("dyesub")
    made = {}
    for pages, copies in RASTERS:
        source = directory / f"source-{pages}.ps"
        source.write_bytes(ps_document(pages, color=True))
        made[pages, copies] = directory / f"source-{pages}x{copies}.ras"
        done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=cups", "-r150",
                               "-sPAPERSIZE=a4", "-dcupsColorSpace=1", "-dcupsBitsPerColor=8", f"-dNumCopies={copies}",
                               f"-sOutputFile={made[pages, copies]}", str(source)], capture_output=True, timeout=300)
        if done.returncode != 0:
            skip_unless_ci(f"gs cups device failed: {done.stderr.decode(errors='replace')[-300:]}")
    return made


@pytest.fixture(scope="module")
def dyesub(rasters):
    made: dict[tuple[str, int, int], Path] = {}

    def run(model: str, pages: int, copies: int = 1) -> Path:
        if (model, pages, copies) not in made:
            directory = rasters[pages, copies].parent
            ppd = directory / f"{model}.ppd"
            if not ppd.exists():
                ppd.write_bytes(subprocess.run([DRIVER, "cat", f"gutenprint.5.3://{model}/expert"],
                                               capture_output=True, check=True, timeout=60).stdout)
            job = subprocess.run([FILTER, "1", "user", "title", str(copies), "", str(rasters[pages, copies])],
                                 capture_output=True, timeout=300, env={**os.environ, "PPD": str(ppd)})
            if job.returncode != 0 or not job.stdout:
                skip_unless_ci(f"rastertogutenprint {model} failed: {job.stderr.decode(errors='replace')[-300:]}")
            made[model, pages, copies] = directory / f"{model}-{pages}x{copies}.prn"
            made[model, pages, copies].write_bytes(job.stdout)
        return made[model, pages, copies]
    return run


@pytest.mark.parametrize("pages, copies", RASTERS)
@pytest.mark.parametrize("model", DNP_MODELS)
def test_dnp_and_citizen_prints_are_counted(dyesub, model, pages, copies):
    job = dyesub(model, pages, copies)
    data = job.read_bytes()
    assert data.startswith(b"\x1bPCNTRL ") and data.count(b"\x1bPCNTRL START") == pages
    assert data.count(b"\x1bPCNTRL QTY             00000008000000%d\r" % copies) == pages
    result = count_pages(job)
    assert (result.pages, result.copies, result.total, result.language) == (pages, copies, pages * copies, "dnp")


@pytest.mark.parametrize("pages, copies", RASTERS)
@pytest.mark.parametrize("model", COUNTED_MODELS)
def test_dyesub_prints_are_counted(dyesub, model, pages, copies):
    job = dyesub(model, pages, copies)
    if copies > 1 and model in AMBIGUOUS_COPIES:
        with pytest.raises(PDLError, match="^Kodak 605/70xx copies field [0-9a-f]{4} is read differently"):
            count_pages(job)
        return
    result = count_pages(job)
    language = COUNTED_MODELS[model]
    copies = 1 if language in NO_COPIES else copies
    assert (result.pages, result.copies, result.total, result.language) == (pages, copies, pages * copies, language)


@pytest.mark.parametrize("model", ["hiti-p520l", "shinko-chcs2145", "kodak-6800", "canon-cp910", "kodak-1400",
                                   "mitsubishi-9550dw", "mitsubishi-d70dw", "kodak-7000", "sony-upcr10l"])
def test_dyesub_cut_or_padded_is_an_error(dyesub, model, tmp_path):
    data = dyesub(model, 3).read_bytes()
    job = tmp_path / "cut.prn"
    job.write_bytes(data[:-1])
    with pytest.raises(PDLError, match="^truncated"):
        count_pages(job)
    job.write_bytes(data + b"B" * 600)
    with pytest.raises(PDLError, match=f"^(not a [a-zA-Z0-9-]+ (print header|command) at byte {len(data)}"
                                       f"|truncated Sony item data at byte {len(data) + 4})$"):
        count_pages(job)


def test_dnp_cut_before_its_start_is_an_error(dyesub, tmp_path):
    data = dyesub("citizen-cw-01", 3).read_bytes()
    job = tmp_path / "cut.prn"
    job.write_bytes(data[:data.rindex(b"\x1bPCNTRL START")])
    with pytest.raises(PDLError, match="no CNTRL START"):
        count_pages(job)
    job.write_bytes(data[:len(data) // 2])
    with pytest.raises(PDLError, match="^truncated DNP IMAGE [MC]PLANE data at byte [0-9]+$"):
        count_pages(job)


def test_dnp_damaged_output_fails_cleanly(dyesub, tmp_path):
    from .test_fuzz import assert_damaged_copies_fail_cleanly

    models = ["dnp-ds40", "citizen-cw-01", "hiti-p520l", "shinko-chcs2145", "kodak-6800", "canon-cp910",
              "mitsubishi-9800dw", "mitsubishi-d80dw", "sony-updp10"]
    assert_damaged_copies_fail_cleanly([dyesub(model, 3) for model in models], tmp_path, seed=3)


@pytest.mark.parametrize("model", UNKNOWN_MODELS)
def test_other_dyesub_formats_stay_a_clear_unknown_error(dyesub, model):
    with pytest.raises(PDLError, match="^unknown job format \\(starts with [0-9a-f ]+\\)$"):
        count_pages(dyesub(model, 1))


def test_sony_prints_asking_for_different_copies_are_refused(dyesub, tmp_path):
    data = dyesub("sony-upcr10l", 3, 2).read_bytes()
    copies = b"\x09\x00\x00\x00\x1b\xee\x00\x00\x00\x02\x00\x00\x02"
    assert data.count(copies) == 3
    job = tmp_path / "mixed.prn"
    job.write_bytes(data.replace(copies, copies[:-1] + b"\x03", 1))
    with pytest.raises(PDLError, match="^Sony prints ask for different copies \\(\\[2, 3\\]\\)$"):
        count_pages(job)
