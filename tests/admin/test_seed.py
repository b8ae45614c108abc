"""The 2015 Mathrice talk, replayed: every admin command it shows, in its order, exactly as typed.

The talk assumes a site that already runs: CUPS queues known to PyKota (impCUPS, hp4999, h4, imp,
impA, impGpe, NouvelleImprimante and the printer group GroupeImprimantes), users toto, quidam,
ilabusetrop, charles and chloe already managed, the group devs managed, some history. The
fixture builds that with the commands themselves; then the talk's commands run one by one.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from .conftest import charge

BASE = "dc=example,dc=org"
PK = f"ou=PyKota,{BASE}"

TALK = [
    'pkprinters -a -D "description intelligible" imprimanteCUPS',
    'pkprinters -a -D "Ceci est un groupe d\'imprimantes." mathens',
    "pkprinters -g mathens imprimanteCUPS",
    "pkprinters -r -g mathens imprimanteCUPS",
    "pkprinters -d imprimanteCUPS",
    "pkprinters -l imp*",
    "pkusers -a -g admins profs eleves",
    'pkusers -a -i admins,profs -D "par ex. le gecos" jerome prof2 enseignant3',
    "pkusers -L ch*",
    "pkusers -r -i admins enseignant3",
    "pkusers -d enseignant3",
    "edpykota -a -P impCUPS,hp4999 jerome",
    "edpykota -a -P NouvelleImprimante *",
    "pkusers -l quota jerome",
    "edpykota -a -S 200 -H 220 -P h4,imp jerome",
    "edpykota -a -S 120 -H 200 toto",
    "edpykota -a -S 800 -H 1000 -g devs admins",
    "edpykota -r -P h4,imp jerome",
    "edpykota -d -P impA jerome",
    "pkprinters -c 0",
    "pkprinters -c 1.0 impGpe",
    "pkusers -l balance -b 199.9 quidam",
    'dumpykota -d history -f tsv username="ilabusetrop"',
    'dumpykota -d users -f xml -O "+username"',
    'dumpykota -d upquotas -O "-pagecounter,+username" printername="GroupeImprimantes"',
    "dumpykota -d history -f cups start=20150911 end=20151010",
]


def site(sh, d):
    sh("pkprinters -a -c 0.05 impCUPS hp4999 h4 imp impA impGpe NouvelleImprimante GroupeImprimantes")
    sh("pkprinters -g GroupeImprimantes h4 imp")
    sh("pkusers -a toto quidam ilabusetrop charles chloe")
    sh("pkusers -a -g devs")
    sh("edpykota -a -P h4,GroupeImprimantes ilabusetrop")
    charge(d, "ilabusetrop", "h4", 3, datetime(2015, 9, 15, 9, 30, tzinfo=timezone.utc), job_id="41")
    charge(d, "ilabusetrop", "GroupeImprimantes", 3, datetime(2015, 9, 15, 9, 30, tzinfo=timezone.utc), job_id="41")
    charge(d, "ilabusetrop", "h4", 2, datetime(2015, 10, 20, 9, 30, tzinfo=timezone.utc), job_id="57")


def attrs(sh, base, flt, *names, scope="sub"):
    """{dn: {attr: [values]}} from ldapsearch."""
    out, current = {}, None
    for line in sh.search(base, flt, *names, scope=scope).splitlines():
        if line.startswith("dn: "):
            current = out.setdefault(line[4:], {})
        elif ": " in line and current is not None:
            key, value = line.split(": ", 1)
            current.setdefault(key, []).append(value)
    return out


def test_the_talk_replays_exactly_as_typed(sh, admin_directory):
    site(sh, admin_directory)
    outputs = {}
    for line in TALK:
        outputs[line] = sh(line)          # fails the test on a non-zero exit, with stderr

    # Printers: the CUPS one went away with its group membership; the group stays, empty.
    printers = attrs(sh, f"ou=Printers,{PK}", "(objectClass=pkPrinter)", "cn", "member", "pkPricePerPage",
                     "description")
    names = {v["cn"][0] for v in printers.values()}
    assert "imprimanteCUPS" not in names and "mathens" in names
    mathens = printers[f"cn=mathens,ou=Printers,{PK}"]
    assert "member" not in mathens and mathens["description"] == ["Ceci est un groupe d'imprimantes."]
    assert {v["cn"][0]: v["pkPricePerPage"][0] for v in printers.values()}["impGpe"] == "1000"
    assert {v["pkPricePerPage"][0] for k, v in printers.items() if "impGpe" not in k} == {"0"}
    listing = outputs["pkprinters -l imp*"].stdout
    assert "impCUPS [] (0.00 + #*0.05)" in listing and "mathens" not in listing

    # Groups were attached, not created; memberships are the group entries' own.
    groups = attrs(sh, f"ou=Groups,{BASE}", "(objectClass=pkGroup)", "cn", "memberUid")
    assert {v["cn"][0] for v in groups.values()} == {"admins", "profs", "eleves", "devs"}
    assert sorted(groups[f"cn=admins,ou=Groups,{BASE}"]["memberUid"]) == ["jerome", "prof2"]
    assert sorted(groups[f"cn=profs,ou=Groups,{BASE}"]["memberUid"]) == ["enseignant3", "jerome", "prof2"]

    # Users: attached; enseignant3 no longer managed, but the account entry is still there.
    people = attrs(sh, f"ou=People,{BASE}", "(uid=*)", "uid", "objectClass", "description", "pkLimitBy", "pkBalance",
                   "pkLifeTimePaid")
    by_uid = {v["uid"][0]: v for v in people.values()}
    assert "pkAccount" in by_uid["jerome"]["objectClass"] and by_uid["jerome"]["description"] == ["par ex. le gecos"]
    assert "pkAccount" not in by_uid["enseignant3"]["objectClass"] and "pkBalance" not in by_uid["enseignant3"]
    assert "posixAccount" in by_uid["enseignant3"]["objectClass"]
    assert outputs["pkusers -L ch*"].stdout.splitlines()[0].startswith("charles - <charles@example.org>")
    assert by_uid["quidam"]["pkLimitBy"] == ["balance"]
    assert by_uid["quidam"]["pkBalance"] == ["199900"] and by_uid["quidam"]["pkLifeTimePaid"] == ["199900"]
    payments = attrs(sh, f"ou=Payments,{PK}", "(pkUserName=quidam)", "pkAmount")
    assert [v["pkAmount"] for v in payments.values()] == [["199900"]]

    # Quota entries.
    uq = {v["cn"][0]: v for v in attrs(sh, f"ou=UserQuotas,{PK}", "(objectClass=pkUserQuota)", "cn", "pkSoftLimit",
                                       "pkHardLimit", "pkPageCounter", "pkLifePageCounter").values()}
    jerome = sorted(k.split("@")[1] for k in uq if k.startswith("jerome@"))
    assert jerome == ["NouvelleImprimante", "h4", "hp4999", "imp", "impCUPS"]
    assert uq["jerome@h4"]["pkSoftLimit"] == ["200"] and uq["jerome@h4"]["pkHardLimit"] == ["220"]
    toto = sorted(k.split("@")[1] for k in uq if k.startswith("toto@"))
    assert toto == sorted(["impCUPS", "hp4999", "h4", "imp", "impA", "impGpe", "NouvelleImprimante",
                           "GroupeImprimantes", "mathens"])          # printer groups included
    assert {tuple(uq[f"toto@{p}"]["pkSoftLimit"] + uq[f"toto@{p}"]["pkHardLimit"]) for p in toto} == {("120", "200")}
    assert not any(k.startswith("enseignant3@") for k in uq)
    gq = attrs(sh, f"ou=GroupQuotas,{PK}", "(objectClass=pkGroupQuota)", "cn", "pkSoftLimit", "pkHardLimit")
    assert len(gq) == 2 * 9 and {(v["pkSoftLimit"][0], v["pkHardLimit"][0]) for v in gq.values()} == {("800", "1000")}

    # The dumps.
    tsv = outputs['dumpykota -d history -f tsv username="ilabusetrop"'].stdout.splitlines()
    assert tsv[0].split("\t")[:2] == ['"username"', '"printername"'] and len(tsv) == 4
    assert all(line.startswith('"ilabusetrop"\t') for line in tsv[1:])
    root = ET.fromstring(outputs['dumpykota -d users -f xml -O "+username"'].stdout)
    usernames = [a.text for a in root.iter("attribute") if a.get("name") == "username"]
    assert usernames == sorted(usernames) == ["charles", "chloe", "ilabusetrop", "jerome", "prof2", "quidam", "toto"]
    upq = outputs['dumpykota -d upquotas -O "-pagecounter,+username" printername="GroupeImprimantes"'].stdout
    rows = [line.split(",")[0].strip('"') for line in upq.splitlines()[1:]]
    assert rows == ["ilabusetrop", "toto"]       # 3 pages first, then by name
    cups = outputs["dumpykota -d history -f cups start=20150911 end=20151010"].stdout.splitlines()
    assert len(cups) == 6 and all(" 41 [15/Sep/2015:" in line for line in cups)
    assert sorted(tuple(line.split()[:3]) for line in cups) == (       # job 41: 3 pages on h4 and on its group
        [("GroupeImprimantes", "ilabusetrop", "41")] * 3 + [("h4", "ilabusetrop", "41")] * 3)
