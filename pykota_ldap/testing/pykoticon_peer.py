"""A PyKotIcon-protocol listener for tests: answers showDialog / askDatas as told, keeps every
question (decoded), and checks the types PyKotIcon expects (Binary texts, a boolean yesno).
`hang=True` takes the question and never answers."""
from __future__ import annotations

import socketserver
import threading
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


@dataclass
class Question:
    method: str
    message: str = ""
    yesno: bool | None = None
    labels: list[str] = field(default_factory=list)
    varnames: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    assert isinstance(value, xmlrpc.client.Binary), f"PyKotIcon wants Binary texts, got {type(value).__name__}"
    return value.data.decode("utf-8")


class _Quiet(SimpleXMLRPCRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - the base class's name
        pass


class _Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True                               # a question left hanging never blocks the next


class PeerListener:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.answer = "OK"                              # showDialog's answer when yesno
        self.form: dict[str, str] | None = {}           # askDatas' values (None: the user cancelled)
        self.hang = False
        self.questions: list[Question] = []
        self._release = threading.Event()
        self.server = _Server((host, port), requestHandler=_Quiet, logRequests=False, allow_none=True)
        self.port = self.server.server_address[1]
        self.server.register_function(self.showDialog, "showDialog")
        self.server.register_function(self.askDatas, "askDatas")
        self.server.register_function(self.quitApplication, "quitApplication")
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PeerListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def _wait(self) -> None:
        if self.hang:
            self._release.wait(600)

    def showDialog(self, message: Any, yesno: Any) -> str:             # noqa: N802 - PyKotIcon's names
        assert isinstance(yesno, bool), "yesno is a boolean"
        self.questions.append(Question("showDialog", message=_text(message), yesno=yesno))
        self._wait()
        return self.answer if yesno else "OK"

    def askDatas(self, labels: Any, varnames: Any, varvalues: Any) -> dict[str, Any]:   # noqa: N802
        self.questions.append(Question("askDatas", labels=[_text(label) for label in labels], varnames=list(varnames),
                                       defaults={name: _text(value) for name, value in varvalues.items()}))
        self._wait()
        if self.form is None:
            return {"isValid": False}
        return {"isValid": True, **{name: xmlrpc.client.Binary(self.form.get(name, "").encode()) for name in varnames}}

    def quitApplication(self) -> bool:                                 # noqa: N802
        self.questions.append(Question("quitApplication"))
        return True

    def reset(self) -> None:
        self.questions.clear()
        self.answer, self.form, self.hang = "OK", {}, False
        self._release.set()                             # questions left hanging end now
        self._release = threading.Event()
