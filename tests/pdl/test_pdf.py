"""PDF: the page tree a viewer shows, whatever the file structure."""

from __future__ import annotations

import re
import subprocess

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages

from .conftest import need
from .pdfbuild import PDFBuilder, inflate_bomb, kids_bomb, simple_pdf


def write(tmp_path, data: bytes, name: str = "job.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def qpdf(tmp_path, source, *args: str, name: str = "out.pdf"):
    need("qpdf")
    target = tmp_path / name
    done = subprocess.run(["qpdf", *args, str(source), str(target)], capture_output=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr  # 3 = warnings
    return target


@pytest.mark.parametrize("pages", [1, 2, 17])
def test_classic_xref(tmp_path, pages):
    result = count_pages(write(tmp_path, simple_pdf(pages).build()))
    assert (result.pages, result.copies, result.total, result.language) == (pages, 1, pages, "pdf")


def test_decoy_strings_are_not_pages(tmp_path):
    assert count_pages(write(tmp_path, simple_pdf(2, decoy=True).build())).pages == 2


def test_orphan_page_objects_are_not_counted(tmp_path):
    builder = simple_pdf(2)
    builder.add(50, "<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>")
    builder.add(51, "<< /Type /Page >>")
    assert count_pages(write(tmp_path, builder.build())).pages == 2


def test_incremental_update_deletes_a_page(tmp_path):
    builder = simple_pdf(3)
    builder.build()
    data = builder.update({2: "<< /Type /Pages /Kids [10 0 R 11 0 R] /Count 2 /MediaBox [0 0 595 842] >>"})
    assert count_pages(write(tmp_path, data)).pages == 2


def test_incremental_update_adds_pages(tmp_path):
    builder = simple_pdf(2)
    builder.build()
    data = builder.update({
        20: "<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>",
        21: "<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>",
        2: "<< /Type /Pages /Kids [10 0 R 11 0 R 20 0 R 21 0 R] /Count 4 /MediaBox [0 0 595 842] >>",
    })
    assert count_pages(write(tmp_path, data)).pages == 4


def test_nested_tree_with_inherited_attributes(tmp_path):
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [4 0 R 5 0 R 10 0 R] /Count 5 /MediaBox [0 0 595 842] >>")
    builder.add(3, "<< /Length 0 >>", b"")
    builder.add(4, "<< /Type /Pages /Parent 2 0 R /Kids [6 0 R 11 0 R] /Count 3 >>")
    builder.add(5, "<< /Type /Pages /Parent 2 0 R /Kids [] /Count 0 >>")
    builder.add(6, "<< /Type /Pages /Parent 4 0 R /Kids [12 0 R 13 0 R] /Count 2 >>")
    for number in (10, 11, 12, 13):
        builder.add(number, "<< /Type /Page /Contents 3 0 R >>")
    # /Count lies (5): the leaves are what a viewer shows.
    assert count_pages(write(tmp_path, builder.build())).pages == 4


def test_page_tree_loop_counts_each_page_once(tmp_path):
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [4 0 R 10 0 R] /Count 2 >>")
    builder.add(4, "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 11 0 R] /Count 1 >>")
    builder.add(10, "<< /Type /Page >>")
    builder.add(11, "<< /Type /Page >>")
    assert count_pages(write(tmp_path, builder.build()), timeout=10).pages == 2


def test_damaged_xref_is_repaired(tmp_path):
    data = simple_pdf(3).build()
    data = re.sub(rb"\d{10} 00000 n", b"0000000009 00000 n", data)  # every offset wrong
    assert count_pages(write(tmp_path, data)).pages == 3


def test_missing_xref_and_trailer_are_rebuilt(tmp_path):
    data = simple_pdf(3).build()
    data = data[:data.rindex(b"xref")]
    assert count_pages(write(tmp_path, data)).pages == 3


@pytest.mark.parametrize("options", [
    ["--object-streams=generate"],
    ["--linearize"],
    ["--object-streams=generate", "--linearize"],
    ["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"],
    ["--encrypt", "", "owner", "128", "--use-aes=y", "--"],
    ["--encrypt", "", "owner", "256", "--"],
    ["--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"],
], ids=["objstm", "linearized", "objstm-linearized", "rc4-128", "aes-128", "aes-256", "rc4-40"])
def test_qpdf_structural_variants(tmp_path, options):
    source = write(tmp_path, simple_pdf(5, decoy=True).build(), "source.pdf")
    assert count_pages(qpdf(tmp_path, source, *options)).pages == 5


def test_user_password_is_a_clear_error(tmp_path):
    source = write(tmp_path, simple_pdf(2).build(), "source.pdf")
    locked = qpdf(tmp_path, source, "--encrypt", "secret", "owner", "256", "--")
    with pytest.raises(PDLError, match="password"):
        count_pages(locked)


def test_incremental_update_over_object_streams(tmp_path):
    """A classic update appended to a file whose page tree lives in an object stream."""
    import pikepdf

    source = write(tmp_path, simple_pdf(3).build(), "source.pdf")
    packed = qpdf(tmp_path, source, "--object-streams=generate")
    with pikepdf.open(packed) as pdf:
        tree = pdf.Root.Pages
        number = tree.objgen[0]
        kids = [kid.objgen[0] for kid in tree.Kids]
        size = int(pdf.trailer.Size)
        root = pdf.Root.objgen[0]
    data = packed.read_bytes()
    startxref = int(data[data.rindex(b"startxref") + 9:].split()[0])
    body = f"<< /Type /Pages /Kids [{kids[0]} 0 R] /Count 1 /MediaBox [0 0 595 842] >>"
    offset = len(data) + 1
    update = f"\n{number} 0 obj\n{body}\nendobj\n"
    xref_at = offset - 1 + len(update)
    update += (f"xref\n{number} 1\n{offset:010d} 00000 n \ntrailer\n"
               f"<< /Size {size} /Root {root} 0 R /Prev {startxref} >>\nstartxref\n{xref_at}\n%%EOF\n")
    result = count_pages(write(tmp_path, data + update.encode(), "updated.pdf"))
    assert result.pages == 1


def test_gs_pdfwrite_and_pjl_copies(tmp_path, make_ps):
    need("gs")
    pdf = tmp_path / "gs.pdf"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                    f"-sOutputFile={pdf}", str(make_ps(4))], check=True, timeout=60)
    wrapped = (b"\x1b%-12345X@PJL JOB\r\n@PJL SET COPIES=3\r\n@PJL ENTER LANGUAGE=PDF\r\n"
               + pdf.read_bytes() + b"\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
    result = count_pages(write(tmp_path, wrapped, "job.prn"))
    assert (result.pages, result.copies, result.total) == (4, 3, 12)


def test_pclm_from_ghostscript(gs_render):
    result = count_pages(gs_render("pclm", 3, "-r100"))
    assert (result.pages, result.language) == (3, "pclm")


def test_no_page_tree_is_an_error(tmp_path):
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog >>")
    with pytest.raises(PDLError):
        count_pages(write(tmp_path, builder.build()))


def test_garbage_after_pdf_header_is_an_error(tmp_path):
    with pytest.raises(PDLError):
        count_pages(write(tmp_path, b"%PDF-1.7\n" + bytes(range(256)) * 20))


def test_pdf_runs_in_a_child_killed_at_the_deadline(tmp_path, monkeypatch):
    import time

    from pykota_ldap.accounting.pdl import pdf as pdf_counter
    from pykota_ldap.accounting.pdl import pdffast

    path = write(tmp_path, simple_pdf(4).build())
    monkeypatch.setattr(pdffast, "count", lambda section: None)     # what qpdf alone may count
    monkeypatch.setattr(pdf_counter, "_count_leaves", lambda *args: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(PDLError, match="did not finish"):
        count_pages(path, timeout=1)
    assert time.monotonic() - started < 5


def test_errors_cross_the_child_boundary(tmp_path):
    source = write(tmp_path, simple_pdf(2).build(), "source.pdf")
    locked = qpdf(tmp_path, source, "--encrypt", "secret", "owner", "256", "--")
    with pytest.raises(PDLError, match="password"):
        count_pages(locked)


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bounded_failure(path, timeout: float, match: str) -> str:
    """Count ``path`` and require a PDLError within the time limit (plus the
    start of a process), without this process growing."""
    import time

    before = peak_rss_mb()
    started = time.monotonic()
    with pytest.raises(PDLError, match=match) as failure:
        count_pages(path, timeout=timeout)
    assert time.monotonic() - started < timeout + 3
    assert peak_rss_mb() - before < 100
    return str(failure.value)


def test_page_tree_of_ten_million_direct_kids(tmp_path):
    """272 KB on disk, 10 million 14-byte page dictionaries in one object
    stream. Before: 141 s and 5.8 GB with a 60 s limit, 10 million pages
    charged (16 s and 3.7 GB with a 10 s limit)."""
    path = write(tmp_path, kids_bomb(10_000_000))
    assert path.stat().st_size < 300_000
    bounded_failure(path, 10, "memory|implausible|time limit")


def test_object_stream_inflation_bomb(tmp_path):
    """A 0.5 MB file whose object stream inflates to a 512 MB string.
    Before: 4.3 GB and 31 s (1 GB string, 10 s limit)."""
    bounded_failure(write(tmp_path, inflate_bomb(512)), 10, "memory")


def test_too_many_kids_is_an_accounting_error_not_a_charge(tmp_path):
    """200,000 pages in 6 KB were counted (and charged) before."""
    message = bounded_failure(write(tmp_path, kids_bomb(200_000)), 30, "implausible")
    assert "200000" in message


def test_more_pages_than_bytes_is_implausible(tmp_path):
    path = write(tmp_path, kids_bomb(20_000))
    assert path.stat().st_size < 20_000
    with pytest.raises(PDLError, match="implausible PDF: 20000 pages in"):
        count_pages(path)


def test_the_page_cap_is_the_callers_choice(tmp_path):
    path = write(tmp_path, simple_pdf(30).build())
    with pytest.raises(PDLError, match="implausible .*limit of 20 pages"):
        count_pages(path, max_pages=20)
    assert count_pages(path, max_pages=30).pages == 30
    assert count_pages(path, max_pages=None).pages == 30


def test_a_small_object_stream_tree_still_counts(tmp_path):
    assert count_pages(write(tmp_path, kids_bomb(3))).pages == 3
