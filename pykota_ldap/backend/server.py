"""`cupspykota --serve`: an optional resident helper that makes each job cheap.

A process per job pays Python's start-up and the ldap3 / page counter imports (~90 ms) on every
job. The helper imports them once and listens on a Unix socket (mode 0600, root). The backend
CUPS starts then only connects, hands over its file descriptors (stdin with the job's data,
stdout, stderr to cupsd, and CUPS' back and side channels 3 and 4) with SCM_RIGHTS, its argv and
environment, and waits for the exit code. The helper forks one child per job; the child takes
the descriptors as its own and runs exactly the same flow as the backend would (flow.run),
so nothing differs but the start-up. A cancellation (SIGTERM to the backend) is passed on, also
one that comes while the job is being handed over. The child knows which backend process and
which cupsd the job belongs to: if that cupsd dies, the job is not printed (a new cupsd runs it).

Safety: when the helper is not running (no socket, connection refused) the backend does the
job itself, and also when the helper went away before its child said it took the job (TAKEN).
Once the child took it the backend never does: if the helper dies mid-job the backend exits HOLD
(3: job held) rather than risk printing twice.

Socket: state.socket_path(): $PYKOTA_HOME/cupspykota.sock when PYKOTA_HOME is set, else
/run/pykota/cupspykota.sock (PYKOTA_BACKEND_SOCKET overrides both).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import threading

from ..unixsocket import listen, receive_framed, send_framed
from . import cupsio
from .exits import BackendExit
from .state import socket_path

MAX_REQUEST = 1 << 20           # bytes: argv and environment of one job
MAX_FDS = 8
# Sent by the child before it runs the job: a backend whose helper went away before this (it ended
# with the job still in its listen queue) knows nothing ran, and prints the job itself.
TAKEN = b"A"
PRELOAD = ("pykota_ldap.directory.history", "pykota_ldap.directory.jobcontext", "pykota_ldap.directory.quotas",
           "pykota_ldap.directory.accounts", "pykota_ldap.backend.decide", "pykota_ldap.backend.flow",
           "pykota_ldap.backend.printing",
           "pykota_ldap.backend.journal", "pykota_ldap.backend.replay", "pykota_ldap.backend.reserve",
           "pykota_ldap.backend.charge", "pykota_ldap.backend.notify", "pykota_ldap.backend.precount",
           "pykota_ldap.backend.run", "pykota_ldap.accounting.pdl.counting", "pikepdf")


def preload() -> None:
    """Everything a job imports, once (the page counter loads what it lacks per job anyway)."""
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass


# -- the helper ----------------------------------------------------------------------------------

def serve(path: str | None = None, on_demand: bool = False) -> int:
    """The helper; on_demand (started by a backend: ondemand.py) it ends after a while without jobs."""
    from .ondemand import hold_lock, idle_seconds
    path = path or socket_path()
    os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
    lock = hold_lock(path)
    if lock is None:
        print(f"cupspykota: a resident helper serves {path} already", file=sys.stderr, flush=True)
        return BackendExit.OK
    preload()
    from ..query import service as query_service
    queries = query_service.start()                   # users' own commands: a process of its own
    listener = listen(path, 0o600)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # children are reaped by the kernel
    stopping = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        listener.close()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if on_demand:
        listener.settimeout(idle_seconds())
    print(f"cupspykota: serving jobs on {path} (pid {os.getpid()})", file=sys.stderr, flush=True)
    try:
        while not stopping:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                break                                 # on demand, and no job for a while
            except OSError:
                continue                              # interrupted, or closed by on_term
            conn.setblocking(True)
            if _peer_is_trusted(conn):
                _fork_job(listener, conn, lock)
            conn.close()
    finally:
        query_service.stop(queries)
        try:
            os.unlink(path)
        except OSError:
            pass
    return BackendExit.OK


def _peer_is_trusted(conn: socket.socket) -> bool:
    """Only root (the backend cupsd runs) or the helper's own user may hand over a job."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return uid in (0, os.getuid())


def _fork_job(listener: socket.socket, conn: socket.socket, lock: int) -> None:
    """One child per job; the helper goes back to listening at once. The child lets go of the
    helper's lock: a long job outliving its helper must not keep a new one from starting."""
    if os.fork() != 0:
        return
    listener.close()
    os.close(lock)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(number, signal.SIG_DFL)
    _run_child(conn)


