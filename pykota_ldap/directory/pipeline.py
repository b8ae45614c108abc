"""Many independent writes, encoded cheaply and sent a few ahead of their answers.

ldap3 spends about 0.4 ms of CPU encoding each request and waits for each answer: writing
100,000 accounts would take minutes of CPU on the client alone. PipelinedWrites is a core.Writer:
the area modules' write helpers (quotas.add_user_quota, quotas.set_limits ...) take it where they
take a Directory, and it records their writes; flush() encodes them (directory.ber), sends them
a few at a time on the directory's connection without waiting for each answer, and returns one
outcome per write. Each write stands alone: no transaction. It has no reads, since they would
not see the recorded writes.

Why no RFC 5805 transaction around a batch, although one commit per batch would be faster:
slapd 2.5.13 (Debian 12) segfaults when a transaction ends while the thread of one of its
operations is still finishing, which a client that answers quickly makes likely (seen within a
few thousand adds); and a transaction that fails after storing an attribute type for the first
time leaves back-mdb unable to read what is written next (see docs/sync.md).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from ..config import LDAPSettings
from .ber import add_request, control, delete_request, encode_filter, modify_request, parse_response
from .core import ASSERTION_OID, Changes, Directory, entry_dn, present, replace_changes
from .errors import Attempt, DirectoryError, error_for
from .wire import Wire

# Requests sent ahead of their answers on one connection. Each write is then bound by the server's
# commit (a disk sync per write with back-mdb's defaults), not by the client: a few are enough.
WINDOW = 4
DELETE_RESPONSE = 0x6B


class PipelinedWrites:
    """Records writes made through the Writer methods; flush() sends them."""

    dn = staticmethod(entry_dn)

    def __init__(self, directory: Directory):
        self.settings: LDAPSettings = directory.settings
        self._target = directory
        self._requests: list[tuple[bytes, list[bytes], Attempt]] = []   # (operation, controls, what)

    def add(self, dn: str, object_classes: list[str], attributes: Mapping[str, object]) -> None:
        operation = add_request(dn, {"objectClass": object_classes, **present(attributes)})
        self._requests.append((operation, [], self._target.attempt(f"adding {dn}", f"add {dn}")))

    def modify(self, dn: str, changes: Changes, assertion: str | None = None) -> None:
        controls = [_assertion_control(assertion)] if assertion else []
        tried = f"write {', '.join(changes)} on {dn}"
        self._requests.append((modify_request(dn, changes), controls, self._target.attempt(f"modifying {dn}", tried)))

    def replace(self, dn: str, values: Mapping[str, object], assertion: str | None = None) -> None:
        changes = replace_changes(values)
        if changes:
            self.modify(dn, changes, assertion=assertion)

    def delete(self, dn: str) -> None:
        self._requests.append((delete_request(dn), [], self._target.attempt(f"deleting {dn}", f"delete {dn}")))

    def __len__(self) -> int:
        return len(self._requests)

    # -- sending -------------------------------------------------------------------------------
    def flush(self) -> list[DirectoryError | None]:
        """Send the recorded writes; for each, None (done) or the error Directory would raise.
        A deleted entry that was not there counts as done, as with Directory.delete."""
        requests, self._requests = self._requests, []
        if not requests:
            return []
        with self._target.wire(timeout=max(self._target.settings.timeout, 10) * 3) as wire:
            framed = [wire.message(operation, controls) for operation, controls, _ in requests]
            answers = _exchange(wire, [message_id for message_id, _ in framed], [message for _, message in framed])
        return [_outcome(answer, what) for answer, (_, _, what) in zip(answers, requests, strict=True)]


@lru_cache(maxsize=64)
def _assertion_control(filter_text: str) -> bytes:
    """A handful of distinct assertions come back for every entry: each is encoded once."""
    return control(ASSERTION_OID, True, encode_filter(filter_text))


def _outcome(answer: dict[str, Any], what: Attempt) -> DirectoryError | None:
    if answer["result"] == 0 or (answer["result"] == 32 and answer["tag"] == DELETE_RESPONSE):
        return None
    return error_for(answer, what)


def _exchange(wire: Wire, ids: list[int], messages: list[bytes]) -> list[dict[str, Any]]:
    """Send the messages, at most WINDOW of them unanswered at a time; their answers, in order."""
    wanted = set(ids)
    answers: dict[int, dict[str, Any]] = {}
    sent, total = 0, len(messages)
    while (received := len(answers)) < total:
        if sent < total and sent - received < WINDOW:
            upto = min(total, received + WINDOW)
            wire.send(messages[sent:upto])
            sent = upto
            continue
        for message in wire.receive():
            response = parse_response(message)
            if response["message_id"] in wanted:
                answers[response["message_id"]] = response
    return [answers[message_id] for message_id in ids]
