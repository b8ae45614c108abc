"""dumpykota: dump the data in CSV, SSV, TSV, XML, JSON or CUPS page_log form, as in PyKota.

\b
    dumpykota -d history -f tsv username="ilabusetrop"
    dumpykota -d users -f xml -O "+username"
    dumpykota -d upquotas -O "-pagecounter,+username" printername="GroupeImprimantes"
    dumpykota -d history -f cups start=20150911 end=20151010

Datasets: history, users, groups, printers, upquotas, gpquotas, payments, pmembers, umembers,
billingcodes, all. Filters key=value (shell wildcards allowed): username, groupname, printername,
pgroupname, hostname, jobid, billingcode, and for history and payments start / end, with dates
as YYYY[MM[DD[hh[mm[ss]]]]] or today, yesterday, tomorrow, now, optionally +N / -N days.
-O orders by [+|-]field,... ; -s totals the history (per filtered user, printer, host, billing
code) or the payments (per user). Without -O, a dump streams: memory stays flat however long.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

import click

from ..config import Config
from ..directory import Directory
from ..report import dates, history_csv
from ..report.datasets import DATASETS, FILTER_KEYS, ORDER, Dataset, rows_of, summed
from ..report.formats import FORMATS, SeparatedWriter, write, writer_for
from .admin import command
from .common import Progress, collector_paused, fail
from .session import session

_FIELD = re.compile(r"^[+-]?[A-Za-z]+$")


@command("dumpykota", help=__doc__)
@click.option("-d", "--data", "dataset", metavar="DATASET", required=True, help="What to dump (see above).")
@click.option("-f", "--format", "fmt", metavar="FORMAT", default="csv", show_default=True,
              help="csv, ssv, tsv, xml, json or cups (history only).")
@click.option("-o", "--output", default="-", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("-O", "--orderby", metavar="[+|-]FIELD,...", help="Sort by these fields.")
@click.option("-s", "--sum", "total", is_flag=True, help="Totals (history and payments only).")
@click.argument("filters", nargs=-1)
def main(dataset: str, fmt: str, output: str, orderby: str | None, total: bool, filters: tuple[str, ...]) -> None:
    request = _parse(dataset.lower(), fmt.lower(), orderby, total, filters)
    with session() as s:
        s.require_admin("dumpykota")
        with collector_paused():
            _dump(s.directory, request, output, s.config)


@dataclass(frozen=True)
class Request:
    """The options, checked and parsed before the directory is opened."""
    datasets: list[str]
    fmt: str
    criteria: dict[str, Any]            # filter -> value; start and end as datetimes
    total: bool                         # --sum
    order: list[tuple[str, bool]]       # (column, descending)


def _parse(dataset: str, fmt: str, orderby: str | None, total: bool, filters: tuple[str, ...]) -> Request:
    if dataset != "all" and dataset not in DATASETS:
        fail(f"unknown dataset {dataset!r}: use one of {', '.join(ORDER)} or all")
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    criteria: dict[str, Any] = _parse_filters(filters)
    if dataset == "all":
        if criteria or total or orderby:
            fail("-d all takes no filters, --sum nor --orderby")
        if fmt not in ("xml", "json"):
            fmt = "xml"             # PyKota too: the datasets do not share columns
        names = list(ORDER)
    else:
        names = [dataset]
        _check_dataset(DATASETS[dataset], criteria, fmt, total)
    order = _parse_order(orderby, DATASETS[names[0]].fields if orderby else ())
    if "start" in criteria or "end" in criteria:
        try:
            criteria["start"], criteria["end"] = dates.window(criteria.get("start"), criteria.get("end"))
        except dates.DateError as exc:
            fail(str(exc))
    return Request(names, fmt, criteria, total, order)


def _check_dataset(spec: Dataset, criteria: dict[str, Any], fmt: str, total: bool) -> None:
    for key in criteria:
        if key not in spec.filters:
            fail(f"filter {key}= does not apply to {spec.name} (it takes {', '.join(spec.filters)})")
    if fmt == "cups" and (spec.name != "history" or total):
        fail("the cups format is for -d history without --sum")
    if total and not spec.sums:
        fail("--sum applies to history and payments only")


def _dump(d: Directory, request: Request, output: str, config: Config | None = None) -> None:
    out = sys.stdout if output == "-" else _open(output)
    writer = writer_for(request.fmt, out)
    try:
        for name in request.datasets:
            spec = DATASETS[name]
            if name == "history" and isinstance(writer, SeparatedWriter) and not (request.total or request.order):
                with Progress(name) as progress:       # the common dump: lines straight from the entries
                    history_csv.dump(d, request.criteria, writer, list(spec.fields), progress)
                continue
            rows: Iterable[dict] = rows_of(spec, d, request.criteria, config)
            if request.total:
                rows = summed(spec, iter(rows), request.criteria)
            if request.order:
                rows = _sorted(list(rows), request.order)
            with Progress(f"{name}") as progress:
                write(writer, name, list(spec.fields), rows, progress)
        writer.close()
    finally:
        if out is not sys.stdout:
            out.close()
            if writer.rows == 0:       # as PyKota: no file when nothing was dumped
                os.unlink(output)


def _parse_filters(filters: tuple[str, ...]) -> dict[str, str]:
    criteria: dict[str, str] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            fail(f"filters are key=value, got {item!r}")
        if key not in FILTER_KEYS:
            fail(f"unknown filter {key!r}: use {', '.join(FILTER_KEYS)}")
        if key in criteria:
            fail(f"filter {key}= given twice")
        criteria[key] = value.strip()
    return criteria


def _parse_order(orderby: str | None, fields: Iterable[str]) -> list[tuple[str, bool]]:
    """'-pagecounter,+username' -> [('pagecounter', True), ('username', False)] (True: descending)."""
    if not orderby:
        return []
    order = []
    for part in (p.strip() for p in orderby.split(",")):
        if not _FIELD.match(part):
            fail(f"--orderby expects [+|-]field,..., got {part!r}")
        name = part.lstrip("+-").lower()
        if name not in fields:
            fail(f"cannot order by {name!r}: the columns are {', '.join(fields)}")
        order.append((name, part.startswith("-")))
    return order


def _sorted(rows: list[dict], order: list[tuple[str, bool]]) -> list[dict]:
    """Sort by the requested columns (PyKota's LDAP sort compared the wrong column); unset first."""
    for name, descending in reversed(order):
        rows.sort(key=lambda r: _key(r.get(name)), reverse=descending)
    return rows


def _key(value: object) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)


def _open(path: str) -> TextIO:
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")


if __name__ == "__main__":
    main()
