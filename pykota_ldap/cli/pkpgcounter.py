"""pkpgcounter: print the number of pages (x copies) of print jobs.

    pkpgcounter [-d] [-c COLORSPACE] [-r DPI] [FILE ...]

Prints one integer, the total over all files, like the old tool; ``-`` or no
file reads standard input. With ``-c`` it prints per-page ink coverage
instead. A file that cannot be counted gives a one-line error on stderr and
a non-zero exit status.
"""

from __future__ import annotations

import sys

import click

from pykota_ldap import __version__
from pykota_ldap.accounting.pdl import PDLError
from pykota_ldap.cli.command import Command
from pykota_ldap.cli.pkpgcounter_files import DEFAULT_TIMEOUT, count_files

COLORSPACES = ("bw", "gc", "rgb", "cmy", "cmyk")


@click.command("pkpgcounter", cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-d", "--debug", is_flag=True, help="Show language, pages, copies and time per file on stderr.")
@click.option("-c", "--colorspace", type=click.Choice(COLORSPACES, case_sensitive=False),
              help="Print per-page ink coverage in this colour space instead of the page count.")
@click.option("-r", "--resolution", type=click.IntRange(72, 1200), default=72, show_default=True,
              help="Resolution (dpi) for ink coverage.")
@click.option("-t", "--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Time limit per file, in seconds.")
@click.version_option(__version__, "-v", "--version", prog_name="pkpgcounter")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
def main(debug: bool, colorspace: str | None, resolution: int, timeout: float, files: tuple[str, ...]) -> None:
    """Count the pages of print jobs (PDF, PostScript, PCL, PCL XL, raster, ...)."""
    if not colorspace:
        ok = count_files(files, timeout, debug, lambda text, to_stderr: click.echo(text, err=to_stderr))
        sys.exit(0 if ok else 1)
    failed = False
    for name in files or ("-",):
        try:
            _print_ink(name, colorspace, resolution, timeout)
        except PDLError as exc:
            click.echo(f"pkpgcounter: {_label(name)}: {exc}", err=True)
            failed = True
        except OSError as exc:      # a file missing or unreadable; anything else is a bug
            click.echo(f"pkpgcounter: {_label(name)}: {type(exc).__name__}: {exc}", err=True)
            failed = True
    sys.exit(1 if failed else 0)


def _open(name: str):
    return sys.stdin.buffer if name == "-" else name


def _label(name: str) -> str:
    return "<stdin>" if name == "-" else name


def _print_ink(name: str, colorspace: str, resolution: int, timeout: float) -> None:
    from pykota_ldap.accounting.pdl.ink import format_page, ink_coverage

    for page in ink_coverage(_open(name), colorspace, resolution, timeout=timeout):
        click.echo(format_page(page))


if __name__ == "__main__":
    main()
