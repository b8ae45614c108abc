"""The pipelined transaction: the BER it sends, and what the server does with it."""
from __future__ import annotations

import pytest
from ldap3 import MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE
from ldap3.operation.add import add_operation
from ldap3.operation.modify import modify_operation
from pyasn1.codec.ber import encoder

from pykota_ldap.directory import AlreadyExists, AssertionFailed, NotFound
from pykota_ldap.directory.pipeline import PipelinedTransaction, _integer, add_request, modify_request
from synchelpers import PEOPLE, QUOTAS

DN = f"cn=x@hp1,{QUOTAS}"


def test_requests_encode_like_ldap3():
    attrs = {"objectClass": ["pkUserQuota"], "cn": ["x@hp1"], "pkSoftLimit": [100], "description": ["é" * 200]}
    assert add_request(DN, attrs) == encoder.encode(add_operation(DN, attrs, True, None, None, False))
    changes = {"pkBalance": [(MODIFY_INCREMENT, [-1500])], "description": [(MODIFY_REPLACE, [])],
               "pkLimitBy": [(MODIFY_REPLACE, ["balance"])]}
    theirs = modify_operation(DN, changes, True, None, None, False)
    assert modify_request(DN, changes) == encoder.encode(theirs)
    assert [_integer(v) for v in (0, 127, 128, -1, -129)] == [
        b"\x02\x01\x00", b"\x02\x01\x7f", b"\x02\x02\x00\x80", b"\x02\x01\xff", b"\x02\x02\xff\x7f"]


def test_one_transaction_all_or_nothing(sync, directory):
    sync.add(f"dn: {DN}\nobjectClass: pkUserQuota\ncn: x@hp1\npkUserName: x\npkPrinterName: hp1\n"
             "pkPageCounter: 5\npkSoftLimit: 1\n")
    batch = PipelinedTransaction(directory)
    batch.add(f"cn=y@hp1,{QUOTAS}", ["pkUserQuota"], {"cn": "y@hp1", "pkUserName": "y", "pkPrinterName": "hp1"})
    batch.increment(DN, {"pkPageCounter": 3})
    batch.modify(DN, {"pkSoftLimit": [(MODIFY_DELETE, [])]}, assertion="(pkSoftLimit=1)")
    assert len(batch) == 3
    batch.commit()
    assert sync.quotas("x")["hp1"]["pkpagecounter"] == ["8"] and "pksoftlimit" not in sync.quotas("x")["hp1"]
    assert set(sync.quotas()) == {"x@hp1", "y@hp1"}

    for write, error in ((lambda b: b.add(DN, ["pkUserQuota"], {"cn": "x@hp1", "pkUserName": "x",
                                                              "pkPrinterName": "hp1"}), AlreadyExists),
                         (lambda b: b.increment(DN, {"pkPageCounter": 1}, assertion="(pkPageCounter=5)"),
                          AssertionFailed),
                         (lambda b: b.delete(f"cn=nosuch,{QUOTAS}"), NotFound)):
        batch = PipelinedTransaction(directory)
        batch.add(f"cn=z@hp1,{QUOTAS}", ["pkUserQuota"], {"cn": "z@hp1", "pkUserName": "z", "pkPrinterName": "hp1"})
        write(batch)
        with pytest.raises(error):
            batch.commit()
        assert "z@hp1" not in sync.quotas()                  # the first write was rolled back too
    # The connection goes on working for ordinary operations.
    assert directory.read(f"uid=toto,{PEOPLE}", ["uid"]) == {"uid": ["toto"]}


def test_no_reads_inside(directory):
    with pytest.raises(Exception, match="no reads"):
        PipelinedTransaction(directory).search(PEOPLE, "(uid=*)")
