"""Bulk paths around ldap3: many independent writes, and large paged searches.

ldap3 spends about 0.4 ms of CPU encoding each request (pyasn1) and waits for each answer:
writing 100,000 accounts would take minutes of CPU on the client alone. PipelinedWrites looks
like a Directory to the area modules (quotas.add_user_quota, quotas.set_limits ... call its add,
modify, delete), but only records the writes; flush() encodes them with the small BER encoder
below (the handful of request types involved), sends them a few at a time without waiting for
each answer, and returns one outcome per write. Each write stands alone: no transaction.

Why no RFC 5805 transaction around a batch, although one commit per batch would be faster:
slapd 2.5.13 (Debian 12) segfaults when a transaction ends while the thread of one of its
operations is still finishing, which a client that answers quickly makes likely (seen within a
few thousand adds); and a transaction that fails after storing an attribute type for the first
time leaves back-mdb unable to read what is written next (see docs/sync.md).

The encoder covers what these writes need: AddRequest, ModifyRequest (add, delete, replace,
increment), DelRequest, with the assertion control.
"""
from __future__ import annotations

from contextlib import contextmanager

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE
from ldap3.core.results import RESULT_CODES
from ldap3.core.server import Server
from ldap3.operation.search import compile_filter, parse_filter
from pyasn1.codec.ber import encoder as asn1_encoder

from .core import ASSERTION_OID, Directory, _raise_for, assertion_control
from .errors import DirectoryError, DirectoryUnavailable

# Requests sent ahead of their answers on one connection. Each write is then bound by the server's
# commit (a disk sync per write with back-mdb's defaults), not by the client: a few are enough.
WINDOW = 4

_OPERATIONS = {MODIFY_ADD: 0, MODIFY_DELETE: 1, MODIFY_REPLACE: 2, MODIFY_INCREMENT: 3}


# -- BER ---------------------------------------------------------------------------------------

def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _octets(value, tag: int = 0x04) -> bytes:
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, bool):
        data = b"TRUE" if value else b"FALSE"
    else:
        data = str(value).encode("utf-8")
    return _tlv(tag, data)


def _integer(value: int, tag: int = 0x02) -> bytes:
    length = max(1, (value.bit_length() + 8) // 8)
    return _tlv(tag, value.to_bytes(length, "big", signed=True))


def _sequence(*parts: bytes, tag: int = 0x30) -> bytes:
    return _tlv(tag, b"".join(parts))


def _values(values) -> bytes:
    if not isinstance(values, (list, tuple)):
        values = [values]
    return _sequence(*(_octets(v) for v in values), tag=0x31)   # SET OF


def _control(oid: str, critical: bool, value: bytes | None) -> bytes:
    parts = [_octets(oid)]
    if critical:
        parts.append(_tlv(0x01, b"\xff"))
    if value is not None:
        parts.append(_octets(value))
    return _sequence(*parts)


def _message(message_id: int, operation: bytes, controls: list[bytes]) -> bytes:
    parts = [_integer(message_id), operation]
    if controls:
        parts.append(_sequence(*controls, tag=0xA0))
    return _sequence(*parts)


def add_request(dn: str, attributes: dict) -> bytes:
    attrs = [_sequence(_octets(name), _values(values)) for name, values in attributes.items()]
    return _sequence(_octets(dn), _sequence(*attrs), tag=0x68)


def modify_request(dn: str, changes: dict) -> bytes:
    items = []
    for name, operations in changes.items():
        for operation, values in operations:
            items.append(_sequence(_integer(_OPERATIONS[operation], tag=0x0A),
                                   _sequence(_octets(name), _values(values))))
    return _sequence(_octets(dn), _sequence(*items), tag=0x66)


def delete_request(dn: str) -> bytes:
    return _octets(dn, tag=0x4A)


# -- reading answers ---------------------------------------------------------------------------

def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, start of content, end of content) of the element at pos, or None if incomplete."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if pos + count > len(data):
            return None
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        return None
    return tag, pos, pos + length


