"""pykoticon: the desktop listener pknotify talks to (PyKotIcon's protocol and options).

\b
    pykoticon --port 7654 192.168.31.9        only the print server 192.168.31.9 may ask
    pykoticon -port=7654 print.example.org    PyKotIcon's own spelling works too

Start it with the desktop session (/etc/xdg/autostart/pykoticon.desktop does). It answers the
print server's questions with a window: a confirmation (OK / Cancel), a message, a form
(password fields hidden). Connections from any other address are refused; with no address
given, only this machine may ask. "My print quota" shows `repykota` for the user.
"""
from __future__ import annotations

import os
import queue
import shlex
import sys
import threading
from typing import Any

import click

from .command import Command
from .common import CONTEXT, UserError
from .oldstyle import with_long_dashes


@click.command("pykoticon", cls=Command, context_settings=CONTEXT, help=__doc__)
@click.option("-p", "--port", type=click.IntRange(1, 65535), default=7654, show_default=True,
              help="The port to listen on.")
@click.option("--quota-command", default="repykota", show_default=True, metavar="COMMAND",
              help="What 'My print quota' runs.")
@click.argument("servers", nargs=-1, metavar="[PRINT SERVER]...")
def command(port: int, quota_command: str, servers: tuple[str, ...]) -> None:
    from ..notify.pykoticon_server import DesktopServer, Question, allowed_addresses
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise UserError("no display: start it in a desktop session (DISPLAY is not set)")
    try:
        allowed = allowed_addresses(list(servers))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    questions: queue.Queue[Question] = queue.Queue()
    try:
        server = DesktopServer(port, allowed, questions)
    except OSError as exc:
        raise UserError(f"cannot listen on port {port}: {exc.strerror}") from None
    try:
        from ..notify.pykoticon_window import Desktop
        desktop = Desktop(questions, shlex.split(quota_command))
    except Exception as exc:     # noqa: BLE001 - Tk's TclError: no display, no Tk
        server.server_close()
        raise UserError(f"cannot open a window: {exc}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"pykoticon: listening on port {port} for {', '.join(sorted(allowed))}", file=sys.stderr, flush=True)
    try:
        desktop.run()
    finally:
        server.shutdown()
        server.server_close()


def main(args: list[str] | None = None) -> Any:
    return command.main(with_long_dashes(sys.argv[1:] if args is None else args, ("port", "quota-command", "help"),
                                         ("-p", "--port", "--quota-command")), prog_name="pykoticon")


if __name__ == "__main__":
    main()
