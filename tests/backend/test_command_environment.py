"""Every external command sees PyKota's PYKOTA* variables for its phase, amounts as decimals,
through the real cupsd and backend."""
from __future__ import annotations

from pykota_ldap.directory import accounts, printers, quotas

# PyKota's variables (its cupspykota exported them to every command), PYKOTASTATUS aside: it is
# set only when a command cancelled the job.
PYKOTA_VARIABLES = (
    "PYKOTACHARSET PYKOTALANG PYKOTAPRINTERNAME PYKOTADIRECTORY PYKOTADATAFILE PYKOTAJOBSIZEBYTES PYKOTAMD5SUM "
    "PYKOTAJOBORIGINATINGHOSTNAME PYKOTAJOBID PYKOTAUSERNAME PYKOTAORIGINALUSERNAME PYKOTATITLE PYKOTACOPIES "
    "PYKOTAOPTIONS PYKOTAFILENAME PYKOTAJOBBILLING PYKOTAORIGINALJOBBILLING PYKOTAPRINTERHOSTNAME "
    "PYKOTAPRECOMPUTEDJOBSIZE PYKOTAOVERCHARGE PYKOTALIMITBY PYKOTABALANCE PYKOTALIFETIMEPAID PYKOTAUSERDESCRIPTION "
    "PYKOTAMAXJOBSIZE PYKOTAPAGECOUNTER PYKOTALIFEPAGECOUNTER PYKOTASOFTLIMIT PYKOTAHARDLIMIT PYKOTADATELIMIT "
    "PYKOTAWARNCOUNT PYKOTAPRECOMPUTEDJOBPRICE PYKOTAPGROUPS PYKOTAPRINTERDESCRIPTION PYKOTAPRINTERMAXJOBSIZE "
    "PYKOTAPRINTERPASSTHROUGHMODE PYKOTAPRICEPERPAGE PYKOTAPRICEPERJOB PYKOTAPHASE PYKOTAACTION PYKOTAREASON "
    "PYKOTAJOBSIZE PYKOTAJOBPRICE DEVICE_URI").split()


def _environments(folder):
    """key -> {variable: value} as each command saw it (`env -0` into a file per command)."""
    seen = {}
    for path in folder.iterdir():
        pairs = [item.split("=", 1) for item in path.read_bytes().decode().split("\0") if "=" in item]
        seen[path.name] = dict(pairs)
    return seen


def test_every_command_gets_pykota_s_variables_with_decimal_amounts(rig, tmp_path):
    out = tmp_path / "env"
    out.mkdir()
    queue = rig.queue()
    group = printers.add_printer(rig.d, f"{queue}-floor", description="first floor")
    printer = printers.add_printer(rig.d, queue, description="hall laser", price_per_page=650, price_per_job=100)
    printers.add_to_group(rig.d, group, printer)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=12500, description="Alice A.")
    quotas.add_user_quota(rig.d, "alice", queue, soft=40, hard=50)
    keep = "env -0 > " + str(out) + "/{}"
    rig.configure(**{queue: f"askconfirmation: {keep.format('askconfirmation')}\nprehook: {keep.format('prehook')}\n"
                            f"posthook: {keep.format('posthook')}\n"})
    job = rig.print(queue, 2, title="été; $(id)", options={"job-billing": "ABC"})
    assert job.state == "completed", rig.log(job.id)[-2000:]
    seen = _environments(out)
    assert sorted(seen) == ["askconfirmation", "posthook", "prehook"]
    after = seen["posthook"]
    assert [name for name in PYKOTA_VARIABLES if name not in after] == []
    assert after["PYKOTABALANCE"] == "12.50" and after["PYKOTALIFETIMEPAID"] == "0.00"
    assert after["PYKOTAPRICEPERPAGE"] == "0.65" and after["PYKOTAPRICEPERJOB"] == "0.10"
    assert after["PYKOTAJOBPRICE"] == after["PYKOTAPRECOMPUTEDJOBPRICE"] == "1.40"   # 2 x 0.65 + 0.10
    assert after["PYKOTAJOBSIZE"] == after["PYKOTAPRECOMPUTEDJOBSIZE"] == "2"
    assert (after["PYKOTALIMITBY"], after["PYKOTAOVERCHARGE"], after["PYKOTAUSERDESCRIPTION"]) == \
        ("balance", "1.00", "Alice A.")
    assert (after["PYKOTASOFTLIMIT"], after["PYKOTAHARDLIMIT"], after["PYKOTADATELIMIT"]) == ("40", "50", "None")
    assert (after["PYKOTAPAGECOUNTER"], after["PYKOTAMAXJOBSIZE"], after["PYKOTAPRINTERMAXJOBSIZE"]) == \
        ("0", "Unlimited", "Unlimited")
    assert after["PYKOTAPGROUPS"] == f"{queue}-floor" and after["PYKOTAPRINTERDESCRIPTION"] == "hall laser"
    assert after["PYKOTAPRINTERPASSTHROUGHMODE"] == "OFF" and after["PYKOTAPHASE"] == "AFTER"
    assert after["PYKOTATITLE"] == "été; $(id)" and after["PYKOTAJOBBILLING"] == "ABC"
    assert after["PYKOTAORIGINALJOBBILLING"] == "ABC" and after["PYKOTACHARSET"] == "UTF-8"
    assert after["PYKOTAPRINTERHOSTNAME"] == "127.0.0.1"
    assert seen["prehook"]["PYKOTAPHASE"] == "BEFORE" and seen["prehook"]["PYKOTAACTION"] == "ALLOW"
    assert seen["askconfirmation"]["PYKOTAPRECOMPUTEDJOBPRICE"] == "1.40"
    assert seen["askconfirmation"]["PYKOTABALANCE"] == "12.50"
    assert "PYKOTASTATUS" not in after

