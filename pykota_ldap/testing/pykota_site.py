"""A PyKota site made up for pkmigrate's tests and benchmark, in every form PyKota kept it.

`make_site()` gives the rows of PyKota's relational tables (what dumpykota's SQL storage dumps,
ids included): a few hundred users in every limit mode, nested printer groups, payments with
comments, non-ASCII names and titles, the "None" strings PyKota wrote for unset values, a grace
date in progress, float amounts that are not exact in thousandths. `write_xml` writes them as
`dumpykota -d all -f xml` does; `people_ldif` is the organisation's own directory of those users.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Rows = dict[str, list[dict[str, Any]]]
LIMITS = ("quota", "balance", "noquota", "nochange", "noprint")
MISSING_USERS = ("ghost1", "ghost2")          # in PyKota, not in the organisation's directory
SPECIAL_USERS = ("josé", "zoë")                # non-ASCII names (never in a memberUid group)
NOW = datetime(2026, 11, 20, 12, 0, 0)


def make_site(users: int = 300, jobs: int = 2000, seed: int = 15) -> Rows:
    rnd = random.Random(seed)
    rows: Rows = {name: [] for name in ("printers", "pmembers", "users", "groups", "billingcodes", "umembers",
                                        "upquotas", "gpquotas", "payments", "history")}
    printer_names = ["hp1", "hp2", "hp3", "hp4", "color1", "plotter", "floor1", "floor2", "building"]
    prices = [0.05, 0.1, 0.0125, 0.3, 1.5, 2.0, 0.0, 0.0, 0.0]
    for index, name in enumerate(printer_names, 1):
        rows["printers"].append({"id": index, "printername": name, "description": "Salle réseau" if index == 1 else
                                 ("None" if index == 2 else f"printer {name}"), "priceperpage": prices[index - 1],
                                 "priceperjob": 0.5 if name == "color1" else 0.0, "passthrough": name == "plotter",
                                 "maxjobsize": 200 if name == "hp2" else None})
    ids = {name: i for i, name in enumerate(printer_names, 1)}
    for group, members in (("floor1", ["hp1", "hp2"]), ("floor2", ["hp3", "hp4", "color1"]),
                           ("building", ["floor1", "floor2"])):
        for member in members:
            rows["pmembers"].append({"pgroupname": group, "printername": member, "groupid": ids[group],
                                     "printerid": ids[member]})
    names = [f"user{i:03d}" for i in range(1, users - len(SPECIAL_USERS) - len(MISSING_USERS) + 1)]
    names += list(SPECIAL_USERS) + list(MISSING_USERS)
    balances = [10.0, 12.5, 0.1 + 0.2, 3.3333, 0.0, 100.25, -2.5]
    for index, name in enumerate(names, 1):
        email = None if index % 7 == 0 or not name.isascii() else f"{name}@example.org"
        rows["users"].append({"id": index, "username": name, "email": email,
                              "balance": balances[index % len(balances)], "lifetimepaid": float(index % 40),
                              "limitby": LIMITS[index % len(LIMITS)],
                              "description": "None" if index % 5 else "Étudiant",
                              "overcharge": 1.5 if index % 11 == 0 else 1.0})
    group_names = ["personnel", "students", "lab", "physics", "chemistry", "direction"]
    for index, group in enumerate(group_names, 1):
        rows["groups"].append({"id": index, "groupname": group, "description": "None" if index % 2 else f"les {group}",
                               "limitby": ("quota", "balance", "noquota")[index % 3]})
        ascii_members = [i for i, n in enumerate(names, 1) if n.isascii() and n not in MISSING_USERS]
        for user_id in rnd.sample(ascii_members, 20):
            rows["umembers"].append({"groupname": group, "username": names[user_id - 1], "groupid": index,
                                     "userid": user_id})
    for index, code in enumerate(["projX", "thèse", "admin"], 1):
        rows["billingcodes"].append({"id": index, "billingcode": code, "description": f"code {code}",
                                     "balance": -12.34 * index, "pagecounter": 100 * index})
    _quotas(rows, rnd, names, printer_names, ids)
    _payments(rows, names)
    _history(rows, rnd, names, printer_names, ids, prices, jobs)
    return rows


def _quotas(rows: Rows, rnd: random.Random, names: list[str], printer_names: list[str], ids: dict[str, int]) -> None:
    quota_id = 0
    for user_id, name in enumerate(names, 1):
        for printer in rnd.sample(printer_names[:6], 2) + ["floor1", "building"]:
            quota_id += 1
            pages = rnd.randint(0, 300)
            soft = rnd.choice([None, 100, 200])
            in_grace = user_id == 3
            rows["upquotas"].append({
                "username": name, "printername": printer, "id": quota_id, "userid": user_id,
                "printerid": ids[printer], "lifepagecounter": pages + rnd.randint(0, 1000), "pagecounter": pages,
                "softlimit": 100 if in_grace else soft, "hardlimit": 150 if in_grace else (None if soft is None
                                                                                           else soft + 50),
                "datelimit": (NOW + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S") if in_grace else None,
                "maxjobsize": 50 if user_id % 13 == 0 else None, "warncount": user_id % 3})
    for index, (group, printer) in enumerate([("personnel", "hp1"), ("students", "building"), ("lab", "color1")], 1):
        rows["gpquotas"].append({"groupname": group, "printername": printer, "id": index, "groupid": index,
                                 "printerid": ids[printer], "softlimit": 1000 * index, "hardlimit": 1200 * index,
                                 "datelimit": None, "maxjobsize": None})


def _payments(rows: Rows, names: list[str]) -> None:
    payment_id = 0
    for user_id, name in enumerate(names, 1):
        for number in range(user_id % 3):
            payment_id += 1
            rows["payments"].append({"username": name, "id": payment_id, "userid": user_id,
                                     "amount": [5.0, 2.5, 0.1, 20.05][payment_id % 4],
                                     "description": f"versement n°{number} à l'accueil" if number else None,
                                     "date": (NOW - timedelta(days=user_id, hours=number)).strftime(
                                         "%Y-%m-%d %H:%M:%S")})


def _history(rows: Rows, rnd: random.Random, names: list[str], printer_names: list[str], ids: dict[str, int],
             prices: list[float], jobs: int) -> None:
    titles = ["rapport.pdf", "Thèse – chapitre 2", "None", "hidden", "résumé €.doc", "plan"]
    for job_id in range(1, jobs + 1):
        user_id = rnd.randint(1, len(names))
        printer = rnd.choice(printer_names[:6])
        size = rnd.randint(0, 40)
        rows["history"].append({
            "username": names[user_id - 1], "printername": printer, "id": job_id, "jobid": str(100 + job_id),
            "userid": user_id, "printerid": ids[printer], "pagecounter": 1000 + job_id, "jobsizebytes": size * 4096,
            "jobsize": size, "jobprice": round(size * prices[ids[printer] - 1], 6),
            "action": rnd.choice(["ALLOW", "ALLOW", "ALLOW", "DENY", "WARN", "REFUND", "PROBLEM"]),
            "filename": "None" if job_id % 4 == 0 else f"/tmp/job{job_id}", "title": titles[job_id % len(titles)],
            "copies": 1 + job_id % 3, "options": "None" if job_id % 2 else "sides=two-sided-long-edge",
            "hostname": f"10.0.{job_id % 7}.{job_id % 200}", "md5sum": f"{job_id:032x}", "pages": None,
            "billingcode": "projX" if job_id % 10 == 0 else ("thèse" if job_id % 17 == 0 else None),
            "precomputedjobsize": size, "precomputedjobprice": round(size * prices[ids[printer] - 1], 6),
            "jobdate": (NOW - timedelta(minutes=jobs - job_id)).strftime("%Y-%m-%d %H:%M:%S")})


def _type_of(value: Any) -> str:
    return "NoneType" if value is None else {bool: "bool", int: "int", float: "float"}.get(type(value), "str")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def write_xml(rows: Rows, path: Path, storage: str = "PostgreSQL") -> None:
    """As `dumpykota -d all -f xml` writes it, datasets in its order."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<pykota version="1.26_official" author="Jerome Alet">\n')
        for dataset, entries in rows.items():
            out.write(f'  <dump storage={quoteattr(storage)} type={quoteattr(dataset)}>\n')
            for entry in entries:
                out.write("    <entry>\n")
                for name, value in entry.items():
                    out.write(f'      <attribute type="{_type_of(value)}" name={quoteattr(name)}>'
                              f'{escape(_text(value))}</attribute>\n')
                out.write("    </entry>\n")
            out.write("  </dump>\n")
        out.write("</pykota>\n")


