"""What goes over the query socket.

The request: a 4-byte length and a JSON object (the command's name and arguments, the working
directory, the locale and time zone variables), sent with the caller's descriptors 0, 1 and 2
attached (SCM_RIGHTS), so the answer is written where the command would have written it. The
reply: a 4-byte exit code, a 4-byte length and a message for the caller's stderr ("" when the
command itself said everything).

Nothing else of the caller's environment crosses: the service reads its own configuration,
whatever PYKOTA_HOME the caller sets.
"""
from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from ..unixsocket import FramingError, receive_framed, send_framed

# What a user may ask; everything else needs the admin credentials. dumpykota is answered too,
# with its refusal: it has nothing for a non-admin.
QUERY_COMMANDS = ("repykota", "pkusers", "edpykota", "pkprinters", "pkbcodes", "dumpykota", "pykotme")
ENVIRONMENT = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "TZ", "COLUMNS",
               "PYKOTA_NO_PROGRESS")
MAX_REQUEST = 1 << 16
DESCRIPTORS = (0, 1, 2)


class ProtocolError(Exception):
    """A request or a reply that is not what this module sends."""


@dataclass(frozen=True)
class Request:
    command: str
    args: list[str]
    cwd: str
    env: dict[str, str]


def query_socket_path(environ: Mapping[str, str] = os.environ) -> str:
    """$PYKOTA_QUERY_SOCKET, else $PYKOTA_HOME/query.sock, else /run/pykota/query.sock: next to the
    resident helper's job socket (backend.state.socket_path)."""
    if environ.get("PYKOTA_QUERY_SOCKET"):
        return environ["PYKOTA_QUERY_SOCKET"]
    if environ.get("PYKOTA_HOME"):
        return os.path.join(environ["PYKOTA_HOME"], "query.sock")
    return "/run/pykota/query.sock"


def send_request(conn: socket.socket, request: Request) -> None:
    payload = json.dumps({"command": request.command, "args": request.args, "cwd": request.cwd,
                          "env": request.env}).encode()
    if len(payload) > MAX_REQUEST:
        raise ProtocolError(f"the command line is too long for the query service ({len(payload)} bytes)")
    send_framed(conn, payload, list(DESCRIPTORS))


def receive_request(conn: socket.socket) -> tuple[Request, list[int]]:
    """The request and the descriptors that came with it (the caller's 0, 1, 2)."""
    try:
        payload, fds = receive_framed(conn, len(DESCRIPTORS), MAX_REQUEST)
    except FramingError as exc:
        raise ProtocolError(str(exc)) from None
    try:
        if len(fds) != len(DESCRIPTORS):
            raise ProtocolError("a request without its descriptors")
        return _request(json.loads(payload.decode())), fds
    except (ValueError, KeyError, TypeError, ProtocolError) as exc:
        for fd in fds:
            os.close(fd)
        raise ProtocolError(str(exc)) from None


def _request(raw: dict) -> Request:
    args, env = raw["args"], raw["env"]
    if not (isinstance(raw["command"], str) and isinstance(raw["cwd"], str) and isinstance(args, list)
            and all(isinstance(a, str) for a in args) and isinstance(env, dict)):
        raise ProtocolError("a malformed request")
    return Request(raw["command"], args, raw["cwd"],
                   {k: v for k, v in env.items() if k in ENVIRONMENT and isinstance(v, str)})


def send_reply(conn: socket.socket, code: int, message: str = "") -> None:
    text = message.encode("utf-8", "replace")
    try:
        conn.send(struct.pack("!iI", code, len(text)) + text, socket.MSG_DONTWAIT)
    except OSError:
        pass                        # the caller is gone


def receive_reply(conn: socket.socket) -> tuple[int, str] | None:
    """(exit code, message), or None when the service closed without one."""
    data = b""
    while True:
        if len(data) >= 8:
            code, length = struct.unpack("!iI", data[:8])
            if len(data) >= 8 + length:
                return code, data[8:8 + length].decode("utf-8", "replace")
        try:
            chunk = conn.recv(4096)
        except InterruptedError:
            continue
        if not chunk:
            return None
        data += chunk