def parse_response(message: bytes) -> dict:
    """messageID, the operation's tag, resultCode, diagnosticMessage and (extended) responseValue."""
    _, start, _ = _read_tlv(message, 0)
    _, id_start, id_end = _read_tlv(message, start)
    op_tag, op_start, op_end = _read_tlv(message, id_end)
    _, code_start, code_end = _read_tlv(message, op_start)
    _, dn_start, dn_end = _read_tlv(message, code_end)
    _, diag_start, diag_end = _read_tlv(message, dn_end)
    response = {"message_id": int.from_bytes(message[id_start:id_end], "big"), "tag": op_tag,
                "result": int.from_bytes(message[code_start:code_end], "big"),
                "message": message[diag_start:diag_end].decode("utf-8", "replace"), "value": None}
    pos = diag_end
    while pos < op_end:                      # referral [3], responseName [10], responseValue [11]
        tag, value_start, value_end = _read_tlv(message, pos)
        if tag == 0x8B:
            response["value"] = message[value_start:value_end]
        pos = value_end
    response["description"] = RESULT_CODES.get(response["result"], str(response["result"]))
    return response


# -- the writer --------------------------------------------------------------------------------

class PipelinedWrites(Directory):
    """A recorder with Directory's write methods; flush() sends what was recorded."""

    def __init__(self, directory: Directory):
        super().__init__(directory.settings)
        self._target = directory
        self._requests: list[tuple[bytes, list[bytes], str]] = []   # (operation, controls, what)

    # Reads would not see the recorded writes, and a transaction is what this avoids.
    def search(self, *args, **kwargs):
        raise DirectoryError("no reads among pipelined writes")

    @contextmanager
    def transaction(self):
        raise DirectoryError("no transactions among pipelined writes")
        yield self  # pragma: no cover

    def add(self, dn: str, object_classes: list[str], attributes: dict) -> None:
        attributes = {k: v for k, v in attributes.items() if v is not None and v != []}
        self._requests.append((add_request(dn, {"objectClass": object_classes, **attributes}), [],
                               f"adding {dn}"))

    def modify(self, dn: str, changes: dict, assertion: str | None = None, read_back=None,
               retry_safe: bool = True) -> dict:
        controls = [self._assertion(assertion)] if assertion else []
        self._requests.append((modify_request(dn, changes), controls, f"modifying {dn}"))
        return {}

    def delete(self, dn: str) -> None:
        self._requests.append((delete_request(dn), [], f"deleting {dn}"))

    _assertions: dict[str, bytes] = {}

    @classmethod
    def _assertion(cls, filter_text: str) -> bytes:
        if filter_text not in cls._assertions:     # a handful of distinct filters: encode each once
            value = bytes(assertion_control(filter_text)["controlValue"])
            cls._assertions[filter_text] = _control(ASSERTION_OID, True, value)
        return cls._assertions[filter_text]

    def __len__(self) -> int:
        return len(self._requests)

    # -- sending -------------------------------------------------------------------------------
    def flush(self) -> list[DirectoryError | None]:
        """Send the recorded writes; for each, None (done) or the error Directory would raise.
        A deleted entry that was not there counts as done, as with Directory.delete."""
        requests, self._requests = self._requests, []
        if not requests:
            return []
        d = self._target
        if d._conn is None:
            d.connect()
        d.operations += len(requests)
        try:
            conn_socket = d._conn.socket
            previous_timeout = conn_socket.gettimeout()
            conn_socket.settimeout(max(d.settings.timeout, 10) * 3)
            answers = self._exchange(conn_socket, requests)
            conn_socket.settimeout(previous_timeout)
        except OSError as exc:
            d.close()                              # its state is unknown: the next use reconnects
            raise DirectoryUnavailable(f"connection to {d.server_uri} lost: {exc}") from None
        except BaseException:
            d.close()
            raise
        return [self._error(answer) for answer in answers]

    @staticmethod
    def _error(answer: dict) -> DirectoryError | None:
        if answer["result"] == 0 or (answer["result"] == 32 and answer["tag"] == 0x6B):
            return None
        try:
            _raise_for(answer, answer["what"])
        except DirectoryError as exc:
            return exc
        return DirectoryError(answer["what"])  # pragma: no cover

    @staticmethod
    def _exchange(conn_socket, requests: list[tuple[bytes, list[bytes], str]]) -> list[dict]:
        """Send the requests, at most WINDOW of them unanswered at a time; their answers, in order."""
        messages, ids = [], []
        for operation, controls, _what in requests:
            message_id = Server.next_message_id()
            ids.append(message_id)
            messages.append(_message(message_id, operation, controls))
        wanted = set(ids)
        answers: dict[int, dict] = {}
        buffer, sent = b"", 0
        while len(answers) < len(ids):
            if sent < len(messages) and sent - len(answers) < WINDOW:
                upto = min(len(messages), len(answers) + WINDOW)
                conn_socket.sendall(b"".join(messages[sent:upto]))
                sent = upto
                continue
            chunk = conn_socket.recv(65536)
            if not chunk:
                raise OSError("the server closed the connection")
            buffer += chunk
            pos = 0
            while (element := _read_tlv(buffer, pos)) is not None:
                response = parse_response(buffer[pos:element[2]])
                if response["message_id"] in wanted:
                    answers[response["message_id"]] = response
                pos = element[2]
            buffer = buffer[pos:]
        ordered = []
        for message_id, (_, _, what) in zip(ids, requests):
            answers[message_id]["what"] = what
            ordered.append(answers[message_id])
        return ordered


