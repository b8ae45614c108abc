"""The configuration's one error type, in a module of its own: the layers that parse parts of the
configuration (pksync's rules) raise it without importing config, which checks them."""
from __future__ import annotations


class ConfigError(Exception):
    """A configuration file is missing, unreadable or holds a bad value. str() is one line (the
    first problem, and how many more); `problems` has one line for each."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or [message]
        more = len(self.problems) - 1
        super().__init__(message + (f" (and {more} more problem{'s' if more > 1 else ''}: run pkdoctor)"
                                    if more else ""))
