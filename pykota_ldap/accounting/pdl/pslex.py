"""PostScript tokens, read a chunk at a time from a job.

Yields ``(kind, value, offset)``: ``value`` is the token's bytes, decoded
for strings. Kinds: ``run`` (several of the simple kinds in a row, as raw
bytes: :data:`RUN_PARTS` or :func:`parts` take them apart), ``int`` ``num`` ``name`` ``lit`` (``/name``) ``imm``
(``//name``) ``str`` ``{`` ``}`` ``[`` ``]`` ``<<`` ``>>`` ``comment``
(value: its text, and whether it starts a line, as DSC comments must)
and ``bad`` (anything Ghostscript could read differently from us: binary
tokens, bytes above 127, ESC, unbalanced delimiters, overlong or
unterminated strings). The caller stops at ``bad``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .stream import Buffer

# What Ghostscript 10 separates tokens with (Ctrl-D included) and ends a
# comment with (form feed included): a byte read differently here would
# let a job hide an operator.
_WS = rb"\x00\x04\t\n\x0c\r "
_DELIM = rb"()<>\[\]{}/%"
# ESC is left out: it belongs to a UEL, which ends the section before this.
_REGULAR = rb"[^" + _WS + _DELIM + rb"\x1b\x80-\xff]"
_STRING = rb"\((?:[^()\\]|\\.)*\)"  # without nested parentheses (those take the slow way)
_TOKEN = re.compile(
    rb"[" + _WS + rb"]*(?:"
    # Names, numbers, literal names and plain strings up to the next
    # procedure, array, dictionary, comment or special string: most of a
    # page description, handed over in one piece.
    rb"(?P<run>(?:[^{}\[\]<>%()\x1b\x80-\xff]+|" + _STRING + rb")+)"
    rb"|(?P<comment>%[^\r\n\x0c]*)"
    rb"|(?P<open>\{)|(?P<close>\})|(?P<lbrack>\[)|(?P<rbrack>\])|(?P<ldict><<)|(?P<rdict>>>)"
    rb"|(?P<a85><~[!-uz" + _WS + rb"]*~>)"
    rb"|(?P<hex><[0-9A-Fa-f" + _WS + rb"]*>)"
    rb"|(?P<strstart>[(<])"
    rb"|(?P<bad>[^" + _WS + rb"]))",
    re.S)
# A run's tokens, as (decimal number, immediate name, other regular token,
# literal name, string) with all but one empty. The numbers are those
# _regular() reads as numbers too (radix numbers come out as regular).
_DECIMAL = rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?!" + _REGULAR + rb")"
RUN_PARTS = re.compile(rb"[" + _WS + rb"]*(?:(" + _DECIMAL + rb")|(//" + _REGULAR + rb"*)|(" + _REGULAR + rb"+)|(/"
                       + _REGULAR + rb"*)|(" + _STRING + rb"))", re.S)
STRING = re.compile(rb"(" + _STRING + rb")", re.S)      # split() keeps what it splits at
LITERAL = re.compile(rb"(/" + _REGULAR + rb"*)")
DECIMAL = re.compile(_DECIMAL + rb"\Z")
_INT = re.compile(rb"[+-]?\d{1,9}\Z")
_RADIX = re.compile(rb"(\d{1,2})#([0-9A-Za-z]{1,16})\Z")
_REAL = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z|[+-]?\d+\Z")
_STRING_PART = re.compile(rb"[()\\]")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b"", b"\r": b"", b"\r\n": b""}
_KINDS = {"open": "{", "close": "}", "lbrack": "[", "rbrack": "]", "ldict": "<<", "rdict": ">>"}
MAX_STRING = 16 << 20
MAX_LINE = 4 << 20


def tokens(buf: Buffer) -> Iterator[tuple[str, object, int]]:
    """The tokens from ``buf``'s position to the end of the job."""
    before = b"\n"  # the byte before buf.pos: the section starts a line
    while True:
        if buf.pos:
            before = buf.buf[buf.pos - 1:buf.pos]
        buf.ensure(1 << 16)
        data, pos = buf.buf, buf.pos
        if pos >= len(data):
            return
        limit, cut = _window(buf)
        if limit is None:
            continue  # more was loaded: look again
        data = buf.buf
        for match in _TOKEN.finditer(data, pos, limit):
            kind = match.lastgroup or "bad"
            start = match.start(kind)
            offset = buf.base + start
            if cut and match.end() == limit:
                yield "bad", "a line too long to read in one piece", offset
                return
            if kind == "strstart":
                buf.pos = start
                yield _long_string(buf)
                break  # buf.pos is past the string now: read on from there
            if kind == "bad":
                yield "bad", f"byte {match.group(kind)!r}", offset
                return
            if kind == "comment":
                yield "comment", (match.group(kind), _line_start(data, start, before)), offset
            else:
                yield _CONVERT[kind](match.group(kind), offset)
            buf.pos = match.end()
        else:
            buf.pos = limit


