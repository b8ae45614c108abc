"""Login throttling: after too many failed logins for one user name from one address, for one
name from all addresses, or from one address, within a window, further attempts are refused
until the oldest failure leaves the window.

Per name and address (5), so that one client guessing a password stops soon, and only that
client: a student who types a teacher's name five times wrong locks himself out, not the
teacher. Per name from everywhere (30), so that a password cannot be guessed from many
addresses; per address (20), so that one client cannot try many names. A try counts as failed
from its start (tries in flight on several threads see each other) until it proves right. The
counts live in the process (pkweb serves from one process with threads): a restart forgets
them, which only gives an attacker one more window.
"""
from __future__ import annotations

import threading
import time
from collections import deque

PAIR_LIMIT = 5            # failures per user name from one address per window
USER_LIMIT = 30           # failures per user name from all addresses per window
ADDRESS_LIMIT = 20        # failures per address per window
WINDOW = 15 * 60.0        # seconds
PRUNE_EVERY = 1000        # tries let through between two sweeps of the keys whose failures are old


class Throttle:
    def __init__(self, user_limit: int = USER_LIMIT, address_limit: int = ADDRESS_LIMIT, window: float = WINDOW,
                 clock=time.monotonic, pair_limit: int = PAIR_LIMIT):
        self.user_limit, self.address_limit, self.window, self.clock = user_limit, address_limit, window, clock
        self.pair_limit = pair_limit
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._calls = 0
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        """The key's failures within the window (an empty deque, not stored, when it has none)."""
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def begin(self, user: str, address: str) -> float:
        """Seconds before `user` may try again from `address`; 0: try now, and the try counts as
        a failure at once (tries in flight together see each other) until succeeded() says not.
        A refused try stores nothing: a flood of refused names costs no memory."""
        now = self.clock()
        with self._lock:
            keys = self._keys(user, address)
            waits = [times[0] + self.window - now for times, limit in ((self._recent(k, now), n) for k, n in keys)
                     if len(times) >= limit]
            if waits:
                return max(waits)
            for key, _limit in keys:
                self._failures.setdefault(key, deque()).append(now)
            self._calls += 1
            if self._calls % PRUNE_EVERY == 0:
                self._forget_old(now)
            return 0.0

    def _forget_old(self, now: float) -> None:
        """Drop the keys whose last failure has left the window (with the lock held)."""
        for stale in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
            del self._failures[stale]

    def _keys(self, user: str, address: str) -> tuple[tuple[tuple[str, ...], int], ...]:
        name = user.lower()
        return ((("pair", name, address), self.pair_limit), (("user", name), self.user_limit),
                (("address", address), self.address_limit))

    def withdraw(self, user: str, address: str) -> None:
        """The try begun got no answer (the directory did not answer): it is no failure."""
        with self._lock:
            for key, _limit in self._keys(user, address):
                times = self._failures.get(key)
                if times:
                    times.pop()

    def succeeded(self, user: str, address: str) -> None:
        """The try begun was right: the name's failures from everywhere and from this address are
        forgotten (another address's, a guesser's, stay), the address's try is not one."""
        with self._lock:
            self._failures.pop(("user", user.lower()), None)
            self._failures.pop(("pair", user.lower(), address), None)
            times = self._failures.get(("address", address))
            if times:
                times.pop()
