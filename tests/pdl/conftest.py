"""Fixtures for the page-counter tests: the shared corpus and job generators."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

from pykota_ldap.testing.ci import require_tools, skip_unless_ci

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path | None:
    candidates = [os.environ.get("PDL_CORPUS"), REPO.parent / "shared" / "corpus",
                  REPO / "shared" / "corpus", Path("/work/shared/corpus")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "manifest.tsv").is_file():
            return Path(candidate)
    return None


def corpus_rows() -> list[dict[str, str]]:
    directory = corpus_dir()
    if directory is None:
        return []
    with open(directory / "manifest.tsv", newline="") as manifest:
        return list(csv.DictReader(manifest, delimiter="\t"))


def need(*tools: str) -> None:
    """The calling test needs these programs: a skip outside CI, a failure under CI."""
    require_tools(*tools)


def ps_document(pages: int, *, dsc: bool = True, setup: str = "", width: int = 595,
                height: int = 842, color: bool = False, sized: bool = False) -> bytes:
    """A small PostScript job with ``pages`` pages that draw something."""
    out = []
    if dsc:
        out += ["%!PS-Adobe-3.0", f"%%Pages: {pages}", f"%%BoundingBox: 0 0 {width} {height}",
                "%%EndComments", "%%BeginSetup", setup, "%%EndSetup"]
    else:
        out += ["%!", setup]
    for number in range(1, pages + 1):
        if dsc:
            out.append(f"%%Page: {number} {number}")
        if sized:
            out.append(f"<< /PageSize [{width} {height}] >> setpagedevice")
        if color:
            out.append("1 0 0 setrgbcolor")
        out.append(f"/Helvetica findfont 48 scalefont setfont 72 400 moveto (Page {number}) show")
        out.append("72 72 200 100 rectfill showpage")
    if dsc:
        out += ["%%Trailer", "%%EOF"]
    return ("\n".join(out) + "\n").encode()


@pytest.fixture
def make_ps(tmp_path):
    def make(pages: int, name: str = "job.ps", **options) -> Path:
        path = tmp_path / name
        path.write_bytes(ps_document(pages, **options))
        return path
    return make


@pytest.fixture
def gs_render(tmp_path, make_ps):
    """Render an ``n``-page document through a Ghostscript device."""
    def render(device: str, pages: int, *args: str, suffix: str = ".out", source: Path | None = None,
               color: bool = False) -> Path:
        need("gs")
        source = source or make_ps(pages, color=color)
        target = tmp_path / f"{device}-{pages}{suffix}"
        command = ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", f"-sDEVICE={device}",
                   f"-sOutputFile={target}", *args, str(source)]
        done = subprocess.run(command, capture_output=True, timeout=120)
        if done.returncode != 0 or not target.exists():
            skip_unless_ci(f"gs -sDEVICE={device} failed: {done.stderr.decode(errors='replace')[:200]}")
        return target
    return render
