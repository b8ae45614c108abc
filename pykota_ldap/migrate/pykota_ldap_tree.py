"""PyKota's LDAP storage (`pykota*` schema), read with the layout keys of its old pykota.conf.

The rows are those of dumpykota's LDAP storage. PyKota's quirks are undone on the way: numbers and
floats in IA5 attributes, the string "None" for unset values, payments packed in one multi-valued
attribute as `date # amount # base64(comment)` (the oldest without the comment), printer groups as
`uniqueMember` DNs, passthrough as t/f, quota entries below the user or group entry
(`userquotabase: user`, `groupquotabase: group`), a job's date in its createTimestamp only. The
bind comes from the old pykotadmin.conf beside pykota.conf (else storageuser, else anonymous).
"""
from __future__ import annotations

import base64
import binascii
import configparser
from pathlib import Path
from typing import Iterator

from ..config import settings_for_server
from ..directory import Directory
from ..directory.core import Attributes, first, values
from ..directory.records import parse_time
from .rows import Row

JOB_COLUMNS = {"pykotajobid": "jobid", "pykotaprinterpagecounter": "pagecounter", "pykotajobsize": "jobsize",
               "pykotaaction": "action", "pykotafilename": "filename", "pykotatitle": "title",
               "pykotacopies": "copies", "pykotaoptions": "options", "pykotajobprice": "jobprice",
               "pykotahostname": "hostname", "pykotajobsizebytes": "jobsizebytes", "pykotamd5sum": "md5sum",
               "pykotabillingcode": "billingcode", "pykotaprecomputedjobsize": "precomputedjobsize",
               "pykotaprecomputedjobprice": "precomputedjobprice"}


class TreeError(ValueError):
    pass


class Layout:
    """The old pykota.conf's LDAP keys (PyKota's defaults where it had them)."""

    def __init__(self, path: Path | None):
        if path is None:
            raise TreeError("an LDAP source needs PyKota's pykota.conf for its layout: "
                            "--config /etc/pykota/pykota.conf")
        self.main = _read(path)
        admin_path = path.parent / "pykotadmin.conf"
        self.admin = _read(admin_path) if admin_path.exists() else {}
        self.base = self.get("storagename")

    def get(self, key: str, default: str | None = None) -> str:
        value = self.admin.get(key) or self.main.get(key) or default
        if value is None:
            raise TreeError(f"PyKota's pykota.conf has no {key}")
        return value

    def bind(self) -> tuple[str | None, str | None]:
        if self.admin.get("storageadmin"):
            return self.admin["storageadmin"], self.admin.get("storageadminpw")
        return self.main.get("storageuser"), self.main.get("storageuserpw")


