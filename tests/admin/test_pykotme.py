"""pykotme on the command line: its output for a real file, and bad input (one line, exit 1,
nothing written)."""
from __future__ import annotations

import pikepdf
import pytest
from click.testing import CliRunner

from pykota_ldap.cli import pykotme
from pykota_ldap.directory import accounts, printers, quotas

from .conftest import snapshot


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(pykotme.main, list(args), prog_name="pykotme", input=input)


@pytest.fixture
def site(admin_directory, tmp_path):
    d = admin_directory
    printers.add_printer(d, "hp4", price_per_page=100, price_per_job=50)
    printers.add_printer(d, "color", price_per_page=500, max_job_size=2)
    accounts.attach_user(d, "alice", limit_by="balance", balance=1_000)
    for printer in ("hp4", "color"):
        quotas.add_user_quota(d, "alice", printer)
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page()
    pdf.save(tmp_path / "three.pdf")
    return tmp_path / "three.pdf"


def test_a_quote_on_every_printer_and_from_stdin_read_once(site, slapd):
    before = snapshot(slapd)
    result = run("-u", "alice", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Your account balance : 1.00", "Job size : 3 pages",
        "Printer color : not allowed to print so many pages (job of 3 pages is larger than the 2 allowed on color)",
        "Cost on printer hp4 : 0.35 (would print now, with a warning: balance is low: 1.00)"]
    piped = run("-u", "alice", "-P", "hp*,color", input=site.read_bytes())
    assert piped.exit_code == 0 and "Job size : 3 pages" in piped.output and "hp4 : 0.35" in piped.output
    assert snapshot(slapd) == before                              # a quote writes nothing


@pytest.mark.parametrize("args, message", [
    (("-u", "alice", "/nonexistent.pdf"), "pykotme: cannot read /nonexistent.pdf: No such file or directory"),
    (("-u", "alice", "-P", "nosuch*", "FILE"), "pykotme: no printer matches nosuch*"),
    (("-u", "nobody-here", "FILE"), "pykotme: user nobody-here is not in the directory"),
    (("-u", "alice", "NOTADOC"), "pykotme: NOTADOC: its pages cannot be counted"),
])
def test_bad_input_is_one_line(site, tmp_path, args, message):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02\x03 not a document" * 20)
    args = tuple(str(site) if a == "FILE" else str(junk) if a == "NOTADOC" else a for a in args)
    result = run(*args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.replace("NOTADOC", str(junk))), lines
