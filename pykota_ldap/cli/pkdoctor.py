"""pkdoctor: check this print server's set-up, one line per finding, each problem with its fix.

\b
    pkdoctor                       every check (run it as root on the print server)
    pkdoctor -q                    problems only: nothing printed means nothing to fix
    pkdoctor --config-uri ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi
                                   where to read cn=config (indexes, replication)

It checks the configuration (every key and value), both accounts' binds, the schema, every
write the backend and the commands make (probed without changing data), what anonymous binds
can read, the indexes and the replication (cn=config over ldapi), CUPS queues that bypass
cupspykota, the journal and the resident helper. Exit status 1 when there is a problem.
"""
from __future__ import annotations

import click

from ..health import PROBLEM, examine
from .command import Command
from .common import CONTEXT


@click.command("pkdoctor", cls=Command, context_settings=CONTEXT, help=__doc__)
@click.option("-q", "--quiet", is_flag=True, help="Print the problems only.")
@click.option("--config-uri", metavar="URI",
              help="Read cn=config there (default: the ldapi URI of storageserver, else ldapi:///).")
def main(quiet: bool, config_uri: str | None) -> int:
    findings = examine(config_uri=config_uri)
    for finding in findings:
        if finding.level == PROBLEM or not quiet:
            click.echo(finding.line())
    return 1 if any(finding.level == PROBLEM for finding in findings) else 0


if __name__ == "__main__":
    main()
