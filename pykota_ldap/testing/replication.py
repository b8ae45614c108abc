"""Two directory providers and two print servers, for the replication tests and the soak tool.

- Providers: two stock Debian slapd (testing.slapd, profile "debian"), the first with the sample
  organisation, the second empty, both made providers by the shipped recipe, run as an admin
  runs it (`pkschema replication provider` over ldapi): the second gets everything by its first
  full refresh. `down(i, SIGKILL)`, `up(i)`, `partition()` / `heal()` (olcSyncrepl removed on
  both and put back, as OpenLDAP's own test063 cuts replication) act on them.
- Print servers: two private stock cupsd (testing.cups) with the real backend, each with its own
  PYKOTA_HOME and journal, `storageserver` naming a different provider first, two queues each,
  every queue its own simulated printer (testing.printer), whose received jobs are the truth.

PYKOTA_SLAPD_DEBUG=sync (or any slapd debug level list, e.g. "sync,stats") runs the providers with
`-d LEVEL`, each writing to its own <dir>/slapd.log (appended across restarts); unset, they are quiet.

failover_run() is the heavy scenario: jobs of 8 users (4 limited by quota, 4 by balance) on the 4
queues of both servers at once while providers are stopped, killed, cut off and restarted; it
returns what the sinks received and what each provider holds after convergence.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .cups import Cupsd
from .nss import NssFiles
from .printer import NetworkPrinter, postscript
from .process import Rig
from .slapd import ADMIN_DN, ADMIN_PW, SERVICE_DN, SERVICE_PW, SUFFIX, Slapd, _find_slapd

BIN = Path(sys.executable).parent
QUOTA_USERS = ("alice", "bob", "chloe", "charles")
BALANCE_USERS = ("jerome", "prof2", "toto", "quidam")
PRICE = 50                          # thousandths per page (pkprinters -c 0.05)
START_BALANCE = 1_000_000           # 1000 credits: nobody runs out
HARD_LIMIT = 100_000                # strict reservations on pages happen, never refuse
CONVERGE_WITHIN = 60.0              # seconds after the queues drained (it takes 1-3 s when exact)


def command(name: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    done = subprocess.run([str(BIN / name), *args], capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{name} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def debug_level() -> str | None:
    """The slapd debug level asked for the providers, or None (PYKOTA_SLAPD_DEBUG=1 is slapd.py's)."""
    level = os.environ.get("PYKOTA_SLAPD_DEBUG", "")
    return level if re.fullmatch(r"[a-z]+(,[a-z]+)*", level) else None


class Provider(Slapd):
    """A stock slapd whose debug output (PYKOTA_SLAPD_DEBUG) goes to its slapd.log, restarts too."""

    def _launch(self) -> None:
        level = debug_level()
        if level is None:
            return super()._launch()
        with open(self.dir / "slapd.log", "ab") as log:
            log.write(f"==== {time.time():.3f} slapd started\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [_find_slapd(), "-d", level, "-h", f"{self.uri}/ {self.ldapi}", "-F", str(self.dir / "slapd.d")],
                stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()


class Providers(Rig):
    """Two delta-syncrepl providers set up by `pkschema replication provider`."""

    def __init__(self, keep_days: int = 7):
        self.servers = [Provider(sample_data=True), Provider(sample_data=False)]
        self.keep_days = keep_days
        self._syncrepl: dict[int, list[str]] = {}

    @property
    def uris(self) -> list[str]:
        return [s.uri for s in self.servers]

    def _start(self) -> None:
        for server in self.servers:
            server.start()
        for server in self.servers:
            secret = server.dir / "replicator.pw"
            with open(os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
                handle.write(ADMIN_PW)
            command("pkschema", "replication", "provider", "-H", server.ldapi, "-b", SUFFIX,
                    "--providers", ",".join(self.uris), "--replicator-password-file", str(secret),
                    "--keep-days", str(self.keep_days))
        self.wait_converged(30)
        self._second_reaches_first()

    def _second_reaches_first(self) -> None:
        """The first provider asked the second for changes before the second had the suffix ("No
        such object") and does not always ask again (slapd 2.5.13); restarted, it follows the
        second's log like any provider. Proven by a write on the second seen on the first."""
        for attempt in range(3):
            probe = f"probe {attempt} {time.time():.3f}"
            self.servers[1].ldapmodify(f"dn: {SUFFIX}\nchangetype: modify\nreplace: description\n"
                                       f"description: {probe}\n")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if f"description: {probe}" in self.servers[0].ldapsearch(SUFFIX, "(objectClass=*)", "description",
                                                                          scope="base"):
                    self.wait_converged(30)
                    return
                time.sleep(0.2)
            self.down(0)
            self.up(0)
        raise RuntimeError("the second provider's writes do not reach the first")

    def _stop(self) -> None:
        for server in self.servers:
            server.stop()

    # -- disruptions -------------------------------------------------------------------------------
    def down(self, index: int, how: int = signal.SIGTERM) -> None:
        process = self.servers[index].process
        if process is not None and process.poll() is None:
            process.send_signal(how)
            process.wait(15)

    def up(self, index: int) -> None:
        self.servers[index]._launch()

    def partition(self) -> None:
        """Both providers keep taking writes, neither hears of the other's."""
        for index, server in enumerate(self.servers):
            self._syncrepl[index] = self._config_values(server, "olcSyncrepl")
            server.ldapmodify(f"dn: {self._data_db(server)}\nchangetype: modify\ndelete: olcSyncrepl\n", config=True)

    def heal(self) -> None:
        for index, server in enumerate(self.servers):
            lines = "".join(f"olcSyncrepl: {value}\n" for value in self._syncrepl.pop(index, []))
            if lines:
                server.ldapmodify(f"dn: {self._data_db(server)}\nchangetype: modify\nadd: olcSyncrepl\n{lines}-\n"
                                  "replace: olcMultiProvider\nolcMultiProvider: TRUE\n", config=True)

    def _data_db(self, server: Slapd) -> str:
        out = server._run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-Q", "-Y", "EXTERNAL", "-H", server.ldapi,
                           "-b", "cn=config", "-s", "one", f"(olcSuffix={SUFFIX})", "dn"])
        return out.split("dn: ", 1)[1].split("\n", 1)[0]

    def _config_values(self, server: Slapd, attribute: str) -> list[str]:
        out = server._run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-Q", "-Y", "EXTERNAL", "-H", server.ldapi,
                           "-b", self._data_db(server), "-s", "base", "(objectClass=*)", attribute])
        return [re.sub(r"^\{\d+\}", "", line.split(": ", 1)[1]) for line in out.splitlines()
                if line.startswith(f"{attribute}: ")]

    # -- what each provider holds ------------------------------------------------------------------
    def snapshot(self, index: int) -> dict[str, dict[str, list[str]]]:
        """{dn: {attribute: values}} of the counters, marks and job entries on one provider."""
        out = self.servers[index]._run([
            "ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", self.servers[index].uri, "-D", ADMIN_DN,
            "-w", ADMIN_PW, "-b", SUFFIX,
            "(|(objectClass=pkUserQuota)(objectClass=pkAccount)(objectClass=pkJob)(objectClass=pkPayment))",
            "pkPageCounter", "pkBalance", "pkAppliedCharge", "pkJobId", "pkHostName", "pkPrinterName",
            "pkUserName", "pkJobSize", "pkHardLimit", "pkAction"])
        entries: dict[str, dict[str, list[str]]] = {}
        current: dict[str, list[str]] = {}
        for line in out.splitlines():
            if line.startswith("dn: "):
                current = entries.setdefault(line[4:].lower(), {})
            elif ": " in line:
                key, value = line.split(": ", 1)
                current.setdefault(key.lower(), []).append(value)
        for attributes in entries.values():          # values come in the order each provider added them
            for found in attributes.values():
                found.sort()
        return entries

    def context_csn(self, index: int) -> list[str]:
        out = self.servers[index]._run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H",
                                        self.servers[index].uri, "-D", ADMIN_DN, "-w", ADMIN_PW, "-b", SUFFIX,
                                        "-s", "base", "(objectClass=*)", "contextCSN"])
        return sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("contextCSN: "))

    def converged(self) -> bool:
        """Both hold the same counters, marks and jobs, and agree on the last change of every
        serverID both know (a provider may know one the other never wrote with: a fresh database's
        first contextCSN, the data loaded before serverIDs were set)."""
        try:
            first, second = self.snapshot(0), self.snapshot(1)
            csns = [{csn.split("#")[2]: csn for csn in self.context_csn(i)} for i in (0, 1)]
        except RuntimeError:                       # a provider is down
            return False
        both = (set(csns[0]) & set(csns[1])) - {"000"}       # 000: written before the servers had IDs
        return first == second and all(csns[0][sid] == csns[1][sid] for sid in both)

    def divergence(self) -> str:
        """What differs between the providers (for a failure message)."""
        try:
            first, second = self.snapshot(0), self.snapshot(1)
            csn = (self.context_csn(0), self.context_csn(1))
        except RuntimeError as exc:
            return f"a provider does not answer ({exc})"
        differ = [f"{dn}: {first.get(dn)} / {second.get(dn)}" for dn in sorted(set(first) | set(second))
                  if first.get(dn) != second.get(dn)]
        return f"contextCSN {csn[0]} / {csn[1]}; {len(differ)} entries differ: " + "; ".join(differ[:6])

    def _converged_twice(self) -> bool:
        """Converged, and still so a moment later (not two states that happened to pass each other)."""
        if not self.converged():
            return False
        time.sleep(0.3)
        return self.converged()

    def wait_converged(self, timeout: float) -> float:
        """Seconds until both providers hold the same (RuntimeError after `timeout`)."""
        start = time.monotonic()
        while not self._converged_twice():
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"providers not converged after {timeout:.0f} s: {self.divergence()}")
            time.sleep(0.1)
        return time.monotonic() - start


