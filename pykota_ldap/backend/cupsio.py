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


def one_line(exc: BaseException) -> str:
    """An error's text on one line (a message line to cupsd must not break)."""
    return " ".join(str(exc).split())


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
    return dict(option_pairs(text))


def option_pairs(text: str) -> list[tuple[str, str]]:
    """The same, as (name, value) pairs in the order cupsd wrote them (duplicates kept)."""
    pairs: list[tuple[str, str]] = []
    text = text or ""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != "=":
            i += 1
        name = text[start:i]
        if i < n and text[i] == "=":
            value, i = _value(text, i + 1)
            pairs.append((name, value))
        elif name.startswith("no") and len(name) > 2:
            pairs.append((name[2:], "false"))
        else:
            pairs.append((name, "true"))
    return pairs


def _value(text: str, i: int) -> tuple[str, int]:
    """The value that starts at text[i], its quotes and escapes resolved; and where it ends."""
    n, chars = len(text), []
    while i < n and not text[i].isspace():
        if text[i] in "'\"":
            quoted, i = _quoted(text, i)
            chars.append(quoted)
        elif text[i] == "\\" and i + 1 < n:
            chars.append(text[i + 1])
            i += 2
        else:
            chars.append(text[i])
            i += 1
    return "".join(chars), i


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The text between the quote at text[i] and the next same quote (escapes resolved); and
    where it ends, past the closing quote."""
    quote, i, n, chars = text[i], i + 1, len(text), []
    while i < n and text[i] != quote:
        if text[i] == "\\" and i + 1 < n:
            i += 1
        chars.append(text[i])
        i += 1
    return "".join(chars), i + 1
