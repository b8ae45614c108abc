"""`pkmigrate --config /old/etc/pykota/pykota.conf`: PyKota's pykota.conf and pykotadmin.conf
translated into pykota-ldap's, key by key; every key that cannot be carried over is listed with
the reason. The new files are written next to each other in the output folder (made 0700, or an
existing one only others cannot write; pykotadmin.conf born 0600), never over existing files nor
through links, then checked the way every command checks them.
"""
from __future__ import annotations

import configparser
import os
import stat
from pathlib import Path

from ..backend.install import write_private
from ..config import Config
from ..config_errors import ConfigError
from ..config_keys import ADMIN, GLOBAL, KEYS, pykota_only

STORAGE_KEYS = ("storageserver", "storagename", "storageuser", "storageuserpw", "storageadmin", "storageadminpw")
ORGANISATION_KEYS = ("userbase", "userrdn", "groupbase", "grouprdn", "groupmembers", "usermail")
PYKOTA_BRANCHES = ("printerbase", "userquotabase", "groupquotabase", "jobbase", "billingcodebase")


class Translation:
    def __init__(self) -> None:
        self.main: dict[str, dict[str, str]] = {"global": {}}
        self.admin: dict[str, str] = {}
        self.dropped: list[str] = []

    def drop(self, section: str, key: str, value: str, reason: str) -> None:
        self.dropped.append(f"[{section}] {key}: {value} -- {reason}")


def translate(old: dict[str, dict[str, str]], old_admin: dict[str, str]) -> Translation:
    t = Translation()
    backend = old.get("global", {}).get("storagebackend", "ldapstorage").lower()
    for section, keys in old.items():
        for key, value in keys.items():
            _one(t, backend, section, key, value)
    for key, value in old_admin.items():
        if key in ("storageadmin", "storageadminpw") and backend == "ldapstorage":
            t.admin[key] = value
        elif key in ("storageadmin", "storageadminpw"):
            t.drop("pykotadmin.conf", key, "***", f"a {backend} account; pykota-ldap binds to LDAP")
        else:
            _one(t, backend, "global", key, value)
    if backend != "ldapstorage":
        t.dropped.append(f"storageserver, storagename, storageadmin: PyKota kept its data in {backend}: write the "
                         f"LDAP server, base DN and service account of pykota-ldap by hand")
    return t


def _one(t: Translation, backend: str, section: str, key: str, value: str) -> None:
    if key == "storagebackend":
        t.drop(section, key, value, "pykota-ldap keeps its data in LDAP only; pkmigrate --from reads the old storage")
    elif key in STORAGE_KEYS and backend != "ldapstorage":
        t.drop(section, key, value if "pw" not in key else "***", f"names the {backend} database")
    elif key in PYKOTA_BRANCHES:
        t.drop(section, key, value, "PyKota's own pykota* entries stay there; pykota-ldap keeps its entries in a "
                                    "branch of its own (the default under ou=PyKota, or a DN that is not PyKota's)")
    elif key in ("newuser", "newgroup"):
        t.main[section][key] = "below" if value.strip().lower() == "below" else "attach"
    elif key in ("storageadmin", "storageadminpw"):
        t.admin[key] = value
    elif pykota_only(key):
        t.drop(section, key, value, str(pykota_only(key)))
    elif key not in KEYS:
        t.drop(section, key, value, "not a key of pykota-ldap")
    elif section != "global" and KEYS[key].scope in (GLOBAL, ADMIN):
        t.drop(section, key, value, "pykota-ldap reads it only in [global]")
    else:
        problem = KEYS[key].form.problem(value)
        if problem:
            t.drop(section, key, value, f"pykota-ldap expects {problem}")
        else:
            t.main.setdefault(section, {})[key] = value


def _read(path: Path) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser(strict=False, default_section="__none__")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise ConfigError(f"{path}: {str(exc).splitlines()[0]}") from None
    return {section: {k.lower(): v.strip() for k, v in parser[section].items()} for section in parser.sections()}


def _ini(sections: dict[str, dict[str, str]], title: str) -> str:
    lines = [f"# {title}"]
    for section, keys in sections.items():
        lines.append(f"\n[{section}]")
        lines.extend(f"{key}: {value}" for key, value in keys.items())
    return "\n".join(lines) + "\n"


def _check_output(output: Path, files: tuple[Path, ...]) -> None:
    """A new folder is made 0700; an existing one must be ours and writable by us only: whoever
    else can write it can swap pykotadmin.conf (the write password) before it is moved into place."""
    for path in files:
        if os.path.lexists(path):
            raise ConfigError(f"{path} exists already: give --output an empty folder")
    try:
        output.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        found = output.lstat()
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid() or found.st_mode & 0o022:
            raise ConfigError(f"{output}: a folder others can write or own: give --output a new folder (made "
                              f"0700) or one of yours") from None
    except OSError as exc:
        raise ConfigError(f"{output}: {exc.strerror}") from None


def translate_files(old: Path, output: Path) -> list[str]:
    """Write output/pykota.conf and output/pykotadmin.conf; what to tell the admin, one line each."""
    admin_path = old.parent / "pykotadmin.conf"
    t = translate(_read(old), _read(admin_path).get("global", {}) if admin_path.exists() else {})
    new_main, new_admin = output / "pykota.conf", output / "pykotadmin.conf"
    _check_output(output, (new_main, new_admin))
    # Born with their final modes, never through a link planted under these names.
    for path, text, mode in ((new_main, _ini({s: k for s, k in t.main.items() if k},
                                              f"translated by pkmigrate from {old}"), 0o644),
                             (new_admin, _ini({"global": t.admin}, f"translated by pkmigrate from {admin_path}"),
                              0o600)):
        if not write_private(path, text.encode(), mode, replace=False):
            raise ConfigError(f"{path} exists already: give --output an empty folder")
    carried = sum(len(keys) for keys in t.main.values()) + len(t.admin)
    lines = [f"not carried over: {line}" for line in t.dropped]
    checked = Config(output, check=False)
    lines += [f"the new configuration: {problem}" for problem in checked.problems]
    lines.append(f"pkmigrate: {carried} keys carried over into {new_main} and {new_admin}, {len(t.dropped)} not")
    return lines
