"""The PDF fast path (no qpdf) may only ever give qpdf's answer.

Every file here is counted both ways: by pdffast (a count, or None when it
leaves the file to qpdf) and by the pikepdf walk, the reference. A count
that differs, or a count where qpdf refuses the file, fails the test.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages, pdf, pdffast
from pykota_ldap.accounting.pdl.deadline import Deadline
from pykota_ldap.accounting.pdl.pjl import PJLState, read_header
from pykota_ldap.accounting.pdl.section import Section
from pykota_ldap.accounting.pdl.stream import Job

from .conftest import REPO, corpus_dir, need, ps_document
from .pdfbuild import PDFBuilder, simple_pdf


def both_ways(path) -> tuple[int | None, int | str]:
    """(fast count or None, reference count or the reference's error)."""
    job = Job(path, Deadline(60), 100_000)
    try:
        buf = job.buffer(0)
        read_header(buf, PJLState())
        section = Section(job, buf.offset(), "pdf", PJLState(), job.deadline)
        fast = pdffast.count(section)
        try:
            reference: int | str = pdf._pages_in_file(section)
        except PDLError as exc:
            reference = f"error: {exc}"
        return fast, reference
    finally:
        job.close()


def agree(path) -> int | None:
    fast, reference = both_ways(path)
    assert fast is None or fast == reference, f"{path.name}: fast path {fast}, qpdf {reference}"
    return fast


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """PDFs from Ghostscript, qpdf and by hand: (path, whether the fast path must take it)."""
    need("gs", "qpdf")
    directory = tmp_path_factory.mktemp("pdffast")
    source = directory / "source.ps"
    source.write_bytes(ps_document(3))
    files = []
    gs_pdf = directory / "gs.pdf"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", f"-sOutputFile={gs_pdf}",
                    str(source)], check=True, capture_output=True, timeout=120)
    files.append((gs_pdf, True))
    for flags, name, plain in ((["--object-streams=disable"], "flat.pdf", True),
                               (["--object-streams=disable", "--linearize"], "linear.pdf", True),
                               (["--qdf", "--object-streams=disable"], "qdf.pdf", True),
                               (["--object-streams=generate"], "objstm.pdf", False),
                               (["--encrypt", "", "owner", "128", "--use-aes=y", "--"], "aes.pdf", True),
                               (["--object-streams=generate", "--encrypt", "", "owner", "128", "--use-aes=y", "--"],
                                "aes-objstm.pdf", False)):
        target = directory / name
        subprocess.run(["qpdf", *flags, str(gs_pdf), str(target)], check=True, capture_output=True, timeout=120)
        files.append((target, plain))
    for name, data in (("simple.pdf", simple_pdf(5).build()), ("decoy.pdf", simple_pdf(2, decoy=True).build())):
        (directory / name).write_bytes(data)
        files.append((directory / name, True))
    builder = simple_pdf(3)
    builder.build()
    (directory / "deleted.pdf").write_bytes(
        builder.update({2: "<< /Type /Pages /Kids [10 0 R 11 0 R] /Count 2 >>"}))
    files.append((directory / "deleted.pdf", True))
    return files


def test_generated_files_agree_and_plain_ones_take_the_fast_path(generated):
    for path, plain in generated:
        fast = agree(path)
        assert (fast is not None) == plain, f"{path.name}: fast path {'taken' if fast is not None else 'refused'}"


ENCRYPTIONS = [   # qpdf's options, whether the fast path must take the file
    (["--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"], True),                 # V 1, R 2
    (["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"], True),  # V 2, R 3
    (["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--force-V4", "--"], True),
    (["--encrypt", "", "owner", "128", "--use-aes=y", "--"], True),                      # V 4, R 4, AESV2
    (["--encrypt", "", "owner", "128", "--use-aes=y", "--cleartext-metadata", "--"], True),
    (["--encrypt", "", "owner", "256", "--"], False),                                    # AES-256: qpdf's
    (["--encrypt", "secret", "owner", "128", "--use-aes=y", "--"], False),               # qpdf refuses it
    (["--allow-weak-crypto", "--encrypt", "secret", "", "128", "--use-aes=n", "--"], False),  # no owner password
]


