"""The resident helper's local Unix sockets (jobs, users' queries): bound with their final mode,
and messages framed as a 4-byte length and a payload, with the descriptors they carry. Cheap to
import: the backend's hand-over path uses it on every job."""
from __future__ import annotations

import os
import socket
import struct


class FramingError(ConnectionError):
    """A message that is not whole (short, cut off, too long)."""


def listen(path: str, mode: int) -> socket.socket:
    """A listening socket at `path` (a stale one is replaced) that never exists with another mode:
    the umask is set while it is bound."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o777 & ~mode)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, mode)
    listener.listen(64)
    return listener


def send_framed(conn: socket.socket, payload: bytes, fds: list[int]) -> None:
    message = struct.pack("!I", len(payload)) + payload
    sent = socket.send_fds(conn, [message], fds)
    conn.sendall(message[sent:])


def receive_framed(conn: socket.socket, max_fds: int, max_length: int) -> tuple[bytes, list[int]]:
    """(payload, descriptors received). FramingError when it is not whole; the descriptors are then
    closed, so a bad peer leaks nothing."""
    data, fds, _, _ = socket.recv_fds(conn, min(max_length + 4, 1 << 16), max_fds)
    try:
        if len(data) < 4:
            raise FramingError("a message without its length")
        (length,) = struct.unpack("!I", data[:4])
        if length > max_length:
            raise FramingError("a message too long")
        payload = data[4:]
        while len(payload) < length:
            chunk = conn.recv(length - len(payload))
            if not chunk:
                raise FramingError("a message cut short")
            payload += chunk
        return payload, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
