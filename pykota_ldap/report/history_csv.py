"""dumpykota -d history in csv / ssv / tsv, each line written straight from the decoded entry.

The general path (datasets._history, formats.SeparatedWriter) makes a Job, a row dict and then
one cell per column: 40 us a job, where a dump of 1,000,000 jobs must stay under 20. Here a line
is one f-string from the entry's first values (directory.history.find_job_values). What makes
that exact: a line is written this way only when its text cells need no escaping and its date
has the canonical form (20250901123456Z); any other entry goes through the general path's own
functions (records.job_from, datasets.history_row, SeparatedWriter), so both give the same bytes
(tests/admin/test_fast_dump.py compares them on awkward values). Numbers go through int() and
money.format as there, cached by their text; a date's local time is computed once per UTC hour
whose offset is a whole number of hours and the same all along it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, NoReturn

from .. import money
from ..directory import Directory, history
from ..directory.errors import DirectoryError
from ..directory.fastsearch import FirstValues
from ..directory.records import job_from, parse_time
from .datasets import history_matches, history_row
from .formats import SeparatedWriter, local_time

REQUIRED = (("pkjobid", "pkJobId"), ("pkusername", "pkUserName"), ("pkprintername", "pkPrinterName"),
            ("pkjobdate", "pkJobDate"))
_CACHE_LIMIT = 100_000      # distinct numbers or hours kept: memory stays flat


class _Cells:
    """The cells that do not depend on escaping: numbers, amounts, dates, cached by their text."""

    def __init__(self) -> None:
        self.ints: dict[str, str] = {"": '"None"'}
        self.amounts: dict[str, str] = {"": '"None"'}
        self.hours: dict[str, str | None] = {}

    def int_cell(self, text: str | None) -> str:
        if text is None:
            return '"None"'
        cell = self.ints.get(text)
        if cell is None:
            if len(self.ints) > _CACHE_LIMIT:
                self.ints.clear()
                self.ints[""] = '"None"'
            cell = self.ints[text] = str(int(text))
        return cell

    def amount_cell(self, text: str | None) -> str:
        if text is None:
            return '"None"'
        cell = self.amounts.get(text)
        if cell is None:
            if len(self.amounts) > _CACHE_LIMIT:
                self.amounts.clear()
                self.amounts[""] = '"None"'
            cell = self.amounts[text] = money.format(int(text))
        return cell

    def date_text(self, text: str) -> str:
        """local_time(parse_time(text)), without either for a canonical date in a cached hour."""
        if len(text) == 15 and text[14] == "Z" and text[:14].isdigit() and text[10:12] < "60" \
                and text[12:14] < "60":
            prefix = self.hours.get(text[:10], "")
            if prefix == "":
                if len(self.hours) > _CACHE_LIMIT:
                    self.hours.clear()
                prefix = self.hours[text[:10]] = _hour_prefix(text[:10])
            if prefix is not None:
                return f"{prefix}{text[10:12]}:{text[12:14]}"
        return local_time(parse_time(text))


def _hour_prefix(hour: str) -> str | None:
    """'YYYY-MM-DD HH:' of this UTC hour in local time, or None when minutes would not carry over
    unchanged (an offset with minutes, or a change of offset within the hour)."""
    try:
        start = datetime(int(hour[0:4]), int(hour[4:6]), int(hour[6:8]), int(hour[8:10]), tzinfo=timezone.utc)
    except ValueError:
        return None             # not a date: the general path says so
    first, last = start.astimezone(), (start + timedelta(seconds=3599)).astimezone()
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset.total_seconds() % 3600:
        return None
    return first.strftime("%Y-%m-%d %H:")


def _second(value: datetime | None, up: bool) -> str | None:
    """A window's bound as the 14 digits a canonical date is compared with (whole seconds: a
    start with a fraction rounds up, an end down, as the datetime comparison would)."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    if up and value.microsecond:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return (f"{value.year:04d}{value.month:02d}{value.day:02d}{value.hour:02d}{value.minute:02d}"
            f"{value.second:02d}")


