"""Raster formats: CUPS/PWG raster, URF, TIFF/BigTIFF, PNM; generated and hand-made."""

from __future__ import annotations

import io
import struct
import subprocess

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import require_files

from .conftest import need


def write(tmp_path, data: bytes, name: str = "job.bin"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("device, args, language", [
    ("pwgraster", ["-r72"], "pwg-raster"),
    ("pwgraster", ["-r100", "-sColorConversionStrategy=RGB", "-dcupsColorSpace=19"], "pwg-raster"),
    ("cups", ["-r72"], "cups-raster"),
    ("cups", ["-r72", "-dcupsColorSpace=1", "-dcupsBitsPerColor=8"], "cups-raster"),
    ("cups", ["-r72", "-dcupsColorOrder=2", "-dcupsColorSpace=6", "-dcupsBitsPerColor=1"], "cups-raster"),
    ("urf", ["-r100"], "urf"),
    ("appleraster", ["-r100"], "urf"),
    ("tiffg4", ["-r100"], "tiff"), ("tiff24nc", ["-r50"], "tiff"), ("tifflzw", ["-r72"], "tiff"),
    ("tiffscaled", ["-r150"], "tiff"),
    ("pbmraw", ["-r50"], "pnm"), ("pgmraw", ["-r50"], "pnm"), ("ppmraw", ["-r30"], "pnm"),
    ("pbm", ["-r20"], "pnm"), ("pgm", ["-r20"], "pnm"), ("pamcmyk32", ["-r20"], "pnm"),
    ("cfax", ["-r100"], "sff"),
])
@pytest.mark.parametrize("pages", [1, 3])
def test_ghostscript_raster_devices(gs_render, device, args, language, pages):
    result = count_pages(gs_render(device, pages, *args, color=True))
    assert (result.pages, result.copies, result.language) == (pages, 1, language)


def test_cups_raster_v3_both_byte_orders(tmp_path):
    header = bytearray(1796)
    struct.pack_into(">7I", header, 372, 8, 2, 0, 1, 1, 1, 0)  # 8x2, 1 bit, 1 byte per line
    page = bytes(header) + b"\xff\x00"
    little = bytearray(header)
    struct.pack_into("<7I", little, 372, 8, 2, 0, 1, 1, 1, 0)
    assert count_pages(write(tmp_path, b"RaS3" + page * 4)).pages == 4
    assert count_pages(write(tmp_path, b"3SaR" + (bytes(little) + b"\xff\x00") * 2)).pages == 2


def test_truncated_raster_page_is_an_error(gs_render, tmp_path):
    data = gs_render("pwgraster", 2, "-r72").read_bytes()
    with pytest.raises(PDLError, match="truncated"):
        count_pages(write(tmp_path, data[:-10]))


def test_tiff_big_endian_and_bigtiff(gs_render, tmp_path):
    need("tiffcp")
    source = gs_render("tiffg4", 3, "-r72")
    for flags, name in ((["-B"], "be.tif"), (["-8"], "big.tif"), (["-8", "-B"], "bigbe.tif")):
        target = tmp_path / name
        subprocess.run(["tiffcp", *flags, str(source), str(target)], check=True, timeout=60)
        assert count_pages(target).pages == 3, name


def test_tiff_thumbnails_are_not_pages(tmp_path):
    def ifd(subfile: int, next_offset: int) -> bytes:
        return struct.pack("<H", 1) + struct.pack("<HHII", 254, 4, 1, subfile) + struct.pack("<I", next_offset)
    first = 8
    second = first + 18
    data = b"II*\x00" + struct.pack("<I", first) + ifd(0, second) + ifd(1, 0)
    assert count_pages(write(tmp_path, data)).pages == 1


def test_tiff_directory_loop_is_an_error(tmp_path):
    entry = struct.pack("<HHII", 256, 4, 1, 1)
    data = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + struct.pack("<I", 8)
    with pytest.raises(PDLError, match="loop"):
        count_pages(write(tmp_path, data))


def test_plain_and_raw_pnm_concatenated(tmp_path):
    plain = b"P1\n# comment\n4 2\n0101\n1010\n"
    raw = b"P5 3 2 255\n" + bytes(6)
    pam = b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" + bytes(12)
    assert count_pages(write(tmp_path, plain + raw + raw + pam + b"P2 2 1 65535\n1 65535\n")).pages == 5


def test_urf_header_count_zero_walks_pages(gs_render, tmp_path):
    data = bytearray(gs_render("urf", 2, "-r72").read_bytes())
    data[8:12] = b"\0\0\0\0"
    assert count_pages(write(tmp_path, bytes(data))).pages == 2


@pytest.mark.parametrize("content_type, language", [("image/pwg-raster", "pwg-raster"), ("image/urf", "urf")])
def test_cups_rastertopwg(tmp_path, gs_render, content_type, language):
    import os
    program = "/usr/lib/cups/filter/rastertopwg"
    require_files(program, package="cups")
    raster = gs_render("cups", 3, "-r72", "-sPAPERSIZE=a4", "-dcupsColorSpace=18", "-dcupsBitsPerColor=8")
    job = subprocess.run([program, "1", "user", "title", "1", "", str(raster)], capture_output=True, timeout=120,
                         env={**os.environ, "FINAL_CONTENT_TYPE": content_type}).stdout
    result = count_pages(write(tmp_path, job))
    assert (result.pages, result.language) == (3, language)


class CountingFile(io.FileIO):
    """A job file that counts how often the counter reads from it."""

    reads = 0

    def read(self, size=-1):
        self.reads += 1
        return super().read(size)


def wide_v2_raster(pages: int) -> bytes:
    """CUPS raster v2 pages 2^19 pixels wide (32 bits each) whose lines are
    all "repeat 256 times, clear the rest": 2 bytes stand for 256 lines.

    A line this wide may need 2.6 MB when encoded, far more than is left
    after it in the file: the case where waiting for a whole line's worth
    of data before each line reloaded the rest of the buffer every line."""
    width, height = 1 << 19, 256 * 2000
    header = bytearray(1796)
    struct.pack_into(">7I", header, 372, width, height, 0, 8, 32, width * 4, 0)
    struct.pack_into(">I", header, 420, 4)
    return b"RaS2" + (bytes(header) + b"\xff\x80" * (height // 256)) * pages


def test_cups_raster_v2_is_read_in_linear_time(tmp_path):
    """Linear work: the file is read a chunk at a time, never once per line.

    Before the fix each line re-read (and copied) the unread rest of the
    buffer, so the work grew with lines x file size and a 2 MB file ran into
    the time limit. Only read calls are counted here, never time."""
    from pykota_ldap.accounting.pdl.stream import CHUNK

    reads = {}
    for pages in (100, 400):  # about 0.6 MB and 2.3 MB
        path = write(tmp_path, wide_v2_raster(pages), f"wide-{pages}.ras")
        with CountingFile(path) as job:
            assert count_pages(job, timeout=120).pages == pages
            reads[pages] = job.reads
        assert job.reads <= path.stat().st_size // CHUNK + 4, (pages, job.reads)
    assert reads[400] <= 4 * reads[100] + 4, reads
