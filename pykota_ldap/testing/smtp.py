"""SMTP servers for tests: a real one (aiosmtpd) that keeps what it receives, and a silent one
that takes connections and never says a word (a relay that hangs)."""
from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return part.get_content().replace("\r\n", "\n")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA) and its key."""
    cert, key = folder / "relay.pem", folder / "relay.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class MailServer:
    """aiosmtpd on 127.0.0.1, a free port; `received` in arrival order.

    tls=(certificate, key): STARTTLS required (or, with implicit=True, SMTPS from the first byte);
    login=(user, password): authentication required (over TLS only)."""

    def __init__(self, tls: tuple[Path, Path] | None = None, implicit: bool = False,
                 login: tuple[str, str] | None = None) -> None:
        self.received: list[Received] = []
        self._controller: Any = None
        self.tls, self.implicit, self.login = tls, implicit, login
        self.unknown: set[str] = set()                  # recipients refused with 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):   # aiosmtpd's handler protocol
        if address in self.unknown:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):   # aiosmtpd's authenticator
        from aiosmtpd.smtp import AuthResult
        assert self.login is not None
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == self.login, handled=False)     # not handled: aiosmtpd answers 535

    async def handle_DATA(self, server, session, envelope):            # aiosmtpd's handler protocol
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def __enter__(self) -> MailServer:
        from aiosmtpd.controller import Controller
        options: dict[str, Any] = {}
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            if self.implicit:
                options.update(ssl_context=context)
            else:
                options.update(tls_context=context, require_starttls=True)
        if self.login:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=_free_port(), **options)
        self._controller.start()
        return self

    @property
    def port(self) -> int:
        assert self._controller is not None
        return self._controller.port

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()


class SilentServer:
    """Accepts TCP connections and never answers: smtplib waits for a greeting that never comes."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(50)
        self.port = self._socket.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self._stop = True
        self._socket.close()
        for connection in self._held:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
