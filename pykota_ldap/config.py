"""Read pykota.conf and pykotadmin.conf.

Both are INI files with a [global] section and optional [<printer>] sections that override it for
one CUPS queue. They live in $PYKOTA_HOME, or /etc/pykota. pykotadmin.conf holds the read-write
credentials: whoever can read it is an admin, and it must not be readable by everyone.

Every problem is one line naming the file, the section, the key and the form that was expected.
The files are checked whole when they are read (config_check): a Config with errors is never
made (ConfigError, every problem in its `problems`); its warnings are in `warnings`.
"""
from __future__ import annotations

import configparser
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from . import money
from .config_check import problems
from .config_errors import ConfigError
from .config_values import FALSE_WORDS, TRUE_WORDS

DEFAULT_HOME = "/etc/pykota"
__all__ = ["Config", "ConfigError", "LDAPSettings", "FALSE_WORDS", "TRUE_WORDS", "config_home", "settings_for_server"]


def config_home() -> Path:
    return Path(os.environ.get("PYKOTA_HOME") or DEFAULT_HOME)


def _read_ini(path: Path) -> configparser.RawConfigParser:
    # Raw: no interpolation, since commands in values use %(name)s themselves.
    parser = configparser.RawConfigParser(strict=False, default_section="__none__")
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set PYKOTA_HOME or create it)") from None
    except PermissionError:
        raise ConfigError(f"{path}: permission denied") from None
    except (configparser.Error, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: not a valid INI file: {reason}") from None
    if not parser.has_section("global"):
        raise ConfigError(f"{path}: missing the [global] section")
    return parser


@dataclass(frozen=True)
class LDAPSettings:
    """Where the directory is and how our data is laid out in it."""

    uris: tuple[str, ...]
    base: str
    bind_dn: str | None
    bind_password: str | None = field(repr=False)
    userbase: str
    userrdn: str
    groupbase: str
    grouprdn: str
    groupmembers: str
    printerbase: str
    userquotabase: str
    groupquotabase: str
    jobbase: str
    paymentbase: str
    billingcodebase: str
    newuser: str
    newgroup: str
    usermail: str
    timeout: float
    is_admin: bool
    start_tls: bool = False           # ldaptls: StartTLS on ldap:// URIs
    ca_file: str | None = None        # cacert: CA bundle; else the system's trust store


def settings_for_server(uri: str, bind_dn: str | None, password: str | None, timeout: float = 5.0) -> LDAPSettings:
    """Settings to reach one server for maintenance (schema install), bases left empty."""
    empty = ""
    return LDAPSettings(uris=(uri,), base=empty, bind_dn=bind_dn, bind_password=password, userbase=empty,
                        userrdn="uid", groupbase=empty, grouprdn="cn", groupmembers="memberUid", printerbase=empty,
                        userquotabase=empty, groupquotabase=empty, jobbase=empty, paymentbase=empty,
                        billingcodebase=empty, newuser="attach", newgroup="attach", usermail="mail",
                        timeout=timeout, is_admin=True)


class Config:
    """pykota.conf plus, when readable, pykotadmin.conf."""

    def __init__(self, home: Path | str | None = None, *, want_admin: bool | None = None, check: bool = True):
        """check=False: made even with errors (they are in `problems`), for pkdoctor to list them."""
        self.home = Path(home) if home else config_home()
        self.path = self.home / "pykota.conf"
        self.admin_path = self.home / "pykotadmin.conf"
        self._main = _read_ini(self.path)
        self._admin = None
        if want_admin is not False and self.admin_path.exists():
            mode = self.admin_path.stat().st_mode
            if mode & stat.S_IROTH:
                raise ConfigError(
                    f"{self.admin_path}: readable by everyone; it holds the directory's write password: "
                    f"run 'chmod o-rwx {self.admin_path}'")
            if os.access(self.admin_path, os.R_OK):
                self._admin = _read_ini(self.admin_path)
        if want_admin and self._admin is None:
            raise ConfigError(f"{self.admin_path}: not readable: this needs the admin credentials")
        self.problems = problems((self.path, self._main), (self.admin_path, self._admin) if self._admin else None)
        self.warnings = [str(problem) for problem in self.problems if not problem.error]
        errors = [str(problem) for problem in self.problems if problem.error]
        if check and errors:
            raise ConfigError(errors[0], errors)

    @property
    def is_admin(self) -> bool:
        return self._admin is not None

    # -- raw lookup -------------------------------------------------------------------------
    def raw(self, key: str, printer: str | None = None) -> tuple[str | None, str]:
        """The value of key and where it came from (for messages); printer sections win."""
        key = key.lower()
        if printer and self._main.has_section(printer) and self._main.has_option(printer, key):
            return self._main.get(printer, key).strip(), f"{self.path} [{printer}]"
        if self._admin is not None and self._admin.has_option("global", key):
            return self._admin.get("global", key).strip(), f"{self.admin_path} [global]"
        if self._main.has_option("global", key):
            return self._main.get("global", key).strip(), f"{self.path} [global]"
        return None, f"{self.path} [global]"

    @overload
    def get(self, key: str, default: None = None, printer: str | None = None) -> str | None: ...
    @overload
    def get(self, key: str, default: str, printer: str | None = None) -> str: ...
    def get(self, key: str, default: str | None = None, printer: str | None = None) -> str | None:
        value, _ = self.raw(key, printer)
        return default if value in (None, "") else value

    def require(self, key: str, printer: str | None = None, form: str = "a value") -> str:
        value, where = self.raw(key, printer)
        if not value:
            raise ConfigError(f"{where}: missing key '{key}' (expected {form})")
        return value

    def _bad(self, key: str, printer: str | None, value: str, form: str) -> ConfigError:
        _, where = self.raw(key, printer)
        return ConfigError(f"{where}: {key}: expected {form}, got '{value}'")

    # -- typed getters ----------------------------------------------------------------------
    def get_bool(self, key: str, default: bool = False, printer: str | None = None) -> bool:
        value = self.get(key, None, printer)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self._bad(key, printer, value, "yes or no")

    def get_int(self, key: str, default: int, printer: str | None = None, minimum: int | None = None) -> int:
        value = self.get(key, None, printer)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._bad(key, printer, value, "a whole number") from None
        if minimum is not None and number < minimum:
            raise self._bad(key, printer, value, f"a whole number >= {minimum}")
        return number

    def get_float(self, key: str, default: float, printer: str | None = None, minimum: float | None = None) -> float:
        value = self.get(key, None, printer)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise self._bad(key, printer, value, "a number") from None
        if minimum is not None and number < minimum:
            raise self._bad(key, printer, value, f"a number >= {minimum}")
        return number

    def get_money(self, key: str, default: str, printer: str | None = None) -> int:
        """A decimal amount of credits, returned in thousandths."""
        value = self.get(key, default, printer)
        try:
            return money.parse(value)
        except ValueError:
            raise self._bad(key, printer, value, "an amount such as 1.5") from None

    def get_choice(self, key: str, choices: tuple[str, ...], default: str, printer: str | None = None) -> str:
        value = self.get(key, default, printer)
        if value.lower() not in choices:
            raise self._bad(key, printer, value, "one of " + ", ".join(choices))
        return value.lower()

    def printers_with_sections(self) -> list[str]:
        return [name for name in self._main.sections() if name != "global" and ":" not in name
                and name != "sync"]

    def section(self, name: str) -> dict[str, str] | None:
        """A whole named section (e.g. [sync:eleves]) as a dict, or None."""
        if not self._main.has_section(name):
            return None
        return {k: v.strip() for k, v in self._main.items(name)}

    def sections(self) -> list[str]:
        return self._main.sections()

    # -- LDAP -------------------------------------------------------------------------------
    def ldap(self, admin: bool | None = None) -> LDAPSettings:
        """LDAP settings; admin=None binds as admin when pykotadmin.conf was readable."""
        use_admin = self.is_admin if admin is None else admin
        if use_admin and not self.is_admin:
            raise ConfigError(f"{self.admin_path}: not readable: this needs the admin credentials")
        uris = tuple(self.require("storageserver", form="an LDAP URI such as ldap://ldap.example.org").split())
        for uri in uris:
            if not uri.lower().startswith(("ldap://", "ldaps://", "ldapi://")):
                raise self._bad("storageserver", None, uri, "ldap://, ldaps:// or ldapi:// URIs")
        base = self.require("storagename", form="the base DN, e.g. dc=example,dc=org")
        if use_admin and self._admin is not None:
            bind_dn = self._admin.get("global", "storageadmin", fallback="").strip() or None
            password = self._admin.get("global", "storageadminpw", fallback="").strip() or None
            if bind_dn is None:
                raise ConfigError(f"{self.admin_path} [global]: missing key 'storageadmin' (expected a bind DN)")
        else:
            bind_dn = self._main.get("global", "storageuser", fallback="").strip() or None
            password = self._main.get("global", "storageuserpw", fallback="").strip() or None
            if password and self.path.stat().st_mode & stat.S_IROTH:
                raise ConfigError(
                    f"{self.path}: storageuserpw in a file readable by everyone gives every local user the "
                    f"directory's data of everybody: remove it (users' commands ask the query service of "
                    f"'cupspykota --serve'), or run 'chmod o-r {self.path}'")

        def base_of(key: str, default_rdn: str) -> str:
            return self.get(key) or f"{default_rdn},{base}"

        pykota = f"ou=PyKota,{base}"
        newuser = self.get_choice("newuser", ("attach", "below"), "attach")
        newgroup = self.get_choice("newgroup", ("attach", "below"), "attach")
        groupmembers = self.get("groupmembers", "memberUid")
        if groupmembers.lower() not in ("memberuid", "member", "uniquemember"):
            raise self._bad("groupmembers", None, groupmembers, "memberUid, member or uniqueMember")
        return LDAPSettings(
            uris=uris, base=base, bind_dn=bind_dn, bind_password=password,
            userbase=base_of("userbase", "ou=People"), userrdn=self.get("userrdn", "uid"),
            groupbase=base_of("groupbase", "ou=Groups"), grouprdn=self.get("grouprdn", "cn"),
            groupmembers=groupmembers,
            printerbase=self.get("printerbase") or f"ou=Printers,{pykota}",
            userquotabase=self.get("userquotabase") or f"ou=UserQuotas,{pykota}",
            groupquotabase=self.get("groupquotabase") or f"ou=GroupQuotas,{pykota}",
            jobbase=self.get("jobbase") or f"ou=Jobs,{pykota}",
            paymentbase=self.get("paymentbase") or f"ou=Payments,{pykota}",
            billingcodebase=self.get("billingcodebase") or f"ou=BillingCodes,{pykota}",
            newuser=newuser, newgroup=newgroup, usermail=self.get("usermail", "mail"),
            timeout=self.get_float("storagetimeout", 5.0, minimum=0.1),
            is_admin=use_admin,
            start_tls=self.get_bool("ldaptls", False),
            ca_file=self._ca_file(),
        )

    def _ca_file(self) -> str | None:
        path = self.get("cacert")
        if path and not os.access(path, os.R_OK):
            raise self._bad("cacert", None, path, "a readable CA certificate file")
        return path
