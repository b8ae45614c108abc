"""PyKota's XML dump (`dumpykota -d all -f xml`), which every PyKota can write, whatever its storage.

    <pykota version=".." author=".."><dump storage="PostgreSQL" type="users">
      <entry><attribute type="str" name="username">jerome</attribute>...</entry>...</dump>...</pykota>

Read as a stream: 100,000 jobs never sit in memory as a tree.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

from .rows import Row

NUMBER_TYPES = {"int", "long", "float"}


class DumpError(ValueError):
    pass


def read_xml(path: Path) -> Iterator[tuple[str, Row]]:
    """(dataset, row) for every entry of the dump, in the dump's order."""
    dataset = None
    row: dict[str, object] = {}
    try:
        for event, element in ET.iterparse(str(path), events=("start", "end")):
            if event == "start":
                if element.tag == "dump":
                    dataset = element.get("type")
                    if not dataset:
                        raise DumpError(f"{path}: a <dump> without a type")
                elif element.tag in ("entry", "attribute") and dataset is None:
                    raise DumpError(f"{path}: <{element.tag}> outside a <dump>")
                elif element.tag in ("pykota", "entry", "attribute"):
                    continue
                else:
                    raise DumpError(f"{path}: <{element.tag}> is not part of PyKota's XML dump")
            elif element.tag == "attribute":
                row[element.get("name") or ""] = _value(element)
            elif element.tag == "entry" and dataset is not None:
                yield dataset, row
                row = {}
                element.clear()
            elif element.tag == "dump":
                element.clear()
                dataset = None
    except ET.ParseError as exc:
        raise DumpError(f"{path}: not a PyKota XML dump ({exc})") from None


def _value(element: ET.Element) -> object:
    text = element.text or ""
    kind = element.get("type", "str")
    if kind == "NoneType" or (kind in NUMBER_TYPES and text == "None"):
        return None
    return text
