"""pknotify: ask or tell a user on their desktop, through a PyKotIcon listener (pykoticon).

\b
    pknotify -d HOST:7654 --confirm "Print 12 pages for 0.65?"     prints OK or CANCEL
    pknotify -d HOST --notify "Your quota is low"                   prints OK
    pknotify -d HOST --ask "Billing code:billingcode:" --ask "Login:username:$USER" \\
             --ask "Password:password:" --checkauth --denyafter 3  prints BILLINGCODE=..., AUTH=YES
    pknotify -d HOST --quit                                         stops the listener

For pykota.conf (PyKota's lines work as typed, `-destination` with one dash too):

\b
    askconfirmation: pknotify -d $PYKOTAJOBORIGINATINGHOSTNAME --timeout 120 --confirm "..."
    overwrite_jobticket: pknotify -d $PYKOTAJOBORIGINATINGHOSTNAME --timeout 120 \\
                         --ask "Billing code:billingcode:"

A literal \\n in a message is a line break. When the listener cannot be reached, the --noremote
word is printed (CANCEL by default); when it does not answer within --timeout, CANCEL. A
cancelled form prints CANCEL; `password` is never printed; after --denyafter failed logins, DENY.
"""
from __future__ import annotations

import sys
import time
from typing import Any

import click

from ..notify import pam
from ..notify.pykoticon_protocol import Listener, NoAnswer, Unreachable, destination
from .command import Command
from .common import CONTEXT
from .oldstyle import with_long_dashes

LONG_NAMES = ("destination", "ask", "confirm", "notify", "checkauth", "denyafter", "noremote", "timeout", "quit",
              "help")
WITH_VALUES = ("-d", "--destination", "-a", "--ask", "-c", "--confirm", "-n", "--notify", "-D", "--denyafter",
               "-N", "--noremote", "-t", "--timeout")


class _Deadline:
    def __init__(self, seconds: int):
        self.end = time.monotonic() + seconds if seconds > 0 else None

    def left(self) -> float | None:
        return None if self.end is None else max(0.5, self.end - time.monotonic())


def _fields(asked: tuple[str, ...]) -> tuple[list[str], list[str], dict[str, str]]:
    labels, names, defaults = [], [], {}
    for item in asked:
        parts = item.split(":", 2)
        if len(parts) < 2 or not parts[1].strip():
            raise click.UsageError(f"--ask {item!r}: write \"label:varname:default\"")
        label, name, default = parts[0], parts[1].strip().lower(), parts[2] if len(parts) == 3 else ""
        labels.append(label)
        names.append(name)
        defaults[name] = default
    return labels, names, defaults


def _one_line(value: str) -> str:
    """The listener is the printing user's machine: a line break in an answer would add a line
    (USERNAME=someone) to what overwrite_jobticket reads."""
    return "".join(char if char.isprintable() else " " for char in value)


def _ask(where: tuple[str, int], asked: tuple[str, ...], checkauth: bool, tries: int, deadline: _Deadline) -> None:
    labels, names, defaults = _fields(asked)
    if checkauth and not {"username", "password"} <= set(names):
        raise click.UsageError("--checkauth needs --ask fields named username and password")
    for _ in range(max(1, tries)):
        answers = Listener(*where, answer_timeout=deadline.left()).ask_datas(labels, names, defaults)
        if answers is None:
            click.echo("CANCEL")
            return
        auth = pam.check(answers.get("username", ""), answers.get("password", "")) if checkauth else None
        if auth == pam.NO:
            defaults = {**answers, "password": ""}
            continue
        for name in names:
            if name != "password" and (name != "username" or auth in (None, pam.YES)):
                click.echo(f"{name.upper()}={_one_line(answers[name])}")
        if auth:
            click.echo(auth)
        return
    click.echo(pam.NO)
    click.echo("DENY")


@click.command("pknotify", cls=Command, context_settings=CONTEXT, help=__doc__)
@click.option("-d", "--destination", metavar="HOST[:PORT]", required=True,
              help="The listener's host and port (7654 by default).")
@click.option("-a", "--ask", "asked", multiple=True, metavar="LABEL:VARNAME:DEFAULT",
              help="A form field; its answer is printed VARNAME=value.")
@click.option("-c", "--confirm", metavar="MESSAGE", help="Ask for OK or Cancel; prints OK or CANCEL.")
@click.option("-n", "--notify", metavar="MESSAGE", help="Show a message; prints OK.")
@click.option("-C", "--checkauth", is_flag=True, help="Check the form's username and password through PAM.")
@click.option("-D", "--denyafter", type=click.IntRange(1), default=1, show_default=True,
              help="Ask again that many times while the password is wrong, then print DENY.")
@click.option("-N", "--noremote", type=click.Choice(["CANCEL", "CONTINUE"], case_sensitive=False), default="CANCEL",
              show_default=True, help="What to print when the listener cannot be reached.")
@click.option("-t", "--timeout", type=click.IntRange(0), default=0,
              help="Seconds to wait for the user (0: no limit); then CANCEL is printed.")
@click.option("-q", "--quit", "quit_", is_flag=True, help="Stop the listener.")
def command(destination: str, asked: tuple[str, ...], confirm: str | None, notify: str | None, checkauth: bool,
            denyafter: int, noremote: str, timeout: int, quit_: bool) -> int:
    chosen = [name for name, given in (("--ask", asked), ("--confirm", confirm is not None),
                                       ("--notify", notify is not None), ("--quit", quit_)) if given]
    if len(chosen) != 1:
        raise click.UsageError("give one of --ask, --confirm, --notify, --quit" if not chosen
                               else f"{' and '.join(chosen)} do not go together")
    where = _where(destination)
    deadline = _Deadline(timeout)
    try:
        if confirm is not None:
            click.echo(Listener(*where, answer_timeout=deadline.left()).show_dialog(confirm, True))
        elif notify is not None:
            Listener(*where, answer_timeout=deadline.left()).show_dialog(notify, False)
            click.echo("OK")
        elif asked:
            _ask(where, asked, checkauth, denyafter, deadline)
        else:
            Listener(*where, answer_timeout=deadline.left()).quit()
    except Unreachable as exc:
        click.echo(f"pknotify: {exc}", err=True)
        click.echo(noremote.upper())
    except NoAnswer:
        click.echo(f"pknotify: no answer within {timeout} s", err=True)
        click.echo("CANCEL")
    return 0


def _where(value: str) -> tuple[str, int]:
    try:
        return destination(value)
    except ValueError as exc:
        raise click.UsageError(f"--destination: {exc}") from None


def main(args: list[str] | None = None) -> Any:
    return command.main(with_long_dashes(sys.argv[1:] if args is None else args, LONG_NAMES, WITH_VALUES),
                       prog_name="pknotify")


if __name__ == "__main__":
    main()
