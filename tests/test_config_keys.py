"""Every configuration key is in the registry (pykota_ldap/config_keys.py), read by the code and
documented in the sample configuration, each way.

The keys the code reads are found by scanning the library's source with `ast`: literal first
arguments of config.get / get_bool / get_int / get_float / get_money / get_choice / require /
raw (on `config`, `<x>.config`, or `self` inside config.py), of the INI parser's
get("global", key) inside config.py, and of the functions that pass one of their parameters on
as such a key (config.py's base_of, the backend's prehook / posthook).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from pykota_ldap.config_keys import ADMIN, KEYS, PRINTER, SYNC, SYNC_RULE, closest
from pykota_ldap.sync.rules import GLOBAL_KEYS, RULE_KEYS

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "pykota_ldap"
SAMPLE = ROOT / "conf" / "pykota.conf.sample"
ADMIN_SAMPLE = ROOT / "conf" / "pykotadmin.conf.sample"

# reader: (position of the default, position of the printer); None: the reader has none
READERS = {"get": (1, 2), "get_bool": (1, 2), "get_int": (1, 2), "get_float": (1, 2), "get_money": (1, 2),
           "get_choice": (2, 3), "require": (None, 1), "raw": (None, 1)}
UNSET = object()


@dataclass
class Read:
    key: str
    where: str
    per_printer: bool
    default: object = UNSET


def _literal(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else UNSET


def _argument(call: ast.Call, position: int | None, name: str) -> ast.AST | None:
    if position is not None and position < len(call.args):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_config(receiver: ast.AST, path: Path) -> bool:
    if isinstance(receiver, ast.Name):
        return receiver.id == "config" or (receiver.id == "self" and path.name == "config.py")
    return isinstance(receiver, ast.Attribute) and receiver.attr == "config"


def _reader_call(call: ast.Call, path: Path) -> tuple[ast.AST | None, bool, object] | None:
    """(the key's node, read per printer, literal default) when call reads a configuration key."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr in READERS and _is_config(func.value, path) and call.args:
        default_at, printer_at = READERS[func.attr]
        printer = _argument(call, printer_at, "printer")
        per_printer = printer is not None and _literal(printer) is not None
        default = _literal(_argument(call, default_at, "default")) if default_at is not None else UNSET
        return call.args[0], per_printer, default
    parser = func.value.attr if isinstance(func.value, ast.Attribute) else getattr(func.value, "id", "")
    if (path.name == "config.py" and func.attr == "get" and parser in ("_main", "_admin", "admin_ini")
            and len(call.args) == 2
            and _literal(call.args[0]) == "global"):
        return call.args[1], False, UNSET
    return None


def _forwarders(tree: ast.AST, path: Path) -> dict[str, tuple[int, bool]]:
    """Functions that read the key named by one of their parameters: name -> (position, per printer)."""
    found = {}
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [a.arg for a in func.args.args]
        if func.name in READERS or params[:1] == ["self"]:          # Config's own methods are the readers
            continue
        for call in ast.walk(func):
            read = isinstance(call, ast.Call) and _reader_call(call, path)
            if read and isinstance(read[0], ast.Name) and read[0].id in params:
                found[func.name] = (params.index(read[0].id), read[1])
    return found


def code_reads() -> list[Read]:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in sorted(LIBRARY.rglob("*.py"))}
    forwarders = {}
    for path, tree in trees.items():
        forwarders.update(_forwarders(tree, path))
    reads = []
    for path, tree in trees.items():
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            read = _reader_call(call, path)
            if read and isinstance(_literal(read[0]), str):
                reads.append(Read(_literal(read[0]), where, read[1], read[2]))
                continue
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if name in forwarders:
                position, per_printer = forwarders[name]
                key = _literal(call.args[position]) if position < len(call.args) else UNSET
                if isinstance(key, str):
                    reads.append(Read(key, where, per_printer))
    return reads


def documented(path: Path) -> set[str]:
    """Keys the sample documents, as `key: value` or `# key: value` lines."""
    return {m[1] for line in path.read_text().splitlines() if (m := re.match(r"#? ?([a-z_]+):(\s|$)", line))}


def _same_default(literal: object, written: str | None) -> bool:
    if written is None:
        return False
    if isinstance(literal, bool):
        return written == ("yes" if literal else "no")
    if isinstance(literal, (int, float)):
        return float(written) == literal
    return str(literal).lower() == written.lower()


READS = code_reads()


def test_the_scan_finds_the_reads():
    keys = {read.key for read in READS}
    assert {"storageserver", "storageuser", "storageadmin", "userbase", "enforcement", "snmpmaxwait",
            "prehook", "posthook", "journaldir"} <= keys
    assert len(keys) >= 60


def test_every_key_the_code_reads_is_registered_with_its_default_and_scope():
    for read in READS:
        spec = KEYS.get(read.key)
        assert spec is not None, f"{read.where} reads {read.key!r}: add it to pykota_ldap/config_keys.py"
        if read.per_printer:
            assert spec.scope == PRINTER, f"{read.where} reads {read.key!r} per printer: its scope is {spec.scope}"
        if read.default not in (UNSET, None):
            assert _same_default(read.default, spec.default), \
                f"{read.where} defaults {read.key!r} to {read.default!r}, the registry to {spec.default!r}"


def test_per_printer_keys_are_read_per_printer():
    read_per_printer = {read.key for read in READS if read.per_printer}
    assert sorted(k for k, s in KEYS.items() if s.scope == PRINTER and k not in read_per_printer) == []


def test_the_pksync_keys_are_the_rules_keys():
    assert {k for k, s in KEYS.items() if s.scope == SYNC_RULE} == set(RULE_KEYS)
    assert {k for k, s in KEYS.items() if s.scope == SYNC} == set(GLOBAL_KEYS) - set(RULE_KEYS)


def test_every_registered_key_is_still_read_somewhere():
    literals = {node.value for path in LIBRARY.rglob("*.py") if path.name != "config_keys.py"
                for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)}
    unread = [key for key in KEYS if key not in literals]
    assert unread == [], f"registered, but no code names them: {unread}"


def test_the_samples_document_every_key_and_no_other():
    admin = {k for k, s in KEYS.items() if s.scope == ADMIN}
    assert documented(SAMPLE) == set(KEYS) - admin
    assert documented(ADMIN_SAMPLE) == admin


def test_registry_entries_are_complete():
    for name, spec in KEYS.items():
        assert spec.name == name and name == name.lower()
        assert spec.meaning and "\n" not in spec.meaning
        assert not (spec.required and spec.default is not None), name


def test_closest_names_a_misspelt_key():
    assert closest("snmpmaxwiat") == "snmpmaxwait"
    assert closest("StorageServer") == "storageserver"
    assert closest("gracedelays") == "gracedelay"
    assert closest("nothing-like-a-key") is None
