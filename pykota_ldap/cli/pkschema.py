"""pkschema: install the pykota-ldap schema into a running OpenLDAP (cn=config), or check it."""
from __future__ import annotations

import click

from ..config import settings_for_server
from ..directory import Directory
from ..directory import schema as schema_store
from ..schema_files import schema_path
from .common import CONTEXT, fail, handle_errors, load_config


def _connect(uri: str, bind_dn: str | None, password_file: str | None, password: str | None) -> Directory:
    if password_file:
        with open(password_file, encoding="utf-8") as handle:
            password = handle.read().strip()
    if bind_dn and password is None:
        password = click.prompt(f"Password for {bind_dn}", hide_input=True, err=True)
    return Directory(settings_for_server(uri, bind_dn, password)).connect()


@click.group(context_settings=CONTEXT)
def main():
    """Install or check the pykota-ldap schema."""


@main.command("install", context_settings=CONTEXT)
@click.option("-H", "--uri", default="ldapi:///", show_default=True, help="Server to install into.")
@click.option("-D", "--bind-dn", help="Bind DN with write access to cn=config (default: SASL EXTERNAL over ldapi).")
@click.option("-y", "--password-file", type=click.Path(dir_okay=False), help="Read the bind password from a file.")
@click.option("-w", "--password", help="Bind password (prefer -y: a password on the command line is visible).")
@handle_errors("pkschema")
def install(uri, bind_dn, password_file, password):
    """Add cn=pykota-ldap,cn=schema,cn=config (or the definitions it lacks)."""
    with _connect(uri, bind_dn, password_file, password) as d:
        click.echo(f"pkschema: {schema_store.install(d, schema_path('pykota-ldap.ldif'))}")


@main.command("check", context_settings=CONTEXT)
@handle_errors("pkschema")
def check_command():
    """Check that the server of pykota.conf knows every pykota-ldap definition."""
    config = load_config()
    with Directory(config.ldap()).connect() as d:
        missing = schema_store.check(d, schema_path("pykota-ldap.ldif"))
    if missing:
        fail(f"{len(missing)} definitions missing on the server: {', '.join(missing)} (run pkschema install)")
    click.echo("pkschema: the server knows every pykota-ldap definition")


if __name__ == "__main__":
    main()
