"""The pkpgcounter program's entry point: the common call without click.

``pkpgcounter FILE ...`` (file operands only, ``-`` for standard input) is
what filters and scripts run once per job, so its start-up is most of its
cost: this module counts those files itself and imports nothing but the
page counter. Any option (``-d``, ``-c``, ``-h``, ``--version``...) goes to
the click command in :mod:`pykota_ldap.cli.pkpgcounter`, which shares
``count_files`` (pkpgcounter_files) and so prints and fails exactly the same way.
"""

from __future__ import annotations

import sys

from pykota_ldap.cli.pkpgcounter_files import DEFAULT_TIMEOUT, count_files

# typing costs start-up and only the type checker needs it (it takes this
# name as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

EXIT_INTERRUPTED = 130


def _echo(text: str, to_stderr: bool) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _only_files(args: Sequence[str]) -> bool:
    return all(arg == "-" or not arg.startswith("-") for arg in args)


def main(args: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if args is None else list(args)
    if not _only_files(args):
        from pykota_ldap.cli.pkpgcounter import main as command

        command(args=args, prog_name="pkpgcounter")
        return
    try:
        ok = count_files(args, DEFAULT_TIMEOUT, False, _echo)
    except KeyboardInterrupt:
        sys.stderr.write("pkpgcounter: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()          # the reader went away (pkpgcounter ... | head): not an error
        sys.exit(0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
