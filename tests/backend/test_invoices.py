"""pkinvoice on jobs the real backend charged, pkrefund's confirmation, and both commands' refusals
of bad input (one line, non-zero, nothing written)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

from click.testing import CliRunner
from PIL import Image

from pykota_ldap.cli import pkinvoice, pkrefund
from pykota_ldap.directory import accounts, printers, quotas

from .money_helpers import pdf_images, pdf_page_size, pdf_pages, pdf_text, run_command, snapshot

COMMANDS = {"pkrefund": pkrefund.main, "pkinvoice": pkinvoice.main}


def _site(rig):
    """A queue (0.10 a page) in a printer group (0.05 a page); alice and bob limited by balance."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    group = printers.add_printer(rig.d, f"etage-{queue}", price_per_page=50)
    printers.add_to_group(rig.d, group, printers.get_printer(rig.d, queue))
    for user in ("alice", "bob"):
        accounts.attach_user(rig.d, user, limit_by="balance", balance=20_000)
        for printer in (queue, group.name):
            quotas.add_user_quota(rig.d, user, printer, hard=100)
    return queue


def _printed(rig, queue, pages, user):
    job = rig.print(queue, pages, user=user)
    assert job.state == "completed"
    return job.id


def test_invoices_pdf_csv_json_with_vat_and_nothing_written(rig, tmp_path):
    queue = _site(rig)
    refunded = _printed(rig, queue, 3, "alice")
    _printed(rig, queue, 5, "alice")
    _printed(rig, queue, 2, "bob")
    assert run_command(rig.home, "pkrefund", "-f", "-r", "bourrage papier, 2e étage", "-u", "Crédits",
                       "-o", str(tmp_path / "receipt.pdf"), f"jobid={refunded}").returncode == 0
    receipt = pdf_text(tmp_path / "receipt.pdf")
    assert "bourrage papier, 2e étage" in receipt and "Amount refunded (Crédits)" in receipt and "0.45" in receipt

    before = snapshot(rig.slapd)
    invoice, logo = tmp_path / "invoices.pdf", tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (200, 30, 30)).save(logo)
    done = run_command(rig.home, "pkinvoice", "-V", "20", "-n", "41", "-l", str(logo), "-o", str(invoice),
                       f"printername={queue}")
    assert done.returncode == 0, done.stderr
    assert pdf_pages(invoice) == 2 and "A4" in pdf_page_size(invoice)
    assert pdf_images(invoice) == 2                                   # the logo, on each page
    assert "DejaVuSans" in subprocess.run(["pdffonts", str(invoice)], capture_output=True, text=True).stdout
    alice, bob = pdf_text(invoice).split("\f")[:2]
    # alice: the 5-page job only (the 3-page one was refunded), 5 x 0.15 = 0.75 VAT included.
    assert "Invoice #41" in alice and "User: alice" in alice
    assert _row(alice, "Pages") == "5" and _row(alice, "Jobs") == "1"
    assert _row(alice, "Amount excluding VAT") == "0.625" and _row(alice, "VAT 20%") == "0.125"
    assert _row(alice, "Amount due, VAT included") == "0.75"
    assert "Invoice #42" in bob and _row(bob, "Amount due, VAT included") == "0.30"
    assert _row(bob, "Amount excluding VAT") == "0.25" and _row(bob, "VAT 20%") == "0.05"

    letter = tmp_path / "letter.pdf"
    assert run_command(rig.home, "pkinvoice", "-p", "Letter", "-o", str(letter), "username=bob").returncode == 0
    assert pdf_pages(letter) == 1 and "letter" in pdf_page_size(letter)

    rows = list(csv.DictReader(io.StringIO(run_command(rig.home, "pkinvoice", "-f", "csv", "-V", "5.5").stdout)))
    assert [(r["username"], r["pages"], r["amount"], r["amount_excl_vat"]) for r in rows] == [
        ("alice", "5", "0.750", "0.711"), ("bob", "2", "0.300", "0.284")]
    data = json.loads(run_command(rig.home, "pkinvoice", "-f", "json", "username=a*").stdout)
    assert data["vat_percent"] == "0" and [i["username"] for i in data["invoices"]] == ["alice"]
    assert snapshot(rig.slapd) == before


def _row(page: str, label: str) -> str:
    """The value at the end of the line that starts with `label` (pdftotext -layout)."""
    line = next(line for line in page.splitlines() if line.strip().startswith(label))
    return line.split()[-1]


def test_without_force_each_job_is_asked_and_only_yes_is_refunded(rig):
    queue = _site(rig)
    first, second = _printed(rig, queue, 2, "alice"), _printed(rig, queue, 4, "alice")
    asked = run_command(rig.home, "pkrefund", "-r", "misprint", "-o", "/dev/null", "username=alice", input="n\ny\n")
    assert asked.returncode == 0, asked.stderr
    assert asked.stderr.count("Refund it?") == 2 and f"job {first} " in asked.stderr
    actions = {j["pkJobId"]: j["pkAction"] for j in rig.jobs(queue)}
    assert actions == {str(first): "ALLOW", str(second): "REFUND"}
    assert rig.balance("alice") == 20_000 - 2 * 150


