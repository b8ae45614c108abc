"""The fast read paths give what the general ones give, byte for byte, on awkward values.

- directory.fastsearch decodes entries by hand: the same (DN, attributes) as ldap3's search,
  ASCII and not, short and long lengths, across pages.
- dumpykota -d history in csv / ssv / tsv writes lines straight from the entries
  (report.history_csv): the same text as the general path (datasets + SeparatedWriter), for
  commas, quotes, backslashes, tabs, non-ASCII, missing values, huge and negative numbers, dates
  with fractions or without seconds, in time zones with DST and half-hour offsets, with filters
  and date windows.
"""
from __future__ import annotations

import base64
import io
import time
from datetime import datetime, timezone

import pytest

from pykota_ldap.cli import dumpykota
from pykota_ldap.directory import accounts, history
from pykota_ldap.directory.fastsearch import search_paged_fast, search_paged_first
from pykota_ldap.directory.records import JOB_ATTRS, USER_QUOTA_ATTRS
from pykota_ldap.report import history_csv
from pykota_ldap.report.datasets import DATASETS
from pykota_ldap.report.formats import write, writer_for

from .conftest import charge

LONG = "x" * 300                      # a length in the long form (> 255 bytes)
TITLES = ["plain.pdf", "a,b;c", 'say "hi"', "back\\slash", "tab\there", "été à Zürich", LONG, "é" * 200,
          "-", "None", "new\nline", "nul-free \x7f\x01", "\U0001f600 astral", " lead and trail "]
DATES = ["20250901123456Z", "20250330005959Z", "20250330010000Z", "20251026003000Z", "20250901123456.5Z",
         "202509011234Z", "20250915000000Z", "20250930235959Z", "20251001000000Z"]


@pytest.fixture
def awkward(sh, admin_directory):
    """Users, quota entries and jobs whose values test every cell rule."""
    d = admin_directory
    sh("pkprinters -a -c 0.1 hp4 lab")
    sh("pkusers -a jerome toto")
    b64 = lambda text: base64.b64encode(text.encode()).decode()     # noqa: E731
    sh.slapd.ldapadd(f"dn:: {b64('uid=jérôme,ou=People,dc=example,dc=org')}\nobjectClass: inetOrgPerson\n"
                     f"uid:: {b64('jérôme')}\ncn:: {b64('Jérôme, J.')}\nsn:: {b64('Ça')}\n")
    sh("pkusers -a -l balance -b 12.5 -D 'un, deux \"trois\" \\\\' jérôme")
    sh("edpykota -a -S 10 -H 20 jerome")
    sh("edpykota -a toto jérôme")                       # unset limits
    d.replace(accounts.get_user(d, "toto").dn, {"pkBalance": -123456789012345678, "pkOverCharge": 1250,
                                                "description": LONG})
    charge(d, "jerome", "hp4", 3, datetime(2025, 9, 2, 8, 0, tzinfo=timezone.utc), 300, "7")
    base = d.settings.jobbase
    for n, title in enumerate(TITLES):
        date = DATES[n % len(DATES)]
        attributes: dict[str, object] = {
            "cn": f"odd-{n}", "pkJobId": f"{n},{n}" if n % 3 == 0 else str(n),
            "pkJobDate": date, "pkUserName": ["jérôme", "toto", "jerome"][n % 3],
            "pkPrinterName": "lab" if n % 2 else "hp4", "pkAction": "ALLOW" if n % 4 else "DENY",
            "pkJobSize": [0, 1, 10 ** 18, -5][n % 4], "pkJobPrice": [1234, 0, -500, 10 ** 18][n % 4],
            "pkTitle": title, "pkCopies": 1}
        if n % 2:
            attributes.update(pkHostName="10.0.0.1", pkFileName="c:\\docs\\f,1.pdf", pkMD5Sum="ab" * 16,
                              pkBillingCode="projX", pkJobSizeBytes=31000, pkOptions="sides=two-sided-long-edge",
                              pkPrecomputedJobSize=3, pkPrecomputedJobPrice=15, pkPrinterPageCounter=123456)
        d.add(d.dn("cn", f"odd-{n}", base), ["pkJob"], attributes)
    for n, date in enumerate(DATES):                    # plain lines, at the dates that matter
        d.add(d.dn("cn", f"date-{n}", base), ["pkJob"], {
            "cn": f"date-{n}", "pkJobId": str(100 + n), "pkJobDate": date, "pkUserName": "toto",
            "pkPrinterName": "hp4", "pkAction": "ALLOW", "pkJobSize": n, "pkJobPrice": n * 50})
    return sh, d


@pytest.fixture(params=["UTC", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"])
def zone(request, monkeypatch):
    """Local time as dumpykota shows it: whole-hour offsets, half hours, DST of 30 minutes."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def general(d, fmt: str, filters: tuple[str, ...]) -> str:
    """What the general path (datasets._history + the format's writer) writes for this dump."""
    request = dumpykota._parse("history", fmt, None, False, filters)
    out = io.StringIO()
    writer = writer_for(fmt, out)
    write(writer, "history", list(DATASETS["history"].fields), DATASETS["history"].rows(d, request.criteria))
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("fmt, filters", [("csv", ()), ("ssv", ()), ("tsv", ()), ("csv", ("username=j*",)),
                                          ("tsv", ("start=20250901", "end=20250930")),
                                          ("csv", ("start=20250329", "end=20250330", "printername=hp4")),
                                          ("ssv", ("hostname=10.0.0.?", "billingcode=projX"))])
def test_history_lines_are_the_general_path_s(awkward, zone, fmt, filters):
    sh, d = awkward
    fast = sh(f"dumpykota -d history -f {fmt} " + " ".join(filters)).stdout
    assert fast == general(d, fmt, filters)
    assert fast.count("\n") > (1 if filters else len(TITLES) + len(DATES))


def test_the_fast_lines_are_most_of_them(awkward):
    """The check above would hold trivially if every line took the general path."""
    sh, d = awkward
    writer = writer_for("csv", io.StringIO())
    writer.start("history", list(DATASETS["history"].fields))
    calls = []
    general_line = history_csv._general
    history_csv._general = lambda *args: calls.append(1) or general_line(*args)
    try:
        lines = list(history_csv.lines(history.find_job_values(d), writer, {}))
    finally:
        history_csv._general = general_line
    assert len(lines) == len(TITLES) + len(DATES) + 1
    assert 0 < len(calls) < len(lines) // 2


@pytest.mark.parametrize("page", [2, 1000])
def test_entries_decode_as_ldap3_decodes_them(awkward, page):
    sh, d = awkward
    s = d.settings
    for base, attrs in ((s.userbase, accounts.user_attributes(d) + ["cn", "objectClass"]),
                        (s.userquotabase, USER_QUOTA_ATTRS), (s.jobbase, JOB_ATTRS)):
        reference = sorted(d.search_paged(base, "(objectClass=*)", attrs, page_size=page))
        fast = sorted(search_paged_fast(d, base, "(objectClass=*)", attrs, page_size=page))
        assert fast == reference and len(fast) > 2
        firsts = sorted(search_paged_first(d, base, "(objectClass=*)", attrs, page_size=page))
        assert firsts == [(dn, {k: v[0] for k, v in e.items() if v}) for dn, e in reference]
    assert any(not e["pktitle"][0].isascii() for _, e in reference if "pktitle" in e)
