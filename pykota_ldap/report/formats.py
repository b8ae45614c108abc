"""dumpykota's output formats. Each writer takes rows one at a time, so a dump streams.

- csv / ssv / tsv: PyKota's form: a header row of field names; strings in "...", with the
  separator and " backslash-escaped; numbers bare; an unset value is "None". For a spreadsheet
  (pkweb's downloads), a text that starts with = + - @ or a tab or carriage return starts with '
  (a job's title is the user's: LibreOffice and Excel would run it as a formula), and a " inside a
  text is doubled (RFC 4180), so that no text can end its cell and begin another.
- xml: <pykota><dump storage="ldap" type="..."><entry><attribute type=".." name="..">value...
- json: one object per dataset name, each a list of {field: value} (streamed, not built in memory).
- cups: CUPS' page_log lines (history only): one line per page, copies 1, so that summing the
  copies column gives the pages charged, as page_log tools do; 0-page jobs print nothing. A job
  of more pages than the page counter ever counts (a size set by hand) is one line whose copies
  are its pages: the sum stays right and the dump stays short.
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Iterable, TextIO
from xml.sax.saxutils import escape, quoteattr

from .. import __version__, money

MAX_PAGE_LINES = 100_000     # the page counter's own limit per job (accounting/pdl/limits.py)
FORMATS = ("csv", "ssv", "tsv", "xml", "cups", "json")
SEPARATORS = {"csv": ",", "ssv": ";", "tsv": "\t"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")     # how a spreadsheet's formula may start
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Amount(int):
    """Credits in thousandths, shown as decimals (199900 -> 199.90); sorts as a number."""

    def __str__(self) -> str:
        return money.format(int(self))

    def decimal(self) -> Decimal:
        return Decimal(int(self)) / money.SCALE


def local_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def text_of(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, datetime):
        return local_time(value)
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


class Writer:
    """Base: start(dataset, fields), row(dict) any number of times, end(); close() once."""

    def __init__(self, out: TextIO):
        self.out = out
        self.rows = 0

    def start(self, dataset: str, fields: list[str]) -> None:
        self.fields = fields

    def row(self, row: dict) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass

    def close(self) -> None:
        pass


class SeparatedWriter(Writer):
    def __init__(self, out: TextIO, separator: str, spreadsheet: bool = False):
        super().__init__(out)
        self.sep = separator
        self.spreadsheet = spreadsheet          # text cells disarmed for a spreadsheet

    def line(self, row: dict) -> str:
        """A row's line (report.history_csv writes those it cannot write itself with it)."""
        return self.sep.join(self._cell(row.get(f)) for f in self.fields) + "\n"

    def _cell(self, value) -> str:
        if type(value) is str:          # most cells: tested first, escaped only when needed
            text = value
        elif _is_number(value):
            return str(value)
        else:
            text = text_of(value)
        if self.spreadsheet and text.startswith(FORMULA_STARTS):
            text = "'" + text
        if "\\" in text or '"' in text or self.sep in text:
            # A spreadsheet reads RFC 4180: a \" there would end the cell and start one of the text's
            # own choosing, so a quote is doubled; PyKota's readers want \".
            text = text.replace("\\", "\\\\").replace('"', '""' if self.spreadsheet else '\\"')
            text = text.replace(self.sep, "\\" + self.sep)
        return f'"{text}"'

    def start(self, dataset, fields):
        super().start(dataset, fields)
        self.out.write(self.sep.join(f'"{f}"' for f in fields) + "\n")

    def row(self, row):
        self.rows += 1
        self.out.write(self.line(row))


class XMLWriter(Writer):
    def __init__(self, out: TextIO):
        super().__init__(out)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<pykota version={quoteattr(__version__)} author="pykota-ldap">\n')

    def start(self, dataset, fields):
        super().start(dataset, fields)
        self.out.write(f'  <dump storage="ldap" type={quoteattr(dataset)}>\n')

    def row(self, row):
        self.rows += 1
        self.out.write("    <entry>\n")
        for field in self.fields:
            value = row.get(field)
            kind = ("None" if value is None else "bool" if isinstance(value, bool) else "int" if isinstance(value, int)
                    and not isinstance(value, Amount) else "float" if isinstance(value, (Amount, Decimal))
                    else "datetime" if isinstance(value, datetime) else "str")
            self.out.write(f'      <attribute type="{kind}" name={quoteattr(field)}>'
                           f'{escape(text_of(value))}</attribute>\n')
        self.out.write("    </entry>\n")

    def end(self):
        self.out.write("  </dump>\n")

    def close(self):
        self.out.write("</pykota>\n")


class JSONWriter(Writer):
    def __init__(self, out: TextIO):
        super().__init__(out)
        self.datasets = 0
        out.write("{")

    def start(self, dataset, fields):
        super().start(dataset, fields)
        self.first = True
        self.out.write(("," if self.datasets else "") + f"\n  {json.dumps(dataset)}: [")
        self.datasets += 1

    @staticmethod
    def _value(value):
        if isinstance(value, Amount):
            return float(value.decimal())
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, datetime):
            return value.astimezone().isoformat()
        return value

    def row(self, row):
        self.rows += 1
        data = {f: self._value(row.get(f)) for f in self.fields}
        self.out.write(("\n    " if self.first else ",\n    ") + json.dumps(data, ensure_ascii=False))
        self.first = False

    def end(self):
        self.out.write("\n  ]" if not self.first else "]")

    def close(self):
        self.out.write("\n}\n")


class CupsWriter(Writer):
    """printer user jobid [dd/Mon/yyyy:HH:MM:SS +zzzz] page copies billing host title media sides"""

    def row(self, row):
        pages = row.get("jobsize") or 0
        if pages <= 0:
            return
        self.rows += 1
        when = row["jobdate"].astimezone()
        stamp = f"{when:%d}/{_MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S %z}"
        billing, host = _token(row.get("billingcode")), _token(row.get("hostname"))
        title = _token(row.get("title"))
        prefix = f"{row['printername']} {row['username']} {row['jobid']} [{stamp}]"
        if pages > MAX_PAGE_LINES:
            self.out.write(f"{prefix} 1 {pages} {billing} {host} {title} - -\n")
            return
        for page in range(1, pages + 1):
            self.out.write(f"{prefix} {page} 1 {billing} {host} {title} - -\n")


def _token(value) -> str:
    """A page_log field: '-' when unset; no whitespace inside, so the line splits cleanly."""
    if value in (None, ""):
        return "-"
    return "_".join(str(value).split()) or "-"


def writer_for(fmt: str, out: TextIO, spreadsheet: bool = False) -> Writer:
    """spreadsheet: csv / ssv / tsv cells that a spreadsheet would run as formulas are disarmed."""
    if fmt in SEPARATORS:
        return SeparatedWriter(out, SEPARATORS[fmt], spreadsheet)
    return {"xml": XMLWriter, "json": JSONWriter, "cups": CupsWriter}[fmt](out)


def write(writer: Writer, dataset: str, fields: list[str], rows: Iterable[dict], progress=None) -> int:
    writer.start(dataset, fields)
    count = 0
    for row in rows:
        writer.row(row)
        count += 1
        if progress is not None:
            progress.step()
    writer.end()
    return count
