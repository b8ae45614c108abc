"""Exam sessions: periods during which printers print without counting, each an [exam:<name>]
section of pykota.conf:

    [exam:finals-b12]
    examprinters: b12-*, library     # queue names, shell patterns or printer groups
    examstart: 2026-12-14 09:00      # ISO 8601; local time unless an offset is given
    examend: 2026-12-14 12:30

A job on one of those printers, or on a member of one of those printer groups, that CUPS both
created (submitted) and hands to the backend from examstart (included) to examend (excluded)
prints, is recorded in the history with its pages, is not charged, and no quota, balance or
size limit refuses it. Any other job is charged: one submitted before the exam (held with
job-hold-until, or queued behind others) or printed after it, and one whose creation time
cupsd does not tell (the time comes from cupsd over IPP, never from what the user sent).

A section, not a command that writes the directory: the backend reads pykota.conf at every
job, so a period begins and ends by itself with no daemon and no admin at the printer,
survives any restart, and needs no change to the LDAP schema; several print servers share it the way they share the rest
of the file.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .config_errors import ConfigError

SECTION_PREFIX = "exam:"
KEY_PRINTERS, KEY_START, KEY_END = "examprinters", "examstart", "examend"


def parse_time(text: str) -> datetime:
    """An ISO 8601 date and time ('2026-12-14 09:00', '2026-12-14T09:00:30+01:00'); a time
    without an offset is the machine's local time. ValueError when it is not one."""
    when = datetime.fromisoformat(text.strip())
    try:
        return when.astimezone() if when.tzinfo is None else when
    except OverflowError:          # 9999-12-31 23:59 west of Greenwich: no such moment in UTC
        raise ValueError(f"{text.strip()} is out of range") from None


@dataclass(frozen=True)
class ExamSession:
    name: str
    printers: tuple[str, ...]        # names or shell patterns, compared without case
    start: datetime
    end: datetime

    def covers(self, printer_names: Iterable[str]) -> bool:
        """Whether one of these names (a queue and the printer groups above it) is in the exam."""
        return any(fnmatch.fnmatchcase(name.lower(), pattern.lower())
                   for name in printer_names for pattern in self.printers)

    def state(self, now: datetime) -> str:
        if now < self.start:
            return "scheduled"
        return "active" if now < self.end else "ended"

    def describe(self, now: datetime) -> str:
        return (f"exam session {self.name}: {self.start:%Y-%m-%d %H:%M:%S %z} to {self.end:%Y-%m-%d %H:%M:%S %z} "
                f"({self.state(now)})")


def problems(name: str, values: dict[str, str]) -> list[str]:
    """What is wrong with one [exam:<name>] section, one line each (the keys' own forms are
    checked with every other key; this is what only the whole section can say)."""
    found = [f"missing key '{key}'" for key in (KEY_PRINTERS, KEY_START, KEY_END) if not values.get(key, "").strip()]
    if not name.strip():
        found.append("an exam section needs a name: [exam:<name>]")
    if found:
        return found
    try:
        start, end = parse_time(values[KEY_START]), parse_time(values[KEY_END])
    except ValueError:
        return []                    # the key's form says it
    if end <= start:
        found.append(f"{KEY_END} ({values[KEY_END]}) is not after {KEY_START} ({values[KEY_START]})")
    return found


def from_section(section: str, values: dict[str, str]) -> ExamSession:
    name = section[len(SECTION_PREFIX):]
    wrong = problems(name, values)
    if wrong:
        raise ConfigError(f"[{section}]: {wrong[0]}")
    try:
        start, end = parse_time(values[KEY_START]), parse_time(values[KEY_END])
    except ValueError as exc:
        raise ConfigError(f"[{section}]: {exc}") from None
    printers = tuple(p.strip() for p in values[KEY_PRINTERS].split(",") if p.strip())
    return ExamSession(name, printers, start, end)


def sessions(sections: dict[str, dict[str, str]]) -> list[ExamSession]:
    """Every exam session of the file, earliest first (sections: name -> keys, as Config reads them)."""
    found = [from_section(name, values) for name, values in sections.items()
             if name.lower().startswith(SECTION_PREFIX)]
    return sorted(found, key=lambda s: s.start)


def active(all_sessions: list[ExamSession], printer_names: Iterable[str], now: datetime,
           created: datetime | None = None) -> ExamSession | None:
    """The exam session that covers one of these printers now, or None; with `created`, only
    one that was already active when the job was created."""
    names = list(printer_names)
    return next((s for s in all_sessions if s.state(now) == "active" and s.covers(names)
                 and (created is None or s.state(created) == "active")), None)


def of_config(config: object) -> list[ExamSession]:
    """The exam sessions of a Config (its [exam:<name>] sections)."""
    names = [n for n in config.sections() if n.lower().startswith(SECTION_PREFIX)]  # type: ignore[attr-defined]
    return sessions({n: config.section(n) or {} for n in names})  # type: ignore[attr-defined]
