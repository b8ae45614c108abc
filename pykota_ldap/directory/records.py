"""Conversion between directory entries and model objects (no LDAP calls here)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import NoReturn

from ..model import BillingCode, GroupQuota, Job, Payment, Printer, User, UserQuota
from .core import Attributes, first, first_int
from .errors import DirectoryError

USER_ATTRS = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "description",
              "preferredLanguage"]
PRINTER_ATTRS = ["cn", "description", "pkPricePerPage", "pkPricePerJob", "pkMaxJobSize", "pkPassThrough",
                 "member", "pkPrinterPageCounter"]
USER_QUOTA_ATTRS = ["pkUserName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkPageCounter",
                    "pkLifePageCounter", "pkWarnCount", "pkMaxJobSize"]
GROUP_QUOTA_ATTRS = ["pkGroupName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkMaxJobSize",
                     "pkPageCounter", "pkLifePageCounter"]
JOB_ATTRS = ["pkJobId", "pkJobDate", "pkUserName", "pkPrinterName", "pkAction", "pkJobSize", "pkJobPrice", "pkTitle",
             "pkFileName", "pkCopies", "pkOptions", "pkHostName", "pkJobSizeBytes", "pkMD5Sum", "pkBillingCode",
             "pkPrecomputedJobSize", "pkPrecomputedJobPrice", "pkPrinterPageCounter"]
PAYMENT_ATTRS = ["cn", "pkUserName", "pkAmount", "pkPaymentDate", "description"]
BILLING_ATTRS = ["cn", "description", "pkPageCounter", "pkBalance"]


def to_time(value: datetime) -> str:
    """GeneralizedTime in UTC: 20261124163000Z."""
    return value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ")


def parse_time(text: str) -> datetime:
    """A GeneralizedTime (20261124163000Z; fractions, missing seconds allowed) as an aware UTC datetime."""
    digits = text.rstrip("Z").split(".")[0][:14].ljust(14, "0")
    if not digits.isdigit():
        raise ValueError(f"not a GeneralizedTime: {text!r}")
    return datetime(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                    int(digits[12:14]), tzinfo=timezone.utc)


def from_time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _required(dn: str, entry: Attributes, attr: str) -> str:
    """A MUST attribute of the schema: an entry that can be read has it."""
    value = first(entry, attr)
    if value is None:
        raise DirectoryError(f"{dn} has no {attr}")
    return value


def _required_time(dn: str, entry: Attributes, attr: str) -> datetime:
    return parse_time(_required(dn, entry, attr))


def _bool(entry: Attributes, attr: str) -> bool:
    value = first(entry, attr)
    return value.upper() == "TRUE" if value is not None else False


def _int(found: list[str] | None) -> int | None:
    """first_int on a value list already looked up (the hot constructors below get each attribute
    once, by its lower-case name: 100,000 entries in a report)."""
    return int(found[0]) if found and found[0] != "" else None


def _count(found: list[str] | None, default: int = 0) -> int:
    return int(found[0]) if found and found[0] != "" else default


def _missing(dn: str, attr: str) -> NoReturn:
    raise DirectoryError(f"{dn} has no {attr}")


def _text(found: list[str] | None, default: str | None = None) -> str | None:
    return found[0] if found else default


def account_from(dn: str, name: str, entry: Attributes) -> User:
    """What pkAccount holds on a user entry, and its entryUUID: all pksync reads of every user
    (what was not read keeps the model's default)."""
    get = entry.get
    classes = get("objectclass") or ()
    limit_by = get("pklimitby")
    return User(name, dn, managed=any(c.lower() == "pkaccount" for c in classes),
                limit_by=((limit_by[0] if limit_by else None) or "quota").lower(), balance=_count(get("pkbalance")),
                lifetime_paid=_count(get("pklifetimepaid")), uuid=_text(get("entryuuid")) or "")


def user_from(dn: str, name: str, entry: Attributes, mail_attr: str = "mail") -> User:
    user = account_from(dn, name, entry)
    get = entry.get
    user.overcharge = _count(get("pkovercharge"), 1000)
    user.description, user.email = _text(get("description")), _text(get(mail_attr.lower()))
    user.language = _text(get("preferredlanguage"))     # inetOrgPerson's (RFC 2798): the mails' language
    return user


def printer_from(dn: str, entry: Attributes, member_names: list[str]) -> Printer:
    return Printer(name=_required(dn, entry, "cn"), dn=dn, description=first(entry, "description"),
                   price_per_page=first_int(entry, "pkPricePerPage", 0),
                   price_per_job=first_int(entry, "pkPricePerJob", 0), max_job_size=first_int(entry, "pkMaxJobSize"),
                   passthrough=_bool(entry, "pkPassThrough"), members=member_names,
                   page_counter=first_int(entry, "pkPrinterPageCounter"))


def quota_limits_from(dn: str, entry: Attributes) -> UserQuota:
    """A user quota entry read for its limits only (pksync, over every entry): the counters stay at 0."""
    return UserQuota(first(entry, "pkUserName", ""), first(entry, "pkPrinterName", ""), dn,
                     first_int(entry, "pkSoftLimit"), first_int(entry, "pkHardLimit"))


def user_quota_from(dn: str, entry: Attributes) -> UserQuota:
    get = entry.get
    user, printer, date = get("pkusername"), get("pkprintername"), get("pkdatelimit")
    if not user or not printer:
        _missing(dn, "pkUserName" if not user else "pkPrinterName")
    return UserQuota(user[0], printer[0], dn, _int(get("pksoftlimit")), _int(get("pkhardlimit")),
                     parse_time(date[0]) if date and date[0] else None, _count(get("pkpagecounter")),
                     _count(get("pklifepagecounter")), _count(get("pkwarncount")), _int(get("pkmaxjobsize")))


def group_quota_from(dn: str, entry: Attributes) -> GroupQuota:
    get = entry.get
    group, printer, date, counter = get("pkgroupname"), get("pkprintername"), get("pkdatelimit"), get("pkpagecounter")
    if not group or not printer:
        _missing(dn, "pkGroupName" if not group else "pkPrinterName")
    return GroupQuota(group[0], printer[0], dn, _int(get("pksoftlimit")), _int(get("pkhardlimit")),
                      parse_time(date[0]) if date and date[0] else None, _int(get("pkmaxjobsize")),
                      _count(counter), _count(get("pklifepagecounter")), counted=bool(counter))


def job_from(dn: str, entry: Attributes) -> Job:
    return Job(job_id=_required(dn, entry, "pkJobId"), user=_required(dn, entry, "pkUserName"),
               printer=_required(dn, entry, "pkPrinterName"), date=_required_time(dn, entry, "pkJobDate"),
               action=first(entry, "pkAction", ""), dn=dn,
               size=first_int(entry, "pkJobSize"), price=first_int(entry, "pkJobPrice"), title=first(entry, "pkTitle"),
               filename=first(entry, "pkFileName"), copies=first_int(entry, "pkCopies"),
               options=first(entry, "pkOptions"), hostname=first(entry, "pkHostName"),
               size_bytes=first_int(entry, "pkJobSizeBytes"), md5sum=first(entry, "pkMD5Sum"),
               billing_code=first(entry, "pkBillingCode"), precomputed_size=first_int(entry, "pkPrecomputedJobSize"),
               precomputed_price=first_int(entry, "pkPrecomputedJobPrice"),
               printer_page_counter=first_int(entry, "pkPrinterPageCounter"))


def job_attributes(job: Job) -> dict[str, object]:
    """Attributes of a new pkJob entry (unset values left out, not stored as 'None')."""
    return {"pkJobId": job.job_id, "pkJobDate": to_time(job.date), "pkUserName": job.user,
            "pkPrinterName": job.printer, "pkAction": job.action, "pkJobSize": job.size, "pkJobPrice": job.price,
            "pkTitle": job.title or None, "pkFileName": job.filename or None, "pkCopies": job.copies,
            "pkOptions": job.options or None, "pkHostName": job.hostname or None, "pkJobSizeBytes": job.size_bytes,
            "pkMD5Sum": job.md5sum, "pkBillingCode": job.billing_code or None,
            "pkPrecomputedJobSize": job.precomputed_size, "pkPrecomputedJobPrice": job.precomputed_price,
            "pkPrinterPageCounter": job.printer_page_counter}


def payment_from(dn: str, entry: Attributes) -> Payment:
    return Payment(user=_required(dn, entry, "pkUserName"), amount=first_int(entry, "pkAmount", 0),
                   date=_required_time(dn, entry, "pkPaymentDate"), description=first(entry, "description"), dn=dn,
                   name=_required(dn, entry, "cn"))


def billing_code_from(dn: str, entry: Attributes) -> BillingCode:
    return BillingCode(code=_required(dn, entry, "cn"), dn=dn, description=first(entry, "description"),
                       page_counter=first_int(entry, "pkPageCounter", 0), balance=first_int(entry, "pkBalance", 0))
