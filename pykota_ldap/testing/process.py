"""Starting and stopping the servers the rigs run."""
from __future__ import annotations

import atexit
import signal
import subprocess
from typing import Self


def stop_process(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM, wait, SIGKILL if it does not go: never leave a server (or a zombie) behind."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Rig:
    """A test server: start() / stop(), or a context manager.

    The stop is registered (atexit) before anything is started, and start() stops what it did
    start when it fails half-way (a server that never became ready, a helper daemon that did):
    nothing is left running whatever happens, as with python-ldap's slapdtest. Subclasses
    implement _start() and _stop(); _stop() must cope with a rig that is only half started.
    """

    def start(self) -> Self:
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self._stop()

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
