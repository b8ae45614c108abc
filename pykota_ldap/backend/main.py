"""The job's way through cupspykota, and the exit code chosen for every path.

| path                                              | exit | the job                          |
|---------------------------------------------------|------|----------------------------------|
| printed and charged (or charge kept in journal)   | 0    | completed                        |
| refused (quota, balance, policy, duplicate, ...)  | 5    | cancelled; lpstat shows why      |
| empty job                                         | 0    | completed, nothing printed       |
| directory unreachable for `directorywait` seconds | 7    | re-run at once (it waits again): |
|                                                   |      | never lost, prints once it answers |
| real backend failed                               | its  | the queue's error policy; not    |
|                                                   | code | charged (onbackenderror)         |
| configuration error, backend missing, bind refused| 4    | queue stopped, job kept          |
| unexpected error (a bug)                          | 3    | job held, queue goes on          |
| command-line use with wrong arguments             | 1    |                                  |
"""
from __future__ import annotations

import os
import signal
import sys

from . import CANCEL, FAILED, HOLD, OK, STOP, cupsio

USAGE = """usage: cupspykota                       list devices (CUPS discovery)
       cupspykota job user title copies options [file]   (run by cupsd)
       cupspykota --install [--backend-dir DIR] [--config-dir DIR]
                                         install the backend into CUPS and the config skeleton
       cupspykota --replay               apply the charges kept in the local journal
       cupspykota --serve [SOCKET]       resident helper: jobs skip Python's start-up and imports"""


class Cancelled(Exception):
    pass


class Retry(Exception):
    pass


_state = {"runner": None, "printing": False}


def _on_sigterm(signum, frame):
    runner = _state["runner"]
    _state["cancelled"] = True
    if _state.get("accounting"):
        return                      # printed already: the charge must still be made
    if _state["printing"] and runner is not None:
        runner.terminate()          # the real backend stops; we account what happened
    else:
        raise Cancelled()


def main(argv: list[str] | None = None) -> int:
    """Never lets Python's own exit codes (1 for a traceback, 2 for usage) reach CUPS by accident."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except Cancelled:
        cupsio.info("job cancelled before printing")
        return OK
    except SystemExit as exc:      # nothing below should call sys.exit; map it if it does
        code = exc.code if isinstance(exc.code, int) else HOLD
        return code if code in (OK, CANCEL, STOP) else HOLD
    except BaseException as exc:   # noqa: BLE001 - a bug must hold the job, not lose it
        import traceback
        for line in traceback.format_exc().splitlines():
            cupsio.debug(line)
        cupsio.error(f"internal error, job held: {type(exc).__name__}: {exc}")
        return HOLD


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
        return OK
    if argv[0].startswith("-"):
        return _admin(argv)
    if len(argv) not in (5, 6):
        print(USAGE, file=sys.stderr)
        return FAILED
    if not _state.get("in_helper") and os.path.exists(_helper_socket()):
        from .server import hand_over
        code = hand_over(argv)                 # a resident helper (cupspykota --serve) is running
        if code is not None:
            return code
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    from .flow import run_job
    return run_job(argv, _state)


def _helper_socket() -> str:
    """server.socket_path, without importing the server module on every job."""
    env = os.environ
    if env.get("PYKOTA_BACKEND_SOCKET"):
        return env["PYKOTA_BACKEND_SOCKET"]
    if env.get("PYKOTA_HOME"):
        return os.path.join(env["PYKOTA_HOME"], "cupspykota.sock")
    return "/run/pykota/cupspykota.sock"


def _admin(argv: list[str]) -> int:
    command = argv[0]
    if command in ("-h", "--help"):
        print(USAGE)
        return OK
    if command == "--install":
        from .install import install_command
        return install_command(argv[1:])
    if command == "--serve":
        from .server import serve
        return serve(argv[1] if len(argv) > 1 else None)
    if command == "--replay":
        from ..config import Config, ConfigError
        from ..directory import Directory, DirectoryError
        from .journal import journal_dir, pending, replay
        try:
            config = Config(want_admin=True)
            folder = journal_dir(config)
            count = len(pending(folder))
            if not count:
                print(f"cupspykota: no pending charge in {folder}")
                return OK
            with Directory(config.ldap(admin=True)) as d:
                report = replay(d, folder)
        except (ConfigError, DirectoryError, OSError) as exc:
            print(f"cupspykota: {' '.join(str(exc).split())}", file=sys.stderr)
            return FAILED
        print(f"cupspykota: {report} ({folder})")
        for line in report.errors:
            print(f"cupspykota: {line}", file=sys.stderr)
        return OK if not report.failed else FAILED
    print(f"cupspykota: unknown option {command}\n{USAGE}", file=sys.stderr)
    return FAILED
