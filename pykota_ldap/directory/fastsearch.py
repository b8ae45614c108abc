"""Large paged searches without ldap3's decoding: the reads of pksync, the listings and dumps.

ldap3 spent 90% of a no-op pksync over 30,000 users decoding search answers into its generic
structures. search_paged_fast sends the same paged search (RFC 2696) on the bound connection
(Directory.wire) and decodes only what a plain entry holds: its DN and its attributes' values,
as text, in the form every read of this package returns (core.Entry); search_paged_first keeps
each attribute's first value only (dumpykota's history). The answers are walked where they were
received, and an entry whose attributes are all ASCII (nearly all) is decoded once as a whole.
tests/admin/test_fast_listing.py checks both against ldap3's decoding.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from .ber import children, control, element, envelope, integer, octets, parse_response, search_request, sequence
from .core import PAGED_OID, Directory, Entry
from .errors import DirectoryUnavailable, error_for
from .wire import Wire

SEARCH_RESULT_ENTRY, SEARCH_RESULT_DONE, CONTROLS = 0x64, 0x65, 0xA0
FirstValues = tuple[str, dict[str, str]]     # DN, attribute name (lower case) -> its first value
Decoder = Callable[[bytes, int, int, dict[bytes, str]], Any]


def _paged_control(size: int, cookie: bytes) -> bytes:
    return control(PAGED_OID, False, sequence(integer(size), octets(cookie)))


def _long(data: bytes, pos: int) -> tuple[int, int]:
    """Start and end of the content of the element at pos whose length has the long form."""
    start = pos + 2 + (data[pos + 1] & 0x7F)
    return start, start + int.from_bytes(data[pos + 2:start], "big")


def _header(data: bytes, pos: int, message_end: int) -> tuple[int, int, int, int, int]:
    """(DN start, DN end, attributes start, attributes end, end) of the searchResultEntry at pos."""
    try:
        size = data[pos + 1]
        op_start, op_end = (pos + 2, pos + 2 + size) if size < 0x80 else _long(data, pos)
        size = data[op_start + 1]
        dn_start, dn_end = (op_start + 2, op_start + 2 + size) if size < 0x80 else _long(data, op_start)
        size = data[dn_end + 1]
        attrs_start, attrs_end = (dn_end + 2, dn_end + 2 + size) if size < 0x80 else _long(data, dn_end)
    except IndexError:
        raise ValueError("truncated BER element in an LDAP answer") from None
    if attrs_end > op_end or op_end > message_end:
        raise ValueError("malformed search entry in an LDAP answer")
    return dn_start, dn_end, attrs_start, attrs_end, op_end


def _entry(data: bytes, pos: int, message_end: int, names: dict[Any, str]) -> Entry:
    """DN and attributes of the searchResultEntry at pos, walked in place in the received bytes:
    a report reads 200,000 of them, and this loop is where its time goes. When the attributes'
    bytes are all ASCII (nearly always), every length in them has the short form (below 128)
    and every value is its own text: they are decoded once and walked without a test per length.
    `names` caches the attribute names' decoding."""
    dn_start, dn_end, pos, attrs_end, _ = _header(data, pos, message_end)
    region = data[pos:attrs_end]
    attributes = {}
    if region.isascii():
        text, pos, attrs_end = region.decode("ascii"), 0, len(region)
        try:
            while pos < attrs_end:
                type_end = pos + 4 + region[pos + 3]
                raw = text[pos + 4:type_end]
                name = names.get(raw) or names.setdefault(raw, raw.lower())
                value_pos, values_end = type_end + 2, type_end + 2 + region[type_end + 1]
                if pos + 2 + region[pos + 1] != values_end:
                    raise ValueError("malformed search entry in an LDAP answer")
                found = []
                while value_pos < values_end:
                    value_end = value_pos + 2 + region[value_pos + 1]
                    found.append(text[value_pos + 2:value_end])
                    value_pos = value_end
                if value_pos != values_end:
                    raise ValueError("malformed search entry in an LDAP answer")
                attributes[name] = found
                pos = values_end
        except IndexError:
            raise ValueError("truncated BER element in an LDAP answer") from None
    else:
        pos, attrs_end = 0, len(region)
        while pos < attrs_end:
            type_start, type_end, value_pos, values_end = _attribute(region, pos)
            found = []
            while value_pos < values_end:
                value_start, value_pos = _element(region, value_pos)
                found.append(region[value_start:value_pos].decode("utf-8", "replace"))
            if value_pos != values_end:
                raise ValueError("malformed search entry in an LDAP answer")
            attributes[_name(names, region[type_start:type_end])] = found
            pos = values_end
    if pos != attrs_end:
        raise ValueError("malformed search entry in an LDAP answer")
    return data[dn_start:dn_end].decode("utf-8", "replace"), attributes


