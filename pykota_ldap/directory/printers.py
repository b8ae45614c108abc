"""Printers and printer groups: `cn=<queue>,printerbase` entries of class pkPrinter.

A printer group is a pkPrinter entry whose `member` values are the DNs of its member printers.
Listings read all printers with one search; a job reads only its printer and the groups above
it (printer_and_groups), whose order policy.printer_ancestors computes.
"""
from __future__ import annotations

from ..model import Printer
from . import escaping as esc
from .core import Directory, values, written
from .errors import AlreadyExists
from .records import PRINTER_ATTRS, printer_from


def printer_dn(d: Directory, name: str) -> str:
    return d.dn("cn", name, d.settings.printerbase)


def _name_of(dn: str) -> str:
    return esc.rdn_value(dn)[1]


def all_printers(d: Directory) -> dict[str, Printer]:
    """Every printer and printer group by name; one search."""
    found = d.search(d.settings.printerbase, "(objectClass=pkPrinter)", PRINTER_ATTRS)
    return {p.name: p for p in (printer_from(dn, e, [_name_of(m) for m in values(e, "member")]) for dn, e in found)}


MAX_GROUP_DEPTH = 16       # printer groups nested deeper than this are a loop or a mistake


def printer_and_groups(d: Directory, name: str) -> dict[str, Printer]:
    """The printer and the printer groups above it, by name: one indexed search for the printer
    and its own groups (`member` holds its DN), then one per further level of groups (none for
    most sites). What a job reads stays the same whatever the number of printer groups."""
    found: dict[str, Printer] = {}
    terms = esc.all_of("(objectClass=pkPrinter)", f"(|{esc.eq('cn', name)}{esc.eq('member', printer_dn(d, name))})")
    for _ in range(MAX_GROUP_DEPTH):
        new = [p for p in (printer_from(dn, e, [_name_of(m) for m in values(e, "member")])
                           for dn, e in d.search(d.settings.printerbase, terms, PRINTER_ATTRS))
               if p.name.lower() not in {n.lower() for n in found}]
        groups = [p for p in new if p.name.lower() != name.lower()]
        found.update((p.name, p) for p in new)
        if not groups:
            break
        terms = esc.all_of("(objectClass=pkPrinter)", esc.any_of("member", [p.dn for p in groups]))
    return found


def get_printer(d: Directory, name: str) -> Printer | None:
    entry = d.read(printer_dn(d, name), PRINTER_ATTRS)
    if entry is None:
        return None
    return printer_from(printer_dn(d, name), entry, [_name_of(m) for m in values(entry, "member")])


def find_printers(d: Directory, patterns: list[str] | None = None) -> list[Printer]:
    printers = all_printers(d).values()
    if not patterns:
        return sorted(printers, key=lambda p: p.name)
    return sorted((p for p in printers if any(esc.matches(p.name, pat) for pat in patterns)), key=lambda p: p.name)


def add_printer(d: Directory, name: str, description: str | None = None, price_per_page: int = 0,
                price_per_job: int = 0, max_job_size: int | None = None, passthrough: bool = False) -> Printer:
    dn = printer_dn(d, name)
    attrs = {"cn": name, "description": description or None, "pkPricePerPage": price_per_page,
             "pkPricePerJob": price_per_job, "pkMaxJobSize": max_job_size,
             "pkPassThrough": "TRUE" if passthrough else "FALSE"}
    try:
        d.add(dn, ["pkPrinter"], attrs)
    except AlreadyExists:
        raise AlreadyExists(f"printer {name} exists already") from None
    return written(get_printer(d, name), f"printer {name}")


def set_printer_fields(d: Directory, printer: Printer, **fields: object) -> None:
    mapping = {"description": "description", "price_per_page": "pkPricePerPage", "price_per_job": "pkPricePerJob",
               "max_job_size": "pkMaxJobSize", "passthrough": "pkPassThrough"}
    changes: dict[str, object] = {}
    for key, value in fields.items():
        if key == "passthrough":
            value = "TRUE" if value else "FALSE"
        changes[mapping[key]] = value
    d.replace(printer.dn, changes)


def add_to_group(d: Directory, group: Printer, member: Printer) -> bool:
    if member.name.lower() in (m.lower() for m in group.members):
        return False
    d.add_values(group.dn, "member", [member.dn])
    return True


def remove_from_group(d: Directory, group: Printer, member: Printer) -> bool:
    if member.name.lower() not in (m.lower() for m in group.members):
        return False
    d.delete_values(group.dn, "member", [member.dn])
    return True


def delete_printer(d: Directory, printer: Printer) -> None:
    """The printer entry and its membership in printer groups; quota entries are the caller's."""
    for group in all_printers(d).values():
        if printer.name.lower() in (m.lower() for m in group.members):
            d.delete_values(group.dn, "member", [printer.dn])
    d.delete(printer.dn)
