"""The few pieces of LDAP's BER encoding (RFC 4511) that the bulk paths need, done by hand.

ldap3 builds every request and answer as pyasn1 objects: about 0.4 ms of CPU per request, and
most of the time of a large search goes into decoding. Requests here are bytes joined together;
answers are read as (tag, start, end) positions in the received bytes, and only what is needed
is decoded. Covered: AddRequest, ModifyRequest (add, delete, replace, increment), DelRequest,
SearchRequest, controls, LDAPResult. Filters given as text are compiled by ldap3 (encode_filter),
once per distinct filter.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator, Mapping, Sequence

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE
from ldap3.core.exceptions import LDAPInvalidFilterError
from ldap3.core.results import RESULT_CODES
from ldap3.operation.search import compile_filter, parse_filter
from pyasn1.codec.ber import encoder as asn1_encoder

_OPERATIONS = {MODIFY_ADD: 0, MODIFY_DELETE: 1, MODIFY_REPLACE: 2, MODIFY_INCREMENT: 3}

Element = tuple[int, int, int]          # (tag, start of content, end of content) in a message


# -- encoding ---------------------------------------------------------------------------------------

def length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + length(len(content)) + content


def octets(value: object, tag: int = 0x04) -> bytes:
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, bool):
        data = b"TRUE" if value else b"FALSE"
    else:
        data = str(value).encode("utf-8")
    return tlv(tag, data)


def integer(value: int, tag: int = 0x02) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(size, "big", signed=True))


def sequence(*parts: bytes, tag: int = 0x30) -> bytes:
    return tlv(tag, b"".join(parts))


def values_set(values: object) -> bytes:
    if not isinstance(values, (list, tuple)):
        values = [values]
    return sequence(*(octets(v) for v in values), tag=0x31)   # SET OF


def control(oid: str, critical: bool, value: bytes | None) -> bytes:
    parts = [octets(oid)]
    if critical:
        parts.append(tlv(0x01, b"\xff"))
    if value is not None:
        parts.append(octets(value))
    return sequence(*parts)


def message(message_id: int, operation: bytes, controls: Sequence[bytes]) -> bytes:
    parts = [integer(message_id), operation]
    if controls:
        parts.append(sequence(*controls, tag=0xA0))
    return sequence(*parts)


def add_request(dn: str, attributes: Mapping[str, object]) -> bytes:
    attrs = [sequence(octets(name), values_set(values)) for name, values in attributes.items()]
    return sequence(octets(dn), sequence(*attrs), tag=0x68)


def modify_request(dn: str, changes: Mapping[str, Sequence[tuple[str, Sequence[object]]]]) -> bytes:
    items = []
    for name, operations in changes.items():
        for operation, values in operations:
            items.append(sequence(integer(_OPERATIONS[operation], tag=0x0A),
                                  sequence(octets(name), values_set(values))))
    return sequence(octets(dn), sequence(*items), tag=0x66)


def delete_request(dn: str) -> bytes:
    return octets(dn, tag=0x4A)


# -- filters -----------------------------------------------------------------------------------

def _parsed(text: str) -> Any:
    return parse_filter(text, None, True, True, None, False)


@lru_cache(maxsize=256)
def encode_filter(text: str) -> bytes:
    """A filter in its text form (RFC 4515), BER-encoded: compiled by ldap3, once per distinct text
    (the same few assertions and searches come back all the time)."""
    return bytes(asn1_encoder.encode(compile_filter(_parsed(text).elements[0])))


def filter_problem(text: str) -> str | None:
    """Why a filter (e.g. a configured userfilter) is not valid LDAP, or None."""
    try:
        _parsed(text)
    except LDAPInvalidFilterError as exc:
        return str(exc) or "invalid filter"
    return None


def equality(attribute: str, value: str) -> bytes:
    """The filter (attribute=value), already encoded: values need no escaping here."""
    return sequence(octets(attribute), octets(value), tag=0xA3)


def all_of(*filters: bytes) -> bytes:
    return sequence(*filters, tag=0xA0)


def any_of(*filters: bytes) -> bytes:
    return sequence(*filters, tag=0xA1)


def search_request(base: str, filter_text: str | bytes, attributes: list[str]) -> bytes:
    """A subtree search, aliases never dereferenced, no size or time limit. The filter is text
    or bytes encoded with equality/all_of/any_of: a 5,000-term OR takes ldap3 100 ms to compile,
    and well under 1 ms this way."""
    encoded = filter_text if isinstance(filter_text, bytes) else encode_filter(filter_text)
    return sequence(octets(base), integer(2, tag=0x0A), integer(0, tag=0x0A), integer(0), integer(0),
                    tlv(0x01, b"\x00"), encoded, sequence(*(octets(a) for a in attributes)), tag=0x63)


# -- reading answers ---------------------------------------------------------------------------

def read_tlv(data: bytes, pos: int) -> Element | None:
    """(tag, start of content, end of content) of the element at pos, or None if incomplete."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if pos + count > len(data):
            return None
        size = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        size = first
    if pos + size > len(data):
        return None
    return tag, pos, pos + size


def element(data: bytes, pos: int) -> Element:
    """The element at pos of a message received whole."""
    found = read_tlv(data, pos)
    if found is None:
        raise ValueError("truncated BER element in an LDAP answer")
    return found


def children(data: bytes, start: int, end: int) -> Iterator[Element]:
    """(tag, content start, content end) of each element between start and end."""
    while start < end:
        found = read_tlv(data, start)
        if found is None:
            raise ValueError("truncated BER element in an LDAP answer")
        yield found
        start = found[2]


def envelope(message: bytes) -> tuple[int, Element, int]:
    """(messageID, the protocolOp element, end of the message's content): what every answer has.
    One call per message received: read_tlv is called directly."""
    outer = read_tlv(message, 0)
    message_id = read_tlv(message, outer[1]) if outer else None
    operation = read_tlv(message, message_id[2]) if message_id else None
    if outer is None or message_id is None or operation is None:
        raise ValueError("truncated LDAP message")
    return int.from_bytes(message[message_id[1]:message_id[2]], "big"), operation, outer[2]


def parse_response(message: bytes) -> dict[str, Any]:
    """messageID, the operation's tag, resultCode, diagnosticMessage and (extended) responseValue;
    the same keys as ldap3's result (result, description, message), for errors.error_for."""
    message_id, (op_tag, op_start, op_end), _ = envelope(message)
    code = read_tlv(message, op_start)
    matched_dn = read_tlv(message, code[2]) if code else None
    diagnostic = read_tlv(message, matched_dn[2]) if matched_dn else None
    if code is None or diagnostic is None:
        raise ValueError("truncated LDAP result")
    result = int.from_bytes(message[code[1]:code[2]], "big")
    response: dict[str, Any] = {"message_id": message_id, "tag": op_tag, "result": result,
                                "description": RESULT_CODES.get(result, str(result)),
                                "message": message[diagnostic[1]:diagnostic[2]].decode("utf-8", "replace"),
                                "value": None}
    pos = diagnostic[2]
    while pos < op_end:                      # referral [3], responseName [10], responseValue [11]
        tag, value_start, value_end = element(message, pos)
        if tag == 0x8B:
            response["value"] = message[value_start:value_end]
        pos = value_end
    return response
