"""The shell examples of docs/*.md and README.md are run, as sqlite-utils runs its docs' examples.

The convention, by the info string of each fenced block:

    ```sh               run: one command per line (a trailing \\ continues it, a here-document
                        runs to its end marker); each command must exit 0
    ```sh norun         shown, not run: it needs root on a real server, a real CUPS, the network
    ```ini pykota.conf  appended to the pykota.conf the document's commands run with
    ```text output      right after a ```sh block: what that block prints (stdout and stderr)
    ```<other>          not run (text, ini, python, ldif...); a fence without an info string fails

A command ending in `# -> TEXT` must print TEXT; `# -> exit N: TEXT` must exit with N and print
TEXT. In an expected output, `...` stands for any text (a temporary path, say).

Each document gets its own throwaway slapd (schema, indexes, sample organisation) and config home
($PYKOTA_HOME, with the document's ```ini pykota.conf blocks); its blocks share that state, as for
a reader typing them in order. Commands run with bash in a scratch directory, the project's .venv
first on PATH; as root, in a mount namespace where everything but that directory is read-only.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pykota_ldap.testing.slapd import Slapd

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted(ROOT.glob("docs/*.md")) + [ROOT / "README.md"]
KINDS = {"sh", "sh norun", "ini pykota.conf", "text output"}
SHELLS = {"bash", "shell", "console", "shell-session", "zsh"}     # shell examples are ```sh
EXPECTED = re.compile(r"\s#\s*->\s*(?:exit (\d+):\s*)?(.*)$")
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")


# As root, each command runs in a mount namespace of its own where every file system but the
# example's scratch directory is read-only: a block that should have been `sh norun` (an install
# into /usr/lib/cups, say) then fails instead of changing the machine.
READ_ONLY = """\
mount --make-rprivate / && mount --bind "$1" "$1" || exit 97
while read -r _ point _; do
    case "$point" in "$1"|/proc*|/sys*|/dev*|/run*|/mnt*) continue;; esac
    mount -o remount,bind,ro "$point" 2>/dev/null
done < <(sort -k2 -r /proc/self/mounts)
exec bash -c "$2"
"""


def _can_sandbox(scratch: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = ["unshare", "-m", "bash", "-c", READ_ONLY, "probe", str(scratch), "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@dataclass
class Block:
    info: str                   # the fence's info string
    line: int                   # where the block starts in its document
    text: str


@dataclass
class Command:
    text: str
    line: int
    status: int = 0
    output: str | None = None   # what `# -> ...` says it prints


@dataclass
class Example:
    """A ```sh block, and what the ```text output block right after it says it prints."""
    commands: list[Command]
    line: int
    output: str | None = None


@dataclass
class Document:
    examples: list[Example] = field(default_factory=list)
    config: list[str] = field(default_factory=list)      # its ```ini pykota.conf blocks


def blocks(path: Path) -> list[Block]:
    found, current, indent, start = [], None, 0, 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            if current is None:
                current, indent, start = [], len(line) - len(stripped), number
                info = stripped[3:].strip()
            else:
                found.append(Block(info, start, "\n".join(current)))
                current = None
        elif current is not None:
            current.append(line[indent:] if not line[:indent].strip() else line.lstrip())
    assert current is None, f"{path.name}:{start}: the block is never closed"
    return found


def commands(block: Block) -> list[Command]:
    found, lines, number = [], block.text.splitlines(), 0
    while number < len(lines):
        start, text = number, lines[number]
        number += 1
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        while text.endswith("\\") and number < len(lines):
            text += "\n" + lines[number]
            number += 1
        heredoc = HEREDOC.search(text)
        if heredoc:
            while number < len(lines) and lines[number].strip() != heredoc[1]:
                text += "\n" + lines[number]
                number += 1
            text += "\n" + heredoc[1]
            number += 1
        expected = EXPECTED.search(text.splitlines()[0])
        found.append(Command(text, block.line + 1 + start, int(expected[1] or 0) if expected else 0,
                             expected[2].strip() if expected else None))
    return found


def document(path: Path) -> Document:
    found, previous = Document(), None
    for block in blocks(path):
        if block.info == "sh":
            found.examples.append(Example(commands(block), block.line))
        elif block.info == "text output":
            assert previous is not None and previous.info == "sh", \
                f"{path.name}:{block.line}: a ```text output block must follow a ```sh block"
            found.examples[-1].output = block.text
        elif block.info == "ini pykota.conf":
            found.config.append(block.text)
        previous = block
    return found


def run(command: Command, env: dict, scratch: Path, sandbox: bool) -> subprocess.CompletedProcess:
    argv = ["bash", "-c", command.text]
    if sandbox:
        argv = ["unshare", "-m", "bash", "-c", READ_ONLY, "docs-example", str(scratch), command.text]
    return subprocess.run(argv, cwd=scratch / "work", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120)


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def matches(printed: str, expected: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in _clean(expected).split("..."))
    return re.fullmatch(pattern, _clean(printed), re.DOTALL) is not None


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_every_fence_says_what_it_is(path):
    for block in blocks(path):
        assert block.info, f"{path.name}:{block.line}: a fence needs an info string (```sh, ```text ...)"
        assert block.info in KINDS or (" " not in block.info and block.info not in SHELLS), \
            f"{path.name}:{block.line}: unknown kind {block.info!r} (expected one of {sorted(KINDS)})"


RUNNABLE = [path for path in DOCUMENTS if document(path).examples]


def test_the_guides_have_examples_to_run():
    assert {"admin.md", "backend.md", "sync.md"} <= {path.name for path in RUNNABLE}


@pytest.fixture
def scratch():
    """A directory of the example's own, outside pytest's (so that a sandbox can bind it)."""
    path = Path(tempfile.mkdtemp(prefix="pkdocs", dir=os.environ.get("PYKOTA_TEST_TMP", "/tmp")))
    for sub in ("etc", "work", "tmp"):
        (path / sub).mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("path", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_the_shell_examples_run(path, scratch):
    doc = document(path)
    sandbox = _can_sandbox(scratch)
    with Slapd() as slapd:
        home = slapd.write_config(scratch / "etc", extra="\n".join(doc.config))
        (home / "journal").mkdir()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PYKOTA", "CUPS_"))}
        env.update(PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                   PYKOTA_HOME=str(home), PYKOTA_NO_PROGRESS="1", LC_ALL="C.UTF-8", TZ="UTC",
                   TMPDIR=str(scratch / "tmp"))
        for example in doc.examples:
            printed = []
            for command in example.commands:
                done = run(command, env, scratch, sandbox)
                where = f"{path.name}:{command.line}: {command.text.splitlines()[0]}"
                assert done.returncode == command.status, f"{where}\nexited {done.returncode}:\n{done.stdout}"
                if command.output is not None:
                    assert matches(done.stdout, command.output), f"{where}\nprinted:\n{done.stdout}"
                printed.append(done.stdout)
            if example.output is not None:
                assert matches("".join(printed), example.output), \
                    f"{path.name}:{example.line}: the block printed:\n{''.join(printed)}"
