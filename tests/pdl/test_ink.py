"""Ink coverage through Ghostscript's ink_cov device."""

from __future__ import annotations

import pytest

from pykota_ldap.accounting.pdl import PDLError
from pykota_ldap.accounting.pdl.ink import format_page, ink_coverage

from .conftest import need, ps_document


def test_black_text_uses_black_ink_only(tmp_path):
    need("gs")
    job = tmp_path / "job.ps"
    job.write_bytes(ps_document(2))
    pages = ink_coverage(job, "cmyk", 72)
    assert len(pages) == 2
    assert pages[0]["K"] > 0.5 and pages[0]["C"] == pages[0]["M"] == pages[0]["Y"] == 0
    assert ink_coverage(job, "gc")[0] == {"G": 100.0, "C": 0.0}
    bw = ink_coverage(job, "bw")[0]["B"]
    assert 0 < bw < 100


def test_colour_page(tmp_path):
    need("gs")
    job = tmp_path / "job.ps"
    job.write_bytes(ps_document(1, color=True))
    assert ink_coverage(job, "gc")[0] == {"G": 0.0, "C": 100.0}
    rgb = ink_coverage(job, "rgb")[0]
    assert rgb["R"] > rgb["G"]  # red ink leaves red light


def test_pjl_wrapped_pdf(tmp_path, make_ps):
    need("gs")
    import subprocess
    pdf = tmp_path / "job.pdf"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                    f"-sOutputFile={pdf}", str(make_ps(3))], check=True, timeout=60)
    wrapped = tmp_path / "job.prn"
    wrapped.write_bytes(b"\x1b%-12345X@PJL ENTER LANGUAGE=PDF\r\n" + pdf.read_bytes())
    assert len(ink_coverage(wrapped, "cmyk", 72)) == 3


@pytest.mark.parametrize("colorspace, resolution", [("xyz", 72), ("cmyk", 10)])
def test_bad_arguments(tmp_path, colorspace, resolution):
    with pytest.raises(PDLError):
        ink_coverage(tmp_path / "whatever", colorspace, resolution)


def test_unsupported_language(tmp_path):
    job = tmp_path / "job.prn"
    job.write_bytes(b"\x1bE\x1b&l1X\x0c")
    with pytest.raises(PDLError, match="PDF or PostScript"):
        ink_coverage(job, "cmyk")


def test_format_page():
    assert format_page({"C": 1.5, "K": 100}) == "C :   1.500000%      K : 100.000000%"
