"""The one way a command reaches the directory: `with session() as s:`.

A session is the configuration, who the caller is and one bound connection, opened for the
command and closed after it. Admins (whoever can read pykotadmin.conf) bind themselves. Anyone
else has no password to bind with: their command is handed over, as typed, to the query service
of the resident helper (pykota_ldap.query), which runs it for them alone and answers on their
terminal; this process only waits for its exit code. The service hands its session in, already
open: it is found in click's context (`main.main(args, obj=the_session)`), used as it is and
left open.
"""
from __future__ import annotations

import os
import pwd
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, NoReturn

import click

from ..config import Config, LDAPSettings, config_home
from ..directory import Directory
from .common import fail, warn_about

# Where PkCommand keeps the arguments as parsed (argument files expanded): what is handed over.
ARGUMENTS = "pykota.arguments"


@dataclass
class Session:
    config: Config
    directory: Directory
    is_admin: bool
    caller: str

    def require_admin(self, what: str) -> None:
        """A caller who cannot read pykotadmin.conf may only list."""
        if not self.is_admin:
            fail(f"{what} needs the admin credentials ({self.config.admin_path} is missing or not readable by you)")


def caller_name() -> str:
    """The login of whoever runs the command (what non-admins are restricted to)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER") or str(os.getuid())


@contextmanager
def session(admin: bool | None = None, config: Config | None = None) -> Iterator[Session]:
    """pykota.conf (with the admin credentials when readable; admin=True: required, False:
    never used), or the config already read with the same admin, and a connection bound
    accordingly. admin=None for a caller who is not an admin: the query service runs the
    command instead, and this process exits with its exit code."""
    ctx = click.get_current_context(silent=True)
    given = ctx.find_object(Session) if ctx is not None else None
    if given is not None:
        yield given
        return
    if admin is None and not (config.is_admin if config is not None else _reads_admin_file()):
        ask_query_service()
    config = config or Config(want_admin=admin)
    warn_about(config)
    with connected(config.ldap(admin)) as directory:
        yield Session(config, directory, config.is_admin, caller_name())


def _reads_admin_file() -> bool:
    return os.access(config_home() / "pykotadmin.conf", os.R_OK)


def ask_query_service() -> NoReturn:
    """A non-admin's command, run by the query service; exits with its exit code."""
    from ..query.client import QueryServiceDown, ask
    from ..query.protocol import QUERY_COMMANDS
    ctx = click.get_current_context(silent=True)
    name = (ctx.find_root().command.name if ctx is not None else None) or "this"
    args = ctx.meta.get(ARGUMENTS) if ctx is not None else None
    if ctx is None or name not in QUERY_COMMANDS or args is None:
        fail(f"{name} needs the admin credentials ({config_home() / 'pykotadmin.conf'} is missing or not "
             "readable by you)")
    try:
        code, message = ask(name, args)
    except QueryServiceDown as exc:
        fail(str(exc))
    if message:
        click.echo(f"{name}: {message}", err=True)
    ctx.exit(code)


@contextmanager
def connected(settings: LDAPSettings) -> Iterator[Directory]:
    """A bound connection, closed at the end; `session` uses it, and pkschema install for a
    server that pykota.conf does not name."""
    directory = Directory(settings).connect()
    try:
        yield directory
    finally:
        directory.close()
