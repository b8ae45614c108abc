"""Mail delivery that never holds a print job: one SMTP session, bounded by `smtptimeout` in all.

What cannot be sent in time (the server down, slow, refusing) is written to the mail queue
(`mailqueue`) and sent first by the next delivery that reaches the server: the next job's, or
the next warnpykota run's. A message cut off in the middle of its transfer may arrive twice;
none is lost while the queue folder is writable.
"""
from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import ipaddress
import os
import secrets
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

QUEUE_BATCH = 50                 # queued messages sent per delivery: a long outage never makes one job slow


@dataclass(frozen=True)
class Relay:
    host: str
    port: int
    security: str                 # none | starttls | ssl
    user: str | None
    password: str | None
    timeout: float                # seconds for the whole delivery
    cafile: str | None = None     # smtpcacert; None: the system's trust store

    @property
    def shown(self) -> str:
        return f"{self.host}:{self.port}"


def relay_from(config: Any) -> Relay:
    """smtpserver host[:port], smtpsecurity, smtpcacert, smtpuser / smtppassword, smtptimeout."""
    security = config.get_choice("smtpsecurity", ("none", "starttls", "ssl"), "none")
    server = config.get("smtpserver", "localhost")
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    default_port = 465 if security == "ssl" else 25
    return Relay(host=host or server, port=int(port) if port.isdigit() else default_port, security=security,
                 user=config.get("smtpuser"), password=config.get("smtppassword"),
                 timeout=config.get_float("smtptimeout", 3.0, minimum=0.1), cafile=config.get("smtpcacert"))


def queue_dir(config: Any) -> Path:
    own = config.get("mailqueue")
    if own:
        return Path(own)
    home = os.environ.get("PYKOTA_HOME")
    return Path(home) / "mailqueue" if home else Path("/var/lib/pykota/mailqueue")


