"""PDF page count without qpdf, for files whose structure leaves no doubt.

Loading pikepdf costs more than Ghostscript takes to render a small job, so
plain files are read here: ``%PDF-`` at the start, one ``startxref`` near
the end, classic xref tables (a ``/Prev`` chain of incremental updates
included) whose every entry is well formed, no encryption but the empty
password of RC4 or AES-128 (:mod:`pdfcrypt`), no xref or object streams,
and every object we need found where its entry says, as ``N G obj`` with a
dictionary or array and ``endobj``. The page tree is then walked by
the same rules as :mod:`pdf` (same leaves, same loop handling). Anything
else (a damaged xref qpdf would reconstruct, a reference to nothing, a
duplicate key, limits reached) returns None and the file goes to qpdf: this
path may only give the answer qpdf would give.
"""

from __future__ import annotations

import re

from .section import Section

MAX_DEPTH = 64           # the same page-tree depth as pdf.py
MAX_NESTING = 64         # arrays and dictionaries inside each other in one object
MAX_ENTRIES = 200_000    # xref entries in all sections (4 MB of table)
MAX_SECTIONS = 64        # incremental updates
OBJECT_READ = 64 << 10   # first read of an object, grown up to MAX_OBJECT
MAX_OBJECT = 2 << 20    # bounds the memory of one parse (a Kids array of 100,000 references fits)
TAIL = 1054              # how far from the end qpdf looks for startxref
CHECK_EVERY = 1024
PARSE_BUDGET = 4         # bytes parsed, per byte of the file (plus MAX_OBJECT): beyond, qpdf's path

_WS = b"\x00\t\n\x0c\r "
_TOKEN = re.compile(rb"[\x00\t\n\x0c\r ]*(?:%[^\r\n]*[\x00\t\n\x0c\r ]*)*"
                    rb"(<<|>>|\[|\]|/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*|\(|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>"
                    rb"|[+-]?(?:\d+\.?\d*|\.\d+)|[A-Za-z]+)")
