"""Every problem of pykota.conf and pykotadmin.conf, found before anything runs.

Each problem is one line naming the file, the section and the key, with what to do. Errors
stop every command and the backend (which stops the queue with the first one); warnings are
told and the commands run:

errors    a value the code would refuse or misread (type, allowed words, range, a command
          that cannot run, an accounter it cannot use); an unknown key (a typo: the key it
          was meant to be is named when one is close); a key in a section that never reads it
          ([global]-only keys in a [<queue>] section, the credentials outside pykotadmin.conf,
          pksync's keys outside [sync]); a missing required key; a section nothing reads.
warnings  PyKota's keys that pykota-ldap does not implement (banners, logger, debug,
          preaccounter...): a configuration migrated from PyKota keeps working, and is told
          what each of those lines no longer does.
"""
from __future__ import annotations

import configparser
from pathlib import Path
from typing import NamedTuple

from . import config_keys
from .config_keys import ADMIN, EXAM, GLOBAL, KEYS, PRINTER, SYNC, SYNC_RULE, KeySpec

SYNC_SECTION, SYNC_GROUP, EXAM_SECTION = "sync", "sync:", "exam:"
_REQUIRED_FORM = {"storageserver": "an LDAP URI such as ldap://ldap.example.org",
                  "storagename": "the base DN, e.g. dc=example,dc=org", "storageadmin": "a bind DN"}


class Problem(NamedTuple):
    where: str              # "<file> [<section>]"
    text: str               # "<key>: ..." or about the section
    error: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


def _kind(section: str, admin_file: bool) -> str:
    """Which keys a section may hold: GLOBAL, PRINTER (a queue's), SYNC, SYNC_RULE, or '' (not read)."""
    if section == "global":
        return GLOBAL
    if admin_file:
        return ""
    if section.lower() == SYNC_SECTION:
        return SYNC
    if section.lower().startswith(SYNC_GROUP):
        return SYNC_RULE
    if section.lower().startswith(EXAM_SECTION):
        return EXAM
    return "" if ":" in section else PRINTER


def _misplaced(spec: KeySpec, kind: str, admin_file: bool) -> str | None:
    """Why this key is not read in this section, or None when it is."""
    if spec.scope == ADMIN:
        return None if admin_file and kind == GLOBAL else "belongs in pykotadmin.conf, which only admins can read"
    if spec.scope == SYNC:
        return None if kind == SYNC else "is read from [sync] only"
    if spec.scope == SYNC_RULE:
        return None if kind in (SYNC, SYNC_RULE) else "is read from [sync] and [sync:<group>] sections only"
    if spec.scope == EXAM:
        return None if kind == EXAM else "is read from [exam:<name>] sections only"
    if kind == EXAM:
        return "is not an exam session key (examprinters, examstart, examend)"
    if kind in (SYNC, SYNC_RULE):
        return "is not a pksync key: move it to [global] or a queue's section"
    if spec.scope == GLOBAL and kind == PRINTER:
        return "is read from [global] only"
    return None


def _unknown(key: str) -> str:
    near = config_keys.closest(key)
    return f"unknown key '{key}'" + (f" (did you mean '{near}'?)" if near else "")


def _key_problem(key: str, value: str, kind: str, admin_file: bool) -> tuple[str, bool] | None:
    """(what is wrong with `key: value` in a section of this kind, is it an error), or None."""
    spec = KEYS.get(key)
    if spec is None:
        advice = config_keys.pykota_only(key)
        if advice:
            return f"{key}: PyKota's {key} is not supported by pykota-ldap: {advice}", False
        return _unknown(key), True
    misplaced = _misplaced(spec, kind, admin_file)
    if misplaced:
        return f"{key}: {misplaced}", True
    expected = spec.form.problem(value) if value else None
    if expected:
        return f"{key}: expected {expected}, got '{value}'", True
    return None


def _section_problems(path: Path, section: str, values: dict[str, str], admin_file: bool) -> list[Problem]:
    where = f"{path} [{section}]"
    kind = _kind(section, admin_file)
    if not kind:
        read = "only [global] is read there" if admin_file else \
            "a section is [global], a CUPS queue's name (no ':'), [sync] / [sync:<group>] or [exam:<name>]"
        return [Problem(where, f"this section is never read ({read})")]
    found = []
    for key, value in values.items():
        problem = _key_problem(key, value.strip(), kind, admin_file)
        if problem:
            found.append(Problem(where, problem[0], problem[1]))
    if kind == EXAM:
        from .exam import problems as exam_problems
        found += [Problem(where, text) for text in exam_problems(section[len(EXAM_SECTION):], values)]
    return found


def _sync_problems(path: Path, sections: dict[str, dict[str, str]]) -> list[Problem]:
    """pksync's own reading of [sync] and of each [sync:<group>] (with [sync] as its defaults);
    unknown and misplaced keys are left out, _section_problems names them."""
    from .sync.rules import SyncRuleError, parse_rules

    def read_there(name: str, key: str) -> bool:
        spec = KEYS.get(key)
        return spec is not None and spec.scope in ((SYNC, SYNC_RULE) if name.lower() == SYNC_SECTION else (SYNC_RULE,))

    rules = {name: {k: v for k, v in values.items() if read_there(name, k)} for name, values in sections.items()}
    defaults = {name: values for name, values in rules.items() if name.lower() == SYNC_SECTION}
    found: list[Problem] = []
    for name, values in rules.items():
        try:
            parse_rules({**defaults, name: values}, str(path))
        except SyncRuleError as exc:
            where, _, text = str(exc).partition("]: ")
            problem = Problem(where + "]", text)
            if problem not in found:
                found.append(problem)
    return found


def _missing(parsers: list[tuple[Path, configparser.RawConfigParser]], admin_read: bool) -> list[Problem]:
    found = []
    for spec in KEYS.values():
        if not spec.required or (spec.scope == ADMIN and not admin_read):
            continue
        files = parsers[1:] if spec.scope == ADMIN else parsers
        if not any((parser.get("global", spec.name, fallback="") or "").strip() for _, parser in files):
            path = files[-1][0] if spec.scope == ADMIN else files[0][0]
            found.append(Problem(f"{path} [global]",
                                 f"missing key '{spec.name}' (expected {_REQUIRED_FORM.get(spec.name, 'a value')})"))
    return found


def problems(main: tuple[Path, configparser.RawConfigParser],
             admin: tuple[Path, configparser.RawConfigParser] | None = None) -> list[Problem]:
    """Every problem of pykota.conf (main) and, when it could be read, pykotadmin.conf (admin)."""
    parsers = [main] + ([admin] if admin else [])
    found = _missing(parsers, admin is not None)
    sync_sections: dict[str, dict[str, str]] = {}
    for index, (path, parser) in enumerate(parsers):
        for section in parser.sections():
            values = dict(parser.items(section))
            found += _section_problems(path, section, values, admin_file=index == 1)
            if index == 0 and _kind(section, False) in (SYNC, SYNC_RULE):
                sync_sections[section] = values
    if sync_sections:
        found += _sync_problems(main[0], sync_sections)
    return found
