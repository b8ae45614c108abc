"""pkprinters: printers and printer groups, as in PyKota.

\b
    pkprinters -a -D "description" imprimanteCUPS      add (an existing one is modified unless -s)
    pkprinters -g mathens imprimanteCUPS                put it in the printer group mathens
    pkprinters -r -g mathens imprimanteCUPS             take it out again
    pkprinters -c 0.05,0.5 hp*                          price per page, per job (decimals)
    pkprinters -d imprimanteCUPS                        delete (quota entries too; history kept)
    pkprinters -l 'imp*'                                list (the only -l; other commands use -L)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

import click

from ..directory import Directory, changes
from ..directory import printers as store
from ..exam import ExamSession
from ..exam import of_config as exam_sessions
from ..model import Printer
from ..policy import printer_ancestors
from . import cups
from .admin import check_new_name, command, exclusive, names_from, resolve_printers
from .common import fail
from .session import session
from .values import parse_charge, parse_max_job_size, show_max_job_size, show_money


@command("pkprinters", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Add printers (modify existing ones unless -s).")
@click.option("-d", "--delete", is_flag=True, help="Delete printers, their quota entries and group memberships.")
@click.option("-l", "--list", "list_", is_flag=True, help="List printers.")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave existing printers untouched.")
@click.option("-c", "--charge", metavar="PERPAGE[,PERJOB]", help="Prices, in credits (decimals).")
@click.option("-C", "--cups", "route", is_flag=True, help="Route the CUPS queues through cupspykota (undo on delete).")
@click.option("-D", "--description", help="Description.")
@click.option("-g", "--groups", metavar="PG1,PG2", help="Printer groups to add the printers to (remove with -r).")
@click.option("-m", "--maxjobsize", metavar="N|unlimited", help="Largest job in pages; 0 refuses every job.")
@click.option("-p", "--passthrough", is_flag=True, help="Passthrough mode: print and record, never check nor charge.")
@click.option("-n", "--nopassthrough", is_flag=True, help="Leave passthrough mode.")
@click.option("-r", "--remove", is_flag=True, help="Remove the printers from the groups given with -g.")
@click.argument("names", nargs=-1)
def main(add: bool, delete: bool, list_: bool, skipexisting: bool, charge: str | None, route: bool,
         description: str | None, groups: str | None, maxjobsize: str | None, passthrough: bool,
         nopassthrough: bool, remove: bool, names: tuple[str, ...]) -> None:
    exclusive(add=add, delete=delete, list=list_)
    exclusive(passthrough=passthrough, nopassthrough=nopassthrough)
    if remove and not groups:
        raise click.UsageError("--remove needs --groups")
    if (list_ or delete) and any(v is not None for v in (charge, description, groups, maxjobsize)):
        raise click.UsageError("--list and --delete take no other change")
    request = Request(mode="add" if add else "delete" if delete else "list" if list_ else "change",
                      skip_existing=skipexisting, route=route,
                      fields=_fields(charge, description, maxjobsize, passthrough, nopassthrough),
                      names=names_from(names), group_names=names_from([groups]) if groups else [],
                      leave_groups=remove)
    _check_names(request)
    with session() as s:
        if request.mode != "list":
            s.require_admin("changing printers")
        everything = store.all_printers(s.directory)
        if request.mode == "list":
            _list(sorted(resolve_printers(request.names, everything), key=lambda p: p.name.lower()), everything,
                  exam_sessions(s.config))
        else:
            _change(s.directory, request, everything)


@dataclass(frozen=True)
class Request:
    """The options, checked and parsed before the directory is opened."""
    mode: str                       # add, delete, list or change
    skip_existing: bool
    route: bool                     # --cups
    fields: dict[str, Any]          # the printer attributes to set (printers.set_printer_fields)
    names: list[str]
    group_names: list[str]          # -g
    leave_groups: bool              # -r


def _fields(charge: str | None, description: str | None, maxjobsize: str | None, passthrough: bool,
            nopassthrough: bool) -> dict[str, Any]:
    """The printer attributes the options set (for a new printer and for existing ones alike)."""
    fields: dict[str, Any] = {}
    if charge is not None:
        fields["price_per_page"], per_job = parse_charge(charge)
        if per_job is not None:
            fields["price_per_job"] = per_job
    if description is not None:
        fields["description"] = description or None
    size_given, max_size = parse_max_job_size(maxjobsize)
    if size_given:
        fields["max_job_size"] = max_size
    if passthrough or nopassthrough:
        fields["passthrough"] = passthrough
    return fields


def _check_names(request: Request) -> None:
    if request.mode == "add":
        if not request.names:
            raise click.UsageError("--add needs printer names")
        for name in request.names:
            check_new_name(name, "printer")
    if request.mode == "delete" and not request.names:
        raise click.UsageError("--delete needs printer names")


def _change(d: Directory, request: Request, everything: dict[str, Printer]) -> None:
    """Add or change, once every name, group and CUPS queue is known to be there."""
    if request.mode == "delete":
        _delete(d, resolve_printers(request.names, everything), request.route)
        return
    if request.mode == "add":
        existing = {p.name.lower(): p for p in everything.values()}
        targets: list[Printer | str] = [existing.get(n.lower()) or n for n in request.names]
    else:
        targets = list(resolve_printers(request.names, everything))
    groups = resolve_printers(request.group_names, everything, "printer group") if request.group_names else []
    _check_groups(targets, groups, everything, request.leave_groups)
    uris = _queues(targets) if request.route else {}
    for target in targets:
        if isinstance(target, Printer) and request.mode == "add" and request.skip_existing:
            continue
        printer = changes.update_printer(d, target, request.fields, groups, request.leave_groups)
        if request.route and not cups.is_routed(uris[printer.name]):
            cups.set_device_uri(printer.name, cups.routed(uris[printer.name]))


def _delete(d: Directory, printers: list[Printer], route: bool) -> None:
    uris = _queues(printers) if route else {}
    for printer in printers:
        changes.remove_printer(d, printer)
        if route and cups.is_routed(uris[printer.name]):
            cups.set_device_uri(printer.name, cups.unrouted(uris[printer.name]))


def _queues(targets: Sequence[Printer | str]) -> dict[str, str]:
    """--cups: the device URI of each printer's CUPS queue; each must have one."""
    uris = cups.device_uris()
    for target in targets:
        name = target if isinstance(target, str) else target.name
        if name not in uris:
            fail(f"CUPS has no queue called {name!r} (--cups)")
    return uris


