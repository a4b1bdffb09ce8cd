"""The tools the deployment tests need, and the script that installs them on CI.

``require_tool`` is the binary counterpart of ``tests.conftest.require_service``: a missing tool
skips the test locally and fails it on CI (CI=true), where ``deploy/ci/install-tools.sh`` ran.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
INSTALL_SCRIPT = ROOT / "deploy" / "ci" / "install-tools.sh"


def require_tool(name: str) -> str:
    """The path of ``name``; skip locally when it is missing, fail on CI."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (deploy/ci/install-tools.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; .ci/run should have run that script", pytrace=False)
    pytest.skip(message)


def require_shared(relative: str) -> Path:
    """A path inside ../shared (beside the repository, locally and on CI)."""
    path = SHARED / relative
    if path.exists():
        return path
    message = f"{path} is missing: shared/ should sit beside the repository"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_the_install_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(INSTALL_SCRIPT)], check=True)


def test_the_install_script_downloads_only_through_apt_and_npm():
    text = INSTALL_SCRIPT.read_text()
    commands = " ".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"\b(curl|wget)\b|https?://", commands)
    assert "apt-get install" in commands and "npm pack" in commands


def test_the_install_script_installs_only_what_is_missing():
    text = INSTALL_SCRIPT.read_text()
    for tool in ("promtool", "prometheus", "amtool", "helm"):
        assert f"command -v {tool}" in text, f"{tool} is installed without checking whether it is there"
