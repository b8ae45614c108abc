"""`cupspykota --serve`: an optional resident helper that makes each job cheap.

A process per job pays Python's start-up and the ldap3 / page counter imports (~90 ms) on every
job. The helper imports them once and listens on a Unix socket (mode 0600, root). The backend
CUPS starts then only connects, hands over its file descriptors (stdin with the job's data,
stdout, stderr to cupsd, and CUPS' back and side channels 3 and 4) with SCM_RIGHTS, its argv and
environment, and waits for the exit code. The helper forks one child per job; the child takes
the descriptors as its own and runs exactly the same flow as the backend would (flow.run_job),
so nothing differs but the start-up. A cancellation (SIGTERM to the backend) is passed on.

Safety: when the helper is not running (no socket, connection refused) the backend does the
job itself. Once the job was handed over it never does: if the helper dies mid-job the backend
exits 3 (job held) rather than risk printing twice.

Socket: $PYKOTA_HOME/cupspykota.sock when PYKOTA_HOME is set, else /run/pykota/cupspykota.sock
(PYKOTA_BACKEND_SOCKET overrides both).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import threading

MAX_FDS = 8


def socket_path(environ=os.environ) -> str:
    if environ.get("PYKOTA_BACKEND_SOCKET"):
        return environ["PYKOTA_BACKEND_SOCKET"]
    if environ.get("PYKOTA_HOME"):
        return os.path.join(environ["PYKOTA_HOME"], "cupspykota.sock")
    return "/run/pykota/cupspykota.sock"


PRELOAD = ("pykota_ldap.directory.history", "pykota_ldap.directory.jobcontext", "pykota_ldap.directory.quotas",
           "pykota_ldap.directory.accounts", "pykota_ldap.backend.decide", "pykota_ldap.backend.flow",
           "pykota_ldap.backend.journal", "pykota_ldap.backend.notify", "pykota_ldap.backend.precount",
           "pykota_ldap.backend.run", "pykota_ldap.accounting.pdl.counting", "pikepdf")


def preload() -> None:
    """Everything a job imports, once (the page counter loads what it lacks per job anyway)."""
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, MAX_FDS)
    if len(data) < 4:
        raise ConnectionError("short request")
    (length,) = struct.unpack("!I", data[:4])
    payload = data[4:]
    while len(payload) < length:
        chunk = conn.recv(length - len(payload))
        if not chunk:
            raise ConnectionError("request cut short")
        payload += chunk
    return json.loads(payload.decode()), fds


def _high(fd: int) -> int:
    """The same descriptor moved above the ones we are about to fill (0-4)."""
    import fcntl
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 20)
    os.close(fd)
    return moved


def _serve_job(conn: socket.socket) -> int:
    request, fds = _receive(conn)
    conn = socket.socket(fileno=_high(conn.detach()))
    fds = [_high(fd) for fd in fds]
    numbers = request["fds"]                      # which descriptor each received one stands for
    for received, target in zip(fds, numbers):
        os.dup2(received, target, inheritable=True)
        os.close(received)
    for target in (0, 1, 2):
        if target not in numbers:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, target)
            os.close(null)
    sys.stdin = os.fdopen(0, "r", closefd=False)
    sys.stdout = os.fdopen(1, "w", closefd=False)
    sys.stderr = os.fdopen(2, "w", closefd=False)
    os.environ.clear()
    os.environ.update(request["env"])
    try:
        os.chdir(request.get("cwd") or "/")
    except OSError:
        os.chdir("/")

    def watch():                                  # the backend was told to stop: so are we
        try:
            while True:
                message = conn.recv(1)
                if not message:
                    return
                if message == b"T":
                    os.kill(os.getpid(), signal.SIGTERM)
        except OSError:
            return

    threading.Thread(target=watch, daemon=True).start()
    from . import cupsio
    from .main import _state, main
    cupsio.debug(f"job run by the resident helper (pid {os.getppid()}, child {os.getpid()})")
    _state["in_helper"] = True
    _state["conn"] = conn
    return main(request["argv"])


def serve(path: str | None = None) -> int:
    path = path or socket_path()
    preload()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # children are reaped by the kernel
    stop = {"now": False}

    def on_term(signum, frame):
        stop["now"] = True
        listener.close()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    print(f"cupspykota: serving jobs on {path} (pid {os.getpid()})", file=sys.stderr, flush=True)
    try:
        while not stop["now"]:
            try:
                conn, _ = listener.accept()
            except OSError:
                if stop["now"]:
                    break
                continue
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            _, uid, _ = struct.unpack("3i", creds)
            if uid not in (0, os.getuid()):
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                code = 3
                try:
                    code = _serve_job(conn)
                except BaseException:  # noqa: BLE001 - main() maps everything; this is a last resort
                    code = 3
                finally:
                    from .main import _state
                    reply_to = _state.get("conn", conn)
                    try:
                        sys.stderr.flush()
                        reply_to.sendall(struct.pack("!i", code))
                    except OSError:
                        pass
                    os._exit(0)
            conn.close()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


def hand_over(argv: list[str]) -> int | None:
    """In the backend: give the job to a running helper. None: no helper, do it yourself."""
    path = socket_path()
    if not os.path.exists(path):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    numbers = []
    for fd in (0, 1, 2, 3, 4):
        try:
            os.fstat(fd)
            numbers.append(fd)
        except OSError:
            pass
    payload = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "fds": numbers}).encode()
    try:
        socket.send_fds(conn, [struct.pack("!I", len(payload)) + payload], numbers)
    except OSError:
        conn.close()
        return None                                # nothing was handed over

    def on_term(signum, frame):
        try:
            conn.send(b"T")
        except OSError:
            pass

    signal.signal(signal.SIGTERM, on_term)
    reply = b""
    while len(reply) < 4:
        try:
            chunk = conn.recv(4 - len(reply))
        except InterruptedError:
            continue
        if not chunk:
            break
        reply += chunk
    conn.close()
    if len(reply) < 4:
        sys.stderr.write("ERROR: cupspykota: the resident helper stopped during the job; job held\n")
        sys.stderr.flush()
        return 3
    return struct.unpack("!i", reply)[0]
