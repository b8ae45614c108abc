"""The SVG charts are written into the pages as they are (|safe): names from the directory
(printers, users, billing codes) must stay text, never become markup."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from pykota_ldap.web import charts

HOSTILE = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "a&b", "]]><x>"]
SVG = "{http://www.w3.org/2000/svg}"


def _elements(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter())                     # well-formed, or this raises


def test_hostile_names_stay_text_in_every_chart():
    drawn = [charts.stacked_columns(HOSTILE[0], HOSTILE, {name: [1] * len(HOSTILE) for name in HOSTILE}),
             charts.horizontal_bars(HOSTILE[1], [(name, 1.0) for name in HOSTILE], shown=HOSTILE)]
    for svg in drawn:
        elements = _elements(svg)
        assert {e.tag.removeprefix(SVG) for e in elements} <= {"svg", "title", "text", "rect", "line"}
        assert all(not name.lower().startswith("on") for e in elements for name in e.attrib)
        texts = "".join(e.text or "" for e in elements)
        assert HOSTILE[0] in texts and "a&b" in texts
