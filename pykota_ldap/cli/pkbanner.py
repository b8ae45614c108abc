"""pkbanner: a banner page for the job in the environment, on standard output.

\b
    startingbanner: /usr/local/bin/pkbanner                    in pykota.conf: PostScript (default)
    endingbanner: /usr/local/bin/pkbanner -f pdf -s 30 Thanks   PDF, 30% lighter, a "More Info" line
    pkbanner -l /etc/pykota/logo.png -p letter -u https://print.example.org/

The page shows the user, printer, job, date, title, file name, what became of the job
($PYKOTAACTION) and what is left of the user's quota or balance, all from the PYKOTA*
variables the backend gives banner commands. Extra words are printed as a "More Info" line.
"""
from __future__ import annotations

import sys
from datetime import datetime

import click

from ..report import banner
from .command import Command
from .common import fail


@click.command("pkbanner", cls=Command, help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-l", "--logo", type=click.Path(exists=True, dir_okay=False), help="An image drawn at the top.")
@click.option("-p", "--pagesize", default="A4", show_default=True,
              type=click.Choice(banner.PAGE_SIZES, case_sensitive=False), help="The paper size.")
@click.option("-s", "--savetoner", default=0, show_default=True, type=click.IntRange(0, 99),
              help="Lighten the text by this percentage.")
@click.option("-u", "--url", default="", help="A web address printed at the bottom.")
@click.option("-f", "--format", "fmt", default="ps", show_default=True, type=click.Choice(("ps", "pdf")),
              help="PostScript or PDF.")
@click.argument("more", nargs=-1)
def main(logo: str | None, pagesize: str, savetoner: int, url: str, fmt: str, more: tuple[str, ...]) -> None:
    import os
    text = banner.text_from_environment(os.environ, datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
                                        " ".join(more))
    try:
        document = banner.pdf(text, pagesize, logo, url, savetoner)
        if fmt == "ps":
            document = banner.postscript(document)
    except banner.BannerError as exc:
        fail(str(exc))
    sys.stdout.buffer.write(document)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
