"""`pkweb serve` as a new admin types it: an address on the network without a TLS proxy is a
setup where browsers drop the Secure session cookie (no login works) and passwords cross the
network in clear, so it says so before anything else."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PKWEB = str(Path(sys.executable).parent / "pkweb")


def serve(tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    # an empty PYKOTA_HOME: the command stops at the missing configuration, after its warnings
    return subprocess.run([PKWEB, "serve", *options], env={"PYKOTA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)


def test_a_network_address_without_a_proxy_is_warned_of(tmp_path):
    done = serve(tmp_path, "--bind", "0.0.0.0:8080")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "plain HTTP" in done.stderr and "docs/web.md" in done.stderr, done.stderr


def test_loopback_or_behind_a_proxy_is_not(tmp_path):
    for options in (("--bind", "127.0.0.1:8080"), ("--bind", "[::1]:8080"),
                    ("--bind", "0.0.0.0:8080", "--behind-proxy")):
        done = serve(tmp_path, *options)
        assert done.returncode != 0 and "plain HTTP" not in done.stderr, (options, done.stderr)
        assert "pykota.conf" in done.stderr                      # it got as far as the configuration
