"""How every command fails: the one place where an error becomes what the user sees.

Every command of the package is a `Command` (pkschema, with subcommands, a `Group`); its name,
given once to click, prefixes every message:

- an error the user can cause (bad input, a refused action, the configuration, the directory:
  `UserError`, `ConfigError`, `DirectoryError`) is one line `<command>: <reason>`, exit status 1
  (the configuration's problems: one such line each);
- a usage error is one line `<command>: <reason> (see <command> -h)`, exit status 2; no
  arguments where some are needed shows the help, exit status 2;
- Ctrl-C is `<command>: interrupted`, exit status 130; a closed pipe (`dumpykota ... | head`)
  ends quietly with status 0;
- anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import sys
from typing import Any, NoReturn, Sequence

import click

from ..config import ConfigError
from ..directory import DirectoryError
from .common import EXIT_ERROR, EXIT_USAGE, UserError, one_line

EXIT_INTERRUPTED = 130
USER_ERRORS = (UserError, ConfigError, DirectoryError)
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())   # click >= 8.2


class _Stopped(Exception):
    """Ctrl-C or a closed pipe in the command body, carried past click, which would otherwise
    turn the first into 'Aborted!' after a blank line and exit 1 on the second."""

    def __init__(self, cause: BaseException):
        super().__init__(type(cause).__name__)
        self.cause = cause


def _command_path(ctx: click.Context | None, default: str) -> str:
    """'pkschema install': the names of the commands down to the one that failed."""
    names = []
    while ctx is not None:
        names.append(ctx.command.name or "")
        ctx = ctx.parent
    return " ".join(reversed(names)) if names else default


def _exit_after(name: str, error: BaseException) -> NoReturn:
    """Say what went wrong the way this module's docstring promises, and exit; re-raise a bug."""
    if isinstance(error, _NO_ARGS_IS_HELP):
        click.echo(error.ctx.get_help())
        sys.exit(EXIT_USAGE)
    if isinstance(error, click.ClickException):
        hint = _command_path(getattr(error, "ctx", None), name)
        click.echo(f"{name}: {one_line(error.format_message())} (see {hint} -h)", err=True)
        sys.exit(EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code)
    if isinstance(error, click.Abort):
        click.echo(f"{name}: aborted", err=True)
        sys.exit(EXIT_ERROR)
    if isinstance(error, ConfigError):
        for problem in error.problems:                  # the files' problems, one line each
            click.echo(f"{name}: {one_line(problem)}", err=True)
        sys.exit(EXIT_ERROR)
    if isinstance(error, USER_ERRORS):
        click.echo(f"{name}: {one_line(str(error))}", err=True)
        sys.exit(EXIT_ERROR)
    if isinstance(error, _Stopped) and isinstance(error.cause, KeyboardInterrupt):
        click.echo(f"{name}: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if isinstance(error, _Stopped):
        sys.stderr.close()          # else Python complains there when stdout fails to flush at exit
        sys.exit(0)
    raise error


class _Reported:
    """Mixin for click commands: runs them with click's own reporting off, and reports here.
    standalone_mode=False keeps click's contract instead: errors are raised to the caller."""

    name: str | None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        run = super().main  # type: ignore[misc]
        if not standalone_mode:
            return run(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        try:
            result = run(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        except Exception as error:
            _exit_after(self.name or "", error)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (KeyboardInterrupt, BrokenPipeError) as stop:
            raise _Stopped(stop) from None


class Command(_Reported, click.Command):
    """A click command whose failures are reported as this module says."""


class Group(_Reported, click.Group):
    """The same for a command with subcommands; the subcommands need nothing of their own."""