def _check_groups(targets: Sequence[Printer | str], parent_groups: list[Printer], everything: dict[str, Printer],
                  remove: bool) -> None:
    """A printer cannot join itself nor a group below it (the chain of groups would loop)."""
    if remove:
        return
    for target in targets:
        name = target if isinstance(target, str) else target.name
        for group in parent_groups:
            if group.name.lower() == name.lower():
                fail(f"printer {name} cannot be a member of itself")
            if name.lower() in (a.lower() for a in printer_ancestors(group.name, everything)):
                fail(f"printer group {name} is above {group.name} already: adding it would make a loop")


def _list(printers: list[Printer], everything: dict[str, Printer], exams: list[ExamSession]) -> None:
    uris = cups.device_uris_or_none()
    now = datetime.now(timezone.utc)
    for printer in printers:
        desc = printer.description or ""
        click.echo(f"{printer.name} [{desc}] ({show_money(printer.price_per_job)} + "
                   f"#*{show_money(printer.price_per_page)})")
        click.echo(f"    Passthrough mode : {'ON' if printer.passthrough else 'OFF'}")
        click.echo(f"    Maximum job size : {show_max_job_size(printer.max_job_size)}")
        if uris is None or printer.name not in uris:
            routed = "unknown" if uris is None else "not a CUPS queue"
        else:
            routed = "YES" if cups.is_routed(uris[printer.name]) else "NO"
        click.echo(f"    Routed through PyKota : {routed}")
        if printer.members:
            click.echo(f"    Members : {', '.join(sorted(printer.members, key=str.lower))}")
        parents = sorted(p.name for p in everything.values()
                         if printer.name.lower() in (m.lower() for m in p.members))
        if parents:
            click.echo(f"    in {', '.join(parents)}")
        for exam in exams:
            if exam.state(now) != "ended" and exam.covers([printer.name, *printer_ancestors(printer.name, everything)]):
                click.echo(f"    Exam session {exam.name} : {exam.start:%Y-%m-%d %H:%M:%S %z} to "
                           f"{exam.end:%Y-%m-%d %H:%M:%S %z} ({exam.state(now)})")


if __name__ == "__main__":
    main()
