"""Pipelined writes: the BER they send, and what the server does with them."""
from __future__ import annotations

import pytest
from ldap3 import MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE
from ldap3.operation.add import add_operation
from ldap3.operation.modify import modify_operation
from pyasn1.codec.ber import encoder

from pykota_ldap.directory import AlreadyExists, Directory, NotFound
from pykota_ldap.directory.ber import add_request, integer, modify_request
from pykota_ldap.directory.fastsearch import search_paged_fast
from pykota_ldap.directory.pipeline import PipelinedWrites

from synchelpers import PEOPLE, QUOTAS, new_user

DN = f"cn=x@hp1,{QUOTAS}"


def test_requests_encode_like_ldap3():
    attrs = {"objectClass": ["pkUserQuota"], "cn": ["x@hp1"], "pkSoftLimit": [100], "description": ["é" * 200]}
    assert add_request(DN, attrs) == encoder.encode(add_operation(DN, attrs, True, None, None, False))
    changes = {"pkBalance": [(MODIFY_INCREMENT, [-1500])], "description": [(MODIFY_REPLACE, [])],
               "pkLimitBy": [(MODIFY_REPLACE, ["balance"])]}
    theirs = modify_operation(DN, changes, True, None, None, False)
    assert modify_request(DN, changes) == encoder.encode(theirs)
    assert [integer(v) for v in (0, 127, 128, -1, -129)] == [
        b"\x02\x01\x00", b"\x02\x01\x7f", b"\x02\x02\x00\x80", b"\x02\x01\xff", b"\x02\x02\xff\x7f"]


def test_writes_and_their_outcomes(sync, directory):
    sync.add(f"dn: {DN}\nobjectClass: pkUserQuota\ncn: x@hp1\npkUserName: x\npkPrinterName: hp1\n"
             "pkPageCounter: 5\npkSoftLimit: 1\n")
    writes = PipelinedWrites(directory)
    writes.add(f"cn=y@hp1,{QUOTAS}", ["pkUserQuota"], {"cn": "y@hp1", "pkUserName": "y", "pkPrinterName": "hp1"})
    writes.modify(DN, {"pkPageCounter": [(MODIFY_INCREMENT, [3])]})
    writes.modify(DN, {"pkSoftLimit": [(MODIFY_DELETE, [])]}, assertion="(pkSoftLimit=1)")
    writes.add(DN, ["pkUserQuota"], {"cn": "x@hp1", "pkUserName": "x", "pkPrinterName": "hp1"})
    writes.modify(DN, {"pkPageCounter": [(MODIFY_INCREMENT, [1])]}, assertion="(pkPageCounter=0)")
    writes.modify(f"cn=nosuch,{QUOTAS}", {"pkSoftLimit": [(MODIFY_REPLACE, ["1"])]})
    writes.delete(f"cn=nosuch,{QUOTAS}")                    # not there: done, like Directory.delete
    assert len(writes) == 7
    outcomes = writes.flush()
    assert [type(o).__name__ for o in outcomes] == [
        "NoneType", "NoneType", "NoneType", "AlreadyExists", "AssertionFailed", "NotFound", "NoneType"]
    assert isinstance(outcomes[3], AlreadyExists) and DN.lower() in str(outcomes[3]).lower()
    assert len(writes) == 0 and writes.flush() == []
    assert sync.quotas("x")["hp1"]["pkpagecounter"] == ["8"] and "pksoftlimit" not in sync.quotas("x")["hp1"]
    assert set(sync.quotas()) == {"x@hp1", "y@hp1"}
    # The connection goes on working for ordinary operations.
    assert directory.read(f"uid=toto,{PEOPLE}", ["uid"]) == {"uid": ["toto"]}


def test_many_writes_in_flight(sync, directory):
    writes = PipelinedWrites(directory)
    for i in range(300):
        name = f"u{i}" + "é" * (i % 90)                    # long names: multi-byte BER lengths
        writes.add(f"cn={name}@hp1,{QUOTAS}", ["pkUserQuota"], {"cn": f"{name}@hp1", "pkUserName": name,
                                                              "pkPrinterName": "hp1"})
    assert writes.flush() == [None] * 300
    listing = sync.slapd.ldapsearch(QUOTAS, "(objectClass=pkUserQuota)", "1.1")
    assert sum(line.startswith("dn") for line in listing.splitlines()) == 300


def test_no_reads_among_pipelined_writes(directory):
    # Reads would not see the recorded writes: the writer has none (and is no Directory).
    writes = PipelinedWrites(directory)
    assert not isinstance(writes, Directory)
    assert not any(hasattr(writes, name) for name in ("search", "search_paged", "read", "increment"))


def test_fast_paged_search_reads_what_ldap3_reads(sync, directory):
    sync.add(new_user("zoe", 20001, "description: ünïcödé\ndescription: two\n"))
    attrs = ["uid", "objectClass", "description", "entryUUID", "nosuchattribute"]
    fast = list(search_paged_fast(directory, PEOPLE, "(objectClass=posixAccount)", attrs, page_size=3))
    slow = list(directory.search_paged(PEOPLE, "(objectClass=posixAccount)", attrs))
    assert len(fast) == len(slow) == 11
    assert fast == [(dn, {k.lower(): [str(v) for v in vals] for k, vals in entry.items()}) for dn, entry in slow]
    assert [e["description"] for _, e in fast if e["uid"] == ["zoe"]] == [["ünïcödé", "two"]]
    assert list(search_paged_fast(directory, PEOPLE, "(uid=nobody)", ["uid"])) == []
    with pytest.raises(NotFound):
        list(search_paged_fast(directory, "ou=nowhere,dc=example,dc=org", "(uid=*)", ["uid"]))
    assert directory.read(f"uid=toto,{PEOPLE}", ["uid"]) == {"uid": ["toto"]}


def test_fast_paged_search_reads_answers_split_across_receives(sync, directory):
    # 20 entries of 30 kB: one page is several socket reads, and entries straddle them.
    big = "x" * 30000
    sync.add("".join(new_user(f"big{i}", 30000 + i, f"description: {big}{i}\n") for i in range(20)))
    found = search_paged_fast(directory, PEOPLE, "(uid=big*)", ["uid", "description"])
    assert {e["uid"][0]: e["description"] for _, e in found} == {f"big{i}": [f"{big}{i}"] for i in range(20)}