def compose(sender_name: str, sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    """A UTF-8 text mail with Date and Message-ID (non-ASCII headers are encoded by the policy)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"          # RFC 3834: no vacation replies to the robot
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


class MailQueue:
    """Undelivered messages, one file each, oldest first."""

    def __init__(self, folder: Path):
        self.folder = folder

    def put(self, message: EmailMessage) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.others_may_write():            # its owner would read the mail, or swap it
            raise PermissionError(errno.EACCES, "another user owns it or may write to it")
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        partial = self.folder / f".{name}.part"
        # 0600 whatever the umask or the folder: queued mail tells of other users' quotas and jobs
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            file.write(message.as_bytes())
        partial.rename(self.folder / f"{name}.eml")

    def others_may_write(self) -> bool:
        """Mail that someone else could have dropped here is not sent through the site's relay."""
        try:
            info = self.folder.stat()
        except OSError:
            return False
        return info.st_uid not in (os.geteuid(), 0) or bool(info.st_mode & 0o022)

    def waiting(self, limit: int = QUEUE_BATCH) -> list[Path]:
        try:
            return sorted(self.folder.glob("*.eml"))[:limit]
        except OSError:
            return []

    @contextlib.contextmanager
    def claimed(self, limit: int = QUEUE_BATCH) -> Iterator[list[Path]]:
        """The waiting messages, for this delivery alone: two jobs warned at once must not both
        send them. None when another delivery holds the queue (or there is no queue yet)."""
        if self.others_may_write():
            yield []
            return
        try:
            lock = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield []
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            yield []
            return
        try:
            yield self.waiting(limit)
        finally:
            os.close(lock)                      # closing releases the lock

    @staticmethod
    def read(path: Path) -> EmailMessage:
        parsed = BytesParser(policy=policy.SMTP).parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        return parsed


def _session(relay: Relay) -> smtplib.SMTP:
    if relay.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(relay.host, relay.port, timeout=relay.timeout,
                                              context=ssl.create_default_context(cafile=relay.cafile))
    else:
        smtp = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
        if relay.security == "starttls":        # the CAs are loaded only then: it takes a tenth of a second
            smtp.starttls(context=ssl.create_default_context(cafile=relay.cafile))
    if relay.user:
        if relay.security == "none" and not _loopback(relay.host):
            smtp.close()
            raise smtplib.SMTPException(f"smtpuser is set but smtpsecurity is none: the password is not sent "
                                        f"in clear to {relay.host} (set smtpsecurity: starttls or ssl)")
        _login(smtp, relay.user, relay.password or "")
    return smtp


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib sends credentials as ASCII only; AUTH PLAIN is UTF-8 (RFC 4616), so a password
    such as 'pässwörd' goes that way by hand."""
    try:
        smtp.login(user, password)
        return
    except UnicodeEncodeError:
        pass
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


@dataclass
class Delivery:
    sent: int = 0
    queued: int = 0
    error: str = ""


def _refusal(exc: smtplib.SMTPException) -> str | None:
    """The relay's words when it will never take this message (a 5xx answer), else None."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return f"{type(exc).__name__}: {exc}" if codes and all(code >= 500 for code in codes) else None


def deliver(relay: Relay, messages: list[EmailMessage], queue: MailQueue,
            log: Callable[[str], None] = lambda text: None) -> Delivery:
    """Send what waits in the queue, then `messages`, within relay.timeout; queue what is left.
    A message the relay refuses for good (5xx: no such recipient) is dropped and said, so that it
    never blocks the queue."""
    if queue.others_may_write():
        log(f"mail queue {queue.folder} may be written by others (owner, mode): its mail is not sent")
    with queue.claimed() as mine:
        return _deliver(relay, [(path, None) for path in mine] + [(None, m) for m in messages], queue, log)


def _deliver(relay: Relay, waiting: list[tuple[Path | None, EmailMessage | None]], queue: MailQueue,
             log: Callable[[str], None]) -> Delivery:
    done: set[int] = set()
    refused: dict[int, str] = {}
    stop = threading.Event()
    outcome = Delivery()

    def work() -> None:
        try:
            with _session(relay) as smtp:
                for index, (path, message) in enumerate(waiting):
                    if stop.is_set():
                        return
                    try:
                        smtp.send_message(message if message is not None else queue.read(path))   # type: ignore
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                        why = _refusal(exc)
                        if why is None:
                            raise
                        refused[index] = why
                    done.add(index)
                    if path is not None:
                        path.unlink(missing_ok=True)
        except Exception as exc:     # noqa: BLE001 - whatever the relay did, the mail waits and the job goes on
            outcome.error = f"{type(exc).__name__}: {exc}".strip()

    worker = threading.Thread(target=work, name="smtp", daemon=True)
    worker.start()
    worker.join(relay.timeout)
    stop.set()
    if worker.is_alive():
        outcome.error = f"no answer within {relay.timeout:g} s"
    _settle(relay, waiting, set(done), dict(refused), queue, outcome, log)   # the worker may still add one: unsent
    return outcome


def _settle(relay: Relay, waiting: list[tuple[Path | None, EmailMessage | None]], done: set[int],
            refused: dict[int, str], queue: MailQueue, outcome: Delivery, log: Callable[[str], None]) -> None:
    """Say what was refused for good, queue what was not sent."""
    outcome.sent = len(done - set(refused))
    for index, why in refused.items():
        path, message = waiting[index]
        what = f"queued in {path.name}" if path else f"to {message['To'] if message else '?'}"
        log(f"mail {what} refused by {relay.shown} for good ({why}): dropped")
    for index, (_, message) in enumerate(waiting):
        if index in done or message is None:
            continue
        try:
            queue.put(message)
            outcome.queued += 1
        except OSError as exc:
            log(f"mail to {message['To']} lost: the mail queue {queue.folder} is not writable ({exc.strerror})")
    if outcome.error:
        log(f"mail not delivered through {relay.shown} ({outcome.error}); {outcome.queued} queued in {queue.folder} "
            f"for the next run")
