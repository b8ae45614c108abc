"""The PostScript fast path against Ghostscript, on programs built to fool it.

Each program has consistent DSC (one %%Page: per top-level showpage) around
a random mix of plain drawing and tricks: pages from loops or procedures,
computed or hidden copies, redefined operators, code made from strings,
strings changed into names. Whenever the fast path believes a program
(counts it without Ghostscript), Ghostscript must not print more page images
than it counted. Deterministic: fixed seeds, about 200 programs.
"""

from __future__ import annotations

import random
import subprocess

import pytest

from pykota_ldap.accounting.pdl import count_pages

from .conftest import need

PLAIN = [
    "72 72 moveto (Hi) show", "newpath 0 0 moveto 10 10 lineto stroke", "/F {moveto} def 1 2 F",
    "gsave 1 0 0 setrgbcolor grestore", "1 dict begin /a 1 def end", "<< /PageSize [595 842] >> setpagedevice",
    "/#copies 2 def", "1 dict dup /NumCopies 3 put setpagedevice", "true { 1 pop } if", "3 { 1 pop } repeat",
    "[1 2 3] aload pop pop pop pop", "userdict /k 5 put", "(abc) 0 get pop",
    "/Helvetica findfont 12 scalefont setfont",
    "/m /moveto load def 10 10 m", "<< /NumCopies 4 >> setpagedevice", "0 1 10 { pop } for", "{ } settransfer",
    "5 dict begin /#copies 7 def showpage end", "userdict /#copies 3 put", "/languagelevel where { pop } if",
]
TRICKS = [
    "/s /showpage load def s", "{showpage} exec", "/#copies 2 3 mul def", "userdict (#copies) 4 put",
    "/sp { showpage } def sp", "2 { showpage } repeat", "<< /NumCopies 2 3 add >> setpagedevice",
    "/show { pop showpage } def (a) show", "/x\x04showpage", "%c\x0cshowpage", "(showpage) cvx exec",
    "/p [ /showpage load ] cvx def p", "[ showpage ] pop", "/d { def } def /#copies 9 d",
    "/e /def load def /#copies 9 e",
    "(#copies) 8 def", "<< /#copies 5 >> begin", "/t 1 string def t 0 35 put", "//showpage",
    "systemdict /showpage get exec", "/.x 1 def", "(userdict) (#xxxxxx) def userdict 1 99 put",
    "(show) { pop } def (a) show", "(xshowx) 1 4 getinterval pop", "/k (abc) def k 0 35 put",
    "1 dict dup /NumCopies 3 4 add put setpagedevice", "<< /NumCopies 2 >> dup /NumCopies 9 put setpagedevice",
    "userdict /x { showpage } put x", "/u { /#copies 4 def } def u", "10 dict begin /showpage { } def end",
    "/w1 /moveto load def /w2 /w1 load def 1 1 w2", "<< /EndPage { pop pop true } >> setpagedevice",
    "currentfile 8 string readstring\nshowpage\npop pop", "mark /#copies counttomark 1 add 9 exch pop def",
    "3 /#copies exch def", "/c2 2 def /#copies c2 def", "userdict begin /#copies 2 3 add def end",
    "<~<+U,m~> cvx exec", "<73686f7770616765> cvx exec", "(\\163howpage) cvn load exec", "copypage",
]


def program(rng: random.Random) -> bytes:
    fragments = [rng.choice(TRICKS if rng.random() < 0.35 else PLAIN) for _ in range(rng.randint(1, 6))]
    fragments.append("showpage")
    lines, pages = [], 0
    for fragment in fragments:
        if fragment in ("showpage", "copypage"):
            pages += 1
            lines.append(f"%%Page: {pages} {pages}")
        lines.append(fragment)
    return (f"%!PS-Adobe-3.0\n%%Pages: {pages}\n%%EndComments\n" + "\n".join(lines)
            + "\n%%Trailer\n%%EOF\n").encode()


def printed(path) -> int:
    """Page images Ghostscript outputs, counted by its device; errors end the job."""
    done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT", f"--permit-file-read={path}",
                           "-sDEVICE=nullpage", "-c", f"{{ ({path}) run }} stopped pop "
                           "currentpagedevice /PageCount get =="], capture_output=True, text=True, timeout=60)
    return int(done.stdout.split()[-1])


class Interpreted(Exception):
    pass


@pytest.mark.parametrize("seed", range(4))
def test_what_the_fast_path_believes_is_never_less_than_what_prints(tmp_path, monkeypatch, seed):
    need("gs")
    from pykota_ldap.accounting.pdl import ghostscript

    def interpreted(*args, **kwargs):
        raise Interpreted
    monkeypatch.setattr(ghostscript, "count_pages", interpreted)
    rng = random.Random(f"fast-path-{seed}")
    believed = []
    for number in range(50):
        path = tmp_path / f"trick-{number}.ps"
        path.write_bytes(program(rng))
        try:
            total = count_pages(path).total
        except Exception as exc:  # noqa: BLE001 - PDLError wrapping Interpreted
            assert "Interpreted" in repr(exc) or isinstance(exc, Interpreted), exc
            continue
        believed.append((path, total))
    assert len(believed) >= 5  # the test exercises the fast path, not only the interpreter
    for path, total in believed:
        assert printed(path) <= total, path.read_text(errors="replace")