def lines(entries: Iterable[FirstValues], writer: SeparatedWriter, criteria: dict[str, Any]) -> Iterator[str]:
    """The lines of the history's rows, in the order of the entries, filtered as datasets._history
    filters them (name patterns, and the date window when there is one)."""
    sep, cells = writer.sep, _Cells()
    int_cell, amount_cell, date_text = cells.int_cell, cells.amount_cell, cells.date_text
    start, end = criteria.get("start"), criteria.get("end")
    low, high = _second(start, True), _second(end, False)
    window = start is not None or end is not None
    patterns = any(k in criteria for k in ("username", "printername", "hostname", "billingcode", "jobid"))
    specials, escaped_sep = ("\\", '"', sep), "\\" + sep
    for dn, e in entries:
        get = e.get
        job_id, user, printer, date = get("pkjobid"), get("pkusername"), get("pkprintername"), get("pkjobdate")
        if job_id is None or user is None or printer is None or date is None:
            _missing(dn, e)
        if window:
            if len(date) == 15 and date[14] == "Z" and date[:14].isdigit():
                if (low is not None and date[:14] < low) or (high is not None and date[:14] > high):
                    continue
            else:
                when = parse_time(date)
                if (start is not None and when < start) or (end is not None and when > end):
                    continue
        action, filename, title, options = get("pkaction", ""), get("pkfilename"), get("pktitle"), get("pkoptions")
        host, md5, code = get("pkhostname"), get("pkmd5sum"), get("pkbillingcode")
        if patterns and not history_matches(criteria, user, printer, host, code, job_id):
            continue
        texts = f"{user}{printer}{job_id}{action}{filename or ''}{title or ''}{options or ''}{host or ''}" \
                f"{md5 or ''}{code or ''}"
        if specials[0] in texts or specials[1] in texts or specials[2] in texts:
            yield _general(writer, dn, e)
            continue
        dn_cell = dn.replace("\\", "\\\\").replace('"', '\\"').replace(sep, escaped_sep)  # DNs have commas
        yield (f'"{user}"{sep}"{printer}"{sep}"{dn_cell}"{sep}"{job_id}"{sep}{int_cell(get("pkprinterpagecounter"))}'
               f'{sep}{int_cell(get("pkjobsize"))}{sep}"{action}"{sep}"{date_text(date)}"{sep}'
               f'{_opt(filename)}{sep}{_opt(title)}{sep}{int_cell(get("pkcopies"))}{sep}{_opt(options)}{sep}'
               f'{amount_cell(get("pkjobprice"))}{sep}{_opt(host)}{sep}{int_cell(get("pkjobsizebytes"))}{sep}'
               f'{_opt(md5)}{sep}{_opt(code)}{sep}{int_cell(get("pkprecomputedjobsize"))}{sep}'
               f'{amount_cell(get("pkprecomputedjobprice"))}\n')


def _opt(text: str | None) -> str:
    return '"None"' if text is None else f'"{text}"'


def _general(writer: SeparatedWriter, dn: str, e: dict[str, str]) -> str:
    """The line the general path writes for this entry (a cell to escape)."""
    row = history_row(job_from(dn, {name: [value] for name, value in e.items()}))
    return writer.line(row)


def _missing(dn: str, e: dict[str, str]) -> NoReturn:
    """job_from's error for an entry without one of the attributes the schema requires."""
    for name, attr in REQUIRED:
        if name not in e:
            raise DirectoryError(f"{dn} has no {attr}")
    raise AssertionError("an attribute is missing")


def dump(d: Directory, criteria: dict[str, Any], writer: SeparatedWriter, fields: list[str], progress=None) -> int:
    """The whole history dataset (header and rows) on the writer's output; returns the rows."""
    writer.start("history", fields)
    names = dict(user=criteria.get("username"), printer=criteria.get("printername"),
                 hostname=criteria.get("hostname"), billing_code=criteria.get("billingcode"),
                 job_id=criteria.get("jobid"))
    write, count = writer.out.write, 0
    for line in lines(history.find_job_values(d, **names), writer, criteria):
        write(line)
        count += 1
        if progress is not None:
            progress.step()
    writer.rows += count
    writer.end()
    return count
