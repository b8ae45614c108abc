"""Which reader a `--from` means, and the Site it gives.

    dump.xml                      dumpykota -d all -f xml
    a folder of CSV files         dumpykota -d <dataset> -f csv -o <dataset>.csv, one per dataset
    pykota.db / sqlite:///path    PyKota's SQLite database
    postgresql://user:pw@host/db  PyKota's PostgreSQL database
    mysql://user:pw@host/db       PyKota's MySQL or MariaDB database
    ldap://host/                  PyKota's LDAP tree (its layout from the old pykota.conf: --config)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Callable, Iterator

from .rows import Row, SiteBuilder
from .site import Site, Values

SQLITE_MAGIC = b"SQLite format 3\x00"
PROGRESS_EVERY = 5000


class SourceError(ValueError):
    pass


@dataclass
class Source:
    text: str                           # as typed
    old_config: Path | None = None      # PyKota's pykota.conf (the LDAP layout)

    @property
    def kind(self) -> str:
        lower = self.text.lower()
        for scheme, kind in (("postgresql:", "postgresql"), ("postgres:", "postgresql"), ("mysql:", "mysql"),
                             ("mariadb:", "mysql"), ("sqlite:", "sqlite"), ("ldap:", "ldap"), ("ldaps:", "ldap"),
                             ("ldapi:", "ldap")):
            if lower.startswith(scheme):
                return kind
        path = Path(self.text)
        if path.is_dir():
            return "csv"
        if not path.is_file():
            raise SourceError("no such file, folder or database URL")
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
        return "sqlite" if head == SQLITE_MAGIC else "xml"

    def describe(self) -> str:
        """The source without its password (libpq also takes one as ?password=...)."""
        text = self.text
        if "://" in text and "?" in text:
            text, query = text.split("?", 1)
            kept = [part for part in query.split("&") if not part.lower().startswith("password=")]
            text += "?" + "&".join(kept) if kept else ""
        if "://" in text and "@" in text:
            scheme, rest = text.split("://", 1)
            return f"{scheme}://{rest.rsplit('@', 1)[1]}"
        return text


def rows_of(source: Source) -> Iterator[tuple[str, Row]]:
    kind = source.kind
    if kind == "xml":
        from .xmldump import read_xml
        return read_xml(Path(source.text))
    if kind == "csv":
        from .csvdump import read_csv_folder
        return read_csv_folder(Path(source.text))
    if kind in ("sqlite", "postgresql", "mysql"):
        from .sql import read_sql
        return read_sql(kind, source.text)
    from .pykota_ldap_tree import read_tree
    return read_tree(source.text, source.old_config)


def load_site(source: Source, zone: tzinfo, progress: Callable[[int], None] | None = None) -> Site:
    """progress(rows read so far), now and then (a terminal's counter)."""
    site = Site()
    builder = SiteBuilder(Values(site, zone))
    for count, (dataset, row) in enumerate(rows_of(source), 1):
        builder.add(dataset, row)
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return site