def _read(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise TreeError(f"{path}: {str(exc).splitlines()[0]}") from None
    return {k.lower(): v.strip().strip('"') for k, v in parser["global"].items()} if "global" in parser else {}


def read_tree(uri: str, config: Path | None) -> Iterator[tuple[str, Row]]:
    layout = Layout(config)
    bind_dn, password = layout.bind()
    with Directory(settings_for_server(server_of(uri), bind_dn, password, timeout=10)) as d:
        yield from TreeReader(d, layout).rows()


def server_of(uri: str) -> str:
    """ldap://oldhost/ -> ldap://oldhost: the server only (the bases are pykota.conf's)."""
    scheme, _, rest = uri.partition("://")
    host, _, path = rest.partition("/")
    if path.strip("/") or not host and scheme.lower() != "ldapi":
        raise TreeError(f"{uri}: give the server only, as in ldap://oldhost/ (the bases come from pykota.conf)")
    return f"{scheme}://{host}"


class TreeReader:
    def __init__(self, d: Directory, layout: Layout):
        self.d, self.layout = d, layout
        self.userbase = layout.get("userbase")
        self.userrdn = layout.get("userrdn", "uid")
        self.groupbase = layout.get("groupbase")

    def _all(self, base: str, object_class: str,
             attributes: list[str] | None = None) -> Iterator[tuple[str, Attributes]]:
        return self.d.search_paged(base, f"(objectClass={object_class})", attributes)

    def rows(self) -> Iterator[tuple[str, Row]]:
        yield from self._printers()
        yield from self._users()
        yield from self._groups()
        yield from (("billingcodes", row) for row in self._billing_codes())
        yield from self._quotas()
        yield from self._payments()
        yield from self._jobs()

    # -- printers ------------------------------------------------------------------------------
    def _printers(self) -> Iterator[tuple[str, Row]]:
        rdn = self.layout.get("printerrdn", "cn")
        found = list(self._all(self.layout.get("printerbase"), "pykotaPrinter"))
        names = {dn.lower(): first(e, "pykotaPrinterName") or first(e, rdn, "") for dn, e in found}
        for dn, e in found:
            yield "printers", {"dn": dn, "printername": names[dn.lower()], "description": first(e, "description"),
                               "priceperpage": first(e, "pykotaPricePerPage"),
                               "priceperjob": first(e, "pykotaPricePerJob"),
                               "maxjobsize": first(e, "pykotaMaxJobSize"), "passthrough": first(e, "pykotaPassThrough")}
        for dn, e in found:
            for member in values(e, "uniqueMember"):
                name = names.get(member.lower().replace(", ", ","))
                yield "pmembers", {"pgroupname": names[dn.lower()], "printername": name or member}

    # -- users, balances, groups ---------------------------------------------------------------
    def _balances(self) -> dict[str, Attributes]:
        rdn = self.layout.get("balancerdn", "uid")
        return {(first(e, "pykotaUserName") or first(e, rdn, "")): e
                for _, e in self._all(self.layout.get("balancebase"), "pykotaAccountBalance")}

    def _users(self) -> Iterator[tuple[str, Row]]:
        self.balances = self._balances()
        mail = self.layout.get("usermail", "mail")
        for dn, e in self._all(self.userbase, "pykotaAccount"):
            name = first(e, "pykotaUserName") or first(e, self.userrdn, "")
            money = self.balances.get(name, {})
            yield "users", {"dn": dn, "username": name, "limitby": first(e, "pykotaLimitBy"),
                            "email": first(e, mail), "description": first(e, "description"),
                            "balance": first(money, "pykotaBalance"),
                            "lifetimepaid": first(money, "pykotaLifeTimePaid"),
                            "overcharge": first(money, "pykotaOverCharge")}

    def _groups(self) -> Iterator[tuple[str, Row]]:
        rdn = self.layout.get("grouprdn", "cn")
        members_attr = self.layout.get("groupmembers", "memberUid")
        for dn, e in self._all(self.groupbase, "pykotaGroup"):
            name = first(e, "pykotaGroupName") or first(e, rdn, "")
            yield "groups", {"dn": dn, "groupname": name, "limitby": first(e, "pykotaLimitBy"),
                             "description": first(e, "description")}
            for member in values(e, members_attr):
                yield "umembers", {"groupname": name, "username": member}

    def _billing_codes(self) -> Iterator[Row]:
        for dn, e in self._all(self.layout.get("billingcodebase"), "pykotaBilling"):
            yield {"dn": dn, "billingcode": first(e, "pykotaBillingCode"), "balance": first(e, "pykotaBalance"),
                   "pagecounter": first(e, "pykotaPageCounter"), "description": first(e, "description")}

    # -- quota entries -------------------------------------------------------------------------
    def _quotas(self) -> Iterator[tuple[str, Row]]:
        ubase = self.layout.get("userquotabase")
        for dn, e in self._all(self.userbase if ubase.lower() == "user" else ubase, "pykotaUserPQuota"):
            yield "upquotas", {"dn": dn, "username": first(e, "pykotaUserName"),
                               "printername": first(e, "pykotaPrinterName"), **_limits(e),
                               "pagecounter": first(e, "pykotaPageCounter"),
                               "lifepagecounter": first(e, "pykotaLifePageCounter"),
                               "warncount": first(e, "pykotaWarnCount")}
        gbase = self.layout.get("groupquotabase")
        for dn, e in self._all(self.groupbase if gbase.lower() == "group" else gbase, "pykotaGroupPQuota"):
            yield "gpquotas", {"dn": dn, "groupname": first(e, "pykotaGroupName"),
                               "printername": first(e, "pykotaPrinterName"), **_limits(e)}

    # -- payments and history ------------------------------------------------------------------
    def _payments(self) -> Iterator[tuple[str, Row]]:
        for name, e in self.balances.items():
            for occurrence, packed in enumerate(values(e, "pykotaPayments")):
                yield "payments", {"username": name, "occurrence": occurrence, **_payment(name, packed)}

    def _jobs(self) -> Iterator[tuple[str, Row]]:
        attributes = ["pykotaUserName", "pykotaPrinterName", "createTimestamp", *JOB_COLUMNS]
        for dn, e in self._all(self.layout.get("jobbase"), "pykotaJob", attributes):
            row: dict[str, object] = {column: first(e, attr) for attr, column in JOB_COLUMNS.items()}
            stamp = first(e, "createTimestamp")
            row.update(dn=dn, username=first(e, "pykotaUserName"), printername=first(e, "pykotaPrinterName"),
                       jobdate=parse_time(stamp) if stamp else None)
            yield "history", row


def _limits(e: Attributes) -> dict[str, object]:
    return {"softlimit": first(e, "pykotaSoftLimit"), "hardlimit": first(e, "pykotaHardLimit"),
            "datelimit": first(e, "pykotaDateLimit"), "maxjobsize": first(e, "pykotaMaxJobSize")}


def _payment(user: str, packed: str) -> dict[str, object]:
    """'2026-11-02 10:00:00 # 5.0 # dmVyc2VtZW50' -> date, amount, description."""
    parts = [part.strip() for part in packed.split(" # ")]
    if len(parts) not in (2, 3):
        raise TreeError(f"payment of {user}: {packed!r} is not 'date # amount # comment'")
    comment = None
    if len(parts) == 3 and parts[2]:
        try:
            comment = base64.b64decode(parts[2], validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise TreeError(f"payment of {user}: the comment of {packed!r} is not base64") from None
    return {"date": parts[0], "amount": parts[1], "description": comment}
