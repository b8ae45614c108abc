"""dumpykota: datasets, filters, PyKota's date forms, ordering, sums, formats."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from pykota_ldap.report import dates

from .conftest import charge


def history_site(sh, d):
    sh("pkprinters -a -c 0.1 hp4 hp5")
    sh("pkusers -a jerome toto")
    sh("edpykota -a jerome toto")
    sh("pkbcodes -a projX")
    charge(d, "jerome", "hp4", 2, datetime(2015, 9, 10, 23, 0, tzinfo=timezone.utc), 200, "10", host="pc1")
    charge(d, "jerome", "hp5", 3, datetime(2015, 9, 20, 8, 0, tzinfo=timezone.utc), 300, "11", host="pc2",
           billing="projX", title="rapport final.pdf")
    charge(d, "toto", "hp4", 4, datetime(2015, 10, 1, 8, 0, tzinfo=timezone.utc), 400, "12", host="pc1")
    charge(d, "toto", "hp4", 1, datetime(2015, 10, 11, 8, 0, tzinfo=timezone.utc), 100, "13", host="pc3")


def rows(text: str, sep: str = ","):
    reader = csv.reader(io.StringIO(text), delimiter=sep, escapechar="\\", doublequote=False)
    header, *body = list(reader)
    return [dict(zip(header, r, strict=True)) for r in body]


def test_history_filters_and_date_window(sh, admin_directory):
    history_site(sh, admin_directory)
    out = rows(sh("dumpykota -d history start=20150911 end=20151010").stdout)
    assert [r["jobid"] for r in out] == ["11", "12"]
    out = rows(sh("dumpykota -d history username=jerome hostname=pc2").stdout)
    assert [(r["jobid"], r["billingcode"], r["jobprice"]) for r in out] == [("11", "projX", "0.30")]
    out = rows(sh("dumpykota -d history printername=hp* start=2015 end=201509").stdout)
    assert [r["jobid"] for r in out] == ["10", "11"]


def test_cups_page_log_lines(sh, admin_directory):
    history_site(sh, admin_directory)
    lines = sh("dumpykota -d history -f cups username=jerome").stdout.splitlines()
    assert len(lines) == 5                                   # one line per page
    assert lines[0] == "hp4 jerome 10 [10/Sep/2015:23:00:00 +0000] 1 1 - pc1 doc.pdf - -"
    assert lines[4] == "hp5 jerome 11 [20/Sep/2015:08:00:00 +0000] 3 1 projX pc2 rapport_final.pdf - -"


def test_cups_lines_of_an_absurd_job_size_stay_few(sh, admin_directory):
    """A size no counter gives (set by hand): one line carrying the pages as copies, at once."""
    sh("pkprinters -a hp4")
    sh("pkusers -a jerome")
    sh("edpykota -a jerome")
    charge(admin_directory, "jerome", "hp4", 10**18, datetime(2015, 9, 10, 23, 0, tzinfo=timezone.utc), 0, "10")
    lines = sh("dumpykota -d history -f cups").stdout.splitlines()
    assert lines == [f"hp4 jerome 10 [10/Sep/2015:23:00:00 +0000] 1 {10**18} - 10.0.0.9 doc.pdf - -"]


def test_sum_groups_by_the_filtered_keys(sh, admin_directory):
    history_site(sh, admin_directory)
    out = rows(sh("dumpykota -d history --sum 'username=*'").stdout)
    assert [(r["username"], r["jobsize"], r["jobprice"], r["printername"]) for r in out] == [
        ("jerome", "5", "0.50", "*"), ("toto", "5", "0.50", "*")]
    out = rows(sh("dumpykota -d history -s").stdout)
    assert len(out) == 1 and out[0]["jobsize"] == "10" and out[0]["jobprice"] == "1.00"


def test_orderby_uses_the_requested_column(sh, admin_directory):
    history_site(sh, admin_directory)
    out = rows(sh("dumpykota -d history -O -jobsize,+jobid").stdout)
    assert [r["jobid"] for r in out] == ["12", "11", "10", "13"]


def test_xml_json_tsv_ssv(sh, admin_directory):
    history_site(sh, admin_directory)
    root = ET.fromstring(sh("dumpykota -d printers -f xml").stdout)
    dump = root.find("dump")
    assert dump.get("type") == "printers" and len(dump.findall("entry")) == 2
    price = [a for a in dump.iter("attribute") if a.get("name") == "priceperpage"][0]
    assert (price.get("type"), price.text) == ("float", "0.10")
    data = json.loads(sh("dumpykota -d billingcodes -f json").stdout)
    assert data["billingcodes"][0]["billingcode"] == "projX" and data["billingcodes"][0]["pagecounter"] == 3
    assert data["billingcodes"][0]["balance"] == -0.3
    assert rows(sh("dumpykota -d users -f tsv username=toto").stdout, "\t")[0]["username"] == "toto"
    assert rows(sh("dumpykota -d users -f ssv username=toto").stdout, ";")[0]["email"] == "toto@example.org"


def test_all_is_one_document_with_every_dataset(sh, admin_directory):
    history_site(sh, admin_directory)
    root = ET.fromstring(sh("dumpykota -d all").stdout)
    assert [d.get("type") for d in root.findall("dump")] == [
        "printers", "pmembers", "users", "groups", "billingcodes", "umembers", "upquotas", "gpquotas",
        "payments", "history"]


def test_output_file_is_removed_when_nothing_was_dumped(sh, admin_directory, tmp_path):
    history_site(sh, admin_directory)
    target = tmp_path / "dump.csv"
    sh(f"dumpykota -d history -o {target} username=nobody")
    assert not target.exists()
    sh(f"dumpykota -d history -o {target} username=toto")
    assert len(target.read_text().splitlines()) == 3


def test_csv_escaping_of_separators_and_quotes(sh, admin_directory):
    sh("pkprinters -a -D 'Salle \"A\", 2e' hp4")
    line = sh("dumpykota -d printers").stdout.splitlines()[1]
    assert '"Salle \\"A\\"\\, 2e"' in line


@pytest.mark.parametrize("text,as_end,expected", [
    ("2015", False, (2015, 1, 1, 0, 0, 0)), ("2015", True, (2015, 12, 31, 23, 59, 59)),
    ("201502", True, (2015, 2, 28, 23, 59, 59)), ("20160229", True, (2016, 2, 29, 23, 59, 59)),
    ("2015091108", False, (2015, 9, 11, 8, 0, 0)), ("201509110830", True, (2015, 9, 11, 8, 30, 59)),
    ("20150911083015", True, (2015, 9, 11, 8, 30, 15)),
    ("today", False, (2026, 3, 10, 0, 0, 0)), ("today", True, (2026, 3, 10, 23, 59, 59)),
    ("yesterday", False, (2026, 3, 9, 0, 0, 0)), ("tomorrow+2", True, (2026, 3, 13, 23, 59, 59)),
    ("today-10", False, (2026, 2, 28, 0, 0, 0)), ("now", False, (2026, 3, 10, 14, 15, 16)),
])
def test_pykota_date_forms(text, as_end, expected):
    now = datetime(2026, 3, 10, 14, 15, 16).astimezone()
    value = dates.parse(text, as_end, now)
    assert (value.year, value.month, value.day, value.hour, value.minute, value.second) == expected


def test_start_after_end_is_swapped():
    low, high = dates.window("20151010", "20150911")
    assert (low.day, low.month, high.day, high.month) == (11, 9, 10, 10) and high.hour == 23