@pytest.mark.parametrize("options,taken", ENCRYPTIONS, ids=["rc4-40", "rc4-128", "rc4-128-v4", "aes-128",
                                                             "aes-128-clear-metadata", "aes-256", "user-password",
                                                             "empty-owner-password"])
def test_encrypted_files_open_with_the_empty_password_take_the_fast_path(tmp_path, options, taken):
    need("qpdf")
    source = tmp_path / "source.pdf"
    source.write_bytes(simple_pdf(4, decoy=True).build())
    target = tmp_path / "encrypted.pdf"
    subprocess.run(["qpdf", "--object-streams=disable", *options, str(source), str(target)], check=True,
                   capture_output=True, timeout=60)
    fast, reference = both_ways(target)
    assert (fast is not None) == taken, (fast, reference)
    assert fast is None or fast == reference == 4
    if reference == 4:
        data = bytearray(target.read_bytes())        # a /U that does not match: never the fast path
        at = data.index(b"/U <") + 4
        data[at] = ord("0") if data[at] != ord("0") else ord("1")
        target.write_bytes(bytes(data))
        assert agree(target) is None


@pytest.mark.parametrize("options", [["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"],
                                     ["--encrypt", "", "owner", "128", "--use-aes=y", "--"]], ids=["V2", "V4"])
def test_an_encryption_dictionary_without_its_key_length_is_left_to_qpdf(tmp_path, options):
    """The key length is /Length's: where a reader's default would decide, qpdf's path does."""
    need("qpdf")
    source = tmp_path / "source.pdf"
    source.write_bytes(simple_pdf(2).build())
    target = tmp_path / "encrypted.pdf"
    subprocess.run(["qpdf", "--object-streams=disable", *options, str(source), str(target)], check=True,
                   capture_output=True, timeout=60)
    data = target.read_bytes()
    assert agree(target) == 2
    at = data.index(b"/Length 128", data.index(b"/Filter /Standard") - 200)
    target.write_bytes(data[:at] + b" " * len(b"/Length 128") + data[at + len(b"/Length 128"):])  # offsets kept
    assert agree(target) is None


def test_damaged_encryption_dictionaries_never_disagree(tmp_path):
    """Random damage to the encryption dictionary and the trailer's /ID of an AES-128 file:
    wherever the fast path still counts, qpdf counts the same."""
    need("qpdf")
    source = tmp_path / "source.pdf"
    source.write_bytes(simple_pdf(3).build())
    target = tmp_path / "aes.pdf"
    subprocess.run(["qpdf", "--object-streams=disable", "--encrypt", "", "owner", "128", "--use-aes=y", "--",
                    str(source), str(target)], check=True, capture_output=True, timeout=60)
    original = target.read_bytes()
    start, end = original.index(b"/Filter /Standard") - 40, len(original) - 40
    rng = random.Random(4)
    counted = 0
    for round_ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(start, end)] = rng.choice(b"0123456789abcdef /<>[]()RVLPOU\n")
        path = tmp_path / f"mutant-{round_}.pdf"
        path.write_bytes(bytes(data))
        counted += agree(path) is not None
        path.unlink()
    assert counted > 10


def test_corpus_pdfs_agree():
    directory = corpus_dir()
    if directory is None:
        pytest.skip("no corpus")
    taken = [path.name for path in sorted((directory / "files").glob("*pdf*")) if agree(path) is not None]
    assert {"pdf-gs-pdfwrite-1.pdf", "pdf-pjl-copies.pdf.prn", "pdf-qpdf-aes128.pdf"} <= set(taken)


def test_offsets_qpdf_must_repair_are_left_to_qpdf(tmp_path):
    data = simple_pdf(4).build()
    shifted = tmp_path / "shifted.pdf"
    shifted.write_bytes(data.replace(b"%PDF-1.4\n", b"%PDF-1.4\n% a comment that moves every object\n", 1))
    assert both_ways(shifted) == (None, 4)
    assert count_pages(shifted).pages == 4


