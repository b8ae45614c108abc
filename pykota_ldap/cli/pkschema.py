"""pkschema: install the pykota-ldap schema and indexes into a running OpenLDAP (cn=config), or check them."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from ..config import Config, ConfigError, settings_for_server
from ..directory import Directory, DirectoryError
from ..directory import indexes as index_store
from ..directory import schema as schema_store
from ..schema_files import schema_path
from .command import Group
from .common import CONTEXT, fail
from .session import connected, session

HOW_TO_READ_CONFIG = "on the LDAP server as root: pkschema check -H ldapi:///"


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


def _schema_file(name: str = "pykota-ldap.ldif") -> Path:
    try:
        return schema_path(name)
    except FileNotFoundError as exc:    # an installation without its data files
        fail(str(exc))


def server_options(default_uri: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-H, -D, -y, -w: the server and the account that may write (or read) cn=config."""
    where = "" if default_uri else " (default: the server of pykota.conf, as its service account)"

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([
                click.option("-H", "--uri", default=default_uri, show_default=bool(default_uri),
                             help="Server to work on" + where + "."),
                click.option("-D", "--bind-dn", help="Bind DN with access to cn=config (default: SASL EXTERNAL "
                                                     "over ldapi)."),
                click.option("-y", "--password-file", type=click.Path(dir_okay=False),
                             help="Read the bind password from a file."),
                click.option("-w", "--password", help="Bind password (prefer -y: a password on the command line "
                                                      "is visible).")]):
            function = option(function)
        return function
    return decorate


base_option = click.option("-b", "--base", help="Base DN whose database gets the indexes (default: storagename of "
                                                "pykota.conf, else the only database).")


@contextmanager
def _server(uri: str | None, bind_dn: str | None, password_file: str | None,
            password: str | None) -> Iterator[Directory]:
    """The server given with -H, or the one pykota.conf names (bound as its service account)."""
    if uri is None:
        with session() as s:
            yield s.directory
        return
    with connected(settings_for_server(uri, bind_dn, _password(bind_dn, password_file, password))) as d:
        yield d


def _base(given: str | None) -> str | None:
    if given:
        return given
    try:
        return Config(want_admin=False).get("storagename")
    except ConfigError:                 # run on the LDAP server, which may have no pykota.conf
        return None


@click.group("pkschema", cls=Group, context_settings=CONTEXT)
def main() -> None:
    """Install or check the pykota-ldap schema and indexes."""


@main.command("install", context_settings=CONTEXT)
@server_options("ldapi:///")
def install(uri: str, bind_dn: str | None, password_file: str | None, password: str | None) -> None:
    """Add cn=pykota-ldap,cn=schema,cn=config (or the definitions it lacks)."""
    with _server(uri, bind_dn, password_file, password) as d:
        click.echo(f"pkschema: {schema_store.install(d, _schema_file())}")


@main.command("indexes", context_settings=CONTEXT)
@server_options("ldapi:///")
@base_option
def indexes(uri: str, bind_dn: str | None, password_file: str | None, password: str | None,
            base: str | None) -> None:
    """Add the indexes the database lacks, exactly those; say which it has already."""
    with _server(uri, bind_dn, password_file, password) as d:
        try:
            found = index_store.index_plan(d, _base(base), _schema_file("pykota-ldap-indexes.ldif"))
        except DirectoryError as exc:
            fail(f"{exc}: run as root on the LDAP server (ldapi:///), or give -D with access to cn=config")
        index_store.add_missing(d, found)
    added = f"added {', '.join(found.missing)}" if found.missing else "nothing to add"
    click.echo(f"pkschema: indexes of {found.database}: {added}; there already: {', '.join(found.present) or 'none'}")


@main.command("check", context_settings=CONTEXT)
@server_options(None)
@base_option
def check_command(uri: str | None, bind_dn: str | None, password_file: str | None, password: str | None,
                  base: str | None) -> None:
    """Check that the server knows every pykota-ldap definition and has its indexes."""
    with _server(uri, bind_dn, password_file, password) as d:
        missing = schema_store.check(d, _schema_file())
        if missing:
            fail(f"{len(missing)} definitions missing on the server: {', '.join(missing)} (run pkschema install)")
        try:
            found: index_store.IndexPlan | None = index_store.index_plan(
                d, _base(base), _schema_file("pykota-ldap-indexes.ldif"))
        except DirectoryError as exc:
            found = None
            click.echo(f"pkschema: indexes not checked: {exc} ({HOW_TO_READ_CONFIG})", err=True)
    if found is not None and found.missing:
        fail(f"{len(found.missing)} indexes missing in {found.database}: {', '.join(found.missing)} "
             "(run pkschema indexes)")
    click.echo("pkschema: the server knows every pykota-ldap definition"
               + (" and has every index" if found is not None else ""))


if __name__ == "__main__":
    main()
