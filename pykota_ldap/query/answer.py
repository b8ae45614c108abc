"""One query, in a child of the listener: the session as root, then the caller's identity, then
the command, on the caller's own descriptors.

Order matters. As root: the request (the caller's descriptors with it), pykota.conf and
pykotadmin.conf of the service (never the caller's PYKOTA_HOME), a bound connection that refuses
every write (Directory read_only). Then, before the caller's arguments are looked at, the
caller's identity for good: supplementary groups, gid and uid from the NSS entry of the uid the
kernel gave (setgroups, setgid, setuid, so no way back to root) and not dumpable, so the caller
cannot read the admin password out of this process (ptrace, /proc/<pid>/mem, a core file). The
command then runs with is_admin=False and caller=<that name>: it lists the caller's own data,
and reads or writes files (-A, -o) with the caller's rights.
"""
from __future__ import annotations

import ctypes
import os
import pwd
import resource
import sys
import threading
from typing import Any, NoReturn

from .protocol import QUERY_COMMANDS, ProtocolError, Request, receive_request, send_reply

PR_SET_DUMPABLE = 4
REQUEST_TIMEOUT = 10.0


class Refused(Exception):
    """A query the service does not answer: said to the caller in one line."""


def preload() -> None:
    """The commands, imported once in the listener: each query's child has them already."""
    for name in QUERY_COMMANDS:
        __import__(f"pykota_ldap.cli.{name}")


def answer(conn: Any, uid: int, seconds: float) -> NoReturn:
    code, message = 1, ""
    log = os.dup(2)                 # the helper's log: descriptor 2 becomes the caller's
    try:
        code = _answer(conn, uid, seconds)
    except Refused as exc:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - the caller gets one line; nothing of the service's internals
        message = "the query service failed on this query (see the resident helper's log)"
        import traceback
        with os.fdopen(log, "w") as helper_log:
            traceback.print_exc(file=helper_log)
    finally:
        try:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except (OSError, ValueError):
            pass
        send_reply(conn, code, message)
        os._exit(0)


def _answer(conn: Any, uid: int, seconds: float) -> int:
    limit = max(1, int(seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        request, fds = receive_request(conn)
    except (ProtocolError, OSError) as exc:
        raise Refused(f"the query service could not read the request: {exc}") from None
    _adopt(fds)
    _end_with_the_caller(conn)
    try:
        user = pwd.getpwuid(uid)
    except KeyError:
        raise Refused(f"uid {uid} has no name on this server (NSS): nothing to answer for it") from None
    if request.command not in QUERY_COMMANDS:
        raise Refused(f"{request.command} is not answered by the query service: it needs the admin credentials")
    session = _session(user.pw_name)
    become(user)
    _settle(request, user)
    return _run(request, session)


def _adopt(fds: list[int]) -> None:
    """The caller's 0, 1, 2 become this process's own (moved out of the way of 0-2 first)."""
    import fcntl
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds]
    for fd in fds:
        os.close(fd)
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=True)
        os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)
    sys.stdout = os.fdopen(1, "w", closefd=False)
    sys.stderr = os.fdopen(2, "w", closefd=False)


def _end_with_the_caller(conn: Any) -> None:
    """A caller that goes away (Ctrl-C, killed) takes its query with it. The caller sends nothing
    after its request, so all the connection can still do is close."""
    def watch() -> None:
        try:
            conn.settimeout(None)
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _session(caller: str) -> Any:
    from ..cli.session import Session
    from ..config import Config, ConfigError
    from ..directory import Directory, DirectoryError
    try:
        config = Config(want_admin=True)
        directory = Directory(config.ldap(admin=True), read_only=True).connect()
    except (ConfigError, DirectoryError) as exc:
        raise Refused(f"the query service cannot open the directory: {' '.join(str(exc).split())}") from None
    return Session(config, directory, is_admin=False, caller=caller)


def become(user: pwd.struct_passwd) -> None:
    """The caller's groups, gid and uid, for good; not dumpable."""
    if os.geteuid() != 0:
        if user.pw_uid != os.geteuid():
            raise Refused("the query service does not run as root: it can answer only its own user")
        return
    os.setgroups(os.getgrouplist(user.pw_name, user.pw_gid))
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    if user.pw_uid != 0 and (os.getresuid() != (user.pw_uid,) * 3 or os.getresgid() != (user.pw_gid,) * 3):
        raise RuntimeError("the caller's identity was not taken")


def _settle(request: Request, user: pwd.struct_passwd) -> None:
    """The caller's working directory (with the caller's rights) and a plain environment."""
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": user.pw_dir, "USER": user.pw_name,
                       "LOGNAME": user.pw_name, **request.env})
    try:
        os.chdir(request.cwd)
    except OSError:
        os.chdir("/")


def _run(request: Request, session: Any) -> int:
    import importlib
    command = importlib.import_module(f"pykota_ldap.cli.{request.command}").main
    try:
        command.main(request.args, prog_name=request.command, obj=session)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
