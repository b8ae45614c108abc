"""The forms a configuration value may take, each able to say whether a value has it.

`form.problem(value)` is None for a good value, else what was expected, in words ("a whole
number >= 0"), for a message `<file> [<section>]: <key>: expected <that>, got '<value>'`.
The registry (config_keys) gives every key its form; config_check applies them to every
section of the files. The forms follow what the code that reads each key accepts, so a value
that passes here is never misread at the next job.
"""
from __future__ import annotations

import os
import re

from . import money, shell
from .accounting.accounter import FORMS as ACCOUNTER_FORMS
from .accounting.accounter import AccounterError
from .accounting.accounter import parse as parse_accounter

TRUE_WORDS = {"y", "yes", "1", "on", "t", "true"}
FALSE_WORDS = {"n", "no", "0", "off", "f", "false"}
QUIET_WORDS = ("devnull", "nobody", "none", "noone", "bitbucket")


class Form:
    """Any text: the base of the other forms. (Plain classes, not dataclasses: the backend
    imports this module for every job, and twenty dataclasses cost milliseconds.)"""

    def problem(self, value: str) -> str | None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def _wrapped(word: str, value: str) -> str | None:
    """The command in `word(command)`, or None when value is not written that way."""
    found = re.match(rf"^\s*{word}\s*\((.*)\)\s*$", value, re.S | re.I)
    return found.group(1) if found else None


class YesNo(Form):
    def problem(self, value: str) -> str | None:
        return None if value.lower() in TRUE_WORDS | FALSE_WORDS else "yes or no"


class Whole(Form):
    def __init__(self, minimum: int | None = None):
        self.minimum = minimum

    def problem(self, value: str) -> str | None:
        try:
            number = int(value)
        except ValueError:
            return "a whole number"
        if self.minimum is not None and number < self.minimum:
            return f"a whole number >= {self.minimum}"
        return None


