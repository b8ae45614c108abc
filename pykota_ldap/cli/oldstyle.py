"""PyKota's users typed long options with one dash (`pknotify -destination host:7654`,
`pykoticon -port=7654`): such a word becomes `--destination` before click reads the line,
when it names one of the command's long options exactly and is not the value of the option
before it."""
from __future__ import annotations

from collections.abc import Iterable


def with_long_dashes(args: Iterable[str], long_names: Iterable[str], with_values: Iterable[str]) -> list[str]:
    """args with `-name` / `-name=value` as `--name...` for each long option `name` (no dashes);
    with_values: the option words (`-d`, `--destination`) whose next word is their value."""
    names, takes_value = set(long_names), set(with_values)
    out: list[str] = []
    value_next = False
    for arg in args:
        if value_next:
            out.append(arg)
            value_next = False
            continue
        if arg == "--":
            out.append(arg)
            value_next = True          # the rest is arguments
            continue
        if arg.startswith("-") and not arg.startswith("--") and arg[1:].split("=", 1)[0] in names:
            arg = "-" + arg
        out.append(arg)
        value_next = "=" not in arg and arg in takes_value
    return out
