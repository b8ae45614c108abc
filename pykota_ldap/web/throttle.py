"""Login throttling: after too many failed logins for one user name, or from one address, within
a window, further attempts are refused until the oldest failure leaves the window.

Per user name, so that a password cannot be guessed from many addresses; per address, so that
one client cannot try many names. A try counts as failed from its start (tries in flight on
several threads see each other) until it proves right. The counts live in the process (pkweb
serves from one process with threads): a restart forgets them, which only gives an attacker one
more window.
"""
from __future__ import annotations

import threading
import time
from collections import deque

USER_LIMIT = 5            # failures per user name per window
ADDRESS_LIMIT = 20        # failures per address per window
WINDOW = 15 * 60.0        # seconds


class Throttle:
    def __init__(self, user_limit: int = USER_LIMIT, address_limit: int = ADDRESS_LIMIT, window: float = WINDOW,
                 clock=time.monotonic):
        self.user_limit, self.address_limit, self.window, self.clock = user_limit, address_limit, window, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def begin(self, user: str, address: str) -> float:
        """Seconds before `user` may try again from `address`; 0: try now, and the try counts as
        a failure at once (tries in flight together see each other) until succeeded() says not."""
        now = self.clock()
        with self._lock:
            keys = ((("user", user.lower()), self.user_limit), (("address", address), self.address_limit))
            waits = [times[0] + self.window - now for times, limit in ((self._recent(k, now), n) for k, n in keys)
                     if len(times) >= limit]
            if waits:
                return max(waits)
            for key, _limit in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 100_000:          # a flood of names: forget the quiet ones
                for stale in [k for k, v in self._failures.items() if not v]:
                    del self._failures[stale]
            return 0.0

    def withdraw(self, user: str, address: str) -> None:
        """The try begun got no answer (the directory did not answer): it is no failure."""
        with self._lock:
            for key in (("user", user.lower()), ("address", address)):
                times = self._failures.get(key)
                if times:
                    times.pop()

    def succeeded(self, user: str, address: str) -> None:
        """The try begun was right: the name's failures are forgotten, the address's try is not one."""
        with self._lock:
            self._failures.pop(("user", user.lower()), None)
            times = self._failures.get(("address", address))
            if times:
                times.pop()
