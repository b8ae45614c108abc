"""Routing CUPS queues through the cupspykota backend (pkprinters --cups), with lpstat/lpadmin.

The device URI becomes `cupspykota:<real URI>`: CUPS 2.4 refuses `cupspykota://socket://...`
as a URI, while the backend accepts both forms. Deleting the printer strips the prefix again.
"""
from __future__ import annotations

import os
import shutil
import subprocess

from .common import UserError, fail

PREFIX = "cupspykota:"


def _run(args: list[str], empty_ok: str | None = None) -> str:
    if shutil.which(args[0]) is None:
        fail(f"--cups needs {args[0]} (Debian package cups-client)")
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        fail(f"{args[0]} did not answer in 30 s: is cupsd running?")
    if done.returncode != 0 and empty_ok and empty_ok in (done.stderr + done.stdout):
        return ""                                   # e.g. lpstat: "No destinations added."
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        fail(f"{' '.join(args[:3])}: {said.splitlines()[0] if said else 'failed'}")
    return done.stdout


def device_uris() -> dict[str, str]:
    """Queue name -> device URI of every CUPS queue (one lpstat run)."""
    uris = {}
    for line in _run(["lpstat", "-v"], empty_ok="No destinations added").splitlines():
        # "device for hp4: socket://10.0.0.4"
        if line.startswith("device for ") and ": " in line:
            queue, uri = line[len("device for "):].split(": ", 1)
            uris[queue.strip()] = uri.strip()
    return uris


def device_uris_or_none() -> dict[str, str] | None:
    """The same, or None when CUPS cannot be asked (listings then say 'unknown')."""
    try:
        return device_uris()
    except (UserError, OSError):    # no CUPS to ask only means "we cannot tell"
        return None


def is_routed(uri: str) -> bool:
    return uri.startswith(PREFIX)


def routed(uri: str) -> str:
    return uri if is_routed(uri) else PREFIX + uri


def unrouted(uri: str) -> str:
    if not is_routed(uri):
        return uri
    rest = uri[len(PREFIX):]
    if rest.startswith("//") and "://" in rest[2:]:     # the older cupspykota://real form
        rest = rest[2:]
    return rest


def set_device_uri(queue: str, uri: str) -> None:
    _run(["lpadmin", "-p", queue, "-v", uri])