def people_ldif(rows: Rows, suffix: str, skip_existing: tuple[str, ...] = ("jerome",)) -> str:
    """The organisation's entries for the site's users (all but MISSING_USERS) and groups, as an
    identity system provisions them; one group lists one member more than PyKota did."""
    out = []
    for index, user in enumerate(rows["users"], 1):
        name = user["username"]
        if name in MISSING_USERS or name in skip_existing:
            continue
        mail = f"mail: {name}@example.org\n" if index % 3 and name.isascii() else ""
        out.append(f"dn: uid={name},ou=People,{suffix}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n"
                   f"uid: {name}\ncn: {name}\nsn: {name}\nuidNumber: {10000 + index}\ngidNumber: 100\n"
                   f"homeDirectory: /home/u{index}\n{mail}")
    members: dict[str, list[str]] = {}
    for row in rows["umembers"]:
        members.setdefault(row["groupname"], []).append(row["username"])
    for index, group in enumerate(rows["groups"], 1):
        name = group["groupname"]
        listed = members.get(name, []) + (["user001"] if name == "personnel" and "user001" not in members[name] else [])
        member_lines = "".join(f"memberUid: {m}\n" for m in listed)
        out.append(f"dn: cn={name},ou=Groups,{suffix}\nobjectClass: posixGroup\ncn: {name}\n"
                   f"gidNumber: {2000 + index}\n{member_lines}")
    return "\n".join(out)


def write_csv(rows: Rows, folder: Path) -> Path:
    """One file per dataset, as `dumpykota -d <dataset> -f csv` writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    for dataset, entries in rows.items():
        if not entries:
            continue
        columns = list(entries[0])
        lines = [",".join(f'"{c}"' for c in columns)]
        for entry in entries:
            lines.append(",".join(_csv_value(entry[c]) for c in columns))
        (folder / f"{dataset}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _csv_value(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = "None" if value is None else _text(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace(",", "\\,") + '"'
