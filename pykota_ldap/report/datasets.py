"""dumpykota's datasets: for each, its columns, the filters that apply, and a row stream.

Columns follow PyKota's LDAP dumps so that scripts reading them by
header keep working; `pages` (never filled by PyKota) is left out, upquotas gain `warncount`.
Rows are dicts; money is an Amount (thousandths shown as decimals), dates are aware datetimes.
Every stream comes from paged searches, filtered on the server and then matched exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from ..directory import Directory, accounts, history, quotas
from ..directory import escaping as esc
from ..directory import printers as printer_store
from .formats import Amount
from .rule_quotas import user_quota_rows

if TYPE_CHECKING:
    from ..config import Config

ORDER = ("printers", "pmembers", "users", "groups", "billingcodes", "umembers", "upquotas", "gpquotas",
         "payments", "history")
FILTER_KEYS = ("username", "groupname", "printername", "pgroupname", "hostname", "jobid", "billingcode",
               "start", "end")


@dataclass(frozen=True)
class Dataset:
    name: str
    fields: tuple[str, ...]
    filters: tuple[str, ...]
    rows: Callable[[Directory, dict], Iterator[dict]]
    sums: tuple[str, ...] = ()          # --sum: columns totalled
    sum_keys: tuple[str, ...] = ()      # --sum: grouped by those of these that are filtered on


def _ok(row: dict, filters: dict, mapping: dict[str, str]) -> bool:
    """Exact shell-pattern match of the name filters (the server filter may be looser)."""
    return all(esc.matches(str(row.get(column) or ""), filters[key])
               for key, column in mapping.items() if key in filters)


def _money(value) -> Amount | None:
    return None if value is None else Amount(value)


def _history(d, f):
    criteria = dict(user=f.get("username"), printer=f.get("printername"), hostname=f.get("hostname"),
                    billing_code=f.get("billingcode"), job_id=f.get("jobid"))
    if f.get("start") or f.get("end"):      # a date window: time slices, oldest first (see jobs_between)
        jobs = history.jobs_between(d, f.get("start"), f.get("end"), **criteria)
    else:                                   # everything: one paged search, streamed
        jobs = history.find_jobs(d, **criteria)
    for job in jobs:
        row = history_row(job)
        if history_matches(f, job.user, job.printer, job.hostname, job.billing_code, job.job_id):
            yield row


def history_row(job) -> dict:
    """A job as a row of the history dataset (also report.history_csv's for lines it cannot write itself)."""
    return {"username": job.user, "printername": job.printer, "dn": job.dn, "jobid": job.job_id,
            "pagecounter": job.printer_page_counter, "jobsize": job.size, "action": job.action,
            "jobdate": job.date, "filename": job.filename, "title": job.title, "copies": job.copies,
            "options": job.options, "jobprice": _money(job.price), "hostname": job.hostname,
            "jobsizebytes": job.size_bytes, "md5sum": job.md5sum, "billingcode": job.billing_code,
            "precomputedjobsize": job.precomputed_size, "precomputedjobprice": _money(job.precomputed_price)}


def history_matches(f: dict, user: str, printer: str, hostname: str | None, billing_code: str | None,
                    job_id: str) -> bool:
    """The exact shell-pattern match of the history's name filters (the server's may be looser)."""
    return _ok({"username": user, "printername": printer, "hostname": hostname, "billingcode": billing_code,
                "jobid": job_id}, f, _HISTORY_NAMES)


_HISTORY_NAMES = {"username": "username", "printername": "printername", "hostname": "hostname",
                  "billingcode": "billingcode", "jobid": "jobid"}


def _users(d, f):
    patterns = [f["username"]] if "username" in f else None
    for user in accounts.find_users(d, patterns):
        yield {"dn": user.dn, "username": user.name, "balance": Amount(user.balance),
               "lifetimepaid": Amount(user.lifetime_paid), "limitby": user.limit_by, "email": user.email,
               "description": user.description, "overcharge": Amount(user.overcharge)}


def _groups(d, f):
    patterns = [f["groupname"]] if "groupname" in f else None
    totals = accounts.account_totals(d)
    for group in accounts.find_groups(d, patterns):
        money = [totals.get(m.lower(), (0, 0)) for m in group.members]
        yield {"dn": group.dn, "groupname": group.name, "limitby": group.limit_by,
               "balance": Amount(sum(b for b, _ in money)), "lifetimepaid": Amount(sum(p for _, p in money)),
               "description": group.description}


def _printers(d, f):
    patterns = [f["printername"]] if "printername" in f else None
    for printer in printer_store.find_printers(d, patterns):
        yield {"dn": printer.dn, "printername": printer.name, "priceperpage": Amount(printer.price_per_page),
               "priceperjob": Amount(printer.price_per_job), "description": printer.description,
               "maxjobsize": printer.max_job_size, "passthrough": printer.passthrough}


def _upquotas(d, f, config: Config | None = None):
    users = [f["username"]] if "username" in f else None
    printers = [f["printername"]] if "printername" in f else None
    for q in user_quota_rows(d, config, users, printers):
        yield {"username": q.user, "printername": q.printer, "dn": q.dn, "userdn": accounts.user_dn_for(d, q.user),
               "printerdn": printer_store.printer_dn(d, q.printer), "lifepagecounter": q.life_page_counter,
               "pagecounter": q.page_counter, "softlimit": q.soft_limit, "hardlimit": q.hard_limit,
               "datelimit": q.date_limit, "maxjobsize": q.max_job_size, "warncount": q.warn_count}


def _gpquotas(d, f):
    groups = [f["groupname"]] if "groupname" in f else None
    printers = [f["printername"]] if "printername" in f else None
    entries = list(quotas.find_group_quotas(d, groups, printers))
    if not entries:
        return
    members = {g.name.lower(): g for g in accounts.find_groups(d, sorted({q.group for q in entries}))}
    usage = quotas.page_usage_by_printer(d, sorted({q.printer for q in entries}))
    for q in entries:
        group = members.get(q.group.lower())
        pairs = ([(q.page_counter, q.life_page_counter)] if q.counted else
                 [usage.get((m.lower(), q.printer.lower()), (0, 0)) for m in (group.members if group else [])])
        yield {"groupname": q.group, "printername": q.printer, "dn": q.dn,
               "groupdn": group.dn if group else None, "printerdn": printer_store.printer_dn(d, q.printer),
               "lifepagecounter": sum(lp for _, lp in pairs), "pagecounter": sum(p for p, _ in pairs),
               "softlimit": q.soft_limit, "hardlimit": q.hard_limit, "datelimit": q.date_limit}


def _payments(d, f):
    start, end = f.get("start"), f.get("end")
    for p in history.find_payments(d, f.get("username")):     # dates compared here: see jobs_between
        row = {"username": p.user, "amount": Amount(p.amount), "date": p.date, "description": p.description}
        in_window = (start is None or p.date >= start) and (end is None or p.date <= end)
        if in_window and _ok(row, f, {"username": "username"}):
            yield row


def _pmembers(d, f):
    everything = printer_store.all_printers(d)
    for group in sorted(everything.values(), key=lambda p: p.name.lower()):
        for member in sorted(group.members, key=str.lower):
            row = {"pgroupname": group.name, "printername": member, "pgroupdn": group.dn,
                   "printerdn": printer_store.printer_dn(d, member)}
            if _ok(row, f, {"pgroupname": "pgroupname", "printername": "printername"}):
                yield row


def _umembers(d, f):
    patterns = [f["groupname"]] if "groupname" in f else None
    for group in accounts.find_groups(d, patterns):
        for member in group.members:
            row = {"groupname": group.name, "username": member, "groupdn": group.dn,
                   "userdn": accounts.user_dn_for(d, member)}
            if _ok(row, f, {"username": "username"}):
                yield row


def _billingcodes(d, f):
    patterns = [f["billingcode"]] if "billingcode" in f else None
    for code in history.find_billing_codes(d, patterns):
        yield {"dn": code.dn, "billingcode": code.code, "balance": Amount(code.balance),
               "pagecounter": code.page_counter, "description": code.description}


DATASETS = {ds.name: ds for ds in (
    Dataset("history", ("username", "printername", "dn", "jobid", "pagecounter", "jobsize", "action", "jobdate",
                        "filename", "title", "copies", "options", "jobprice", "hostname", "jobsizebytes", "md5sum",
                        "billingcode", "precomputedjobsize", "precomputedjobprice"),
            ("username", "printername", "hostname", "jobid", "billingcode", "start", "end"), _history,
            sums=("jobsize", "jobprice", "jobsizebytes", "precomputedjobsize", "precomputedjobprice"),
            sum_keys=("username", "printername", "hostname", "billingcode")),
    Dataset("users", ("dn", "username", "balance", "lifetimepaid", "limitby", "email", "description", "overcharge"),
            ("username",), _users),
    Dataset("groups", ("dn", "groupname", "limitby", "balance", "lifetimepaid", "description"), ("groupname",),
            _groups),
    Dataset("printers", ("dn", "printername", "priceperpage", "priceperjob", "description", "maxjobsize",
                         "passthrough"), ("printername",), _printers),
    Dataset("upquotas", ("username", "printername", "dn", "userdn", "printerdn", "lifepagecounter", "pagecounter",
                         "softlimit", "hardlimit", "datelimit", "maxjobsize", "warncount"),
            ("username", "printername"), _upquotas),
    Dataset("gpquotas", ("groupname", "printername", "dn", "groupdn", "printerdn", "lifepagecounter", "pagecounter",
                         "softlimit", "hardlimit", "datelimit"), ("groupname", "printername"), _gpquotas),
    Dataset("payments", ("username", "amount", "date", "description"), ("username", "start", "end"), _payments,
            sums=("amount",), sum_keys=("username",)),
    Dataset("pmembers", ("pgroupname", "printername", "pgroupdn", "printerdn"), ("pgroupname", "printername"),
            _pmembers),
    Dataset("umembers", ("groupname", "username", "groupdn", "userdn"), ("groupname", "username"), _umembers),
    Dataset("billingcodes", ("dn", "billingcode", "balance", "pagecounter", "description"), ("billingcode",),
            _billingcodes),
)}


def rows_of(dataset: Dataset, d: Directory, filters: dict, config: Config | None = None) -> Iterator[dict]:
    """A dataset's rows; upquotas with the rows of the entries the [sync] rules give that no job
    has written yet (rule_quotas), read from the configuration."""
    if dataset.name == "upquotas":
        return _upquotas(d, filters, config)
    return dataset.rows(d, filters)


def summed(dataset: Dataset, rows: Iterator[dict], filters: dict) -> Iterator[dict]:
    """--sum: totals of the summable columns, per value of the filtered keys (PyKota's rule;
    payments always per user); other columns show '*'."""
    keys = [k for k in dataset.sum_keys if k in filters] if dataset.name == "history" else list(dataset.sum_keys)
    totals: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        acc = totals.setdefault(key, {c: 0 for c in dataset.sums})
        for column in dataset.sums:
            acc[column] += row.get(column) or 0
    for key in sorted(totals, key=lambda k: tuple(str(v).lower() for v in k)):
        row = {field: "*" for field in dataset.fields}
        row.update(dict(zip(keys, key, strict=True)))
        row.update({c: Amount(v) if c in ("jobprice", "precomputedjobprice", "amount") else v
                    for c, v in totals[key].items()})
        yield row
