"""`cupspykota`: what cupsd (or an admin) runs, and the exit code chosen for every path.

| path                                              | exit            | the job                          |
|---------------------------------------------------|-----------------|----------------------------------|
| printed and charged (or charge kept in journal)   | 0 OK            | completed                        |
| refused (quota, balance, policy, duplicate, ...)  | 5 CANCEL        | cancelled; lpstat shows why      |
| empty job                                         | 0 OK            | completed, nothing printed       |
| directory unreachable for `directorywait` seconds | 7 RETRY_CURRENT | re-run at once (it waits again): |
|                                                   |                 | never lost, prints once it answers |
| real backend failed                               | its own code    | the queue's error policy; not    |
|                                                   |                 | charged (onbackenderror)         |
| configuration error, backend missing, bind refused| 4 STOP          | queue stopped, job kept          |
| unexpected error (a bug)                          | 3 HOLD          | job held, queue goes on          |
| command-line use with wrong arguments             | 1 FAILED        |                                  |

A job goes to the resident helper when one is running (server.hand_over), else this process
runs it (flow.run), having started a helper for the next jobs (ondemand.py): the same flow
either way. Nothing heavy is imported at start-up.
"""
from __future__ import annotations

import os
import sys

from .exits import BackendExit, guarded
from .state import socket_path

USAGE = """usage: cupspykota                       list devices (CUPS discovery)
       cupspykota job user title copies options [file]   (run by cupsd)
       cupspykota --install [--backend-dir DIR] [--config-dir DIR]
                                         install the backend into CUPS and the config skeleton
       cupspykota --replay               apply the charges kept in the local journal
       cupspykota --serve [SOCKET]       resident helper: jobs skip Python's start-up and imports
                                         (a job that finds none starts one: backend/ondemand.py)"""


def main(argv: list[str] | None = None) -> int:
    """Never lets Python's own exit codes (1 for a traceback, 2 for usage) reach CUPS by accident."""
    return guarded(_main, list(sys.argv[1:] if argv is None else argv))


def entry() -> None:
    """Console script `cupspykota`."""
    code = main()
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)


def _main(argv: list[str]) -> int:
    if not argv:
        from .discovery import discover
        for line in discover():
            print(line, flush=True)
        return BackendExit.OK
    if argv[0].startswith("-"):
        return _admin(argv)
    if len(argv) not in (5, 6):
        print(USAGE, file=sys.stderr)
        return BackendExit.FAILED
    if os.path.exists(socket_path()):
        from .server import hand_over
        code = hand_over(argv)                 # a resident helper (cupspykota --serve) is running
        if code is not None:
            return code
    from .ondemand import start_helper
    start_helper(socket_path())                # for the jobs after this one
    from .flow import run
    return run(argv)


def _admin(argv: list[str]) -> int:
    command = argv[0]
    if command in ("-h", "--help"):
        print(USAGE)
        return BackendExit.OK
    if command == "--install":
        from .install import install_command
        return install_command(argv[1:])
    if command == "--serve":
        from .server import serve
        on_demand = "--on-demand" in argv[1:]
        rest = [a for a in argv[1:] if a != "--on-demand"]
        return serve(rest[0] if rest else None, on_demand=on_demand)
    if command == "--replay":
        return _replay()
    print(f"cupspykota: unknown option {command}\n{USAGE}", file=sys.stderr)
    return BackendExit.FAILED


def _replay() -> int:
    """cupspykota --replay: the journal's pending charges, applied now."""
    from ..config import Config, ConfigError
    from ..directory import Directory, DirectoryError
    from .journal import journal_dir
    from .replay import pending, replay
    try:
        config = Config(want_admin=True)
        folder = journal_dir(config)
        if not pending(folder):
            print(f"cupspykota: no pending charge in {folder}")
            return BackendExit.OK
        with Directory(config.ldap(admin=True)) as d:
            report = replay(d, folder)
    except (ConfigError, DirectoryError, OSError) as exc:
        print(f"cupspykota: {' '.join(str(exc).split())}", file=sys.stderr)
        return BackendExit.FAILED
    print(f"cupspykota: {report} ({folder})")
    for line in report.errors:
        print(f"cupspykota: {line}", file=sys.stderr)
    return BackendExit.FAILED if report.failed or report.waiting else BackendExit.OK