class PrintServer(Rig):
    """One print server: its own cupsd, PYKOTA_HOME (journal), and two queues with printers."""

    def __init__(self, name: str, home: Path, uris: list[str], users: NssFiles, queues: list[str]):
        self.name, self.home, self.uris, self.queue_names = name, home, uris, queues
        self.cups = Cupsd(home, retry_interval=1, retry_limit=30, users=users)
        self.lpstat_error = ""              # what the last failing `lpstat -o` said
        self.printers = {queue: NetworkPrinter() for queue in queues}

    def configure(self) -> None:
        from ..backend.install import write_private
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "pykota.conf").write_text(
            f"[global]\nstorageserver: {' '.join(self.uris)}\nstoragename: {SUFFIX}\nstoragetimeout: 2\n"
            "directorywait: 60\nenforcement: strict\n")
        write_private(self.home / "pykotadmin.conf",
                      f"[global]\nstorageadmin: {SERVICE_DN}\nstorageadminpw: {SERVICE_PW}\n".encode())
        (self.home / "journal").mkdir(exist_ok=True)

    def _start(self) -> None:
        self.configure()
        for printer in self.printers.values():
            printer.start()
        self.cups.start()
        for queue, printer in self.printers.items():
            self.cups.add_queue(queue, "cupspykota:" + printer.uri, error_policy="retry-job")

    def _stop(self) -> None:
        self.cups.stop()
        for printer in self.printers.values():
            printer.stop()

    def env(self) -> dict[str, str]:
        import os
        return {**os.environ, "PYKOTA_HOME": str(self.home)}

    def busy(self) -> bool:
        """Jobs not completed yet; an lpstat that fails (a cupsd busy with 200 jobs) says busy,
        never idle: the run would otherwise compare while jobs still print."""
        done = self.cups.run("lpstat", "-h", self.cups.host, "-o", check=False)
        self.lpstat_error = done.stderr.strip() if done.returncode else ""
        return done.returncode != 0 or bool(done.stdout.strip())

    def replay(self) -> str:
        done = subprocess.run([str(self.cups.backend_dir / "cupspykota"), "--replay"], capture_output=True,
                              text=True, env=self.env(), timeout=120)
        return (done.stdout + done.stderr).strip()

    def pending(self) -> int:
        return len(list((self.home / "journal").glob("*.json")))

    def received(self) -> list[tuple[str, str, int]]:
        """(queue, job label, pages) of every job a printer of this server received."""
        found = []
        for queue, printer in self.printers.items():
            for job in printer.jobs:
                text = Path(job["path"]).read_bytes().decode(errors="replace") if job.get("path") else ""
                label = re.search(r"%%Title: (\S+)", text)
                found.append((queue, label[1] if label else "?", job["pages"] or 0))
        return found


