"""What pkweb's pages share: the application's state, this request's directory connection, the
translation of a sentence, the CSRF token, the admins-only guard."""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, g, session

from ..config import Config
from ..directory import Directory
from .i18n import translate
from .sessions import LiveSessions
from .throttle import Throttle

COUNTS_AT_ONCE = 2          # quotes counted at the same time (each may take pdltimeout and a child process)


@dataclass
class Web:
    """What the pages share: the configuration, the login throttle, the logins alive, the
    quotes' counting slots."""

    config: Config
    throttle: Throttle = field(default_factory=Throttle)
    sessions: LiveSessions = field(default_factory=LiveSessions)
    idle_seconds: float = 1800.0
    lifetime_seconds: float = 12 * 3600.0     # a login ends this long after it began, however busy
    refusal_seconds: float = 0.5              # no refused login is answered sooner (web.auth)
    max_upload_mb: int = 20
    health: Any = None                  # the last pkdoctor result: (when, findings)
    counting: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(COUNTS_AT_ONCE))


def web() -> Web:
    return current_app.extensions["pykota"]


def directory() -> Directory:
    """This request's read-only connection, opened on first use."""
    if "directory" not in g:
        g.directory = Directory(web().config.ldap(admin=True), read_only=True).connect()
    return g.directory


def _(text: str, **values: object) -> str:
    return translate(g.get("language", "en"), text, **values)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def admin_only() -> None:
    if not session.get("admin"):
        abort(403)
