"""The logins alive in this process: a session cookie is honoured only while its id is here.

Flask's sessions are signed cookies that the server does not keep, so a copy of one taken
before its user logged out would still work. Each login gets a random id kept here; logging
out, an idle session ending, or its lifetime running out, removes it, and the cookie that carries
it is then nobody's.
Like the throttle, this lives in the one serving process: a restart logs everyone out (the
signing key changes too).
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Callable

PRUNE_ABOVE = 10_000          # ids kept before the idle ones are forgotten


class LiveSessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._logins: dict[str, tuple[float, float]] = {}     # id -> (when it began, when last seen)
        self._lock = threading.Lock()

    def start(self, idle_seconds: float) -> str:
        """A new login's id."""
        sid = secrets.token_urlsafe(24)
        now = self.clock()
        with self._lock:
            if len(self._logins) >= PRUNE_ABOVE:
                for stale in [s for s, (_, seen) in self._logins.items() if now - seen > idle_seconds]:
                    del self._logins[stale]
            self._logins[sid] = (now, now)
        return sid

    def outlived(self, sid: str, lifetime_seconds: float) -> bool:
        """The login began more than `lifetime_seconds` ago, however busy it has been."""
        with self._lock:
            login = self._logins.get(sid)
        return login is not None and self.clock() - login[0] > lifetime_seconds

    def touch(self, sid: str, idle_seconds: float) -> bool:
        """True (and the session's idle time restarts) when `sid` is a login still alive."""
        now = self.clock()
        with self._lock:
            login = self._logins.get(sid)
            if login is None or now - login[1] > idle_seconds:
                self._logins.pop(sid, None)
                return False
            self._logins[sid] = (login[0], now)
            return True

    def end(self, sid: str) -> None:
        with self._lock:
            self._logins.pop(sid, None)