def test_a_kid_pointing_at_a_free_object_is_left_to_qpdf(tmp_path):
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [3 0 R 4 0 R 9 0 R] /Count 3 >>")
    builder.add(3, "<< /Type /Page /Parent 2 0 R >>")
    builder.add(4, "<< /Type /Page /Parent 2 0 R >>")
    path = tmp_path / "dangling.pdf"
    path.write_bytes(builder.build())
    assert agree(path) is None
    assert count_pages(path).pages == 2


def test_mutated_files_never_disagree(tmp_path):
    """Random damage to small files: wherever the fast path still counts, qpdf counts the same."""
    rng = random.Random(17)
    originals = [simple_pdf(3).build(), simple_pdf(2, decoy=True).build()]
    counted = 0
    for round_ in range(600):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            action = rng.random()
            if action < 0.8:    # in place: the offsets stay right, what they point at changes
                data[at] = rng.choice(b"0123456789 /<>[]()RnfobjPageKids\n\r%#")
            elif action < 0.9:
                del data[at:at + rng.randint(1, 8)]
            else:
                data[at:at] = bytes(rng.choice(b" 0123456789/<>[]R\n") for _ in range(rng.randint(1, 6)))
        path = tmp_path / f"mutant-{round_}.pdf"
        path.write_bytes(bytes(data))
        counted += agree(path) is not None
        path.unlink()
    assert counted > 20     # the damage often misses what counting reads: the fast path must still be tried


def test_a_plain_pdf_is_counted_without_loading_pikepdf(tmp_path):
    path = tmp_path / "job.pdf"
    path.write_bytes(simple_pdf(3).build())
    code = ("import sys; from pykota_ldap.accounting.pdl import count_pages; "
            "print(count_pages(sys.argv[1]).pages, 'pikepdf' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=REPO)
    assert out.stdout.split() == ["3", "False"]


def test_a_classic_xref_kids_bomb_stays_bounded(tmp_path):
    """100,001 direct page dictionaries in one classic-xref object (1.4 MB): the fast path reads
    it within its object bound, then leaves the over-limit count to qpdf's path, which refuses it."""
    from .test_pdf import bounded_failure

    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, b"<< /Type /Pages /Kids [" + b"<</Type/Page>>" * 100_001 + b"] >>")
    path = tmp_path / "bomb.pdf"
    path.write_bytes(builder.build())
    bounded_failure(path, 20, "implausible")


def test_object_numbers_beyond_a_third_of_the_file_are_left_to_qpdf(tmp_path):
    """qpdf bounds object numbers by a third of the file's offsets (an object takes 3 bytes at
    least; the exact rule has changed between qpdf versions): a page numbered far above the
    offsets is not for the fast path to judge."""
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [3 0 R 90000 0 R] /Count 2 >>")
    builder.add(3, "<< /Type /Page /Parent 2 0 R >>")
    builder.add(90000, "<< /Type /Page /Parent 2 0 R >>")
    path = tmp_path / "sparse.pdf"
    path.write_bytes(builder.build())
    assert agree(path) is None


def _hybrid_in_an_older_update() -> bytes:
    """One page in the first section; an older update's /XRefStm (a hybrid file) points object 2
    at a later copy of the page tree with three pages; the newest trailer has no /XRefStm."""
    import struct

    builder = simple_pdf(1)
    builder.build()
    first = builder.last_xref
    kids = " ".join(f"{10 + i} 0 R" for i in range(3))
    builder.add(2, f"<< /Type /Pages /Kids [{kids}] /Count 3 >>")
    for number in (11, 12):
        builder.add(number, "<< /Type /Page /Parent 2 0 R >>")
    rows = b"".join(struct.pack(">BIH", 1, builder.offsets[n], 0) for n in (2, 11, 12))
    stream_at = len(builder.data)
    builder.data += (f"40 0 obj\n<< /Type /XRef /Size 41 /Index [2 1 11 2] /W [1 4 2] /Length {len(rows)} >>\n"
                     "stream\n").encode() + rows + b"\nendstream\nendobj\n"
    for number, previous, extra in ((30, first, f" /XRefStm {stream_at}"), (31, None, "")):
        builder.add(number, "<< >>")
        at = len(builder.data)
        builder.data += (f"xref\n{number} 1\n{builder.offsets[number]:010d} 00000 n \ntrailer\n"
                         f"<< /Size 41 /Root 1 0 R /Prev {previous or builder.last_xref}{extra} >>\n").encode()
        builder.last_xref = at
    builder.data += f"startxref\n{builder.last_xref}\n%%EOF\n".encode()
    return bytes(builder.data)


