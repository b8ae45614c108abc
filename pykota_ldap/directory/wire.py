"""The bound connection's socket, for requests encoded here (directory.ber) rather than by ldap3.

Directory.wire() lends it for one exchange. Message ids come from ldap3's own counter, so they
never collide with the ids of ldap3's requests on the same connection; answers are read back as
whole LDAP messages, however the bytes arrive.
"""
from __future__ import annotations

import socket
from typing import Sequence

from ldap3.core.server import Server

from . import ber

RECEIVE_SIZE = 262144


class Wire:
    """One exchange on the socket: messages out, whole answers in."""

    def __init__(self, connection_socket: socket.socket) -> None:
        self._socket = connection_socket
        self._buffer = b""                  # received, not yet a whole message
        self.sent = 0                       # messages sent: Directory.operations counts them

    def message(self, operation: bytes, controls: Sequence[bytes] = ()) -> tuple[int, bytes]:
        """(message id, the bytes to send) of an operation with its controls."""
        message_id = int(Server.next_message_id())
        return message_id, ber.message(message_id, operation, controls)

    def send(self, messages: Sequence[bytes]) -> None:
        self._socket.sendall(b"".join(messages))
        self.sent += len(messages)

    def recv(self) -> bytes:
        """The next bytes from the socket, for a reader that walks the messages in place
        (fastsearch); OSError when the server closes the connection."""
        if self._buffer:
            chunk, self._buffer = self._buffer, b""
            return chunk
        chunk = self._socket.recv(RECEIVE_SIZE)
        if not chunk:
            raise OSError("the server closed the connection")
        return chunk

    def receive(self) -> list[bytes]:
        """Every answer received whole so far (one LDAPMessage each, in order), waiting for one if
        there is none yet; OSError when the server closes the connection. All of them at once:
        a pipelined writer sends its next requests together, not one small packet per answer."""
        buffer = self._buffer
        while True:
            messages, pos = [], 0
            while (found := ber.read_tlv(buffer, pos)) is not None:
                messages.append(buffer[pos:found[2]])
                pos = found[2]
            if messages:
                self._buffer = buffer[pos:]
                return messages
            chunk = self._socket.recv(RECEIVE_SIZE)
            if not chunk:
                raise OSError("the server closed the connection")
            buffer += chunk
