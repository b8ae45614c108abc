"""Hand-made PDF files with exact control over their structure."""

from __future__ import annotations


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
