"""Talking to cupsd: one line per message on stderr, flushed at once.

INFO / WARNING / ERROR lines become the job's and the printer's state message (what
`lpstat -l -p` and `lpstat -l -o` show); DEBUG lines go to the error_log only.
"""
from __future__ import annotations

import sys

PREFIX = "cupspykota"


def _emit(level: str, text: str) -> None:
    for line in str(text).splitlines() or [""]:
        try:
            sys.stderr.write(f"{level}: {line}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def debug(text: str) -> None:
    _emit("DEBUG", f"{PREFIX}: {text}")


def info(text: str) -> None:
    _emit("INFO", f"{PREFIX}: {text}")


def warning(text: str) -> None:
    _emit("WARNING", f"{PREFIX}: {text}")


def error(text: str) -> None:
    _emit("ERROR", f"{PREFIX}: {text}")


def state(change: str) -> None:
    """STATE: +reason / -reason (printer-state-reasons)."""
    _emit("STATE", change)


def raw(line: str) -> None:
    """A line from the real backend, passed through unchanged."""
    try:
        sys.stderr.write(line if line.endswith("\n") else line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def parse_options(text: str) -> dict[str, str]:
    """CUPS' option string (argv[5]): name=value pairs separated by spaces; values may be quoted
    with ' or " or use backslash escapes; a bare name is a boolean (name=true, noname=false)."""
    options: dict[str, str] = {}
    i, n = 0, len(text or "")
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        while i < n and not text[i].isspace() and text[i] != "=":
            i += 1
        name = text[start:i]
        if i < n and text[i] == "=":
            i += 1
            value = []
            while i < n and not text[i].isspace():
                ch = text[i]
                if ch in "'\"":
                    quote, i = ch, i + 1
                    while i < n and text[i] != quote:
                        if text[i] == "\\" and i + 1 < n:
                            i += 1
                        value.append(text[i])
                        i += 1
                    i += 1
                elif ch == "\\" and i + 1 < n:
                    value.append(text[i + 1])
                    i += 2
                else:
                    value.append(ch)
                    i += 1
            options[name] = "".join(value)
        elif name:
            if name.startswith("no") and len(name) > 2:
                options[name[2:]] = "false"
            else:
                options[name] = "true"
    return options