@dataclass
class RunResult:
    jobs: int
    failovers: int
    converge_seconds: float
    elapsed: float
    differences: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    started: float = 0.0                    # time.time() at the start (the events are seconds after it)
    repaired: list[str] = field(default_factory=list)   # what `pkschema replication compare --repair` said
    traces: list[str] = field(default_factory=list)     # cupsd's log of each job that was never printed


class Site(Rig):
    """The providers and the two print servers; the users, printers and quotas made once."""

    def __init__(self, folder: Path, users: NssFiles):
        self.folder, self.users = folder, users
        self.providers = Providers()
        self.servers: list[PrintServer] = []
        self.initial: dict[str, dict[str, list[str]]] = {}   # the counters before the first job
        self.submitted: list[str] = []                      # every job's label, all runs
        self.job_ids: dict[str, tuple[int, int]] = {}       # label -> (print server, CUPS job id)
        self.runs = 0

    def _start(self) -> None:
        self.providers.start()
        uris = self.providers.uris
        self.servers = [PrintServer("a", self.folder / "a", [uris[0], uris[1]], self.users, ["rooma1", "rooma2"]),
                        PrintServer("b", self.folder / "b", [uris[1], uris[0]], self.users, ["roomb1", "roomb2"])]
        for server in self.servers:
            server.start()
        self._provision()
        self.providers.wait_converged(30)
        self.initial = self.providers.snapshot(0)

    def _stop(self) -> None:
        for server in self.servers:
            server.stop()
        if debug_level() is not None:           # the providers' folders go with them: keep their logs
            for index, provider in enumerate(self.providers.servers, 1):
                if (provider.dir / "slapd.log").exists():
                    shutil.copyfile(provider.dir / "slapd.log", self.folder / f"p{index}-slapd.log")
        self.providers.stop()

    @property
    def queues(self) -> list[str]:
        return [q for server in self.servers for q in server.queue_names]

    def _provision(self) -> None:
        env = self.servers[0].env()
        command("pkprinters", "-a", "-c", f"{PRICE / 1000:.3f}", *self.queues, env=env)
        command("pkusers", "-a", *QUOTA_USERS, env=env)
        command("pkusers", "-a", "-l", "balance", "-b", f"{START_BALANCE / 1000:.0f}", *BALANCE_USERS, env=env)
        command("pkusers", "-b", f"{START_BALANCE / 1000:.0f}", *QUOTA_USERS, env=env)
        command("edpykota", "-a", "-P", ",".join(self.queues), "-S", str(HARD_LIMIT), "-H", str(HARD_LIMIT),
                *QUOTA_USERS, *BALANCE_USERS, env=env)

    def received(self) -> list[tuple[str, str, int]]:
        return [job for server in self.servers for job in server.received()]


