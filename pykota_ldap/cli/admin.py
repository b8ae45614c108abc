"""What the PyKota-compatible admin commands share beyond cli.common.

- `PkCommand`: a command (cli.command: errors reported in one place) that expands `-A FILE` in
  place before parsing (PyKota's argument files), and answers -v with the version.
- `resolve`: the one path from what a user typed (names, comma lists, shell wildcards) to
  directory objects, used by every command so that they all accept and refuse the same things.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, TypeVar

import click

from .. import __version__ as VERSION
from ..directory import accounts
from ..directory import escaping as esc
from ..model import Group, Printer, User
from .command import Command
from .common import CONTEXT, check_name, fail, read_arg_file, split_names
from .session import ARGUMENTS, Session

T = TypeVar("T")

# Characters refused in the name of anything created by these commands: wildcards would make the
# name unreachable by pattern, ',' splits lists, '@' separates user and printer in quota entry
# names, '/' introduces the e-mail in `pkusers -a name/email` (PyKota's isValidName, plus '[').
CREATE_FORBIDDEN = set("/@?*[,;&|")


def _argument_lines(path: str) -> list[str]:
    """The file's arguments; a line in "double quotes" loses them (PyKota's rule)."""
    return [line[1:-1] if len(line) >= 2 and line[0] == line[-1] == '"' else line for line in read_arg_file(path)]


def expand_argument_files(args: list[str]) -> list[str]:
    """Replace `-A FILE` / `--arguments FILE` by the lines of FILE, where it stood."""
    out, index = [], 0
    while index < len(args):
        arg = args[index]
        if arg in ("-A", "--arguments"):
            if index + 1 >= len(args):
                raise click.UsageError(f"option {arg} requires a file name")
            out.extend(_argument_lines(args[index + 1]))
            index += 2
            continue
        if arg.startswith("--arguments="):
            out.extend(_argument_lines(arg.split("=", 1)[1]))
        elif arg.startswith("-A") and not arg.startswith("--") and len(arg) > 2:
            out.extend(_argument_lines(arg[2:]))
        else:
            out.append(arg)
        index += 1
    return out


class PkCommand(Command):
    """A command with PyKota's habits: -A argument files, -h, -v."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("context_settings", CONTEXT)
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["-A", "--arguments"], metavar="FILE", expose_value=False,
                                        help="Read more arguments from FILE, one per line ('-' for stdin)."))
        self.params.append(click.Option(["-v", "--version"], is_flag=True, expose_value=False, is_eager=True,
                                        callback=_print_version, help="Show the version and exit."))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        expanded = expand_argument_files(list(args))
        ctx.meta[ARGUMENTS] = list(expanded)       # what a non-admin's command hands over (cli.session)
        return super().parse_args(ctx, expanded)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"{ctx.info_name} (pykota-ldap) {VERSION}")
        ctx.exit(0)


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """@command("pkusers") -- a PkCommand with the shared context settings."""
    return click.command(name, cls=PkCommand, **kwargs)


# -- from typed names to directory objects -----------------------------------------------------

def names_from(values: Iterable[str]) -> list[str]:
    """Arguments as typed (comma lists allowed), checked for characters no name may hold;
    a name given twice counts once (names match case-insensitively)."""
    return _unique((check_name(name, "object") for name in split_names(values)), str)


def check_new_name(name: str, what: str) -> str:
    bad = sorted(set(name) & CREATE_FORBIDDEN)
    if not name or bad or any(ord(ch) < 32 for ch in name) or name != name.strip():
        shown = "".join(bad) or "spaces around it or control characters"
        fail(f"invalid {what} name {name!r}: it may not contain {shown}")
    return name


def _name(obj: Any) -> str:
    return obj.name


def resolve(patterns: list[str] | None, finder: Callable[[list[str] | None], Iterable[T]], what: str,
            name_of: Callable[[T], str] = _name,
            explain: Callable[[str], str | None] | None = None) -> list[T]:
    """Objects matching the names or shell patterns; every name typed must match something.

    No names means all of them (and matching nothing is then fine). `finder(patterns)` does the
    server-side narrowing; the exact (case-insensitive) shell match is checked here, so a name
    with filter metacharacters never selects more than itself. `explain(name)` may say why a
    literal name is missing (e.g. "in the directory but not managed").
    """
    if not patterns:
        return _unique(finder(None), name_of)
    found = _unique(finder(patterns), name_of)
    for pattern in patterns:
        if not any(esc.matches(name_of(obj), pattern) for obj in found):
            reason = explain(pattern) if explain and not esc.is_pattern(pattern) else None
            fail(reason or (f"no {what} matches {pattern!r}" if esc.is_pattern(pattern)
                            else f"unknown {what} {pattern!r}"))
    return found


def _unique(objects: Iterable[T], name_of: Callable[[T], str]) -> list[T]:
    seen: set[str] = set()
    out: list[T] = []
    for obj in objects:
        key = name_of(obj).lower()
        if key not in seen:
            seen.add(key)
            out.append(obj)
    return out


def exclusive(**flags: bool) -> None:
    """At most one of these modes may be given (e.g. add, delete, list)."""
    given = [name for name, value in flags.items() if value]
    if len(given) > 1:
        raise click.UsageError("options " + " and ".join("--" + g for g in given) + " cannot be used together")


# -- users and groups, the same way in every command -------------------------------------------

def own_names(s: Session, groups: bool) -> list[str]:
    """What a non-admin may see: themselves, or with -g the groups they are in."""
    if not groups:
        return [s.caller]
    me = accounts.get_user(s.directory, s.caller)
    return [g.name for g in accounts.user_groups(s.directory, me)] if me else []


def _unmanaged(s: Session, groups: bool) -> Callable[[str], str | None]:
    """For a literal name that is in the directory but not managed: how to manage it."""
    what = "group" if groups else "user"
    get = accounts.get_group if groups else accounts.get_user

    def explain(name: str) -> str | None:
        obj = get(s.directory, name)
        if obj is not None and not obj.managed:
            return f"{what} {name} is in the directory but not managed: pkusers -a {'-g ' if groups else ''}{name}"
        return None

    return explain


def resolve_users(s: Session, patterns: list[str] | None) -> list[User]:
    """Managed users selected by the names."""
    return resolve(patterns, lambda pats: accounts.find_users(s.directory, pats), "user",
                   explain=_unmanaged(s, groups=False))


def resolve_groups(s: Session, patterns: list[str] | None, with_members: bool = True) -> list[Group]:
    """Managed users groups selected by the names."""
    return resolve(patterns, lambda pats: accounts.find_groups(s.directory, pats, with_members=with_members),
                   "group", explain=_unmanaged(s, groups=True))


def resolve_accounts(s: Session, patterns: list[str] | None, groups: bool,
                     with_members: bool = True) -> list[User] | list[Group]:
    """Managed users, or with groups=True users groups, selected by the names."""
    return resolve_groups(s, patterns, with_members) if groups else resolve_users(s, patterns)


def resolve_printers(patterns: list[str] | None, everything: dict[str, Printer],
                     what: str = "printer") -> list[Printer]:
    """Printers and printer groups selected by the names (from one all_printers read)."""
    return resolve(patterns, lambda pats: [p for p in everything.values()
                                           if not pats or any(esc.matches(p.name, x) for x in pats)], what)