_INT = re.compile(rb"\d+\Z")
_REF = re.compile(rb"[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+R(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])")
_OBJECT_HEAD = re.compile(rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([fn])(?:\r\n| \n| \r)")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[ ]*(?:\r\n|\n|\r)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class _Doubt(Exception):
    """Something only qpdf may judge: count with pikepdf instead."""


class Name(str):
    """A PDF name, decoded (``/Pag#65`` is ``Page``)."""


class Ref(tuple):
    """An indirect reference (number, generation)."""


def count(section: Section) -> int | None:
    """The number of pages qpdf would find, or None when only qpdf can tell."""
    try:
        return _File(section).count_pages()
    except (_Doubt, _Truncated, ValueError, IndexError, RecursionError):
        return None


class _File:
    def __init__(self, section: Section):
        self.job = section.job
        self.start = section.offset
        self.size = section.job.end - section.offset
        self.deadline = section.deadline
        self.max_pages = section.job.max_pages
        self.xref: dict[int, tuple[int, int] | None] = {}   # number -> (offset, generation), None if free
        self.max_offset = 0
        self.parse_left = PARSE_BUDGET * self.size + MAX_OBJECT   # objects named many times cost each time

    def read(self, offset: int, size: int) -> bytes:
        return self.job.read_at(self.start + offset, min(size, self.size - offset))

    def count_pages(self) -> int:
        if self.read(0, 5) != b"%PDF-":
            raise _Doubt("no header at the start")
        trailer = self._read_xref_chain()
        if "Encrypt" in trailer:
            from .pdfcrypt import opens_with_empty_password  # here: few jobs are encrypted

            encrypt = self.resolve(trailer["Encrypt"])
            if not (isinstance(encrypt, dict) and opens_with_empty_password(encrypt, trailer.get("ID"))):
                raise _Doubt("encrypted, not with the empty password of a handler checked here")
        root = self.resolve(trailer.get("Root"))
        tree = self.resolve(root.get("Pages")) if isinstance(root, dict) else None
        if not isinstance(tree, dict) or not isinstance(trailer.get("Root"), Ref):
            raise _Doubt("no page tree: let qpdf say so")
        return self._walk(root)

    # The xref chain, newest section first: its entries win over older ones.

    def _read_xref_chain(self) -> dict:
        tail_at = max(0, self.size - TAIL)
        tail = self.read(tail_at, TAIL)
        at = tail.rfind(b"startxref")
        found = re.match(rb"startxref[\x00\t\n\x0c\r ]+(\d+)", tail[at:]) if at >= 0 else None
        if found is None:
            raise _Doubt("no startxref")
        offset: int | None = int(found.group(1))
        trailer: dict | None = None
        seen: set[int] = set()
        while offset is not None:
            if offset in seen or len(seen) >= MAX_SECTIONS:
                raise _Doubt("xref loop")
            seen.add(offset)
            section_trailer = self._read_xref_table(offset)
            if "XRefStm" in section_trailer:
                raise _Doubt("hybrid section: qpdf reads its xref stream too, in any update")
            trailer = trailer if trailer is not None else section_trailer
            previous = section_trailer.get("Prev")
            if previous is not None and (not isinstance(previous, int) or isinstance(previous, bool)):
                raise _Doubt("bad /Prev")
            offset = previous
        assert trailer is not None
        return trailer

    def _read_xref_table(self, offset: int) -> dict:
        data = self.read(offset, MAX_OBJECT)
        if not data.startswith(b"xref") or data[4:5] not in (b"\r", b"\n"):
            raise _Doubt("not a classic xref table")
        pos = 5 if data[4:6] != b"\r\n" else 6
        while True:
            self.deadline.check()
            head = _SUBSECTION.match(data, pos)
            if head is None:
                break
            first, number = int(head.group(1)), int(head.group(2))
            pos = head.end()
            if len(self.xref) + number > MAX_ENTRIES:
                raise _Doubt("xref too large")
            pos = self._read_entries(data, pos, first, number)
        trailer_at = re.compile(rb"trailer[\x00\t\n\x0c\r ]*").match(data, pos)
        if trailer_at is None:
            raise _Doubt("no trailer after the table")
        trailer, _ = _Parser(data, trailer_at.end(), len(data) < MAX_OBJECT).value(0)
        if not isinstance(trailer, dict):
            raise _Doubt("trailer is not a dictionary")
        return trailer

    def _read_entries(self, data: bytes, pos: int, first: int, number: int) -> int:
        for index in range(number):
            entry = _ENTRY.match(data, pos)
            if entry is None:
                raise _Doubt("malformed xref entry")
            pos = entry.end()
            where, generation, kind = int(entry.group(1)), int(entry.group(2)), entry.group(3)
            if first > 0 and index == 0 and (where, generation, kind) == (0, 65535, b"f"):
                raise _Doubt("subsection numbered off by one (qpdf renumbers it)")
            if first + index in self.xref:
                continue                    # a newer section already said
            if kind == b"n":
                if not 0 < where < self.size:
                    raise _Doubt("xref entry points outside the file")
                self.xref[first + index] = (where, generation)
                self.max_offset = max(self.max_offset, where)
            else:
                self.xref[first + index] = None
        return pos

    # Objects

    def resolve(self, value):
        return self.load(value) if isinstance(value, Ref) else value

    def load(self, ref: Ref):
        """The object ``ref`` names, read again each time: the walk visits each node once, so
        nothing is kept and memory stays at one object whatever the number of pages."""
        entry = self.xref.get(ref[0])
        if entry is None or entry[1] != ref[1]:
            raise _Doubt("reference to a free or missing object")
        if ref[0] > self.max_offset // 3:
            # qpdf bounds object numbers by a third of the offsets (3 bytes an object at least;
            # its exact rule differs between versions): beyond the smallest bound, let it judge
            raise _Doubt("object number qpdf deems implausible")
        offset = entry[0]
        size = OBJECT_READ
        while True:
            data = self.read(offset, size)
            try:
                value = self._object_at(data, ref, len(data) < size)
                break
            except _Truncated:
                if size >= MAX_OBJECT or len(data) < size:
                    raise _Doubt("object too large or cut") from None
                size *= 8
        return value

    def _object_at(self, data: bytes, ref: Ref, complete: bool):
        head = _OBJECT_HEAD.match(data)
        if head is None or (int(head.group(1)), int(head.group(2))) != tuple(ref):
            raise _Doubt("object not where its xref entry says")
        value, pos = _Parser(data, head.end(), complete).value(0)
        self.parse_left -= pos
        if self.parse_left < 0:
            raise _Doubt("objects read over and over: let qpdf's path, which keeps them, count")
        self.deadline.check()
        end = re.compile(rb"[\x00\t\n\x0c\r ]*endobj").match(data, pos)
        if end is None:
            if not complete and len(data) - pos < 16:
                raise _Truncated
            raise _Doubt("object without endobj (a stream, or damaged)")
        if not isinstance(value, (dict, list)):
            raise _Doubt("not a dictionary or array")
        return value

    # The page tree, by the rules of pdf._count_leaves.

    def _walk(self, root: dict) -> int:
        known: dict[Ref, str] = {}          # what each object is, so that none is parsed twice
        found = 0
        stack: list[tuple[object, int]] = [(root.get("Pages"), 0)]
        while stack:
            kid, depth = stack.pop()
            if self._visit(kid, depth, known, stack):
                found += 1
                if self.max_pages is not None and found > self.max_pages:
                    raise _Doubt("over the limit: let qpdf's path report it")
        return found

    def _visit(self, kid, depth: int, known: dict, stack: list) -> bool:
        """Whether ``kid`` is a page; a /Pages node's kids are stacked the first time only (a
        loop ends), a page counts each time it is named (qpdf and Ghostscript print it each time)."""
        ref = kid if isinstance(kid, Ref) else None
        kind = known.get(ref) if ref is not None else None
        if kind is None:
            kind, kids = self._kind(self.resolve(kid), depth)
            if ref is not None:
                known[ref] = kind
            if kind == "tree":
                self._check_depth(depth)
                self._push(kids, depth + 1, stack)
                return False
        if kind == "none":
            return False                    # pdf.py only stacks dictionaries
        self._check_depth(depth)
        return kind == "page"

    def _kind(self, node, depth: int) -> tuple[str, list]:
        """"page", "tree" (with its kids), "other" or "none" (not a dictionary), by the rules of
        pdf._count_leaves."""
        if not isinstance(node, dict):
            return "none", []
        kids = self.resolve(node.get("Kids"))
        node_type = self.resolve(node.get("Type"))
        if kids is not None and node_type != "Page":
            return "tree", kids if isinstance(kids, list) else []
        if node_type == "Page" or (depth > 0 and node_type != "Pages"):
            return "page", []
        return "other", []

    @staticmethod
    def _check_depth(depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Doubt("too deep: let qpdf's path report it")

    def _push(self, kids: list, depth: int, stack: list) -> None:
        if self.max_pages is not None and len(kids) > self.max_pages:
            raise _Doubt("over the limit")
        for index in range(len(kids) - 1, -1, -1):
            if index % CHECK_EVERY == 0:
                self.deadline.check()
            stack.append((kids[index], depth))


class _Truncated(Exception):
    """The object runs past what was read: read more."""


class _Parser:
    """PDF values from ``data`` (names are :class:`Name`, strings bytes, and a
    ``null`` value removes its key, as in qpdf). ``complete``: ``data`` runs to
    the end of the file, so running out of it is damage, not a short read."""

    def __init__(self, data: bytes, pos: int, complete: bool):
        self.data = data
        self.pos = pos
        self.complete = complete

    def _short(self) -> Exception:
        return _Doubt("object cut by the end of the file") if self.complete else _Truncated()

    def token(self) -> bytes:
        found = _TOKEN.match(self.data, self.pos)
        if found is None:
            if self.data[self.pos:].strip(_WS) == b"":
                raise self._short()
            raise _Doubt("unexpected bytes")
        self.pos = found.end()
        return found.group(1)

    def value(self, nesting: int):
        if nesting > MAX_NESTING:
            raise _Doubt("nested too deeply")
        token = self.token()
        if token == b"<<":
            return self._dictionary(nesting), self.pos
        if token == b"[":
            return self._array(nesting), self.pos
        return self._simple(token), self.pos

    def _simple(self, token: bytes):
        first = token[:1]
        if first == b"/":
            return Name(_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token[1:]).decode("latin-1"))
        if first == b"(":
            return self._string()
        if first == b"<":
            return bytes.fromhex(token[1:-1].translate(None, _WS).decode("ascii").ljust(1, "0"))
        if _INT.match(token.lstrip(b"+-")):
            if _INT.match(token):
                ref = _REF.match(self.data, self.pos)
                if ref is not None:
                    self.pos = ref.end()
                    return Ref((int(token), int(ref.group(1))))
                if self.pos >= len(self.data) - 24 and not self.complete:
                    raise _Truncated        # "N G R" may be cut by the read
            return int(token)
        if first.isdigit() or first in b"+-.":
            return float(token)
        if token in (b"true", b"false"):
            return token == b"true"
        if token == b"null":
            return None
        raise _Doubt(f"unexpected keyword {token[:20]!r}")

    def _dictionary(self, nesting: int) -> dict:
        result: dict = {}
        while True:
            key = self.token()
            if key == b">>":
                return result
            if key[:1] != b"/":
                raise _Doubt("dictionary key is not a name")
            name = self._simple(key)
            if name in result:
                raise _Doubt("duplicate key")
            value, _ = self.value(nesting + 1)
            if value is not None:
                result[name] = value

    def _array(self, nesting: int) -> list:
        result: list = []
        while True:
            saved = self.pos
            if self.token() == b"]":
                return result
            self.pos = saved
            value, _ = self.value(nesting + 1)
            result.append(value)

    def _string(self) -> bytes:
        """Skip a literal string (balanced parentheses, backslash escapes). Its bytes as written
        when they are its value (no escape, no CR: the /O and /U of an encryption dictionary),
        else b"" (counting needs no other string)."""
        data, start, depth = self.data, self.pos, 1
        pos = start
        while depth:
            if pos >= len(data):
                raise self._short()
            byte = data[pos]
            if byte == 0x5C:
                pos += 2
                continue
            depth += (byte == 0x28) - (byte == 0x29)
            pos += 1
        self.pos = pos
        text = data[start:pos - 1]
        return b"" if b"\\" in text or b"\r" in text else text
