"""Field by field: what the directory shows for an object, against what the PyKota site said.

The fields are those repykota and dumpykota show; money is printed as decimals."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import money

FIELDS: dict[str, tuple[str, ...]] = {
    "Printer": ("description", "price_per_page", "price_per_job", "max_job_size", "passthrough", "members"),
    "User": ("managed", "limit_by", "balance", "lifetime_paid", "overcharge", "description", "email"),
    "Group": ("managed", "limit_by", "description"),
    "UserQuota": ("soft_limit", "hard_limit", "date_limit", "page_counter", "life_page_counter", "warn_count",
                  "max_job_size"),
    "GroupQuota": ("soft_limit", "hard_limit", "date_limit", "max_job_size"),
    "BillingCode": ("description", "page_counter", "balance"),
    "Payment": ("user", "amount", "date", "description"),
    "Job": ("job_id", "user", "printer", "date", "action", "size", "price", "title", "filename", "copies", "options",
            "hostname", "size_bytes", "md5sum", "billing_code", "precomputed_size", "precomputed_price",
            "printer_page_counter"),
}
MONEY = {"price_per_page", "price_per_job", "balance", "lifetime_paid", "overcharge", "amount", "price",
         "precomputed_price"}


def differences(what: str, source: Any, found: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """'user jerome: balance is 9.50 in the directory, 10.00 in PyKota', one per field that differs."""
    out = []
    for name in FIELDS[type(source).__name__]:
        if name in skip:
            continue
        mine, theirs = _norm(name, getattr(source, name)), _norm(name, getattr(found, name))
        if mine != theirs:
            out.append(f"{what}: {name.replace('_', ' ')} is {_show(name, theirs)} in the directory, "
                       f"{_show(name, mine)} in PyKota")
    return out


def _norm(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v).lower() for v in value)
    if isinstance(value, datetime):
        return value.replace(microsecond=0).timestamp()     # the directory keeps whole seconds
    if value == "" and name not in MONEY:
        return None
    return value


def _show(name: str, value: Any) -> str:
    if value is None:
        return "unset"
    if name in MONEY and isinstance(value, int):
        return money.format(value)
    if isinstance(value, float) and name in ("date", "date_limit"):
        return datetime.fromtimestamp(value).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    if isinstance(value, list):
        return ",".join(value) or "none"
    return repr(value) if isinstance(value, str) else str(value)
