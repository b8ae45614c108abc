"""Rows in the column names of PyKota's dumpykota (one dict per row, per dataset) into a Site.

Every source speaks this: the XML and CSV dumps are these rows; the SQL sources select them the
way dumpykota's SQL storage does; the LDAP source builds them the way its LDAP storage does. A
column one storage has and the other lacks (`id` in SQL, `dn` in LDAP) only names the entries.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping

from ..directory.escaping import rdn_value
from ..model import (
    GROUP_LIMIT_MODES,
    LIMIT_MODES,
    BillingCode,
    Group,
    GroupQuota,
    Job,
    Payment,
    Printer,
    User,
    UserQuota,
)
from .site import Values

Row = Mapping[str, Any]
# dumpykota -d all writes them in this order: members come after what they name.
DATASETS = ("printers", "pmembers", "users", "groups", "billingcodes", "umembers", "upquotas", "gpquotas",
            "payments", "history")


class SiteBuilder:
    def __init__(self, values: Values):
        self.v = values
        self.site = values.site
        self._handlers: dict[str, Callable[[Row], None]] = {
            "printers": self._printer, "pmembers": self._printer_member, "users": self._user,
            "groups": self._group, "billingcodes": self._billing_code, "umembers": self._group_member,
            "upquotas": self._user_quota, "gpquotas": self._group_quota, "payments": self._payment,
            "history": self._job}

    def add(self, dataset: str, row: Row) -> None:
        handler = self._handlers.get(dataset)
        if handler is None:
            raise ValueError(f"unknown dataset {dataset!r} (PyKota's are {', '.join(DATASETS)})")
        handler({str(k).lower(): v for k, v in row.items()})

    # -- printers --------------------------------------------------------------------------------
    def _printer(self, row: Row) -> None:
        v, name = self.v, _name(row, "printername")
        where = f"printer {name}"
        # PyKota's printers tested maxjobsize for truth: 0 meant no maximum.
        self.site.printers[name] = Printer(
            name=name, dn="", description=v.text(row.get("description")),
            price_per_page=v.money(row.get("priceperpage"), f"{where}: price per page"),
            price_per_job=v.money(row.get("priceperjob"), f"{where}: price per job"),
            max_job_size=v.integer(row.get("maxjobsize"), f"{where}: maximum job size") or None,
            passthrough=v.flag(row.get("passthrough")))

    def _printer_member(self, row: Row) -> None:
        group, member = _name(row, "pgroupname"), _name(row, "printername")
        found = self.site.printers.get(group)
        if found is None or member not in self.site.printers:
            self.site.notes.append(f"printer group {group}: member {member} is not a printer of the source")
        elif member not in found.members:
            found.members.append(member)

    # -- users and groups ------------------------------------------------------------------------
    def _user(self, row: Row) -> None:
        v, name = self.v, _name(row, "username")
        where = f"user {name}"
        self.site.users[name] = User(
            name=name, dn="", managed=True, limit_by=self._limit_by(where, row, LIMIT_MODES),
            balance=v.money(row.get("balance"), f"{where}: balance"),
            lifetime_paid=v.money(row.get("lifetimepaid"), f"{where}: lifetime paid"),
            overcharge=v.factor(row.get("overcharge"), f"{where}: overcharge"),
            description=v.text(row.get("description")), email=v.text(row.get("email")))

    def _group(self, row: Row) -> None:
        name = _name(row, "groupname")
        self.site.groups[name] = Group(name=name, dn="", managed=True,
                                       limit_by=self._limit_by(f"group {name}", row, GROUP_LIMIT_MODES),
                                       description=self.v.text(row.get("description")))

    def _limit_by(self, where: str, row: Row, modes: tuple[str, ...]) -> str:
        """PyKota limited by quota whatever other word it found: so does the migrated account."""
        word = self.v.word(row.get("limitby"), "quota")
        if word not in modes:
            self.site.notes.append(f"{where}: limitby {word!r} is not one of {', '.join(modes)}: quota, as PyKota "
                                   f"read it")
            return "quota"
        return word

    def _group_member(self, row: Row) -> None:
        group, user = _name(row, "groupname"), _name(row, "username")
        found = self.site.groups.get(group)
        if found is None:
            self.site.notes.append(f"group {group}: not a group of the source (member {user})")
        elif user not in found.members:
            found.members.append(user)

    def _billing_code(self, row: Row) -> None:
        code = _name(row, "billingcode")
        self.site.billing_codes[code] = BillingCode(
            code=code, dn="", description=self.v.text(row.get("description")),
            page_counter=self.v.count(row.get("pagecounter"), f"billing code {code}: pages"),
            balance=self.v.money(row.get("balance"), f"billing code {code}: balance"))

    # -- quota entries ---------------------------------------------------------------------------
    def _user_quota(self, row: Row) -> None:
        v, user, printer = self.v, _name(row, "username"), _name(row, "printername")
        where = f"quota of {user} on {printer}"
        self.site.user_quotas[(user, printer)] = UserQuota(
            user=user, printer=printer, dn="", soft_limit=v.integer(row.get("softlimit"), f"{where}: soft limit"),
            hard_limit=v.integer(row.get("hardlimit"), f"{where}: hard limit"),
            date_limit=v.date(row.get("datelimit"), f"{where}: grace date"),
            page_counter=v.count(row.get("pagecounter"), f"{where}: pages"),
            life_page_counter=v.count(row.get("lifepagecounter"), f"{where}: lifetime pages"),
            warn_count=v.count(row.get("warncount"), f"{where}: warnings"),
            max_job_size=v.integer(row.get("maxjobsize"), f"{where}: maximum job size"))

    def _group_quota(self, row: Row) -> None:
        v, group, printer = self.v, _name(row, "groupname"), _name(row, "printername")
        where = f"quota of group {group} on {printer}"
        self.site.group_quotas[(group, printer)] = GroupQuota(
            group=group, printer=printer, dn="", soft_limit=v.integer(row.get("softlimit"), f"{where}: soft limit"),
            hard_limit=v.integer(row.get("hardlimit"), f"{where}: hard limit"),
            date_limit=v.date(row.get("datelimit"), f"{where}: grace date"),
            max_job_size=v.integer(row.get("maxjobsize"), f"{where}: maximum job size"))

    # -- payments and history --------------------------------------------------------------------
    def _payment(self, row: Row) -> None:
        v, user = self.v, _name(row, "username")
        when = v.date(row.get("date"), f"payment of {user}")
        if when is None:
            raise ValueError(f"payment of {user}: no date")
        amount_text = "" if row.get("amount") is None else repr(row["amount"])
        key = self._key(row, "payment", user, when.isoformat(), amount_text, str(row.get("description")))
        self.site.payments[key] = Payment(
            user=user, amount=v.money(row.get("amount"), f"payment of {user} on {when:%Y-%m-%d %H:%M:%S}"),
            date=when, description=v.text(row.get("description")), name=key)

    def _job(self, row: Row) -> None:
        v, user, printer = self.v, _name(row, "username"), _name(row, "printername")
        job_id = str(row.get("jobid") or "")
        when = v.date(row.get("jobdate"), f"job {job_id} of {user}")
        if when is None:
            raise ValueError(f"job {job_id} of {user} on {printer}: no date")
        where = f"job {job_id} of {user} on {printer} ({when:%Y-%m-%d %H:%M:%S})"
        key = self._key(row, "job", user, printer, job_id, when.isoformat(), str(row.get("md5sum")))
        self.site.jobs[key] = Job(
            job_id=job_id, user=user, printer=printer, date=when, action=str(row.get("action") or ""), dn=None,
            size=v.integer(row.get("jobsize"), f"{where}: size"), price=_price(v, row.get("jobprice"), where),
            title=v.text(row.get("title")), filename=v.text(row.get("filename")),
            copies=v.integer(row.get("copies"), f"{where}: copies"), options=v.text(row.get("options")),
            hostname=v.text(row.get("hostname")), size_bytes=v.integer(row.get("jobsizebytes"), f"{where}: bytes"),
            md5sum=v.text(row.get("md5sum")), billing_code=v.text(row.get("billingcode")),
            precomputed_size=v.integer(row.get("precomputedjobsize"), f"{where}: precomputed size"),
            precomputed_price=_price(v, row.get("precomputedjobprice"), f"{where}: precomputed price"),
            printer_page_counter=v.integer(row.get("pagecounter"), f"{where}: printer counter"))

    def _key(self, row: Row, kind: str, *content: str) -> str:
        """The entry name of a job or payment, the same on every run: PyKota's own identity (the
        SQL row id, the LDAP entry's cn), or, for LDAP payments that have none, a digest of it."""
        if row.get("id") not in (None, ""):
            return f"pykota-{kind}-{row['id']}"
        rdn = _rdn(str(row.get("dn") or ""))
        if rdn and rdn[0].lower() == "cn" and kind == "job":
            return f"pykota-{kind}-{rdn[1]}"
        digest = hashlib.sha256("\0".join((*content, str(row.get("occurrence", "")))).encode()).hexdigest()[:24]
        return f"pykota-{kind}-{digest}"


def _rdn(dn: str) -> tuple[str, str] | None:
    """(attribute, value) of an entry's own name, escapes undone: cn=a\\,1 and cn=a\\,2 stay two."""
    try:
        attribute, value, _ = rdn_value(dn) if dn else ("", "", "")
    except Exception:               # ldap3's DN errors: a name that is not one keeps the digest
        return None
    return (attribute, value) if value else None


def _price(v: Values, raw: object, where: str) -> int | None:
    return None if v.text(raw) is None else v.money(raw, f"{where}: price" if "price" not in where else where)


def _name(row: Row, column: str) -> str:
    value = row.get(column)
    if value is None or str(value).strip() in ("", "None"):
        raise ValueError(f"a {column} row without a name: {dict(row)}")
    return str(value)
