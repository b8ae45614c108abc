"""What the money tests share: running the installed commands, reading payments and PDFs back."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BASE = "dc=example,dc=org"


def run_command(home: Path, *argv: str, input: str | None = None,
                env: dict | None = None) -> subprocess.CompletedProcess:
    """An installed command (the venv's console script) with PYKOTA_HOME=home, as an admin types it."""
    full = {**os.environ, "PYKOTA_HOME": str(home), **(env or {})}
    return subprocess.run([str(Path(sys.executable).parent / argv[0]), *argv[1:]], env=full, input=input,
                          capture_output=True, text=True, timeout=120)


def entries(ldif: str) -> list[dict[str, str]]:
    found, current = [], None
    for line in ldif.splitlines():
        if line.startswith("dn: "):
            current = {"dn": line[4:]}
            found.append(current)
        elif current is not None and ": " in line:
            key, value = line.split(": ", 1)
            current[key] = value
    return found


def payments_of(slapd, user: str) -> list[dict[str, str]]:
    return entries(slapd.ldapsearch(f"ou=Payments,ou=PyKota,{BASE}", f"(&(objectClass=pkPayment)(pkUserName={user}))",
                                    "pkAmount", "description", "pkPaymentDate"))


def lifetime_paid(slapd, user: str) -> int:
    [entry] = entries(slapd.ldapsearch(f"uid={user},ou=People,{BASE}", "(objectClass=*)", "pkLifeTimePaid",
                                       scope="base"))
    return int(entry.get("pkLifeTimePaid", 0))


def snapshot(slapd) -> str:
    return slapd.ldapsearch(BASE)


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_page_size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)


def pdf_images(path: Path) -> int:
    """How many images the document draws (pdfimages -list: two header lines, then one per image)."""
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return len(listed.splitlines()) - 2


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def receipt_job_ids(path: Path) -> list[str]:
    return [j.strip() for line in re.findall(r"Jobs: (.*)", pdf_text(path)) for j in line.split(",")]
