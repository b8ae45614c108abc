"""`cupspykota` without arguments (lpinfo -v, the web interface's "Add printer"): every other
backend's devices, offered again as `cupspykota:<uri>` devices, plus a bare virtual device."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys

TIMEOUT = 10.0


def _backends(folder: str, me: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            if os.path.samefile(path, me):
                continue
        except OSError:
            pass
        if name.startswith(".") or not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        found.append(path)
    return found


def wrap(line: str) -> str | None:
    """'network socket://h "HP 4000" "HP 4000 (net)" "MFG:HP;"' -> the cupspykota device."""
    try:
        parts = shlex.split(line)
    except ValueError:
        return None
    if len(parts) < 4 or ":" not in parts[1] or parts[1].startswith("cupspykota:"):
        return None
    device_class, uri, make, info = parts[:4]
    rest = "".join(f' "{p}"' for p in parts[4:])
    return f'{device_class} cupspykota:{uri} "PyKota+{make}" "PyKota managed {info}"{rest}'


def discover(me: str | None = None) -> list[str]:
    me = os.path.realpath(me or sys.argv[0])
    folder = os.path.join(os.environ["CUPS_SERVERBIN"], "backend") if os.environ.get("CUPS_SERVERBIN") \
        else os.path.dirname(me)
    lines = ['direct cupspykota "PyKota+Nothing" "PyKota managed Virtual Printer"']
    children = []
    for path in _backends(folder, me):
        try:
            children.append(subprocess.Popen([path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                             stdin=subprocess.DEVNULL))
        except OSError:
            continue
    for child in children:
        try:
            out, _ = child.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
        for line in out.decode("utf-8", "replace").splitlines():
            wrapped = wrap(line)
            if wrapped:
                lines.append(wrapped)
    return lines
