"""pkschema: install the pykota-ldap schema into a running OpenLDAP (cn=config), or check it."""
from __future__ import annotations

from pathlib import Path

import click

from ..config import settings_for_server
from ..directory import schema as schema_store
from ..schema_files import schema_path
from .command import Group
from .common import CONTEXT, fail
from .session import connected, session


def _password(bind_dn: str | None, password_file: str | None, password: str | None) -> str | None:
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                password = handle.read().strip()
        except OSError as exc:
            fail(str(exc))
    if bind_dn and password is None:
        password = click.prompt(f"Password for {bind_dn}", hide_input=True, err=True)
    return password


def _schema_file() -> Path:
    try:
        return schema_path("pykota-ldap.ldif")
    except FileNotFoundError as exc:    # an installation without its data files
        fail(str(exc))


@click.group("pkschema", cls=Group, context_settings=CONTEXT)
def main() -> None:
    """Install or check the pykota-ldap schema."""


@main.command("install", context_settings=CONTEXT)
@click.option("-H", "--uri", default="ldapi:///", show_default=True, help="Server to install into.")
@click.option("-D", "--bind-dn", help="Bind DN with write access to cn=config (default: SASL EXTERNAL over ldapi).")
@click.option("-y", "--password-file", type=click.Path(dir_okay=False), help="Read the bind password from a file.")
@click.option("-w", "--password", help="Bind password (prefer -y: a password on the command line is visible).")
def install(uri: str, bind_dn: str | None, password_file: str | None, password: str | None) -> None:
    """Add cn=pykota-ldap,cn=schema,cn=config (or the definitions it lacks)."""
    settings = settings_for_server(uri, bind_dn, _password(bind_dn, password_file, password))
    with connected(settings) as d:
        click.echo(f"pkschema: {schema_store.install(d, _schema_file())}")


@main.command("check", context_settings=CONTEXT)
def check_command() -> None:
    """Check that the server of pykota.conf knows every pykota-ldap definition."""
    with session() as s:
        missing = schema_store.check(s.directory, _schema_file())
    if missing:
        fail(f"{len(missing)} definitions missing on the server: {', '.join(missing)} (run pkschema install)")
    click.echo("pkschema: the server knows every pykota-ldap definition")


if __name__ == "__main__":
    main()
