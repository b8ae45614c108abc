"""Large paged searches without ldap3's decoding: the reads of pksync.

ldap3 spent 90% of a no-op pksync over 30,000 users decoding search answers into its generic
structures. search_paged_fast sends the same paged search (RFC 2696) on the bound connection
(Directory.wire) and decodes only what a plain entry holds: its DN and its attributes' values,
as text, in the form every read of this package returns (core.Entry).
"""
from __future__ import annotations

from typing import Any, Iterator

from .ber import children, control, element, envelope, integer, octets, parse_response, search_request, sequence
from .core import PAGED_OID, Directory, Entry
from .errors import error_for
from .wire import Wire

SEARCH_RESULT_ENTRY, SEARCH_RESULT_DONE, CONTROLS = 0x64, 0x65, 0xA0


def _paged_control(size: int, cookie: bytes) -> bytes:
    return control(PAGED_OID, False, sequence(integer(size), octets(cookie)))


def _entry(message: bytes, op_start: int, op_end: int) -> Entry:
    elements = children(message, op_start, op_end)
    _, dn_start, dn_end = next(elements)
    _, attrs_start, attrs_end = next(elements)
    attributes = {}
    for _, attr_start, attr_end in children(message, attrs_start, attrs_end):
        parts = children(message, attr_start, attr_end)
        _, type_start, type_end = next(parts)
        _, vals_start, vals_end = next(parts)
        attributes[message[type_start:type_end].decode().lower()] = [
            message[s:e].decode("utf-8", "replace") for _, s, e in children(message, vals_start, vals_end)]
    return message[dn_start:dn_end].decode("utf-8", "replace"), attributes


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
    request = search_request(base, filter_text, attributes)
    cookie = b""
    while True:
        with d.wire() as wire:
            message_id, message = wire.message(request, [_paged_control(page_size, cookie)])
            wire.send([message])
            entries, done, cookie = _read_page(wire, message_id)
        if done["result"] != 0:
            raise error_for(done, d.attempt(f"search under {base}", f"read under {base}"))
        yield from entries
        if not cookie:
            return


def _read_page(wire: Wire, message_id: int) -> tuple[list[Entry], dict[str, Any], bytes]:
    """The entries of one page, the search's result, and the cookie for the next page."""
    entries = []
    while True:
        for message in wire.receive():
            answer_id, (op_tag, op_start, op_end), end = envelope(message)
            if answer_id != message_id:
                continue
            if op_tag == SEARCH_RESULT_ENTRY:
                entries.append(_entry(message, op_start, op_end))
            elif op_tag == SEARCH_RESULT_DONE:          # then the paged-results control
                cookie = b""
                if op_end < end:
                    controls_tag, controls_start, controls_end = element(message, op_end)
                    if controls_tag == CONTROLS:
                        cookie = _paged_cookie(message, controls_start, controls_end)
                return entries, parse_response(message), cookie