def _first_values(data: bytes, pos: int, message_end: int, names: dict[Any, str]) -> FirstValues:
    """Like _entry, keeping only each attribute's first value (what the records of single-valued
    attributes read): the values after it are not decoded."""
    dn_start, dn_end, pos, attrs_end, _ = _header(data, pos, message_end)
    region = data[pos:attrs_end]
    attributes = {}
    if region.isascii():
        text, pos, attrs_end = region.decode("ascii"), 0, len(region)
        try:
            while pos < attrs_end:
                type_end = pos + 4 + region[pos + 3]
                raw = text[pos + 4:type_end]
                name = names.get(raw) or names.setdefault(raw, raw.lower())
                value_pos, values_end = type_end + 2, type_end + 2 + region[type_end + 1]
                if pos + 2 + region[pos + 1] != values_end:
                    raise ValueError("malformed search entry in an LDAP answer")
                if value_pos < values_end:
                    value_end = value_pos + 2 + region[value_pos + 1]
                    if value_end > values_end:
                        raise ValueError("malformed search entry in an LDAP answer")
                    attributes[name] = text[value_pos + 2:value_end]
                pos = values_end
        except IndexError:
            raise ValueError("truncated BER element in an LDAP answer") from None
    else:
        pos, attrs_end = 0, len(region)
        while pos < attrs_end:
            type_start, type_end, value_pos, values_end = _attribute(region, pos)
            if value_pos < values_end:
                value_start, value_end = _element(region, value_pos)
                if value_end > values_end:
                    raise ValueError("malformed search entry in an LDAP answer")
                attributes[_name(names, region[type_start:type_end])] = \
                    region[value_start:value_end].decode("utf-8", "replace")
            pos = values_end
    if pos != attrs_end:
        raise ValueError("malformed search entry in an LDAP answer")
    return data[dn_start:dn_end].decode("utf-8", "replace"), attributes


def _element(data: bytes, pos: int) -> tuple[int, int]:
    """Start and end of the content of the element at pos, within data (ValueError past its end)."""
    if pos + 2 > len(data):
        raise ValueError("truncated BER element in an LDAP answer")
    size = data[pos + 1]
    start, end = (pos + 2, pos + 2 + size) if size < 0x80 else _long(data, pos)
    if end > len(data):
        raise ValueError("truncated BER element in an LDAP answer")
    return start, end


def _attribute(region: bytes, pos: int) -> tuple[int, int, int, int]:
    """(type start, type end, values start, values end) of the PartialAttribute at pos."""
    content, end = _element(region, pos)
    type_start, type_end = _element(region, content)
    values_start, values_end = _element(region, type_end)
    if values_end != end:
        raise ValueError("malformed search entry in an LDAP answer")
    return type_start, type_end, values_start, values_end


def _name(names: dict[Any, str], raw: bytes) -> str:
    name = names.get(raw)
    if name is None:
        name = names[raw] = raw.decode().lower()
    return name


def _paged_cookie(message: bytes, controls_start: int, controls_end: int) -> bytes:
    """The cookie of the paged-results control among a response's controls (empty: last page)."""
    for _, control_start, control_end in children(message, controls_start, controls_end):
        parts = list(children(message, control_start, control_end))
        if message[parts[0][1]:parts[0][2]].decode() == PAGED_OID and len(parts) > 1:
            _, value_start, _ = parts[-1]
            _, seq_start, seq_end = element(message, value_start)
            _size, (_, cookie_start, cookie_end) = children(message, seq_start, seq_end)
            return message[cookie_start:cookie_end]
    return b""


