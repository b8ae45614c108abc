"""Where the schema/ files are: the source tree, or where pip installed them."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def schema_dir() -> Path:
    candidates = [os.environ.get("PYKOTA_SCHEMA_DIR"),
                  Path(__file__).resolve().parent.parent / "schema",           # source checkout / editable
                  Path(sys.prefix) / "share" / "pykota-ldap" / "schema"]      # pip install .
    for candidate in candidates:
        if candidate and (Path(candidate) / "pykota-ldap.ldif").exists():
            return Path(candidate)
    raise FileNotFoundError("pykota-ldap schema files not found (set PYKOTA_SCHEMA_DIR)")


def schema_path(name: str) -> Path:
    return schema_dir() / name
