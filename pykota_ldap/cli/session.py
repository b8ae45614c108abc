"""The one way a command reaches the directory: `with session() as s:`.

A session is the configuration, who the caller is and one bound connection, opened for the
command and closed after it. A program that runs the commands for others (a resident helper
answering users' own queries, say) can hand one in instead, already open: it is found in click's
context (`main.main(args, obj=the_session)`), used as it is and left open.
"""
from __future__ import annotations

import os
import pwd
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import click

from ..config import Config, LDAPSettings
from ..directory import Directory
from .common import fail, warn_about


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
    accordingly."""
    ctx = click.get_current_context(silent=True)
    given = ctx.find_object(Session) if ctx is not None else None
    if given is not None:
        yield given
        return
    config = config or Config(want_admin=admin)
    warn_about(config)
    with connected(config.ldap(admin)) as directory:
        yield Session(config, directory, config.is_admin, caller_name())


@contextmanager
def connected(settings: LDAPSettings) -> Iterator[Directory]:
    """A bound connection, closed at the end; `session` uses it, and pkschema install for a
    server that pykota.conf does not name."""
    directory = Directory(settings).connect()
    try:
        yield directory
    finally:
        directory.close()
