"""What a test does when a tool or server it needs is missing: skip on a developer's machine,
fail under CI.

CI (environment variable CI=true) installs everything the suite needs (.ci/apt-packages*), so
there a missing tool means a broken setup, and a skip would hide it (python-ldap's slapdtest
has the same habit). Every such skip in tests/ goes through skip_unless_ci.
"""
from __future__ import annotations

import os
import shutil
from typing import NoReturn


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def skip_unless_ci(reason: str) -> NoReturn:
    """Skip the calling test, or fail it under CI."""
    import pytest
    if under_ci():
        pytest.fail(f"{reason} (CI=true: CI installs what the tests need, see .ci/apt-packages*)",
                    pytrace=False)
    pytest.skip(reason)


def require_tools(*tools: str) -> None:
    """Programs on PATH the calling test needs."""
    for tool in tools:
        if shutil.which(tool) is None:
            skip_unless_ci(f"{tool} is not installed")


def require_files(*paths: str, package: str) -> None:
    """Files (filters, drivers, PPDs) the calling test needs, from one Debian package."""
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        skip_unless_ci(f"{', '.join(missing)} not found: install {package}")
