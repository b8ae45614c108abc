"""The listening half of pykoticon: PyKotIcon's XML-RPC methods, answered only to the allowed
print servers, each question handed to the window thread and its answer awaited.

The windows are Tk's, and Tk must be driven from one thread: the server's threads put a
question on `questions` and wait for its answer; the window side (pykoticon_window.py) takes
them from there.
"""
from __future__ import annotations

import ipaddress
import queue
import socket
import socketserver
import sys
import threading
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from .pykoticon_protocol import from_binary

LOOPBACK = ("127.0.0.1", "::1")


@dataclass
class Question:
    kind: str                              # confirm | notify | form | quit
    message: str = ""
    labels: list[str] = field(default_factory=list)
    varnames: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    answered: threading.Event = field(default_factory=threading.Event)
    answer: Any = None

    def reply(self, answer: Any) -> None:
        self.answer = answer
        self.answered.set()


def allowed_addresses(names: list[str]) -> set[str]:
    """The addresses of the print servers named (host names resolved now); none named: this
    machine only."""
    found = set(LOOPBACK) if not names else set()
    for name in names:
        try:
            found.add(str(ipaddress.ip_address(name)))
            continue
        except ValueError:
            pass
        try:
            found.update(str(info[4][0]) for info in socket.getaddrinfo(name, None))
        except socket.gaierror as exc:
            raise ValueError(f"unknown host {name!r}: {exc.strerror}") from None
    return found


def _plain(address: str) -> str:
    """'::ffff:192.168.31.9' (an IPv4 client on an IPv6 socket) -> '192.168.31.9'."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


class _Quiet(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")

    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - the base class's name
        pass


class DesktopServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, allowed: set[str], questions: queue.Queue[Question], host: str = "0.0.0.0"):
        super().__init__((host, port), requestHandler=_Quiet, logRequests=False, allow_none=True)
        self.allowed, self.questions = allowed, questions
        self.register_function(self.show_dialog, "showDialog")
        self.register_function(self.ask_datas, "askDatas")
        self.register_function(self.quit_application, "quitApplication")

    def verify_request(self, request: Any, client_address: Any) -> bool:
        address = _plain(client_address[0])
        if address in self.allowed:
            return True
        print(f"pykoticon: connection from {address} refused (not an allowed print server)", file=sys.stderr,
              flush=True)
        return False

    def _ask(self, question: Question) -> Any:
        self.questions.put(question)
        question.answered.wait()
        return question.answer

    def show_dialog(self, message: Any, yesno: Any) -> str:
        kind = "confirm" if yesno else "notify"
        return str(self._ask(Question(kind, message=from_binary(message))))

    def ask_datas(self, labels: Any, varnames: Any, varvalues: Any) -> dict[str, Any]:
        names = [str(name) for name in varnames]
        defaults = {name: from_binary(value) for name, value in dict(varvalues).items()}
        values = self._ask(Question("form", labels=[from_binary(label) for label in labels], varnames=names,
                                    defaults=defaults))
        if values is None:
            return {"isValid": False}
        return {"isValid": True, **{name: xmlrpc.client.Binary(values.get(name, "").encode("utf-8"))
                                    for name in names}}

    def quit_application(self) -> bool:
        self.questions.put(Question("quit"))
        return True
