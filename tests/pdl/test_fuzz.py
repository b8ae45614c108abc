"""Damaged jobs: truncated, bit-flipped and spliced corpus samples.

A deterministic seeded loop (reproducible, bounded run time): every call
must either count or raise PDLError, within its time limit. A SIGALRM guard
turns a hang into a test failure instead of a stuck run.
"""

from __future__ import annotations

import random
import signal

import pytest

from pykota_ldap.accounting.pdl import PageCount, PDLError, count_pages

from .conftest import corpus_dir, corpus_rows

ROWS = corpus_rows()          # the shared corpus, outside the repository: absent is a plain skip
SEED = 20240101
MUTANTS_PER_FILE = 14
CALL_TIMEOUT = 5.0
HANG_GUARD = 30


def mutants(data: bytes, other: bytes, rng: random.Random):
    size = len(data)
    yield "empty-tail", data[: max(1, size // 2)]
    yield "one-byte-short", data[:-1]
    for _ in range(3):
        yield "truncated", data[: rng.randrange(1, size)]
    for _ in range(6):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            # Favour the start, where the headers and lengths are.
            at = rng.randrange(min(size, 4096)) if rng.random() < 0.6 else rng.randrange(size)
            flipped[at] ^= 1 << rng.randrange(8)
        yield "bit-flipped", bytes(flipped)
    for _ in range(3):
        cut = rng.randrange(1, size)
        yield "spliced", data[:cut] + other[rng.randrange(len(other)):]


def assert_damaged_copies_fail_cleanly(jobs, tmp_path, seed: int) -> None:
    """Truncated, bit-flipped and spliced copies of real drivers' jobs: each one counts or gives
    a one-line PDLError, within its time."""
    import time
    rng = random.Random(seed)
    for job in jobs:
        data, other = job.read_bytes(), rng.choice(jobs).read_bytes()
        for number, (kind, mutant) in enumerate(mutants(data, other, rng)):
            path = tmp_path / f"{job.name}-{number}"
            path.write_bytes(mutant)
            started = time.monotonic()
            try:
                count_pages(path, timeout=5)
            except PDLError as exc:
                assert "\n" not in str(exc) and "cannot count this job" not in str(exc), (job.name, kind, exc)
            assert time.monotonic() - started < 10, (job.name, kind)


def _hang(signum, frame):
    raise TimeoutError("count_pages hung")


@pytest.mark.skipif(not ROWS, reason="shared corpus not found")
@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_damaged_samples_fail_cleanly(tmp_path, row):
    files = corpus_dir() / "files"
    rng = random.Random(f"{SEED}:{row['file']}")
    data = (files / row["file"]).read_bytes()
    other = (files / rng.choice(ROWS)["file"]).read_bytes()
    previous = signal.signal(signal.SIGALRM, _hang)
    try:
        for number, (kind, mutant) in enumerate(mutants(data, other, rng)):
            path = tmp_path / f"mutant-{number}"
            path.write_bytes(mutant)
            signal.alarm(HANG_GUARD)
            try:
                result = count_pages(path, timeout=CALL_TIMEOUT)
            except PDLError as exc:
                message = str(exc)
                assert message and "\n" not in message, (kind, message)
                # That prefix means a counter raised something unexpected
                # (an IndexError, struct.error...): a bug, even if contained.
                assert not message.startswith("cannot count this job:"), (kind, message)
                continue
            finally:
                signal.alarm(0)
            assert isinstance(result, PageCount), kind
            assert result.pages >= 1 and result.copies >= 1 and result.total >= result.pages, (kind, result)
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("data", [
    b"\x1b%-12345X", b"\x1b%-12345X@PJL ENTER LANGUAGE=PCLXL\n", b"%PDF-", b"%!", b"II*\x00",
    b"II+\x00\x08\x00\x00\x00", b"II*\x00\x08\x00", b"RaS2PwgRaster\x00", b"UNIRAST\x00", b"JZJZ", b",XQX", b"Sfff",
    b"PK\x03\x04", b"$\x01\x00\x00\x07", b"P4\n", b"P1 1", b"\x1b[K\x02\x00", b"\x1b@\x1b(",
    b"\x00" * 20000, b"\x1bE" * 10, b"\x1b*b99999999W", b"\x0c", b"\x1b%-12345X@PJL ENTER LANGUAGE = FOO\n",
])
def test_tiny_and_hostile_inputs(tmp_path, data):
    path = tmp_path / "job"
    path.write_bytes(data)
    try:
        result = count_pages(path, timeout=CALL_TIMEOUT)
    except PDLError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.pages >= 1


DSC_HEAD = b"%!PS-Adobe-3.0\n%%Pages: 1\n%%EndComments\n"
DSC_TAIL = b"\n%%Page: 1 1\nshowpage\n%%Trailer\n%%EOF\n"


@pytest.mark.parametrize("body", [
    b"{" * 100_000 + b"}" * 100_000 + b" pop",       # procedures nested deeper than any check
    b"[" * 100_000 + b"]" * 100_000 + b" pop",       # literal arrays likewise
    b"<<" * 50_000 + b">>" * 50_000 + b" pop",
    b"(" * 100_000,                                    # a string that never ends
    b"<" + b"41" * 3_000_000 + b"> pop",               # a 6 MB hexadecimal string
    b"/a " + b"x" * 5_000_000 + b" def",               # a 5 MB name on one line
    b"(a) pop " * 300_000,                             # many strings, in bulk
    b"{ 1 pop } " * 200_000,                           # many procedures
    b"%%Page: 1 1\n" * 50_000,                        # DSC comments without pages
], ids=["procedures", "arrays", "dictionaries", "open-string", "hex", "long-name", "strings", "many-procs",
        "comments"])
def test_postscript_structure_bombs(tmp_path, body):
    """Whatever the structure, the PostScript check ends (the fast path or
    Ghostscript), within the time limit, with a count or a one-line error."""
    path = tmp_path / "bomb.ps"
    path.write_bytes(DSC_HEAD + body + DSC_TAIL)
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_GUARD)
    try:
        result = count_pages(path, timeout=20)
    except PDLError as exc:
        assert "\n" not in str(exc) and not str(exc).startswith("cannot count this job:"), str(exc)
    else:
        assert result.pages >= 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