def _events(rng: random.Random, kill: bool = True) -> list[tuple[float, str, int]]:
    """Each provider stopped twice (SIGTERM once, SIGKILL once; or SIGTERM twice when not `kill`)
    and one partition, in a shuffled order, while jobs print: (seconds after the start, action,
    provider)."""
    second = "kill" if kill else "term"
    outages = [("term", 0), (second, 0), ("term", 1), (second, 1)]
    rng.shuffle(outages)
    plan, t = [], 2.0
    for index, (how, provider) in enumerate(outages):
        plan += [(t, how, provider), (t + rng.uniform(2.0, 4.0), "start", provider)]
        t += rng.uniform(5.0, 7.0)
        if index == 1:
            plan += [(t, "partition", -1), (t + rng.uniform(3.0, 5.0), "heal", -1)]
            t += 6.0
    return plan


def failover_run(site: Site, jobs: int = 200, seed: int | None = None, timeout: float = 240,
                 kill: bool = True, repair: bool = False) -> RunResult:
    """Print `jobs` jobs (8 users, 4 queues, both servers at once) while providers fail; then
    converge and compare both providers with everything the printers' sinks received since the
    site started (a run also shows what an earlier one left wrong). Bounded by `timeout`.
    `repair`: providers that do not converge get what docs/replication.md prescribes after a
    crash, `pkschema replication compare --repair`, before the comparison with the sinks."""
    rng = random.Random(seed)
    start, started = time.monotonic(), time.time()
    site.runs += 1
    plan = _events(rng, kill)
    submitted: list[str] = []
    errors: list[str] = []
    users = [*QUOTA_USERS, *BALANCE_USERS]

    def submit() -> None:
        pace = (plan[-1][0] + 2.0) / jobs          # jobs spread over the whole disruption plan
        for n in range(jobs):
            server = site.servers[n % 2]
            queue = server.queue_names[(n // 2) % 2]
            user, pages = users[(n * 3 + n // 8) % 8], 1 + n % 3
            label = f"{user}-{site.runs}.{n}"
            path = server.cups.document_dir / f"{label}.ps"
            path.write_bytes(postscript(pages, label))
            path.chmod(0o644)
            try:
                site.job_ids[label] = (n % 2, server.cups.lp(queue, path, user=user))
                submitted.append(label)
                site.submitted.append(label)
            except RuntimeError as exc:
                errors.append(str(exc))
            time.sleep(pace)

    feeder = threading.Thread(target=submit, daemon=True)
    feeder.start()
    events, failovers = [], 0
    for at, action, provider in plan:
        time.sleep(max(0.0, at - (time.monotonic() - start)))
        if action in ("term", "kill"):
            site.providers.down(provider, signal.SIGTERM if action == "term" else signal.SIGKILL)
            failovers += 1
        elif action == "start":
            site.providers.up(provider)
        elif action == "partition":
            site.providers.partition()
        else:
            site.providers.heal()
        events.append(f"{time.monotonic() - start:5.1f}s {action}{'' if provider < 0 else f' p{provider + 1}'}")
    feeder.join(max(1.0, timeout - (time.monotonic() - start)))
    while any(s.busy() for s in site.servers):
        if time.monotonic() - start > timeout:
            said = "; ".join(f"lpstat on {s.name}: {s.lpstat_error}" for s in site.servers if s.lpstat_error)
            raise RuntimeError(f"jobs still queued after {timeout:.0f} s: {events} {said}".rstrip())
        time.sleep(0.5)
    drained = time.monotonic()
    replayed = [f"{s.name}: {s.replay()}" for s in site.servers if s.pending()]
    differences = [f"lp: {e}" for e in errors]
    repaired: list[str] = []
    try:
        site.providers.wait_converged(CONVERGE_WITHIN)
    except RuntimeError as exc:
        if repair:
            repaired = _repair(site.providers)
        else:
            differences.append(str(exc))
    result = RunResult(jobs=len(submitted), failovers=failovers, converge_seconds=time.monotonic() - drained,
                       elapsed=time.monotonic() - start, started=started, events=events, replayed=replayed,
                       differences=differences, repaired=repaired)
    result.differences += compare(site, site.initial, site.received(), site.submitted)
    result.traces = [job_trace(site, d.split(": ", 1)[1]) for d in result.differences
                     if d.startswith("never printed: ")]
    result.traces += [f"printer {queue}: {error}" for server in site.servers
                      for queue, printer in server.printers.items() for error in printer.errors]
    return result


def job_trace(site: Site, label: str) -> str:
    """What cupsd logged of one job (its backend's lines, state changes), to say why it was lost."""
    if label not in site.job_ids:
        return f"{label}: no CUPS job id"
    index, job_id = site.job_ids[label]
    server = site.servers[index]
    text = "".join(path.read_text(errors="replace") for path in sorted((server.cups.dir / "log").glob("error_log*"),
                                                                          reverse=True))
    lines = [line for line in text.splitlines() if f"[Job {job_id}]" in line
             and "Sending stdin" not in line and "envp[" not in line and "argv[" not in line]
    return f"{label} (server {server.name}, job {job_id}): " + " | ".join(lines[-60:])


def _repair(providers: Providers) -> list[str]:
    """`pkschema replication compare --repair` as an admin runs it after a crash: its lines."""
    secret = providers.servers[0].dir / "replicator.pw"
    done = subprocess.run([str(BIN / "pkschema"), "replication", "compare", "--providers", ",".join(providers.uris),
                           "-D", ADMIN_DN, "-y", str(secret), "-b", SUFFIX, "--repair"],
                          capture_output=True, text=True, timeout=300)
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()] + [f"exit {done.returncode}"]


def compare(site: Site, before: dict[str, dict[str, list[str]]], received: list[tuple[str, str, int]],
            submitted: list[str]) -> list[str]:
    """What differs between the sinks and each provider: pages per user and printer, money per
    user, job entries, reservations left."""
    differences = []
    labels = Counter(label for _, label, _ in received)
    differences += [f"printed {n} times: {label}" for label, n in labels.items() if n > 1]
    differences += [f"never printed: {label}" for label in set(submitted) - set(labels)]
    pages: Counter[tuple[str, str]] = Counter()
    for queue, label, count in received:
        pages[(label.split("-", 1)[0], queue)] += count
    for index in range(len(site.providers.servers)):
        now = site.providers.snapshot(index)
        where = f"p{index + 1}"
        for user in (*QUOTA_USERS, *BALANCE_USERS):
            for queue in site.queues:
                dn = f"cn={user}@{queue},ou=userquotas,ou=pykota,{SUFFIX}"
                moved = _int(now, dn, "pkpagecounter") - _int(before, dn, "pkpagecounter")
                if moved != pages[(user, queue)]:
                    differences.append(f"{where}: {user}@{queue} counted {moved} pages, printers got "
                                       f"{pages[(user, queue)]}")
            dn = f"uid={user},ou=people,{SUFFIX}"
            spent = _int(before, dn, "pkbalance") - _int(now, dn, "pkbalance")
            owed = PRICE * sum(n for (u, _), n in pages.items() if u == user)
            if spent != owed:
                differences.append(f"{where}: {user} debited {spent / 1000:.2f}, printed for {owed / 1000:.2f} "
                                   f"({(spent - owed) / PRICE:+.0f} pages)")
        jobs = Counter((e["pkprintername"][0], e["pkjobid"][0], e.get("pkhostname", [""])[0])
                       for dn, e in now.items() if "pkjobid" in e and dn not in before
                       and e.get("pkaction", [""])[0] in ("ALLOW", "WARN"))
        differences += [f"{where}: job entry {key} {n} times" for key, n in jobs.items() if n > 1]
        if sum(jobs.values()) != len(received):
            differences.append(f"{where}: {sum(jobs.values())} job entries, printers got {len(received)} jobs")
        left = [f"{dn}: {mark}" for dn, e in now.items() for mark in e.get("pkappliedcharge", [])
                if mark.endswith(" reserved") and mark.removesuffix(" reserved") not in e["pkappliedcharge"]]
        differences += [f"{where}: reservation left on {item}" for item in left]
    return differences


def _int(snapshot: dict[str, dict[str, list[str]]], dn: str, attribute: str) -> int:
    found = snapshot.get(dn, {}).get(attribute)
    return int(found[0]) if found else 0


def accesslog_records(site: Site, index: int) -> int:
    """How many writes provider `index` has logged for its peer to replay (its own and theirs)."""
    server = site.providers.servers[index]
    out = server._run(["ldapsearch", "-LLL", "-x", "-H", server.uri, "-D", ADMIN_DN, "-w", ADMIN_PW,
                       "-b", "cn=accesslog", "-s", "one", "(reqResult=0)", "1.1"])
    return out.count("dn: ")
