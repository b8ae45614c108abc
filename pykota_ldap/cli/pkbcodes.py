"""pkbcodes: billing codes (the CUPS job-billing attribute), as in PyKota.

\b
    pkbcodes -a -D "Projet X" projX         add (an existing code is modified unless -s)
    pkbcodes -r projX                       pages and credits back to 0
    pkbcodes -d projX                       delete the code (jobs keep it in the history)
    pkbcodes -l                             list
"""
from __future__ import annotations

import click

from ..directory import history
from .admin import check_new_name, command, exclusive, names_from, resolve, session
from .common import handle_errors
from .values import show_money


@command("pkbcodes", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Add billing codes (modify existing ones unless -s).")
@click.option("-d", "--delete", is_flag=True, help="Delete billing codes; the history keeps them.")
@click.option("-l", "--list", "list_", is_flag=True, help="List billing codes.")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave existing codes untouched.")
@click.option("-D", "--description", help="Description.")
@click.option("-r", "--reset", is_flag=True, help="Page counter and balance back to 0.")
@click.argument("names", nargs=-1)
@handle_errors("pkbcodes")
def main(add, delete, list_, skipexisting, description, reset, names):
    exclusive(add=add, delete=delete, list=list_)
    if (list_ or delete) and (description is not None or reset):
        raise click.UsageError("--list and --delete take no other change")
    codes = names_from(names)
    if (add or delete) and not codes:
        raise click.UsageError(f"--{'add' if add else 'delete'} needs billing codes")
    if add:
        for code in codes:
            check_new_name(code, "billing code")

    with session() as s:
        if not list_:
            s.require_admin("changing billing codes")
        d = s.directory
        if add:
            targets = [history.get_billing_code(d, code) or code for code in codes]
        else:
            targets = resolve(codes, lambda pats: history.find_billing_codes(d, pats), "billing code",
                              name_of=lambda c: c.code)
        if list_:
            for code in sorted(targets, key=lambda c: c.code.lower()):
                click.echo(f"{code.code} [{code.description or ''}] {code.page_counter} pages and "
                           f"{show_money(code.balance)} credits")
            return
        for target in targets:
            if isinstance(target, str):
                history.add_billing_code(d, target, description or None)
                continue
            if delete:
                history.delete_billing_code(d, target)
                continue
            if add and skipexisting:
                continue
            if description is not None:
                history.set_billing_code_description(d, target, description)
            if reset:
                history.reset_billing_code(d, target)


if __name__ == "__main__":
    main()