def _window(buf: Buffer) -> tuple[int | None, bool]:
    """Where tokens may be read up to without cutting one: the end of the
    last complete line (the end of the job at its end). None if more data
    was loaded instead; ``cut`` if a line had to be cut at a space."""
    data, pos = buf.buf, buf.pos
    if buf.base + len(data) >= buf.end:
        return len(data), False
    limit = data.rfind(b"\n", pos) + 1
    if limit > pos:
        return limit, False
    if len(data) - pos < MAX_LINE and buf.load_more():
        return None, False
    space = max(data.rfind(b" ", pos), data.rfind(b"\r", pos), data.rfind(b"\t", pos))
    return (space + 1 if space >= pos else len(data)), True


def _line_start(data: bytes, start: int, before: bytes) -> bool:
    previous = data[start - 1:start] if start else before
    if previous == b"\x04":  # a Ctrl-D that Windows drivers put before %!
        previous = data[start - 2:start - 1] if start >= 2 else before
    return previous in (b"\n", b"\r")


def parts(run: bytes) -> Iterator[tuple[str, object, int]]:
    """The tokens of a ``run``, one by one."""
    for number, immediate, regular, literal, string in RUN_PARTS.findall(run):
        if number or regular:
            yield _regular(number or regular, 0)
        elif immediate:
            yield "imm", immediate[2:], 0
        elif literal:
            yield "lit", literal[1:], 0
        else:
            yield "str", _unescape(string[1:-1]), 0


def unescape(text: bytes) -> bytes:
    return _unescape(text)


def regular(text: bytes, offset: int) -> tuple[str, object, int]:
    return _regular(text, offset)


def _regular(text: bytes, offset: int) -> tuple[str, object, int]:
    if text[:1] in b"+-.0123456789":
        if _INT.match(text):
            return "int", int(text), offset
        radix = _RADIX.match(text)
        if radix and 2 <= int(radix.group(1)) <= 36:
            try:
                return "int", int(radix.group(2), int(radix.group(1))), offset
            except ValueError:
                return "name", text, offset
        if _REAL.match(text):
            return "num", text, offset
    return "name", text, offset


def _delimiter(kind: str):
    return lambda text, offset: (kind, None, offset)


def _unescape(text: bytes) -> bytes:
    if b"\\" not in text:
        return text
    return _ESCAPE.sub(_escape, text)


def _escape(match: re.Match) -> bytes:
    code = match.group(1)
    if code[:1].isdigit() and code[:1] in b"01234567":
        return bytes([int(code, 8) & 0xFF])
    return _ESCAPES.get(code, code)


def _unhex(text: bytes) -> bytes:
    digits = bytes(c for c in text if c not in b"\x00\x04\t\n\x0c\r ")
    if len(digits) % 2:
        digits += b"0"
    return bytes.fromhex(digits.decode("ascii"))


def _ascii85(text: bytes, offset: int) -> tuple[str, object, int]:
    try:
        import base64  # rare in jobs: not loaded for every count

        return "str", base64.a85decode(text, ignorechars=b"\x00\x04\t\n\x0c\r "), offset
    except ValueError:
        return "bad", "bad ASCII85 string", offset


def _long_string(buf: Buffer) -> tuple[str, object, int]:
    """A string the fast pattern did not take: nested parentheses, or one
    that runs past the loaded part (or a hex string that does)."""
    offset = buf.offset()
    while True:
        data, start = buf.buf, buf.pos
        end = _string_end(data, start) if data[start:start + 1] == b"(" else _angle_end(data, start)
        if end is not None:
            raw = data[start:end]
            buf.pos = end
            if raw[:1] == b"(":
                return "str", _unescape(raw[1:-1]), offset
            if raw[:2] == b"<~":
                return _ascii85(raw[2:-2], offset)
            if re.fullmatch(rb"<[0-9A-Fa-f" + _WS + rb"]*>", raw):
                return "str", _unhex(raw[1:-1]), offset
            return "bad", "bad hexadecimal string", offset
        if len(data) - start > MAX_STRING or not buf.load_more():
            return "bad", "unterminated or overlong string", offset


def _string_end(data: bytes, start: int) -> int | None:
    depth = 0
    at = start
    while True:
        match = _STRING_PART.search(data, at)
        if match is None:
            return None
        char = match.group()
        at = match.end()
        if char == b"\\":
            if at >= len(data):
                return None
            at += 1
        elif char == b"(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return at


def _angle_end(data: bytes, start: int) -> int | None:
    closing = b"~>" if data[start:start + 2] == b"<~" else b">"
    end = data.find(closing, start + 1)
    return None if end < 0 else end + len(closing)


_CONVERT = {
    "run": lambda text, offset: ("run", text, offset),
    "hex": lambda text, offset: ("str", _unhex(text[1:-1]), offset),
    "a85": lambda text, offset: _ascii85(text[2:-2], offset),
    **{kind: _delimiter(symbol) for kind, symbol in _KINDS.items()},
}
