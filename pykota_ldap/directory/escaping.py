"""Escaping of values put into LDAP filters (RFC 4515) and DNs (RFC 4514).

Every name that reaches a filter or a DN goes through one of these functions: a user called
`*)(uid=*` must match nobody but that user, and a printer called `a,b=c+d` must stay one RDN.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Callable, Iterable, Sequence

_FILTER_SPECIALS = {"\\": r"\5c", "*": r"\2a", "(": r"\28", ")": r"\29", "\x00": r"\00"}
_DN_SPECIALS = set(',+"\\<>;=#')   # '#' only matters first (RFC 4514), but ldap3 wants it anywhere


def _hex(ch: str) -> str:
    return "".join(f"\\{byte:02x}" for byte in ch.encode("utf-8"))


def filter_value(value: str) -> str:
    """A value for an equality or substring assertion: *, (, ), backslash and NUL become \\XX.

    Leading and trailing white space is hex-escaped too: ldap3 would otherwise strip it."""
    text = "".join(_FILTER_SPECIALS.get(ch, ch) for ch in str(value))
    core = text.strip()
    if not core:
        return "".join(_hex(ch) for ch in text)
    start = text.index(core[0])
    end = start + len(core)
    return "".join(_hex(ch) for ch in text[:start]) + core + "".join(_hex(ch) for ch in text[end:])


def eq(attribute: str, value: str) -> str:
    return f"({attribute}={filter_value(value)})"


def any_of(attribute: str, values: Iterable[str]) -> str:
    """(|(a=v1)(a=v2)...) ; an empty list gives a filter that matches nothing."""
    parts = [eq(attribute, v) for v in values]
    if not parts:
        return "(!(objectClass=*))"
    return parts[0] if len(parts) == 1 else "(|" + "".join(parts) + ")"


def all_of(*filters: str) -> str:
    """(&...) of the filters given, "" ones left out (no condition)."""
    present = [f for f in filters if f]
    return present[0] if len(present) == 1 else "(&" + "".join(present) + ")"


def dn_value(value: str) -> str:
    """An RDN value: specials get a backslash; a leading space or #, a trailing space too."""
    value = str(value)
    if value == "":
        raise ValueError("an empty name cannot be part of a DN")
    out = []
    for index, ch in enumerate(value):
        if ch in _DN_SPECIALS:
            out.append("\\" + ch)
        elif ch == "\x00":
            out.append("\\00")
        elif (index == 0 and ch in " #") or (index == len(value) - 1 and ch == " "):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def is_pattern(name: str) -> bool:
    """Whether a name uses shell wildcards (*, ? or [...])."""
    return any(ch in name for ch in "*?[")


def pattern_filter(attribute: str, pattern: str) -> str:
    """A server-side filter that matches at least what the shell pattern matches.

    Only * has an LDAP equivalent; ? and [...] become * on the server and the caller keeps the
    exact semantics with `matches()`. Literal parts are escaped.
    """
    if not is_pattern(pattern):
        return eq(attribute, pattern)
    loose = re.sub(r"\[[^\]]*\]|\?", "*", pattern)
    pieces = [filter_value(piece) for piece in re.split(r"\*+", loose)]
    if all(piece == "" for piece in pieces):
        return f"({attribute}=*)"
    return f"({attribute}={'*'.join(pieces)})"


def any_pattern(attribute: str, patterns: Sequence[str] | None) -> str:
    """(|...) of pattern_filter over the patterns; "" (no condition) for none or a bare *."""
    if not patterns or "*" in patterns:
        return ""
    return "(|" + "".join(pattern_filter(attribute, p) for p in patterns) + ")"


def matches(name: str, pattern: str) -> bool:
    """Shell-style match, case-insensitive like the name attributes' matching rule."""
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def matcher(patterns: Sequence[str] | None) -> Callable[[str], bool]:
    """matches() against any of the patterns, in one step however many there are (a report over
    a thousand printers tests each of 500,000 entries): plain names by a set, the others by one
    compiled expression."""
    if not patterns:
        return lambda name: True
    plain = {p.lower() for p in patterns if not any(ch in p for ch in "*?[")}
    wild = [p.lower() for p in patterns if p.lower() not in plain]
    expression = re.compile("|".join(fnmatch.translate(p) for p in wild)) if wild else None
    return lambda name: name.lower() in plain or (expression is not None and expression.match(name.lower()) is not None)


def dn_unescape(value: str) -> str:
    """Reverse of dn_value for one RDN value: \\, -> , and \\XX hex pairs -> bytes (UTF-8)."""
    out, raw, i = [], bytearray(), 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 2 < len(value) + 1 and re.fullmatch(r"[0-9a-fA-F]{2}", value[i + 1:i + 3] or ""):
            raw.append(int(value[i + 1:i + 3], 16))
            i += 3
            continue
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw = bytearray()
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    if raw:
        out.append(raw.decode("utf-8", "replace"))
    return "".join(out)


def rdn_value(dn: str) -> tuple[str, str, str]:
    """(attribute, unescaped value, parent DN) of a DN's first RDN."""
    from ldap3.utils.dn import parse_dn
    parts = parse_dn(dn, escape=False)
    attr, value, _ = parts[0]
    parent = ",".join(f"{a}={v}" for a, v, _ in parts[1:])
    return attr, dn_unescape(value), parent
