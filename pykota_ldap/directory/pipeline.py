"""Many independent writes, encoded cheaply and sent a few ahead of their answers.

ldap3 spends about 0.4 ms of CPU encoding each request and waits for each answer: writing
100,000 accounts would take minutes of CPU on the client alone. PipelinedWrites looks like a
Directory to the area modules (quotas.add_user_quota, quotas.set_limits ... call its add,
modify, delete), but only records the writes; flush() encodes them (directory.ber), sends them
a few at a time without waiting for each answer, and returns one outcome per write. Each write
stands alone: no transaction.

Why no RFC 5805 transaction around a batch, although one commit per batch would be faster:
slapd 2.5.13 (Debian 12) segfaults when a transaction ends while the thread of one of its
operations is still finishing, which a client that answers quickly makes likely (seen within a
few thousand adds); and a transaction that fails after storing an attribute type for the first
time leaves back-mdb unable to read what is written next (see docs/sync.md).
"""
from __future__ import annotations


from ldap3.core.server import Server

from .ber import add_request, control, delete_request, modify_request, parse_response, read_tlv
from .ber import message as ldap_message
from .core import ASSERTION_OID, Directory, _raise_for, assertion_control
from .errors import DirectoryError, DirectoryUnavailable

# Requests sent ahead of their answers on one connection. Each write is then bound by the server's
# commit (a disk sync per write with back-mdb's defaults), not by the client: a few are enough.
WINDOW = 4


# -- the writer --------------------------------------------------------------------------------

class PipelinedWrites(Directory):
    """A recorder with Directory's write methods; flush() sends what was recorded."""

    def __init__(self, directory: Directory):
        super().__init__(directory.settings)
        self._target = directory
        self._requests: list[tuple[bytes, list[bytes], str]] = []   # (operation, controls, what)

    # Reads would not see the recorded writes.
    def search(self, *args, **kwargs):
        raise DirectoryError("no reads among pipelined writes")

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
            cls._assertions[filter_text] = control(ASSERTION_OID, True, value)
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
            messages.append(ldap_message(message_id, operation, controls))
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
            while (element := read_tlv(buffer, pos)) is not None:
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
