"""Hand-made PDF files with exact control over their structure."""

from __future__ import annotations

import struct
import zlib


class PDFBuilder:
    """Objects are written in order; ``build`` adds a classic xref and trailer.

    ``update`` appends an incremental update (new or replaced objects, an
    xref section for them and a trailer with /Prev), as editors do.
    """

    def __init__(self, version: str = "1.4"):
        self.data = bytearray(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
        self.offsets: dict[int, int] = {}
        self.last_xref: int | None = None
        self.size = 1

    def add(self, number: int, body: str | bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = len(self.data)
        body = body.encode("latin-1") if isinstance(body, str) else body
        self.data += f"{number} 0 obj\n".encode() + body
        if stream is not None:
            self.data += b"\nstream\n" + stream + b"\nendstream"
        self.data += b"\nendobj\n"
        self.size = max(self.size, number + 1)

    def _xref(self, numbers: list[int], root: int, prev: int | None) -> None:
        start = len(self.data)
        lines = ["xref"]
        if prev is None:
            lines.append(f"0 {self.size}")
            lines.append("0000000000 65535 f ")
            for number in range(1, self.size):
                offset = self.offsets.get(number)
                lines.append(f"{offset:010d} 00000 n " if offset is not None else "0000000000 65535 f ")
        else:
            for number in numbers:
                lines.append(f"{number} 1")
                lines.append(f"{self.offsets[number]:010d} 00000 n ")
        trailer = f"<< /Size {self.size} /Root {root} 0 R" + (f" /Prev {prev}" if prev is not None else "") + " >>"
        lines += ["trailer", trailer, "startxref", str(start), "%%EOF", ""]
        self.data += "\n".join(lines).encode()
        self.last_xref = start

    def build(self, root: int = 1) -> bytes:
        self._xref(sorted(self.offsets), root, None)
        return bytes(self.data)

    def update(self, objects: dict[int, str], root: int = 1) -> bytes:
        for number, body in objects.items():
            self.add(number, body)
        self._xref(sorted(objects), root, self.last_xref)
        return bytes(self.data)


def simple_pdf(pages: int, *, decoy: bool = False) -> PDFBuilder:
    """Catalog 1, page tree 2, content 3, pages from 10 on."""
    builder = PDFBuilder()
    kids = " ".join(f"{10 + i} 0 R" for i in range(pages))
    builder.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
    builder.add(2, f"<< /Type /Pages /Kids [{kids}] /Count {pages} /MediaBox [0 0 595 842] >>")
    content = b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET"
    if decoy:
        content += b"\n% /Type /Page /Type /Page obj << /Type /Page >> endobj"
    builder.add(3, f"<< /Length {len(content)} >>", content)
    for i in range(pages):
        extra = " /Annots [<< /Subtype /Text /Contents (/Type /Page) >>]" if decoy else ""
        builder.add(10 + i, f"<< /Type /Page /Parent 2 0 R /Contents 3 0 R{extra} >>")
    return builder


def object_stream_pdf(objects: list[tuple[int, list[bytes] | bytes]], root: int = 1,
                      strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    """A PDF 1.5 whose objects (number, body) all sit in one Flate-compressed
    object stream, indexed by a cross-reference stream.

    A body may be a list of byte chunks so that huge objects (bombs) are
    compressed as they are produced, never held uncompressed in memory
    (``strategy`` zlib.Z_RLE packs long runs of one byte fastest)."""
    chunks = [[body] if isinstance(body, bytes) else body for _, body in objects]
    sizes = [sum(len(chunk) for chunk in body) + 1 for body in chunks]
    offsets, at = [], 0
    for size in sizes:
        offsets.append(at)
        at += size
    pairs = zip(objects, offsets, strict=True)
    index = " ".join(f"{number} {offset}" for (number, _), offset in pairs).encode() + b"\n"
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, strategy)
    packed = [packer.compress(index)]
    for body in chunks:
        for chunk in body:
            packed.append(packer.compress(chunk))
        packed.append(packer.compress(b"\n"))
    packed.append(packer.flush())
    data = b"".join(packed)
    stream_number = max(number for number, _ in objects) + 1
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    stream_at = len(out)
    out += (f"{stream_number} 0 obj\n<< /Type /ObjStm /N {len(objects)} /First {len(index)} "
            f"/Filter /FlateDecode /Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream\nendobj\n"
    xref_number = stream_number + 1
    entries = {0: (0, 0, 65535), stream_number: (1, stream_at, 0)}
    for position, (number, _) in enumerate(objects):
        entries[number] = (2, stream_number, position)
    xref_at = len(out)
    entries[xref_number] = (1, xref_at, 0)
    table = b"".join(struct.pack(">BIH", *entries.get(n, (0, 0, 0))) for n in range(xref_number + 1))
    out += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] /Root {root} 0 R "
            f"/Length {len(table)} >>\nstream\n").encode() + table + b"\nendstream\nendobj\n"
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def kids_bomb(kids: int) -> bytes:
    """A page tree whose root holds ``kids`` direct page dictionaries: a few
    hundred KB on disk for millions of pages (each kid is 14 bytes before
    compression)."""
    unit = b"<</Type/Page>>"
    block = unit * 100_000  # one block, listed as often as needed
    body = [f"<< /Type /Pages /Count {kids} /Kids [".encode()]
    body += [block] * (kids // 100_000) + [unit * (kids % 100_000), b"] >>"]
    return object_stream_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R >>"), (2, body)])


def inflate_bomb(megabytes: int) -> bytes:
    """A one-page PDF whose object stream also holds a string of
    ``megabytes`` MB: about 1 KB of compressed data per MB (a 512 MB string
    in a 0.5 MB file)."""
    block = b"A" * (1 << 20)
    return object_stream_pdf([
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Filler 4 0 R >>"),
        (4, [b"("] + [block] * megabytes + [b")"]),
    ], strategy=zlib.Z_RLE)
