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

import click

from ..directory import printers as store
from ..directory import quotas
from ..policy import printer_ancestors
from . import cups
from .admin import check_new_name, command, exclusive, names_from, resolve_printers, session
from .common import fail, handle_errors
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
@handle_errors("pkprinters")
def main(add, delete, list_, skipexisting, charge, route, description, groups, maxjobsize, passthrough,
         nopassthrough, remove, names):
    exclusive(add=add, delete=delete, list=list_)
    exclusive(passthrough=passthrough, nopassthrough=nopassthrough)
    if remove and not groups:
        raise click.UsageError("--remove needs --groups")
    if (list_ or delete) and any(v is not None for v in (charge, description, groups, maxjobsize)):
        raise click.UsageError("--list and --delete take no other change")
    prices = parse_charge(charge) if charge is not None else None
    size_given, max_size = parse_max_job_size(maxjobsize)
    patterns = names_from(names)
    group_patterns = names_from([groups]) if groups else []
    if add:
        if not patterns:
            raise click.UsageError("--add needs printer names")
        for name in patterns:
            check_new_name(name, "printer")
    if delete and not patterns:
        raise click.UsageError("--delete needs printer names")

    with session() as s:
        if not list_:
            s.require_admin("changing printers")
        everything = store.all_printers(s.directory)
        if list_:
            _list(sorted(resolve_printers(patterns, everything), key=lambda p: p.name.lower()), everything)
            return
        existing = {p.name.lower(): p for p in everything.values()}
        if add:
            targets = [existing.get(n.lower()) or n for n in patterns]
        else:
            targets = resolve_printers(patterns, everything)
        parent_groups = resolve_printers(group_patterns, everything, "printer group") if group_patterns else []
        _check_groups(targets, parent_groups, everything, remove)
        uris = cups.device_uris() if route else {}
        if route:
            for target in targets:
                name = target if isinstance(target, str) else target.name
                if name not in uris:
                    fail(f"CUPS has no queue called {name!r} (--cups)")

        fields = _fields(prices, description, size_given, max_size, passthrough, nopassthrough)
        d = s.directory
        for target in targets:
            name = target if isinstance(target, str) else target.name
            if delete:
                _delete(d, target)
                if route and cups.is_routed(uris[name]):
                    cups.set_device_uri(name, cups.unrouted(uris[name]))
                continue
            if isinstance(target, str):
                printer = store.add_printer(d, target, **{"price_per_page": 0, "price_per_job": 0, **fields})
            elif add and skipexisting:
                continue
            else:
                printer = target
                if fields:
                    store.set_printer_fields(d, printer, **fields)
            for group in parent_groups:
                fresh = store.get_printer(d, group.name)        # its members as they are now
                (store.remove_from_group if remove else store.add_to_group)(d, fresh, printer)
            if route and not cups.is_routed(uris[name]):
                cups.set_device_uri(name, cups.routed(uris[name]))


def _fields(prices, description, size_given, max_size, passthrough, nopassthrough) -> dict:
    """The printer attributes the options set (for a new printer and for existing ones alike)."""
    fields = {}
    if prices:
        fields["price_per_page"] = prices[0]
        if prices[1] is not None:
            fields["price_per_job"] = prices[1]
    if description is not None:
        fields["description"] = description or None
    if size_given:
        fields["max_job_size"] = max_size
    if passthrough or nopassthrough:
        fields["passthrough"] = passthrough
    return fields


def _delete(d, printer) -> None:
    """The printer, its quota entries and its memberships; the history keeps its jobs."""
    quotas.delete_user_quotas_of(d, printer=printer.name)
    quotas.delete_group_quotas_of(d, printer=printer.name)
    store.delete_printer(d, printer)


def _check_groups(targets, parent_groups, everything, remove) -> None:
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


def _list(printers, everything) -> None:
    uris = cups.device_uris_or_none()
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


if __name__ == "__main__":
    main()
