"""Large paged searches without ldap3's decoding: the reads of pksync.

ldap3 spent 90% of a no-op pksync over 30,000 users decoding search answers into its generic
structures. search_paged_fast sends the same paged search (RFC 2696) on the bound connection
and decodes only what a plain entry holds: its DN and its attributes' values, as text.
"""
from __future__ import annotations

from typing import Iterator

from ldap3.core.server import Server

from .ber import children, control, integer, octets, parse_response, read_tlv, search_request, sequence
from .ber import message as ldap_message
from .core import Directory, _raise_for
from .errors import DirectoryUnavailable

PAGED_OID = "1.2.840.113556.1.4.319"


def _paged_control(size: int, cookie: bytes) -> bytes:
    return control(PAGED_OID, False, sequence(integer(size), octets(cookie)))


def _entry(message: bytes, op_start: int, op_end: int) -> tuple[str, dict[str, list[str]]]:
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
            _, seq_start, seq_end = read_tlv(message, value_start)
            _size, (_, cookie_start, cookie_end) = children(message, seq_start, seq_end)
            return message[cookie_start:cookie_end]
    return b""


def search_paged_fast(d: Directory, base: str, filter_text: str | bytes, attributes: list[str],
                      page_size: int = 1000) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Like Directory.search_paged, with attribute names in lower case and values as text."""
    request = search_request(base, filter_text, attributes)
    cookie = b""
    while True:
        if d._conn is None:
            d.connect()
        d.operations += 1
        conn_socket = d._conn.socket
        message_id = Server.next_message_id()
        try:
            conn_socket.sendall(ldap_message(message_id, request, [_paged_control(page_size, cookie)]))
            entries, done, cookie = _read_page(conn_socket, message_id)
        except OSError as exc:
            d.close()
            raise DirectoryUnavailable(f"connection to {d.server_uri} lost: {exc}") from None
        except BaseException:
            d.close()
            raise
        if done["result"] != 0:
            _raise_for(done, f"search under {base}")
        yield from entries
        if not cookie:
            return


def _read_page(conn_socket, message_id: int):
    entries, buffer = [], b""
    while True:
        chunk = conn_socket.recv(262144)
        if not chunk:
            raise OSError("the server closed the connection")
        buffer += chunk
        pos = 0
        while (element := read_tlv(buffer, pos)) is not None:
            message = buffer[pos:element[2]]
            pos = element[2]
            _, start, end = read_tlv(message, 0)
            _, id_start, id_end = read_tlv(message, start)
            if int.from_bytes(message[id_start:id_end], "big") != message_id:
                continue
            op_tag, op_start, op_end = read_tlv(message, id_end)
            if op_tag == 0x64:                         # SearchResultEntry
                entries.append(_entry(message, op_start, op_end))
            elif op_tag == 0x65:                       # SearchResultDone, then the paged control
                done = parse_response(message)
                cookie = b""
                if op_end < end:
                    controls_tag, controls_start, controls_end = read_tlv(message, op_end)
                    if controls_tag == 0xA0:
                        cookie = _paged_cookie(message, controls_start, controls_end)
                return entries, done, cookie
        buffer = buffer[pos:]
