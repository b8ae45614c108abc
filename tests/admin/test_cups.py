"""pkprinters --cups against a private cupsd (own ServerRoot, loopback port, a stub cupspykota).

CUPS only accepts a device URI whose scheme has a backend in ServerBin/backend, so the private
ServerBin links to the system's and adds a stub `cupspykota` (the real one is the backend's).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

SYSTEM_BIN = Path("/usr/lib/cups")
pytestmark = pytest.mark.skipif(shutil.which("cupsd") is None or shutil.which("lpadmin") is None
                                or not SYSTEM_BIN.is_dir() or os.geteuid() != 0,
                                reason="needs cupsd, lpadmin and root")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cupsd(tmp_path, monkeypatch):
    root = tmp_path / "cups"
    for sub in ("spool", "cache", "state", "log", "bin/backend"):
        (root / sub).mkdir(parents=True)
    for entry in SYSTEM_BIN.iterdir():
        if entry.name != "backend":
            (root / "bin" / entry.name).symlink_to(entry)
    for backend in (SYSTEM_BIN / "backend").iterdir():
        (root / "bin/backend" / backend.name).symlink_to(backend)
    stub = root / "bin/backend/cupspykota"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    port = _port()
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nServerBin {root}/bin\nRequestRoot {root}/spool\nTempDir {root}/spool\n"
        f"CacheDir {root}/cache\nStateDir {root}/state\nAccessLog {root}/log/access_log\n"
        f"ErrorLog {root}/log/error_log\nPageLog {root}/log/page_log\nSandboxing relaxed\n")
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nLogLevel warn\nWebInterface No\nDefaultAuthType None\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n")
    process = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.skip("private cupsd did not start")
            time.sleep(0.05)
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")
    yield port
    process.send_signal(signal.SIGTERM)
    process.wait(10)


def device(queue: str) -> str:
    out = subprocess.run(["lpstat", "-v", queue], capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    return out.stdout.split(": ", 1)[1].strip()


def test_cups_routes_the_queue_and_restores_it_on_delete(sh, cupsd):
    subprocess.run(["lpadmin", "-p", "hp4", "-v", "socket://127.0.0.1:9100", "-E"], check=True)
    sh("pkprinters -a -C hp4")
    assert device("hp4") == "cupspykota:socket://127.0.0.1:9100"
    assert "Routed through PyKota : YES" in sh("pkprinters -l hp4").stdout
    sh("pkprinters -C hp4")                                         # already routed: unchanged
    assert device("hp4") == "cupspykota:socket://127.0.0.1:9100"
    sh("pkprinters -d -C hp4")
    assert device("hp4") == "socket://127.0.0.1:9100"
    assert sh.search("ou=Printers,ou=PyKota,dc=example,dc=org", "(cn=hp4)", "dn") == ""


def test_cups_refuses_a_printer_that_is_not_a_queue(sh, slapd, cupsd):
    from .conftest import snapshot
    before = snapshot(slapd)
    result = sh("pkprinters -a -C nosuchqueue", ok=False)
    assert result.exit_code == 1 and "CUPS has no queue called 'nosuchqueue'" in result.stderr
    assert snapshot(slapd) == before
