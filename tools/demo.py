#!/usr/bin/env python3
"""The demo behind tools/demo (run that: it installs what is missing first)."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import demo_more  # noqa: E402

from pykota_ldap import money  # noqa: E402
from pykota_ldap.config import Config  # noqa: E402
from pykota_ldap.directory import Directory, accounts, printers, quotas  # noqa: E402
from pykota_ldap.testing.cups import Cupsd  # noqa: E402
from pykota_ldap.testing.nss import sample_users  # noqa: E402
from pykota_ldap.testing.printer import NetworkPrinter, postscript  # noqa: E402
from pykota_ldap.testing.slapd import Slapd  # noqa: E402
from pykota_ldap.testing.smtp import MailServer  # noqa: E402

BOLD, DIM, RED, GREEN, OFF = ("\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m") if sys.stdout.isatty() \
    else ("", "", "", "", "")


def say(text):
    print(f"\n{BOLD}== {text}{OFF}", flush=True)


def shell(text):
    print(f"{DIM}$ {text}{OFF}", flush=True)


def admin(home, command, args, fallback):
    """Use the PyKota-style admin command when installed, else the library (same effect)."""
    path = shutil.which(command, path=str(Path(sys.executable).parent)) or shutil.which(command)
    if path:
        shell(f"{command} {' '.join(args)}")
        done = subprocess.run([path, *args], env={**os.environ, "PYKOTA_HOME": str(home)}, capture_output=True,
                              text=True)
        if done.returncode == 0:
            if done.stdout.strip():
                print(done.stdout.rstrip())
            return
        print(f"{DIM}({command} said: {done.stderr.strip()}; doing it through the library){OFF}")
    else:
        shell(f"{command} {' '.join(args)}   {DIM}# (command not installed yet: done through the library){OFF}")
    fallback()


def main() -> int:
    options = argparse.ArgumentParser(prog="tools/demo", description=__doc__)
    options.add_argument("--web", action="store_true", help="keep pkweb and the servers running until Ctrl-C")
    keep_web = options.parse_args().web
    # Killed or interrupted, the demo still stops its servers and removes its directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="pkdemo"))
    try:
        return demo(work, keep_web)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def demo(work: Path, keep_web: bool) -> int:
    started = time.monotonic()
    work.chmod(0o755)
    docs = {n: work / f"report-{n}p.ps" for n in (2, 3, 4, 6, 8)}
    for pages, path in docs.items():
        path.write_bytes(postscript(pages, f"demo document ({pages} pages)"))
        path.chmod(0o644)

    say("Starting a throwaway directory (slapd + sample organisation), a simulated network printer and cupsd")
    with Slapd() as slapd, NetworkPrinter() as device, MailServer() as mail:
        notices = (f"smtpserver: 127.0.0.1:{mail.port}\nadmin: Print Desk\nadminmail: printdesk@example.org\n"
                   "webadmins: admins\n")
        home = slapd.write_config(work / "etc", extra_global="enforcement: strict\ngracedelay: 7\n" + notices,
                                  extra=f"[color]\naccounter: hardware(snmp:public@127.0.0.1:{device.snmp_port})\n"
                                        "statusstabilizationdelay: 0.1\n")
        print(f"slapd   {slapd.uri}  (base dc=example,dc=org; PYKOTA_HOME={home})")
        print(f"printer socket://127.0.0.1:{device.tcp_port} (JetDirect), SNMP agent on udp/{device.snmp_port} "
              f"(page counter {device.counter})")
        print(f"smtp    127.0.0.1:{mail.port} (a local sink: the mails stay in this process)")
        with Cupsd(home, loglevel="info", users=sample_users(work / "nss")) as cups:
            print(f"cupsd   {cups.host} (ServerRoot {cups.dir}/etc; backend {cups.backend_dir}/cupspykota, root 0700)")
            print("        Debian's default policy; the directory's users are local users in its private mount "
                  "namespace (as sssd would make them)")
            os.environ["CUPS_SERVER"] = cups.host
            d = Directory(Config(home).ldap(admin=True)).connect()

            say("Two queues on the printer, both through cupspykota")
            for queue, how in (("lab", "software accounting: pages counted in the job"),
                               ("color", "hardware accounting: the printer's SNMP page counter")):
                shell(f"lpadmin -p {queue} -E -v cupspykota:{device.uri} -m raw      # {how}")
                cups.add_queue(queue, f"cupspykota:{device.uri}")

            say("Quotas, set with the admin commands")
            admin(home, "pkprinters", ["--add", "lab"], lambda: printers.add_printer(d, "lab"))
            admin(home, "pkprinters", ["--add", "--charge", "0.10,0.05", "color"],
                  lambda: printers.add_printer(d, "color", price_per_page=100, price_per_job=50))
            admin(home, "pkusers", ["--add", "--limitby", "quota", "alice", "toto"],
                  lambda: [accounts.attach_user(d, u) for u in ("alice", "toto")])
            admin(home, "pkusers", ["--add", "--limitby", "balance", "--balance", "1.50", "bob"],
                  lambda: accounts.attach_user(d, "bob", limit_by="balance", balance=1500))
            admin(home, "edpykota", ["--add", "--printer", "lab", "--softlimit", "8", "--hardlimit", "12",
                                     "alice", "toto"],
                  lambda: [quotas.add_user_quota(d, u, "lab", soft=8, hard=12) for u in ("alice", "toto")])

            say("Printing: real jobs with lp, as several users")
            jobs = []
            plan = [("lab", "alice", 4), ("lab", "toto", 2), ("lab", "alice", 6), ("lab", "alice", 3),
                    ("color", "bob", 4), ("color", "bob", 8), ("color", "bob", 3), ("lab", "quidam", 2),
                    ("lab", "toto", 3)]
            for queue, user, pages in plan:
                shell(f"lp -d {queue} {docs[pages].name}      # run by {user}")
                job = cups.lp(queue, docs[pages], user=user, title=docs[pages].name)
                state = cups.wait_job(queue, job, timeout=30)
                jobs.append((queue, user, pages, state))
                colour = GREEN if state.state == "completed" else RED
                why = f"  {state.message}" if state.state != "completed" else ""
                print(f"  job {job}: {colour}{state.state}{OFF}{why}")

            say("What users see: lpstat")
            shell("lpstat -W completed -o")
            print(cups.lpstat("-W", "completed", "-o").rstrip())
            shell("lpstat -W completed -l -o      # the refused jobs, with the reason users see")
            blocks, current = [], []
            for line in cups.lpstat("-W", "completed", "-l", "-o").splitlines():
                if line and not line.startswith("\t") and current:
                    blocks.append(current)
                    current = []
                current.append(line)
            blocks.append(current)
            for block in blocks:
                if any("refused" in line for line in block):
                    print("\n".join(line for line in block if "Alerts" not in line))
            shell("lpstat -p lab,color      # the queues keep running")
            print(cups.lpstat("-p", "lab,color").rstrip())

            say("Report")
            repykota = shutil.which("repykota", path=str(Path(sys.executable).parent))
            shown = False
            if repykota:
                shell("repykota")
                done = subprocess.run([repykota], env={**os.environ, "PYKOTA_HOME": str(home)}, capture_output=True,
                                      text=True)
                if done.returncode == 0:
                    print(done.stdout.rstrip())
                    shown = True
            if not shown:
                print(f"{'user':10} {'printer':8} {'pages':>6} {'soft':>5} {'hard':>5} {'balance':>8}  grace until")
                for quota in quotas.find_user_quotas(d):
                    user = accounts.get_user(d, quota.user)
                    grace = f"{quota.date_limit:%Y-%m-%d}" if quota.date_limit else ""
                    print(f"{quota.user:10} {quota.printer:8} {quota.page_counter:6} {quota.soft_limit or '':>5} "
                          f"{quota.hard_limit or '':>5} {money.format(user.balance):>8}  {grace}")
            bob = accounts.get_user(d, "bob")
            print(f"\nbob (limited by balance on color, 0.10 a page + 0.05 a job): balance {money.format(bob.balance)} "
                  f"of the 1.50 he had")
            print(f"\nThe printer printed {device.pages_printed()} pages in {len(device.jobs)} jobs; "
                  f"its SNMP page counter went to {device.counter}.")

            demo_more.show_mail(demo_more.settled(mail), say, shell)
            demo_more.quote_and_refund(home, docs[3], d, say, shell)
            d.close()
            demo_more.web(home, keep_web, say, shell, BOLD, OFF)
    print(f"\n{BOLD}Done in {time.monotonic() - started:.1f} s.{OFF} Everything was temporary and is gone; "
          f"tools/testenv keeps such an environment running to explore.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