def _run_child(conn: socket.socket) -> None:
    """The forked child: the job, its exit code sent back to the waiting backend; never returns."""
    code, reply_to = int(BackendExit.HOLD), conn
    try:
        argv, cupsd, reply_to = _adopt(conn)
        reply_to.sendall(TAKEN)
        _pass_on_cancel(reply_to)
        cupsio.debug(f"job run by the resident helper (pid {os.getppid()}, child {os.getpid()})")
        from .flow import run
        code = run(argv, cupsd)
    except BaseException:  # noqa: BLE001 - flow.run maps everything; this is a last resort
        code = BackendExit.HOLD
    finally:
        try:
            sys.stderr.flush()
            reply_to.sendall(struct.pack("!i", code))
        except OSError:
            pass
        os._exit(0)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    payload, fds = receive_framed(conn, MAX_FDS, MAX_REQUEST)
    return json.loads(payload.decode()), fds


def _high(fd: int) -> int:
    """The same descriptor moved above the ones we are about to fill (0-4)."""
    import fcntl
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 20)
    os.close(fd)
    return moved


def _adopt(conn: socket.socket) -> tuple[list[str], tuple[int, int], socket.socket]:
    """The backend's descriptors, environment and working directory become this process's own.
    Returns the job's argv, (the backend process, its cupsd), and the connection, moved out of
    the way of the descriptors."""
    request, fds = _receive(conn)
    conn = socket.socket(fileno=_high(conn.detach()))
    numbers = request["fds"]                      # which descriptor each received one stands for
    for received, target in zip([_high(fd) for fd in fds], numbers, strict=True):
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
    backend, cupsd = request["cupsd"]
    return request["argv"], (int(backend), int(cupsd)), conn


def _pass_on_cancel(conn: socket.socket) -> None:
    """The backend was told to stop (it sends "T"): so is this job."""
    def watch() -> None:
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


# -- the backend's side --------------------------------------------------------------------------

def hand_over(argv: list[str]) -> int | None:
    """In the backend: give the job to a running helper. None: no helper, do it yourself."""
    conn = _connect(socket_path())
    if conn is None:
        return None
    # A cancel from here on reaches the job: it is noted until the helper has the job, then sent.
    handed, cancelled = [False], [False]

    def on_term(signum: int, frame: object) -> None:
        cancelled[0] = True
        if handed[0]:
            try:
                conn.send(b"T")
            except OSError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    numbers = _open_descriptors()
    payload = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "fds": numbers,
                          "cupsd": [os.getpid(), os.getppid()]}).encode()
    if cancelled[0]:
        conn.close()
        cupsio.info("job cancelled before printing")
        return BackendExit.OK
    try:
        send_framed(conn, payload, numbers)
    except OSError:
        conn.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return BackendExit.OK if cancelled[0] else None      # nothing was handed over
    handed[0] = True
    if cancelled[0]:
        on_term(signal.SIGTERM, None)
    first = _read(conn, 1)
    if not first:
        conn.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return BackendExit.OK if cancelled[0] else None      # never taken: nothing of it ran
    code = _exit_code(conn, b"" if first == TAKEN else first)
    conn.close()
    if code is None:
        cupsio.error("the resident helper stopped during the job; job held")
        return BackendExit.HOLD
    return code


def _connect(path: str) -> socket.socket | None:
    if not os.path.exists(path):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    return conn


def _open_descriptors() -> list[int]:
    """stdin, stdout, stderr and CUPS' back and side channels (3, 4), those that are open."""
    numbers = []
    for fd in (0, 1, 2, 3, 4):
        try:
            os.fstat(fd)
            numbers.append(fd)
        except OSError:
            pass
    return numbers


def _exit_code(conn: socket.socket, start: bytes) -> int | None:
    """The job's exit code from the helper's child (``start``: its bytes read already); None when
    the child died without one."""
    reply = start + _read(conn, 4 - len(start))
    return struct.unpack("!i", reply)[0] if len(reply) == 4 else None


def _read(conn: socket.socket, size: int) -> bytes:
    """Up to ``size`` bytes; fewer when the other end went away (closed or reset)."""
    reply = b""
    while len(reply) < size:
        try:
            chunk = conn.recv(size - len(reply))
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        reply += chunk
    return reply
