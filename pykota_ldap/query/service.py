"""The listener of the query service, a process of its own beside the resident helper.

It only accepts: the kernel says who is on the other end (SO_PEERCRED), and a forked child
(query.answer) does the rest, so a caller that sends nothing, or sends slowly, holds up nobody
else. What one user can cost is bounded: at most Limits.per_user of their queries run at once
and Limits.total in all (more are refused at once, with a message), and a query still running
after Limits.seconds is killed (the caller is told), like one using that much CPU time.
"""
from __future__ import annotations

import ctypes
import os
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

from ..unixsocket import listen
from .protocol import query_socket_path, send_reply

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    per_user: int = 4
    total: int = 32
    seconds: float = 60.0


@dataclass
class _Running:
    uid: int
    started: float
    conn: socket.socket = field(repr=False)
    killed: bool = False


def start(path: str | None = None, limits: Limits = Limits()) -> int | None:
    """The listener's pid (it runs until stop(), or until the process that started it dies);
    None when the socket cannot be made, which is said on stderr: jobs are served anyway."""
    path = path or query_socket_path()
    try:
        listener = listen(path, 0o666)           # any local user may ask (the kernel says who)
    except OSError as exc:
        print(f"cupspykota: no query service for users ({path}: {exc.strerror})", file=sys.stderr, flush=True)
        return None
    parent = os.getpid()
    pid = os.fork()
    if pid:
        listener.close()
        print(f"cupspykota: answering users' queries on {path} (pid {pid})", file=sys.stderr, flush=True)
        return pid
    try:
        Listener(listener, path, limits, parent).run()
    finally:
        os._exit(0)


def stop(pid: int | None) -> None:
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


class Listener:
    def __init__(self, listener: socket.socket, path: str, limits: Limits, parent: int):
        self.listener, self.path, self.limits, self.parent = listener, path, limits, parent
        self.running: dict[int, _Running] = {}
        self.stopping = False

    def run(self) -> None:
        self._setup()
        try:
            while not self.stopping:
                ready, _, _ = select.select([self.listener], [], [], 0.5)
                self._reap()
                self._expire()
                if ready and not self.stopping:
                    self._accept()
        finally:
            self._shut_down()

    def _setup(self) -> None:
        """Signals of its own; gone with the helper (PR_SET_PDEATHSIG), even one killed by SIGKILL."""
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_stop)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)        # the helper ignores it: here, children are waited for
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != self.parent:                      # died before prctl took effect
            self.stopping = True
        from . import answer
        answer.preload()

    def _on_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        uid = peer_uid(conn)
        mine = sum(1 for query in self.running.values() if query.uid == uid)
        if mine >= self.limits.per_user or len(self.running) >= self.limits.total:
            why = (f"{mine} of your queries are running (at most {self.limits.per_user})"
                   if mine >= self.limits.per_user else f"{len(self.running)} queries are running")
            send_reply(conn, 1, f"the query service is busy: {why}: try again in a moment")
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self._in_child(conn, uid)
        self.running[pid] = _Running(uid, time.monotonic(), conn)

    def _in_child(self, conn: socket.socket, uid: int) -> None:
        """Nothing of the listener, nor of other callers' connections, goes into the child."""
        self.listener.close()
        for query in self.running.values():
            query.conn.close()
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        from .answer import answer
        answer(conn, uid, self.limits.seconds)

    def _reap(self) -> None:
        while self.running:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            query = self.running.pop(pid, None)
            if query is not None:
                query.conn.close()

    def _expire(self) -> None:
        now = time.monotonic()
        for pid, query in self.running.items():
            if not query.killed and now - query.started > self.limits.seconds:
                query.killed = True
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                send_reply(query.conn, 1, f"stopped after {self.limits.seconds:g} s, the query service's limit")

    def _shut_down(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.listener.close()
        for pid in self.running:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