def test_bad_input_is_one_line_and_writes_nothing(rig, tmp_path):
    queue = _site(rig)
    job = _printed(rig, queue, 2, "alice")
    user_home = tmp_path / "user"
    user_home.mkdir()
    shutil.copy(rig.home / "pykota.conf", user_home / "pykota.conf")   # no pykotadmin.conf: not an admin
    before = snapshot(rig.slapd)
    out = str(tmp_path / "out.pdf")
    cases = [
        ("pkrefund", "-f", "-r", "jam", "-o", out, "jobid=99999"),                # unknown job id
        ("pkrefund", "-f", "-r", "jam", "-o", out, "username=nobody"),            # filter matching nothing
        ("pkrefund", "-f", "-o", out, f"jobid={job}"),                            # no reason
        ("pkrefund", "-f", "-r", "jam", "-o", out, "colour=red"),                 # unknown filter
        ("pkrefund", "-f", "-r", "jam", "-o", out, "start=2026-13"),              # bad date
        ("pkrefund", "-f", "-r", "jam", "-p", "A13", "-o", out, f"jobid={job}"),  # bad page size
        ("pkrefund", "-f", "-r", "jam", "-l", str(tmp_path / "none.png"), "-o", out, f"jobid={job}"),
        ("pkrefund", "-f", "-r", "jam", "-i", "%(pages)i", "-o", out, f"jobid={job}"),
        ("pkrefund", "-f", "-r", "jam", "-o", str(tmp_path / "no" / "dir.pdf"), f"jobid={job}"),
        ("pkinvoice", "-V", "-1", "-o", out),                                     # negative VAT
        ("pkinvoice", "-V", "100", "-o", out),                                    # VAT 100
        ("pkinvoice", "-V", "abc", "-o", out),
        ("pkinvoice", "-f", "xml", "-o", out),
        ("pkinvoice", "-o", out, "jobid=99999"),
        ("pkinvoice", "-o", ""),                                                  # no file name
    ]
    for argv in cases:      # in this process (the commands' own code, not their start-up): quicker
        result = CliRunner().invoke(COMMANDS[argv[0]], argv[1:], prog_name=argv[0], env={"PYKOTA_HOME": str(rig.home)})
        assert result.exit_code != 0 and isinstance(result.exception, SystemExit), (argv, result.exception)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, (argv, result.stderr)
        assert result.stderr.startswith(f"{argv[0]}: "), result.stderr
    for argv in [("pkrefund", "-f", "-r", "jam", "-o", out, f"jobid={job}"), ("pkinvoice", "-o", out)]:
        result = run_command(user_home, *argv)
        assert result.returncode != 0 and "needs the admin credentials" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(rig.slapd) == before
    assert not (tmp_path / "out.pdf").exists()


def test_an_output_that_fails_is_one_line_and_a_planted_link_is_not_followed(rig, tmp_path):
    queue = _site(rig)
    job = _printed(rig, queue, 2, "alice")
    for argv in (("pkinvoice", "-o", "/dev/full"), ("pkinvoice", "-f", "csv", "-o", "/dev/full")):
        failed = run_command(rig.home, *argv)
        assert failed.returncode == 1 and failed.stderr.count("\n") == 1, failed.stderr
        assert failed.stderr.startswith("pkinvoice: cannot write /dev/full"), failed.stderr

    # Someone plants invoices.pdf -> a file of the admin's: the invoices replace the link, the file stays.
    victim, planted = tmp_path / "victim.txt", tmp_path / "invoices.pdf"
    victim.write_text("keep me\n")
    planted.symlink_to(victim)
    assert run_command(rig.home, "pkinvoice", "-o", str(planted)).returncode == 0
    assert victim.read_text() == "keep me\n" and not planted.is_symlink() and pdf_pages(planted) == 1
    assert planted.stat().st_mode & 0o777 == 0o600        # names and amounts of others: for its owner

    # The refund is recorded even when its receipts cannot be written: said in one line.
    done = run_command(rig.home, "pkrefund", "-f", "-r", "jam", "-o", "/dev/full", f"jobid={job}")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith("pkrefund: refunds recorded, but cannot write /dev/full"), \
        done.stderr
    assert [j["pkAction"] for j in rig.jobs(queue)] == ["REFUND"] and rig.balance("alice") == 20_000


def test_answers_that_stop_half_way_still_give_the_refunded_jobs_their_receipts(rig, tmp_path):
    """y for the first job, then the input ends (Ctrl-D): the first job's refund is recorded, so its
    receipt must be written; a rerun would find nothing left to receipt."""
    queue = _site(rig)
    first, second = _printed(rig, queue, 2, "alice"), _printed(rig, queue, 4, "alice")
    receipt = tmp_path / "r.pdf"
    asked = run_command(rig.home, "pkrefund", "-r", "misprint", "-o", str(receipt), "username=alice", input="y\n")
    assert asked.returncode == 1 and "Traceback" not in asked.stderr, asked.stderr
    assert asked.stderr.splitlines()[-1] == f"pkrefund: stopped at job {second}: no answer", asked.stderr
    assert {j["pkJobId"]: j["pkAction"] for j in rig.jobs(queue)} == {str(first): "REFUND", str(second): "ALLOW"}
    assert pdf_pages(receipt) == 1 and f"Jobs: {first}" in pdf_text(receipt)


def test_a_job_whose_refund_was_cut_off_is_not_invoiced(rig):
    """A refund cut off after its payment (the job not yet REFUND) has given the money back: an
    invoice that still billed the job would have the user pay it twice."""
    from pykota_ldap.directory import history, refunds
    queue = _site(rig)
    cut, kept = _printed(rig, queue, 3, "alice"), _printed(rig, queue, 5, "alice")
    [job] = history.find_jobs(rig.d, job_id=str(cut), printer=queue)
    history.add_payment(rig.d, "alice", job.price, "cut off", name=refunds.refund_name(job))
    rows = list(csv.DictReader(io.StringIO(run_command(rig.home, "pkinvoice", "-f", "csv").stdout)))
    assert [(r["username"], r["jobs"], r["pages"]) for r in rows] == [("alice", "1", "5")], (rows, kept)
