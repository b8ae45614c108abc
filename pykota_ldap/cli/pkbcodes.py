"""pkbcodes: billing codes (the CUPS job-billing attribute), as in PyKota.

\b
    pkbcodes -a -D "Projet X" projX         add (an existing code is modified unless -s)
    pkbcodes -r projX                       pages and credits back to 0
    pkbcodes -d projX                       delete the code (jobs keep it in the history)
    pkbcodes -l                             list
"""
from __future__ import annotations

import click

from ..directory import Directory, changes, history
from ..model import BillingCode
from .admin import check_new_name, command, exclusive, names_from, resolve
from .session import session
from .values import show_money


@command("pkbcodes", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Add billing codes (modify existing ones unless -s).")
@click.option("-d", "--delete", is_flag=True, help="Delete billing codes; the history keeps them.")
@click.option("-l", "--list", "list_", is_flag=True, help="List billing codes.")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave existing codes untouched.")
@click.option("-D", "--description", help="Description.")
@click.option("-r", "--reset", is_flag=True, help="Page counter and balance back to 0.")
@click.argument("names", nargs=-1)
def main(add: bool, delete: bool, list_: bool, skipexisting: bool, description: str | None, reset: bool,
         names: tuple[str, ...]) -> None:
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
            _add(d, codes, description, reset, skipexisting)
        elif delete:
            for found in _resolve(d, codes):
                history.delete_billing_code(d, found)
        elif list_:
            _list(_resolve(d, codes))
        else:
            for found in _resolve(d, codes):
                changes.update_billing_code(d, found, description, reset)


def _resolve(d: Directory, codes: list[str]) -> list[BillingCode]:
    return resolve(codes, lambda pats: history.find_billing_codes(d, pats), "billing code", name_of=lambda c: c.code)


def _add(d: Directory, codes: list[str], description: str | None, reset: bool, skip_existing: bool) -> None:
    """New codes are added; existing ones are changed unless skip_existing."""
    targets = [history.get_billing_code(d, code) or code for code in codes]
    for target in targets:
        if isinstance(target, str) or not skip_existing:
            changes.update_billing_code(d, target, description, reset)


def _list(codes: list[BillingCode]) -> None:
    for code in sorted(codes, key=lambda c: c.code.lower()):
        click.echo(f"{code.code} [{code.description or ''}] {code.page_counter} pages and "
                   f"{show_money(code.balance)} credits")


if __name__ == "__main__":
    main()
