"""What every command shares: the user error, exit codes, names, numbers, progress.

Every command is a thin click layer over the library. A user error never shows a traceback:
it is one line on stderr, `<command>: <reason>`, and a non-zero exit status (cli.command says
how each kind of error is shown).
"""
from __future__ import annotations

import gc
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, NoReturn

import click

from ..money import parse as parse_money

CONTEXT: dict[str, Any] = dict(help_option_names=["-h", "--help"], max_content_width=100)
EXIT_ERROR, EXIT_USAGE = 1, 2


class UserError(Exception):
    """Bad input or a refused action: shown as one line, exit status 1."""


def fail(message: str, status: int = EXIT_ERROR) -> NoReturn:
    raise UserError(message) if status == EXIT_ERROR else click.UsageError(message)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def warn_about(config: Any) -> None:
    """The configuration's warnings (PyKota's keys it does not read), on stderr, for admins:
    they alone can change the files."""
    if config.is_admin:
        name = click.get_current_context(silent=True)
        prefix = f"{name.command_path}: " if name is not None else ""
        for line in config.warnings:
            click.echo(f"{prefix}warning: {one_line(line)}", err=True)


# -- names -------------------------------------------------------------------------------------

NAME_FORBIDDEN = re.compile(r"[\x00-\x1f/]")


def split_names(values: Iterable[str] | None) -> list[str]:
    """Arguments as typed: each may be a comma list; empty parts are dropped."""
    names: list[str] = []
    for value in values or ():
        names.extend(part.strip() for part in str(value).split(",") if part.strip())
    return names


def check_name(name: str, what: str) -> str:
    """Names are free text in the directory (escaped everywhere), but never control characters."""
    if not name or NAME_FORBIDDEN.search(name):
        fail(f"invalid {what} name {name!r}")
    return name


def read_arg_file(path: str) -> list[str]:
    """-A/--arguments FILE: one argument per line, '#' comments and blank lines ignored."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read arguments file {path}: {exc.strerror}")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# -- numbers: "+N" / "-N" are relative changes -------------------------------------------------

def parse_count(text: str, what: str, relative_ok: bool = True) -> tuple[int, bool]:
    """'12' -> (12, False); '+3' / '-3' -> (3 / -3, True). Pages are whole numbers >= 0."""
    text = str(text).strip()
    relative = relative_ok and text[:1] in "+-"
    try:
        value = int(text)
    except ValueError:
        fail(f"{what} must be a whole number{' or +N / -N' if relative_ok else ''}, got {text!r}")
    if not relative and value < 0:
        fail(f"{what} must not be negative, got {text!r}")
    return value, relative


def parse_amount(text: str, what: str, relative_ok: bool = True) -> tuple[int, bool]:
    """'199.9' -> (199900, False); '+10' -> (10000, True). Amounts in thousandths."""
    text = str(text).strip()
    relative = relative_ok and text[:1] in "+-"
    try:
        return parse_money(text), relative
    except ValueError:
        fail(f"{what} must be an amount such as 12.5{' or +N / -N' if relative_ok else ''}, got {text!r}")


# -- progress on a terminal --------------------------------------------------------------------

@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a listing builds its objects: a report holds 200,000
    of them, which the collector would walk again and again (a third of repykota's CPU), and
    nothing a listing builds refers to itself. Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Progress:
    """A one-line counter on stderr, only when stderr is a terminal; silent in scripts and tests."""

    def __init__(self, label: str, total: int | None = None, every: int = 100):
        self.label, self.total, self.every, self.done = label, total, every, 0
        self.enabled = sys.stderr.isatty() and os.environ.get("PYKOTA_NO_PROGRESS") != "1"

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.enabled and self.done % self.every == 0:
            of = f"/{self.total}" if self.total else ""
            sys.stderr.write(f"\r{self.label}: {self.done}{of}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done >= self.every:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
