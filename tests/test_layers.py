"""The shape of the library: low layers never import high ones, and no module imports itself back.

Read from the source with `ast` (every import, lazy ones inside functions included), so a new
arrow up or a new circle fails here before it makes the code hard to change.
"""
from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pykota_ldap"

# What each low layer may not import (by top-level part of pykota_ldap).
FORBIDDEN = {
    "directory": {"backend", "cli", "sync", "web", "report", "testing", "accounting"},
    "policy": {"backend", "cli", "sync", "web", "report", "testing", "directory", "accounting", "config"},
    "model": {"backend", "cli", "sync", "web", "report", "testing", "directory", "accounting", "config", "policy"},
    "money": {"backend", "cli", "sync", "web", "report", "testing", "directory", "accounting", "config", "policy",
              "model"},
    "config": {"backend", "cli", "sync", "web", "report", "testing", "directory", "accounting"},
    "accounting": {"backend", "cli", "sync", "web", "report", "directory"},
    "notify": {"backend", "cli", "sync", "web", "report", "testing", "directory", "accounting"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The pykota_ldap modules a file imports, absolute, lazy imports included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking(block)
                   for n in ast.walk(block)}          # `if TYPE_CHECKING:` imports never run
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pykota_ldap"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("pykota_ldap"):
                continue
            found.add(target)
            for alias in node.names:                  # `from . import quotas` imports a module
                candidate = f"{target}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists():
                    found.add(candidate)
    found.discard(name)
    return found


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_low_layers_never_import_high_ones():
    arrows = [(src, dst) for src, dsts in graph().items() for dst in dsts
              if layer(dst) in FORBIDDEN.get(layer(src), set())]
    assert arrows == []


def test_no_import_circle_between_modules():
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}                         # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:                       # a package's __init__ that re-exports
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    # A package importing its own submodules (re-exports in __init__) is not a circle of code.
    real = [c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in pairwise(c))]
    assert real == []
