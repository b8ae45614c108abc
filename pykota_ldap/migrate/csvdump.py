"""PyKota's CSV dumps, one file per dataset in a folder: `dumpykota -d users -f csv -o users.csv` ...

A file is named after its dataset (users.csv, history.csv; .ssv and .tsv for dumpykota's `;` and tab
forms). The first row names the columns; text is in double quotes with the separator and quotes
backslash-escaped, as dumpykota writes it.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from .rows import DATASETS, Row

SEPARATORS = {".csv": ",", ".ssv": ";", ".tsv": "\t"}


class CSVError(ValueError):
    pass


def read_csv_folder(folder: Path) -> Iterator[tuple[str, Row]]:
    files = {path.stem.lower(): path for path in sorted(folder.iterdir()) if path.suffix.lower() in SEPARATORS}
    unknown = sorted(set(files) - set(DATASETS))
    if unknown:
        raise CSVError(f"{folder}: {', '.join(unknown)} is not a dataset of dumpykota ({', '.join(DATASETS)})")
    if "users" not in files:
        raise CSVError(f"{folder}: no users.csv (dumpykota -d users -f csv -o {folder}/users.csv)")
    for dataset in DATASETS:
        if dataset in files:
            yield from ((dataset, row) for row in _rows(files[dataset]))


def _rows(path: Path) -> Iterator[Row]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=SEPARATORS[path.suffix.lower()], escapechar="\\", doublequote=False)
        try:
            header = next(reader, None)
            if not header:
                return
            for number, values in enumerate(reader, 2):
                if len(values) != len(header):
                    raise CSVError(f"{path}:{number}: {len(values)} values for {len(header)} columns")
                yield dict(zip(header, values, strict=True))
        except csv.Error as exc:
            raise CSVError(f"{path}: {exc}") from None
        except UnicodeDecodeError:
            raise CSVError(f"{path}:{_first_line_not_utf8(path)}: not UTF-8 (iconv -f latin1 -t utf-8 converts an "
                           f"ISO-8859-1 dump)") from None


def _first_line_not_utf8(path: Path) -> int:
    """Where the decoder stopped is a buffer's end, not a line: look for the line itself."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0
