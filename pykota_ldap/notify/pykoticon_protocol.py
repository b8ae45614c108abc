"""PyKotIcon's protocol, so that existing PyKotIcon listeners and pknotify keep talking: XML-RPC
over HTTP, port 7654 by default.

    showDialog(message: Binary, yesno: bool) -> "OK" | "CANCEL"
    askDatas(labels: [Binary], varnames: [str], varvalues: {varname: Binary})
        -> {"isValid": bool, varname: Binary, ...}
    quitApplication() -> anything

Every text crosses as a Binary holding UTF-8. A literal backslash-n typed in a message (a shell
line, a pykota.conf value) is a line break.
"""
from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import threading
import time
import xmlrpc.client
from typing import Any

DEFAULT_PORT = 7654
_HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")
CONNECT_TIMEOUT = 5.0          # reaching the desktop: a machine that is off answers nothing
MAX_ANSWER = 1 << 20           # bytes: PyKotIcon's answers are a few words


class Unreachable(Exception):
    """Nothing listens there, or the listener refused us (not an allowed server)."""


class NoAnswer(Exception):
    """The listener took the question and did not answer in time."""


def text(message: str) -> xmlrpc.client.Binary:
    return xmlrpc.client.Binary(message.replace("\\n", "\n").encode("utf-8"))


def from_binary(value: Any) -> str:
    data = value.data if isinstance(value, xmlrpc.client.Binary) else value
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def destination(value: str) -> tuple[str, int]:
    """'host[:port]' (an IPv6 address in brackets) -> (host, port)."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.lstrip(":")
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:
        host, port = value, ""
    if not host:
        raise ValueError(f"no host in {value!r}")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"not a host: {host!r} (an IPv6 address goes in brackets: [::1]:7654)") from None
    elif not _HOST.fullmatch(host):
        raise ValueError(f"not a host: {host!r}")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"not a port: {port!r}")
    return host, int(port) if port else DEFAULT_PORT


class _Connection(http.client.HTTPConnection):
    """Connects within CONNECT_TIMEOUT, then waits `answer_timeout` (None: forever) for the reply."""

    def __init__(self, host: str, answer_timeout: float | None):
        super().__init__(host, timeout=CONNECT_TIMEOUT)
        self.answer_timeout = answer_timeout
        self.made = threading.Event()

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        self.sock.settimeout(self.answer_timeout)
        self.made.set()


class _Transport(xmlrpc.client.Transport):
    accept_gzip_encoding = False          # a small bomb would unpack into gigabytes

    def __init__(self, answer_timeout: float | None):
        super().__init__()
        self.answer_timeout = answer_timeout
        self.last: _Connection | None = None

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        self.last = _Connection(host, self.answer_timeout)      # a new one per call: a question may take minutes
        return self.last

    def parse_response(self, response: Any) -> Any:
        """The base class's, without gzip and with at most MAX_ANSWER bytes: the listener is
        the printing user's machine, and pknotify runs in the print server's backend."""
        if response.getheader("Content-Encoding", ""):
            raise Unreachable("the listener answered in an encoding PyKotIcon never uses")
        parser, unmarshaller = self.getparser()
        size = 0
        while data := response.read(1024):
            size += len(data)
            if size > MAX_ANSWER:
                raise Unreachable(f"the listener's answer is larger than {MAX_ANSWER} bytes")
            parser.feed(data)
        parser.close()
        return unmarshaller.close()


class Listener:
    """A PyKotIcon listener at host:port."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, answer_timeout: float | None = None):
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.where = where
        self._transport = _Transport(answer_timeout)
        self._proxy = xmlrpc.client.ServerProxy(f"http://{where}", transport=self._transport, allow_none=False)

    def _call(self, name: str, *args: Any) -> Any:
        """The call, given up answer_timeout after the connection: a listener that drips its
        answer a byte at a time never trips the socket's own timeout."""
        if self._transport.answer_timeout is None:
            return self._call_now(name, *args)
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["answer"] = self._call_now(name, *args)
            except Exception as exc:     # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=call, name="pknotify-call", daemon=True)
        worker.start()
        connecting_until = time.monotonic() + CONNECT_TIMEOUT + 1    # the connection's own timeout ends it first
        while worker.is_alive() and not self._connected() and time.monotonic() < connecting_until:
            worker.join(0.05)
        connection = self._transport.last
        if worker.is_alive() and self._connected():
            worker.join(self._transport.answer_timeout)
        if worker.is_alive():
            if connection is not None and connection.sock is not None:
                connection.sock.close()
            raise NoAnswer(f"no answer from {self.where}")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def _connected(self) -> bool:
        return self._transport.last is not None and self._transport.last.made.is_set()

    def _call_now(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._proxy, name)(*args)
        except (TimeoutError, socket.timeout) as exc:
            if self._transport.last is not None and self._transport.last.made.is_set():
                raise NoAnswer(f"no answer from {self.where}") from exc
            raise Unreachable(f"{self.where}: no answer to the connection") from exc
        except (ConnectionError, http.client.HTTPException, xmlrpc.client.ProtocolError, OSError) as exc:
            raise Unreachable(f"{self.where}: {getattr(exc, 'strerror', None) or exc}") from exc

    def show_dialog(self, message: str, yesno: bool) -> str:
        answer = from_binary(self._call("showDialog", text(message), bool(yesno)))
        return "OK" if answer.strip().upper() == "OK" else "CANCEL"

    def ask_datas(self, labels: list[str], varnames: list[str], defaults: dict[str, str]) -> dict[str, str] | None:
        """The values typed, per varname; None when the user cancelled the form."""
        answer = self._call("askDatas", [text(label) for label in labels], list(varnames),
                            {name: text(value) for name, value in defaults.items()})
        if not isinstance(answer, dict) or not answer.get("isValid"):
            return None
        return {name: from_binary(answer.get(name, b"")) for name in varnames}

    def quit(self) -> None:
        self._call("quitApplication")