def test_an_xref_stream_in_an_older_update_is_left_to_qpdf(tmp_path):
    """qpdf reads every section's /XRefStm, not only the newest one's: counting the classic
    tables alone found 1 page where qpdf prints 3."""
    path = tmp_path / "hybrid-older.pdf"
    path.write_bytes(_hybrid_in_an_older_update())
    assert both_ways(path) == (None, 3)


def test_a_large_object_listed_many_times_is_parsed_once(tmp_path):
    """2,000 kids naming one page that carries a 200 KB array (2,000 pages printed): parsed again
    for each mention, the count took about 2,000 parses of it (minutes, no time limit checked)."""
    import time

    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [" + " ".join(["3 0 R"] * 2000) + "] >>")
    builder.add(3, "<< /Type /Page /Parent 2 0 R /Junk [" + "0 " * 100_000 + "] >>")
    path = tmp_path / "repeated.pdf"
    path.write_bytes(builder.build())
    started = time.monotonic()
    assert both_ways(path) == (2000, 2000)
    assert time.monotonic() - started < 15


def test_nodes_sharing_one_large_kids_array_stay_within_the_time_limit(tmp_path):
    """5,000 tree nodes whose /Kids all name one array that lists them all: each node read that
    array again (5,000 x 40 KB parsed, with no time limit checked). The parse budget hands the
    file to qpdf's path, which is bounded by the time limit."""
    import time

    builder = PDFBuilder()
    nodes = range(10, 5010)
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids 5 0 R >>")
    builder.add(5, "[" + " ".join(f"{n} 0 R" for n in nodes) + " 6 0 R]")
    builder.add(6, "<< /Type /Page /Parent 2 0 R >>")
    for number in nodes:
        builder.add(number, "<< /Type /Pages /Kids 5 0 R >>")
    path = tmp_path / "shared-kids.pdf"
    path.write_bytes(builder.build())
    job = Job(path, Deadline(60), 100_000)
    try:
        buf = job.buffer(0)
        read_header(buf, PJLState())
        started = time.monotonic()
        assert pdffast.count(Section(job, buf.offset(), "pdf", PJLState(), job.deadline)) is None
        assert time.monotonic() - started < 15
    finally:
        job.close()


def test_a_page_named_several_times_is_charged_each_time_it_prints(tmp_path):
    """qpdf (pdftopdf in CUPS: len(pdf.pages)) and Ghostscript print a page each time /Kids names
    it: one page object named 5 times was charged 1 page for 5 printed. A /Pages node named twice
    is still walked once (a loop must end)."""
    import pikepdf

    need("gs")
    builder = PDFBuilder()
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, "<< /Type /Pages /Kids [10 0 R 10 0 R 10 0 R 10 0 R 10 0 R] /Count 5 /MediaBox [0 0 595 842] >>")
    builder.add(10, "<< /Type /Page /Parent 2 0 R >>")
    flat = tmp_path / "named-five-times.pdf"
    flat.write_bytes(builder.build())
    with pikepdf.open(flat) as document:
        assert len(document.pages) == 5
    printed = subprocess.run(["gs", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage", str(flat)],
                             capture_output=True, text=True, timeout=60)
    assert printed.stdout.count("\nPage ") == 5
    assert both_ways(flat) == (5, 5)
    builder.add(2, "<< /Type /Pages /Kids [10 0 R 11 0 R 11 0 R 10 0 R] /MediaBox [0 0 595 842] >>")
    builder.add(11, "<< /Type /Pages /Parent 2 0 R /Kids [10 0 R 10 0 R 2 0 R] >>")
    nested = tmp_path / "nested.pdf"
    nested.write_bytes(builder.build())
    assert both_ways(nested) == (4, 4)
