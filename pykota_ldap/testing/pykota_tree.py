"""A made-up PyKota site as PyKota's LDAP storage held it, with its quirks, for pkmigrate's tests.

Layout (the old pykota.conf that `old_config` writes): users and their pykotaAccount on the
organisation's entries under ou=People; balances in entries of their own under ou=Balances
(`balancerdn: cn`); user quota entries below each user entry (`userquotabase: user`); printers,
group quotas, jobs, last jobs and billing codes under ou=PyKota. Quirks: floats and the string
"None" in IA5 attributes, payments packed as `date # amount # base64(comment)` (the oldest without
a comment), printer groups as `uniqueMember` DNs, passthrough as `t`/`f`, the job's date only in
its operational createTimestamp (so the tree is loaded with slapadd). PyKota's LDAP names are IA5:
users with non-ASCII names could not exist there, and `ldap_rows` leaves them out.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .pykota_site import Rows

SCHEMA = Path(__file__).resolve().parents[2] / "tests" / "migrate" / "pykota-old.ldif"


def ldap_rows(rows: Rows) -> Rows:
    """The site without what PyKota's LDAP storage could not hold (non-ASCII user names)."""
    keep = {r["username"] for r in rows["users"] if r["username"].isascii()}
    return {dataset: [r for r in entries if "username" not in r or r["username"] in keep]
            for dataset, entries in rows.items()}


def _uuid(*parts: Any) -> str:
    return hashlib.md5("-".join(map(str, parts)).encode()).hexdigest()


def _text(value: Any) -> str:
    """What PyKota wrote: str() of the value, "None" included."""
    return str(value)


def _stamp(local: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).strftime("%Y%m%d%H%M%SZ")


def _entry(dn: str, *lines: str) -> str:
    return "\n".join([f"dn: {dn}", *[line for line in lines if line]]) + "\n"


def tree_ldif(rows: Rows, suffix: str, zone: str = "Europe/Paris") -> str:
    tz = ZoneInfo(zone)
    k = f"ou=PyKota,{suffix}"
    out = [_entry(suffix, "objectClass: dcObject", "objectClass: organization", "dc: example", "o: Example"),
           _entry(f"cn=admin,{suffix}", "objectClass: organizationalRole", "cn: admin")]
    for ou in ("People", "Groups"):
        out.append(_entry(f"ou={ou},{suffix}", "objectClass: organizationalUnit", f"ou: {ou}"))
    out.append(_entry(k, "objectClass: organizationalUnit", "ou: PyKota"))
    for ou in ("Printers", "GQuotas", "Jobs", "LastJobs", "BillingCodes", "Balances"):
        out.append(_entry(f"ou={ou},{k}", "objectClass: organizationalUnit", f"ou: {ou}"))
    printer_dn = {p["printername"]: f"cn={p['printername']},ou=Printers,{k}" for p in rows["printers"]}
    members: dict[str, list[str]] = {}
    for m in rows["pmembers"]:
        members.setdefault(m["pgroupname"], []).append(printer_dn[m["printername"]])
    for p in rows["printers"]:
        out.append(_entry(printer_dn[p["printername"]], "objectClass: pykotaObject", "objectClass: pykotaPrinter",
                          f"cn: {p['printername']}", f"pykotaPrinterName: {p['printername']}",
                          f"pykotaPricePerPage: {_text(p['priceperpage'])}",
                          f"pykotaPricePerJob: {_text(p['priceperjob'])}", f"description: {p['description']}",
                          # INTEGER syntax: the server refused PyKota's "None" here, so unlimited is absent
                          f"pykotaMaxJobSize: {p['maxjobsize']}" if p["maxjobsize"] is not None else "",
                          f"pykotaPassThrough: {'t' if p['passthrough'] else 'f'}",
                          *[f"uniqueMember: {dn}" for dn in members.get(p["printername"], [])]))
    _users(out, rows, suffix, k, tz)
    _groups(out, rows, suffix, k)
    _history(out, rows, k, tz)
    return "\n".join(out)


