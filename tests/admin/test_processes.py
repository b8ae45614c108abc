"""The commands as real processes: exit statuses, stderr, a closed pipe, progress on a terminal."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(module: str, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", f"pykota_ldap.cli.{module}", *args], env=env,
                          capture_output=True, text=True, timeout=60, **kw)


def test_exit_statuses_and_messages(pykota_home):
    assert run("pkprinters", "-a", "hp4").returncode == 0
    listing = run("pkprinters", "-l")
    assert listing.returncode == 0 and listing.stdout.startswith("hp4 [")
    bad = run("edpykota", "-a", "-S", "ten", "jerome")
    assert bad.returncode == 1 and bad.stderr == "edpykota: --softlimit must be a whole number, got 'ten'\n"
    usage = run("pkusers", "--nope")
    assert usage.returncode == 2 and len(usage.stderr.splitlines()) == 1
    assert run("pkusers", "-v").stdout.rstrip().endswith("(pykota-ldap) 0.1.0")
    helped = run("dumpykota", "-h")
    assert helped.returncode == 0 and "upquotas" in helped.stdout and "-A, --arguments FILE" in helped.stdout


def test_directory_down_is_one_line(pykota_home, slapd):
    slapd.kill()
    result = run("repykota")
    assert result.returncode == 1 and result.stderr.startswith("repykota: no LDAP server answered")
    assert "Traceback" not in result.stderr


def test_closed_pipe_is_not_an_error(pykota_home):
    run("pkprinters", "-a", *[f"p{i}" for i in range(300)])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    pipeline = subprocess.run(f"{sys.executable} -m pykota_ldap.cli.dumpykota -d printers | head -1", shell=True,
                              env=env, capture_output=True, text=True, timeout=60)
    assert pipeline.stdout.startswith('"dn"') and "Traceback" not in pipeline.stderr


def test_progress_shows_on_a_terminal_only(pykota_home):
    run("pkprinters", "-a", *[f"p{i}" for i in range(250)])
    quiet = run("dumpykota", "-d", "printers")
    assert quiet.stderr == ""
    controller, terminal = pty.openpty()
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-m", "pykota_ldap.cli.dumpykota", "-d", "printers"], env=env,
                              stdout=subprocess.PIPE, stderr=terminal, timeout=60)
        os.close(terminal)
        terminal = None
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert proc.returncode == 0
    assert b"printers: 200" in seen