def search_paged_fast(d: Directory, base: str, filter_text: str | bytes, attributes: list[str],
                      page_size: int = 1000) -> Iterator[Entry]:
    """Like Directory.search_paged (the filter may also be encoded with ber.equality/all_of/any_of)."""
    return _search(d, base, filter_text, attributes, page_size, _entry)


def search_paged_first(d: Directory, base: str, filter_text: str | bytes, attributes: list[str],
                       page_size: int = 1000) -> Iterator[FirstValues]:
    """search_paged_fast, each entry as its DN and the first value of each attribute (str): for
    dumps of a million single-valued entries, where even the lists of values cost."""
    return _search(d, base, filter_text, attributes, page_size, _first_values)


def _search(d: Directory, base: str, filter_text: str | bytes, attributes: list[str], page_size: int,
            decode: Decoder) -> Iterator[Any]:
    request = search_request(base, filter_text, attributes)
    cookie = b""
    while True:
        try:
            entries, done, cookie = _page(d, request, page_size, cookie, decode)
        except DirectoryUnavailable:
            if cookie:              # half-way: the caller has entries already, it must start again
                raise
            # a long-lived connection the server dropped (idle timeout): reopened once, as
            # Directory.search_paged does for its first page
            entries, done, cookie = _page(d, request, page_size, cookie, decode)
        if done["result"] != 0:
            raise error_for(done, d.attempt(f"search under {base}", f"read under {base}"))
        yield from entries
        if not cookie:
            return


def _page(d: Directory, request: bytes, page_size: int, cookie: bytes,
          decode: Decoder) -> tuple[list[Any], dict[str, Any], bytes]:
    with d.wire() as wire:
        message_id, message = wire.message(request, [_paged_control(page_size, cookie)])
        wire.send([message])
        return _read_page(wire, message_id, decode)


def _read_page(wire: Wire, message_id: int, decode: Decoder) -> tuple[list[Any], dict[str, Any], bytes]:
    """The entries of one page, the search's result, and the cookie for the next page. The
    messages are walked where they were received (no copy of each one), entries decoded as
    they arrive."""
    entries: list[Any] = []
    names: dict[Any, str] = {}
    my_id = integer(message_id)         # how slapd encodes it; any other form is decoded below
    data, pos = b"", 0
    while True:
        data = data[pos:] + wire.recv() if pos < len(data) else wire.recv()
        pos = 0
        while (found := _message_at(data, pos)) is not None:
            content, end = found
            if data.startswith(my_id, content):
                op = content + len(my_id)
            else:
                _, id_start, op = element(data, content)
                if int.from_bytes(data[id_start:op], "big") != message_id:
                    pos = end
                    continue
            op_tag = data[op]
            if op_tag == SEARCH_RESULT_ENTRY:
                entries.append(decode(data, op, end, names))
            elif op_tag == SEARCH_RESULT_DONE:
                return (entries, *_done(data[pos:end]))
            pos = end


def _message_at(data: bytes, pos: int) -> tuple[int, int] | None:
    """Start and end of the content of the LDAPMessage at pos, None while it is not all there."""
    size = len(data)
    if pos + 2 > size:
        return None
    length = data[pos + 1]
    if length < 0x80:
        content, end = pos + 2, pos + 2 + length
    else:
        content = pos + 2 + (length & 0x7F)
        if content > size:
            return None
        end = content + int.from_bytes(data[pos + 2:content], "big")
    if end > size:
        return None                     # the rest of this message is still on its way
    if data[pos] != 0x30:
        raise ValueError("not an LDAP message in an LDAP answer")
    return content, end


def _done(message: bytes) -> tuple[dict[str, Any], bytes]:
    """The search's result, and the cookie of its paged-results control (empty: last page)."""
    _, (_, _, op_end), message_end = envelope(message)
    cookie = b""
    if op_end < message_end:
        controls_tag, controls_start, controls_end = element(message, op_end)
        if controls_tag == CONTROLS:
            cookie = _paged_cookie(message, controls_start, controls_end)
    return parse_response(message), cookie