def _users(out: list[str], rows: Rows, suffix: str, k: str, tz: ZoneInfo) -> None:
    payments: dict[str, list[str]] = {}
    for number, pay in enumerate(rows["payments"]):
        comment = pay["description"]
        packed = f"{pay['date']} # {_text(pay['amount'])}"
        if comment is not None or number % 2:     # the oldest PyKota wrote no comment part
            packed += f" # {base64.b64encode((comment or '').encode()).decode()}"
        payments.setdefault(pay["username"], []).append(packed)
    for index, u in enumerate(rows["users"], 1):
        name = u["username"]
        out.append(_entry(f"uid={name},ou=People,{suffix}", "objectClass: inetOrgPerson",
                          "objectClass: posixAccount", "objectClass: pykotaAccount", f"uid: {name}", f"cn: {name}",
                          f"sn: {name}", f"uidNumber: {10000 + index}", "gidNumber: 100",
                          f"homeDirectory: /home/u{index}", f"pykotaUserName: {name}",
                          f"pykotaLimitBy: {u['limitby']}", f"mail: {u['email']}" if u["email"] else "",
                          f"description: {u['description']}"))
        out.append(_entry(f"cn={name},ou=Balances,{k}", "objectClass: pykotaObject",
                          "objectClass: pykotaAccountBalance", f"cn: {name}", f"pykotaUserName: {name}",
                          f"pykotaBalance: {_text(u['balance'])}", f"pykotaLifeTimePaid: {_text(u['lifetimepaid'])}",
                          f"pykotaOverCharge: {_text(u['overcharge'])}",
                          *[f"pykotaPayments: {p}" for p in payments.get(name, [])]))
    for q in rows["upquotas"]:
        out.append(_entry(f"cn={_uuid('uq', q['id'])},uid={q['username']},ou=People,{suffix}",
                          "objectClass: pykotaObject", "objectClass: pykotaUserPQuota", f"cn: {_uuid('uq', q['id'])}",
                          f"pykotaUserName: {q['username']}", f"pykotaPrinterName: {q['printername']}",
                          f"pykotaPageCounter: {q['pagecounter']}", f"pykotaLifePageCounter: {q['lifepagecounter']}",
                          f"pykotaSoftLimit: {_text(q['softlimit'])}", f"pykotaHardLimit: {_text(q['hardlimit'])}",
                          f"pykotaDateLimit: {_text(q['datelimit'])}", f"pykotaWarnCount: {q['warncount']}",
                          f"pykotaMaxJobSize: {q['maxjobsize']}" if q["maxjobsize"] is not None else ""))


def _groups(out: list[str], rows: Rows, suffix: str, k: str) -> None:
    members: dict[str, list[str]] = {}
    for m in rows["umembers"]:
        members.setdefault(m["groupname"], []).append(m["username"])
    for index, g in enumerate(rows["groups"], 1):
        name = g["groupname"]
        out.append(_entry(f"cn={name},ou=Groups,{suffix}", "objectClass: posixGroup", "objectClass: pykotaGroup",
                          f"cn: {name}", f"gidNumber: {2000 + index}", f"pykotaGroupName: {name}",
                          f"pykotaLimitBy: {g['limitby']}", f"description: {g['description']}",
                          *[f"memberUid: {m}" for m in members.get(name, [])]))
    for q in rows["gpquotas"]:
        out.append(_entry(f"cn={_uuid('gq', q['id'])},ou=GQuotas,{k}", "objectClass: pykotaObject",
                          "objectClass: pykotaGroupPQuota", f"cn: {_uuid('gq', q['id'])}",
                          f"pykotaGroupName: {q['groupname']}", f"pykotaPrinterName: {q['printername']}",
                          f"pykotaSoftLimit: {_text(q['softlimit'])}", f"pykotaHardLimit: {_text(q['hardlimit'])}",
                          f"pykotaDateLimit: {_text(q['datelimit'])}"))
    for c in rows["billingcodes"]:
        out.append(_entry(f"cn={_uuid('bc', c['id'])},ou=BillingCodes,{k}", "objectClass: pykotaObject",
                          "objectClass: pykotaBilling", f"cn: {_uuid('bc', c['id'])}",
                          f"pykotaBillingCode: {c['billingcode']}", f"pykotaPageCounter: {c['pagecounter']}",
                          f"pykotaBalance: {_text(c['balance'])}", f"description: {c['description']}"))