class Number(Form):
    def __init__(self, minimum: float | None = None):
        self.minimum = minimum

    def problem(self, value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return "a number"
        if self.minimum is not None and number < self.minimum:
            return f"a number >= {self.minimum}"
        return None


class Amount(Form):
    def problem(self, value: str) -> str | None:
        try:
            money.parse(value)
        except ValueError:
            return "an amount such as 1.5"
        return None


class Choice(Form):
    def __init__(self, words: tuple[str, ...], shown: str | None = None):
        self.words = words          # compared without case
        self.shown = shown          # how to say them; else "one of a, b"

    def problem(self, value: str) -> str | None:
        if value.lower() in (word.lower() for word in self.words):
            return None
        return self.shown or "one of " + ", ".join(self.words)


class Command(Form):
    """A command line for /bin/sh, with %(name)s placeholders (pykota_ldap.shell)."""

    def problem(self, value: str) -> str | None:
        found = shell.problem(value)
        return f"a command ({found})" if found else None


class ChoiceOrCommand(Form):
    """Words, or `wrapper(command)` (policy: external(...)); without a wrapper, any other value
    is a command itself (denyduplicates)."""

    def __init__(self, words: tuple[str, ...], wrapper: str | None = None):
        self.words, self.wrapper = words, wrapper

    def problem(self, value: str) -> str | None:
        if value.lower() in (word.lower() for word in self.words):
            return None
        written = ", ".join(self.words)
        if self.wrapper is None:
            found = shell.problem(value)
            return f"{written} or a command ({found})" if found else None
        command = _wrapped(self.wrapper, value)
        if command is None:
            return f"{written} or {self.wrapper}(command)"
        found = shell.problem(command)
        return f"{self.wrapper}(command) with a valid command ({found})" if found else None


class Accounter(Form):
    def problem(self, value: str) -> str | None:
        try:
            parse_accounter(value)
        except AccounterError as exc:
            reason = str(exc).removeprefix("accounter: ")
            said = "" if reason.startswith("expected") else f" ({reason})"
            return ACCOUNTER_FORMS + said
        except ValueError:
            return "hardware(snmp[:community][@host[:port]]) with a port number"
        return None


class PreAccounter(Form):
    """preaccounter: software(), software(command) or ink(colorspace[, dpi]), as PyKota (hardware
    counts cannot come before the job)."""

    def problem(self, value: str) -> str | None:
        try:
            kind = parse_accounter(value).kind
        except (AccounterError, ValueError):
            kind = ""
        return None if kind in ("software", "software-command", "ink") else \
            "software(), software(command) or ink(colorspace[, dpi])"


class BannerSource(Form):
    """startingbanner / endingbanner: a file sent as it is, or a command whose output is sent."""

    def problem(self, value: str) -> str | None:
        if os.path.isabs(value) and " " not in value and not os.path.exists(value):
            return "a file or a command (no such file)"
        found = shell.problem(value)
        return f"a file or a command ({found})" if found else None


class SecondsOrYesNo(Form):
    """avoidduplicatebanners: yes, no, or a number of seconds."""

    def problem(self, value: str) -> str | None:
        if value.lower() in TRUE_WORDS | FALSE_WORDS or value.isdigit():
            return None
        return "yes, no or a number of seconds"


_RETRY = re.compile(r"^retry:(\d+):(\d+(\.\d*)?)$")


class BackendErrors(Form):
    """onbackenderror: charge or nocharge, and optionally retry:N:S, comma-separated."""

    def problem(self, value: str) -> str | None:
        parts = [part.strip().lower() for part in value.split(",")]
        charges = [part for part in parts if part in ("charge", "nocharge")]
        retries = [part for part in parts if _RETRY.match(part)]
        if len(charges) + len(retries) != len(parts) or len(charges) > 1 or len(retries) > 1:
            return "charge or nocharge, optionally with retry:N:S (e.g. nocharge,retry:3:30)"
        return None


_TRUST = re.compile(r"^>\s*\d+\s*:\s*(precomputed|\d+)$")


class TrustJobSize(Form):
    def problem(self, value: str) -> str | None:
        if value.lower() in TRUE_WORDS or _TRUST.match(value.lower()):
            return None
        return "yes, >N:precomputed or >N:M"


class ErrorMask(Form):
    def problem(self, value: str) -> str | None:
        try:
            mask = int(value, 0)
        except ValueError:
            return "a 16-bit mask such as 0x4FCC"
        return None if 0 <= mask <= 0xFFFF else "a 16-bit mask such as 0x4FCC"


class LDAPURIs(Form):
    def problem(self, value: str) -> str | None:
        if all(uri.lower().startswith(("ldap://", "ldaps://", "ldapi://")) for uri in value.split()):
            return None
        return "ldap://, ldaps:// or ldapi:// URIs"


_RDN = re.compile(r"^\s*[A-Za-z][A-Za-z0-9-]*\s*=\s*(\\.|[^\\])+$|^\s*[0-9.]+\s*=.+$")


class DN(Form):
    def problem(self, value: str) -> str | None:
        parts = re.split(r"(?<!\\),", value)
        if all(_RDN.match(part) for part in parts):
            return None
        return "a DN such as ou=People,dc=example,dc=org"


class QuotaBase(DN):
    """userquotabase / groupquotabase: PyKota also took `user` / `group` there (quota entries below
    each user or group entry); pykota-ldap keeps every quota entry in one branch."""

    def __init__(self, keyword: str, example: str):
        self.keyword, self.example = keyword, example

    def problem(self, value: str) -> str | None:
        if value.strip().lower() == self.keyword:
            return (f"a DN such as {self.example} ('{self.keyword}' is PyKota's layout keyword: pykota-ldap keeps "
                    f"all quota entries in one branch, and pkmigrate moves PyKota's there)")
        return super().problem(value)


class Attribute(Form):
    def problem(self, value: str) -> str | None:
        if re.match(r"^[A-Za-z][A-Za-z0-9-]*$", value):
            return None
        return "an LDAP attribute name such as uid"


class Folder(Form):
    def problem(self, value: str) -> str | None:
        return None if os.path.isabs(value) else "an absolute path"


class ReadableFile(Form):
    def __init__(self, kind: str = "file"):
        self.kind = kind

    def problem(self, value: str) -> str | None:
        return None if os.path.isfile(value) and os.access(value, os.R_OK) else f"a readable {self.kind}"


class DateTime(Form):
    """An ISO 8601 date and time, local unless it has an offset (exam sessions)."""

    def problem(self, value: str) -> str | None:
        from .exam import parse_time
        try:
            parse_time(value)
        except ValueError:
            return "a date and time such as 2026-12-14 09:00"
        return None


class SyncValue(Form):
    """A key of [sync] / [sync:<group>]: pksync's rules read it (sync.rules), and config_check
    runs them on those sections."""
