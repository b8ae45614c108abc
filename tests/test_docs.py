"""The README stays true: the tools it names exist, the keys it documents are read by the code."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CODE = "\n".join(p.read_text() for p in (ROOT / "pykota_ldap").rglob("*.py"))


def test_every_tool_named_in_the_readme_exists_and_is_executable():
    named = set(re.findall(r"\btools/([\w-]+)", README))
    assert {"demo", "run-tests", "testenv"} <= named
    for name in named:
        path = ROOT / "tools" / name
        assert path.exists(), f"README names tools/{name}"
        assert path.stat().st_mode & 0o111, f"tools/{name} is not executable"


def test_every_schema_file_named_in_the_readme_exists():
    for name in set(re.findall(r"schema/([\w.-]+\.(?:ldif|schema))", README)):
        assert (ROOT / "schema" / name).exists(), name


def test_every_configuration_key_in_the_table_is_read_by_the_code():
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    keys = {k for row in table.splitlines() if row.startswith("| `")
            for k in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert "storageserver" in keys and "newuser" in keys
    for key in keys:
        assert f'"{key}"' in CODE, f"README documents {key}, but no code reads it"


def test_the_two_commands_are_the_first_block():
    block = README.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert "tools/demo" in block and "tools/run-tests" in block
    assert "tools/run-tests" in (ROOT / ".ci" / "run").read_text()


def test_the_sample_configuration_documents_the_readme_keys():
    sample = (ROOT / "conf" / "pykota.conf.sample").read_text()
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    keys = {k for row in table.splitlines() if row.startswith("| `")
            for k in re.findall(r"`(\w+)`", row.split("|")[1])}
    for key in keys - {"storageadmin", "storageadminpw"}:       # those are in pykotadmin.conf.sample
        assert key in sample, f"conf/pykota.conf.sample does not document {key}"
    assert "storageadminpw" in (ROOT / "conf" / "pykotadmin.conf.sample").read_text()


def test_the_sample_configuration_is_valid(tmp_path):
    import shutil
    from pykota_ldap.config import Config
    shutil.copy(ROOT / "conf" / "pykota.conf.sample", tmp_path / "pykota.conf")
    settings = Config(tmp_path).ldap(admin=False)
    assert settings.uris and settings.base
