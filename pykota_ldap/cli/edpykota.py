"""edpykota: print quota entries (user x printer, or users group x printer with -g), as in PyKota.

\b
    edpykota -a -P impCUPS,hp4999 jerome        entries for jerome on two printers
    edpykota -a -S 200 -H 220 -P h4,imp jerome  ... with soft and hard page limits
    edpykota -a -S 120 -H 200 toto              ... on every printer and printer group
    edpykota -a -S 800 -H 1000 -g devs admins   group quotas
    edpykota -r -P h4,imp jerome                page counter back to 0 (lifetime counter kept)
    edpykota -d -P impA jerome                  delete that entry only (the history stays)
    edpykota -a -s                              entries for everybody missing one, nothing else
    edpykota -L -P hp4                          list
"""
from __future__ import annotations

import click

from ..directory import quotas
from ..directory import printers as printer_store
from ..model import GroupQuota, UserQuota
from .admin import Session, command, exclusive, names_from, own_names, resolve_accounts, resolve_printers, session
from .common import Progress, fail, handle_errors, parse_count
from .values import parse_limit, parse_max_job_size, show_limit, show_max_job_size


@command("edpykota", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Create the entries (existing ones are modified unless -s).")
@click.option("-d", "--delete", is_flag=True, help="Delete the entries (the history stays).")
@click.option("-L", "--list", "list_", is_flag=True, help="List the entries.")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave existing entries untouched.")
@click.option("-S", "--softlimit", metavar="N", help="Soft page limit.")
@click.option("-H", "--hardlimit", metavar="N", help="Hard page limit.")
@click.option("-n", "--noquota", is_flag=True, help="No page limits: accounting only.")
@click.option("-I", "--increase", "increase", metavar="[+-]N", help="Add N to both limits.")
@click.option("-r", "--reset", is_flag=True, help="Page counter back to 0; the lifetime counter is kept.")
@click.option("-R", "--hardreset", is_flag=True, help="Both counters back to 0 (same as --used 0).")
@click.option("-U", "--used", metavar="[+-]N", help="Set both counters to N, or change them by +N / -N.")
@click.option("-m", "--maxjobsize", metavar="N|unlimited", help="Largest job in pages for this user; 0 refuses all.")
@click.option("-g", "--groups", is_flag=True, help="Work on users group quotas.")
@click.option("-P", "--printer", "printers", metavar="P1,P2", help="Printers or printer groups (patterns); default all.")
@click.argument("names", nargs=-1)
@handle_errors("edpykota")
def main(add, delete, list_, skipexisting, softlimit, hardlimit, noquota, increase, reset, hardreset, used,
         maxjobsize, groups, printers, names):
    exclusive(add=add, delete=delete, list=list_)
    modifiers = dict(softlimit=softlimit, hardlimit=hardlimit, noquota=noquota or None, increase=increase,
                     reset=reset or None, hardreset=hardreset or None, used=used, maxjobsize=maxjobsize)
    given = [k for k, v in modifiers.items() if v is not None]
    if (list_ or delete) and given:
        raise click.UsageError(f"--{'list' if list_ else 'delete'} cannot be combined with --{given[0]}")
    if groups:
        for option in ("increase", "reset", "hardreset", "used", "maxjobsize"):
            if modifiers[option] is not None:
                raise click.UsageError(f"--{option} applies to user quotas, not to group quotas (-g)")
    if noquota and (softlimit is not None or hardlimit is not None or increase is not None):
        raise click.UsageError("--noquota cannot be combined with --softlimit, --hardlimit or --increase")
    if delete and not names:
        raise click.UsageError("--delete needs names")
    soft = parse_limit(softlimit, "--softlimit")
    hard = parse_limit(hardlimit, "--hardlimit")
    if soft is not None and hard is None:      # PyKota: one limit given sets both
        hard = soft
    elif hard is not None and soft is None:
        soft = hard
    if soft is not None and hard < soft:
        fail(f"the hard limit ({hard}) is below the soft limit ({soft})")
    change = parse_count(increase, "--increase")[0] if increase is not None else None
    usage = parse_count(used, "--used") if used is not None else None
    size_given, max_size = parse_max_job_size(maxjobsize)
    patterns = names_from(names)
    printer_patterns = names_from([printers]) if printers else []

    with session() as s:
        if not list_:
            s.require_admin("changing quota entries")
        elif not s.is_admin:
            patterns = own_names(s, groups)
        d = s.directory
        chosen = resolve_printers(printer_patterns, printer_store.all_printers(d))
        owners = resolve_accounts(s, patterns, groups)
        if list_:
            _list(s, owners, chosen, groups)
            return
        entries = _existing(s, owners, chosen, groups, patterns)
        if add:
            todo = []
            for owner in owners:
                for printer in chosen:
                    entry = entries.get((owner.name.lower(), printer.name.lower()))
                    if entry is None:
                        todo.append((owner.name, printer.name))
            targets = [] if skipexisting else list(entries.values())
        else:
            todo, targets = [], list(entries.values())
            if not targets and delete:      # already gone: what was asked holds, say so and succeed
                click.echo("edpykota: no such quota entry, nothing deleted", err=True)
            elif not targets and (patterns or printer_patterns):
                fail("no quota entry matches (create them with edpykota -a)")
        _check_changes(targets, change, usage, soft, hard, noquota, reset or hardreset)

        create = quotas.add_group_quota if groups else quotas.add_user_quota
        extra = {} if groups else {"max_job_size": max_size}
        with Progress("entries", len(todo) + len(targets)) as progress:
            for owner, printer in todo:
                create(d, owner, printer, soft=None if noquota else soft, hard=None if noquota else hard, **extra)
                progress.step()
            for entry in targets:
                if delete:
                    quotas.delete_quota(d, entry.dn)
                else:
                    _modify(d, entry, soft, hard, noquota, change, reset, hardreset, usage, size_given, max_size)
                progress.step()


def _existing(s: Session, owners, printers, groups: bool, patterns) -> dict:
    """(owner, printer) lower-cased -> the entry, for the selected owners and printers."""
    d = s.directory
    names = {o.name.lower() for o in owners}
    printer_names = [p.name for p in printers]
    find = quotas.find_group_quotas if groups else quotas.find_user_quotas
    found = {}
    for entry in find(d, patterns or None, printer_names):
        owner = entry.group if groups else entry.user
        if owner.lower() in names:
            found[(owner.lower(), entry.printer.lower())] = entry
    return found


def _check_changes(targets, change, usage, soft, hard, noquota, reset) -> None:
    """Refuse before writing anything a change that would make a limit or a counter negative,
    judged on the values the earlier steps leave (-S/-H/-n before -I, -r/-R before -U)."""
    for entry in targets:
        if change is not None and change < 0:
            if noquota:
                new_soft = new_hard = 0
            elif soft is not None:
                new_soft, new_hard = soft, hard if hard is not None else soft
            else:
                new_soft, new_hard = entry.soft_limit or 0, entry.hard_limit or 0
            if min(new_soft, new_hard) + change < 0:
                fail(f"--increase {change} would make a limit of {_name(entry)} negative")
        if usage is not None and usage[1] and usage[0] < 0:
            counter = 0 if reset else min(entry.page_counter, entry.life_page_counter)
            if counter + usage[0] < 0:
                fail(f"--used {usage[0]} would make the page counter of {_name(entry)} negative")


def _name(entry) -> str:
    owner = entry.group if isinstance(entry, GroupQuota) else entry.user
    return f"{owner}@{entry.printer}"


def _modify(d, entry, soft, hard, noquota, change, reset, hardreset, usage, size_given, max_size) -> None:
    """PyKota's order: limits, increase, reset, hard reset, used, max job size."""
    if noquota:
        quotas.set_limits(d, entry.dn, clear_soft=True, clear_hard=True)
    elif soft is not None:
        quotas.set_limits(d, entry.dn, soft, hard)
    if change:
        quotas.change_limits(d, entry.dn, change)
    if reset:
        quotas.reset_counter(d, entry.dn)
    if hardreset:
        quotas.reset_counter(d, entry.dn, hard=True)
    if usage is not None:
        value, relative = usage
        if relative:
            quotas.add_usage(d, entry.dn, value)
        else:
            quotas.set_usage(d, entry.dn, value)
    if size_given:
        quotas.set_quota_max_job_size(d, entry.dn, max_size)


def _list(s: Session, owners, printers, groups: bool) -> None:
    d = s.directory
    names = [p.name for p in printers]
    owner_names = {o.name.lower() for o in owners}
    if groups:
        usage = quotas.page_usage_by_printer(d, names)
        members = {g.name.lower(): g.members for g in owners}
        entries = [q for q in quotas.find_group_quotas(d, None, names) if q.group.lower() in owner_names]
    else:
        entries = [q for q in quotas.find_user_quotas(d, None, names) if q.user.lower() in owner_names]
    progress = Progress("entries", len(entries))
    for entry in sorted(entries, key=lambda e: (_name(e).lower())):
        progress.step()
        click.echo(_name(entry))
        if isinstance(entry, UserQuota):
            counter, life = entry.page_counter, entry.life_page_counter
        else:
            pairs = [usage.get((m.lower(), entry.printer.lower()), (0, 0)) for m in members[entry.group.lower()]]
            counter, life = sum(p for p, _ in pairs), sum(lp for _, lp in pairs)
        click.echo(f"    Page counter : {counter}")
        click.echo(f"    Lifetime page counter : {life}")
        click.echo(f"    Soft limit : {show_limit(entry.soft_limit)}")
        click.echo(f"    Hard limit : {show_limit(entry.hard_limit)}")
        click.echo(f"    Date limit : {entry.date_limit.strftime('%Y-%m-%d %H:%M:%S') if entry.date_limit else 'None'}")
        if isinstance(entry, UserQuota):
            click.echo(f"    Maximum job size : {show_max_job_size(entry.max_job_size)}")
            click.echo(f"    Warning banners printed : {entry.warn_count}")
    progress.close()


if __name__ == "__main__":
    main()
