"""The README stays true: the tools and files it names exist, its layout lists every module, the
keys it documents are the registry's (pykota_ldap/config_keys.py). The docs' shell examples are
run by test_docs_examples.py."""
import re
import shutil
from collections import Counter
from pathlib import Path

from pykota_ldap.config import Config
from pykota_ldap.config_keys import ADMIN, GLOBAL, KEYS, PRINTER

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


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


def test_the_layout_lists_every_module_and_only_modules_that_exist():
    named = Counter(re.findall(r"\b(\w+\.py)\b", section("Layout")))
    modules = Counter(p.name for p in (ROOT / "pykota_ldap").rglob("*.py") if p.name != "__init__.py")
    missing = sorted(name for name, count in modules.items() if named[name] < count)
    assert missing == [], f"the README's layout does not list every {missing} (once per package that has one)"
    stale = sorted(name for name in named if name not in modules)
    assert stale == [], f"the README's layout lists modules that do not exist: {stale}"


def _table_rows() -> list[tuple[list[str], str]]:
    """(keys, where) for each row of the README's configuration table."""
    rows = []
    for row in section("Configuration").splitlines():
        if row.startswith("| `"):
            cells = row.split("|")
            rows.append((re.findall(r"`(\w+)`", cells[1]), cells[2].strip()))
    return rows


def test_the_configuration_section_names_registered_keys_only():
    rows = _table_rows()
    assert len(rows) > 10
    scopes = {"pykota.conf": GLOBAL, "global": GLOBAL, "per printer": PRINTER, "pykotadmin.conf": ADMIN}
    for keys, where in rows:
        for key in keys:
            assert key in KEYS, f"README documents {key}, which pykota_ldap/config_keys.py does not know"
            assert KEYS[key].scope == scopes[where], f"README: {key} is set in '{where}', the registry says " \
                                                     f"{KEYS[key].scope}"
    prose = section("Configuration").split("\n\n")[-1]
    for key in re.findall(r"`([a-z_]+)`", prose):
        assert key in KEYS, f"README names {key} as a key, which pykota_ldap/config_keys.py does not know"


def test_the_two_commands_are_the_first_block():
    block = README.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert "tools/demo" in block and "tools/run-tests" in block
    assert "tools/run-tests" in (ROOT / ".ci" / "run").read_text()


def test_the_sample_configuration_is_valid(tmp_path):
    shutil.copy(ROOT / "conf" / "pykota.conf.sample", tmp_path / "pykota.conf")
    settings = Config(tmp_path).ldap(admin=False)
    assert settings.uris and settings.base
