"""A wall-clock budget shared by every step of one count."""

from __future__ import annotations

import time

from .errors import PDLError


class Deadline:
    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.expires = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        if self.expires is None:
            return None
        return max(0.0, self.expires - time.monotonic())

    def check(self) -> None:
        if self.expires is not None and time.monotonic() > self.expires:
            raise PDLError(f"gave up after {self.seconds:g} s (time limit)")
