"""The user's side: a command hands itself over to the query service and exits as it says.

No directory connection, no configuration file: the service has both. When it is not running,
the command says so in one line, and how to start it; it never falls back on a password.
"""
from __future__ import annotations

import os
import socket
import sys

from ..config import config_home
from .protocol import ENVIRONMENT, ProtocolError, Request, query_socket_path, receive_reply, send_request


class QueryServiceDown(Exception):
    """The query service is not running, or stopped before it answered."""


def ask(command: str, args: list[str]) -> tuple[int, str]:
    """Run `command args` by the service, on this process's descriptors 0-2: (exit code, message)."""
    path = query_socket_path()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            conn.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            raise QueryServiceDown(
                f"only admins (who can read {config_home() / 'pykotadmin.conf'}) use the directory directly, and "
                f"the query service that answers users is not running ({path}): an admin starts it with "
                "'cupspykota --serve'") from None
        except OSError as exc:
            raise QueryServiceDown(f"cannot reach the query service ({path}): {exc.strerror}") from None
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        env = {key: os.environ[key] for key in ENVIRONMENT if key in os.environ}
        try:
            send_request(conn, Request(command, list(args), _cwd(), env))
        except ProtocolError as exc:
            raise QueryServiceDown(str(exc)) from None
        except OSError:
            pass                                   # refused at once (busy): its reply is waiting
        reply = receive_reply(conn)
    finally:
        conn.close()
    if reply is None:
        raise QueryServiceDown("the query service stopped before it answered")
    return reply


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:                                # removed meanwhile: relative paths cannot work anyway
        return "/"