# -- reading many entries ----------------------------------------------------------------------
#
# The same reason, for reads: ldap3 spends most of a large search decoding answers into its
# generic structures (90% of a no-op pksync over 30,000 users). search_paged_fast asks for the
# same paged results and decodes only what a plain entry holds: its DN and its attributes' values.

PAGED_OID = "1.2.840.113556.1.4.319"


def search_request(base: str, filter_text: str, attributes: list[str]) -> bytes:
    compiled = compile_filter(parse_filter(filter_text, None, True, True, None, False).elements[0])
    return _sequence(_octets(base), _integer(2, tag=0x0A), _integer(0, tag=0x0A), _integer(0), _integer(0),
                     _tlv(0x01, b"\x00"), asn1_encoder.encode(compiled),
                     _sequence(*(_octets(a) for a in attributes)), tag=0x63)


def _paged_control(size: int, cookie: bytes) -> bytes:
    return _control(PAGED_OID, False, _sequence(_integer(size), _octets(cookie)))


def _children(data: bytes, start: int, end: int):
    """(tag, content start, content end) of each element between start and end."""
    while start < end:
        tag, content_start, content_end = _read_tlv(data, start)
        yield tag, content_start, content_end
        start = content_end


def _entry(message: bytes, op_start: int, op_end: int) -> tuple[str, dict[str, list[str]]]:
    elements = _children(message, op_start, op_end)
    _, dn_start, dn_end = next(elements)
    _, attrs_start, attrs_end = next(elements)
    attributes = {}
    for _, attr_start, attr_end in _children(message, attrs_start, attrs_end):
        parts = _children(message, attr_start, attr_end)
        _, type_start, type_end = next(parts)
        _, vals_start, vals_end = next(parts)
        attributes[message[type_start:type_end].decode().lower()] = [
            message[s:e].decode("utf-8", "replace") for _, s, e in _children(message, vals_start, vals_end)]
    return message[dn_start:dn_end].decode("utf-8", "replace"), attributes


def _paged_cookie(message: bytes, controls_start: int, controls_end: int) -> bytes:
    """The cookie of the paged-results control among a response's controls (empty: last page)."""
    for _, control_start, control_end in _children(message, controls_start, controls_end):
        parts = list(_children(message, control_start, control_end))
        if message[parts[0][1]:parts[0][2]].decode() == PAGED_OID and len(parts) > 1:
            _, value_start, _ = parts[-1]
            _, seq_start, seq_end = _read_tlv(message, value_start)
            _size, (_, cookie_start, cookie_end) = _children(message, seq_start, seq_end)
            return message[cookie_start:cookie_end]
    return b""


def search_paged_fast(d: Directory, base: str, filter_text: str, attributes: list[str],
                      page_size: int = 1000):
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
            conn_socket.sendall(_message(message_id, request, [_paged_control(page_size, cookie)]))
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
        while (element := _read_tlv(buffer, pos)) is not None:
            message = buffer[pos:element[2]]
            pos = element[2]
            _, start, end = _read_tlv(message, 0)
            _, id_start, id_end = _read_tlv(message, start)
            if int.from_bytes(message[id_start:id_end], "big") != message_id:
                continue
            op_tag, op_start, op_end = _read_tlv(message, id_end)
            if op_tag == 0x64:                         # SearchResultEntry
                entries.append(_entry(message, op_start, op_end))
            elif op_tag == 0x65:                       # SearchResultDone, then the paged control
                done = parse_response(message)
                cookie = b""
                if op_end < end:
                    controls_tag, controls_start, controls_end = _read_tlv(message, op_end)
                    if controls_tag == 0xA0:
                        cookie = _paged_cookie(message, controls_start, controls_end)
                return entries, done, cookie
        buffer = buffer[pos:]
