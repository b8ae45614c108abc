"""The pkpgcounter command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pykota_ldap.cli.pkpgcounter import main

from .conftest import need, ps_document


@pytest.fixture
def runner():
    return CliRunner()


def test_total_over_files(runner, tmp_path):
    one = tmp_path / "a.ps"
    one.write_bytes(ps_document(2, setup="/#copies 3 def"))
    two = tmp_path / "b.ps"
    two.write_bytes(ps_document(4))
    result = runner.invoke(main, [str(one), str(two)])
    assert result.exit_code == 0
    assert result.output == "10\n"


def test_stdin(runner):
    result = runner.invoke(main, ["-"], input=ps_document(3))
    assert (result.exit_code, result.output) == (0, "3\n")
    result = runner.invoke(main, [], input=ps_document(2))
    assert (result.exit_code, result.output) == (0, "2\n")


def test_bad_file_is_one_line_on_stderr_and_non_zero(runner, tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"just text\n")
    result = runner.invoke(main, [str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "unknown job format" in result.stderr
    assert "Traceback" not in result.output


def test_good_and_bad_files(runner, tmp_path):
    good = tmp_path / "good.ps"
    good.write_bytes(ps_document(2))
    result = runner.invoke(main, [str(good), str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.stdout == "2\n"


def test_debug_shows_details(runner, tmp_path):
    good = tmp_path / "good.ps"
    good.write_bytes(ps_document(2))
    result = runner.invoke(main, ["-d", str(good)])
    assert "language=postscript pages=2 copies=1 total=2" in result.stderr


def test_help(runner):
    for flag in ("-h", "--help"):
        result = runner.invoke(main, [flag])
        assert result.exit_code == 0 and "--colorspace" in result.output


@pytest.mark.parametrize("colorspace, keys", [("cmyk", "C M Y K"), ("rgb", "R G B"), ("bw", "B"),
                                              ("cmy", "C M Y"), ("gc", "G C")])
def test_ink_coverage(runner, tmp_path, colorspace, keys):
    need("gs")
    job = tmp_path / "job.ps"
    job.write_bytes(ps_document(2, color=True))
    result = runner.invoke(main, ["-c", colorspace, "-r", "72", str(job)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert [part.split(":")[0].strip() for part in lines[0].split("%") if part.strip()] == keys.split()


def test_resolution_out_of_range(runner, tmp_path):
    result = runner.invoke(main, ["-c", "bw", "-r", "20", "x"])
    assert result.exit_code == 2


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and "pkpgcounter" in result.output