def _history(out: list[str], rows: Rows, k: str, tz: ZoneInfo) -> None:
    last: dict[str, str] = {}
    for j in rows["history"]:
        cn = _uuid("job", j["id"])
        last[j["printername"]] = cn
        optional = [f"pykotaBillingCode: {j['billingcode']}" if j["billingcode"] else ""]
        out.append(_entry(f"cn={cn},ou=Jobs,{k}", "objectClass: pykotaObject", "objectClass: pykotaJob", f"cn: {cn}",
                          f"pykotaUserName: {j['username']}", f"pykotaPrinterName: {j['printername']}",
                          f"pykotaJobId: {j['jobid']}", f"pykotaPrinterPageCounter: {j['pagecounter']}",
                          f"pykotaJobSize: {j['jobsize']}", f"pykotaAction: {j['action']}",
                          f"pykotaJobPrice: {_text(j['jobprice'])}", f"pykotaFileName: {j['filename']}",
                          f"pykotaTitle: {j['title']}", f"pykotaCopies: {j['copies']}",
                          f"pykotaOptions: {j['options']}", f"pykotaHostName: {j['hostname']}",
                          f"pykotaJobSizeBytes: {j['jobsizebytes']}", f"pykotaMD5Sum: {j['md5sum']}",
                          f"pykotaPrecomputedJobSize: {j['precomputedjobsize']}",
                          f"pykotaPrecomputedJobPrice: {_text(j['precomputedjobprice'])}", *optional,
                          f"createTimestamp: {_stamp(j['jobdate'], tz)}"))
    for printer, cn in last.items():
        out.append(_entry(f"cn={_uuid('last', printer)},ou=LastJobs,{k}", "objectClass: pykotaObject",
                          "objectClass: pykotaLastJob", f"cn: {_uuid('last', printer)}",
                          f"pykotaPrinterName: {printer}", f"pykotaLastJobIdent: {cn}"))


def old_config(folder: Path, uri: str, suffix: str, admin_dn: str, admin_pw: str) -> Path:
    """PyKota's pykota.conf and pykotadmin.conf for this tree."""
    folder.mkdir(parents=True, exist_ok=True)
    k = f"ou=PyKota,{suffix}"
    (folder / "pykota.conf").write_text(
        f"[global]\nstoragebackend: ldapstorage\nstorageserver: {uri}\nstoragename: {suffix}\n"
        f"userbase: ou=People,{suffix}\n"
        f"userrdn: uid\nbalancebase: ou=Balances,{k}\nbalancerdn: cn\ngroupbase: ou=Groups,{suffix}\n"
        f"grouprdn: cn\nprinterbase: ou=Printers,{k}\nprinterrdn: cn\nuserquotabase: user\n"
        f"groupquotabase: ou=GQuotas,{k}\njobbase: ou=Jobs,{k}\nlastjobbase: ou=LastJobs,{k}\n"
        f"billingcodebase: ou=BillingCodes,{k}\nnewuser: below\nnewgroup: below\nusermail: mail\n"
        f"groupmembers: memberUid\nstorageuser: {admin_dn}\nstorageuserpw: {admin_pw}\n"
        f"gracedelay: 7\npoorman: 1.0\nmaxdenybanners: 2\nenforcement: strict\nmailto: both\n"
        f"smtpserver: localhost\nprivacy: yes\n\n[hp1]\naccounter: hardware(snmp)\n")
    (folder / "pykotadmin.conf").write_text(f"[global]\nstorageadmin: {admin_dn}\nstorageadminpw: {admin_pw}\n")
    return folder / "pykota.conf"
