"""The source folders import only by their installed names (issue 18).

pyproject maps ``creatorpay.core`` to ``core/`` and each plugin to ``plugins/<name>/``; from the repo
root ``import core.engine`` would load a second copy of every class (an Engine with no platforms), so
each of those packages refuses to import under its folder name and names the one to use.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"core.engine": "creatorpay.core"} | {
    f"plugins.{path.parent.name}": f"creatorpay.plugins.{path.parent.name}"
    for path in sorted(ROOT.glob("plugins/*/__init__.py"))
}


@pytest.mark.parametrize(("folder_name", "installed"), sorted(FOLDERS.items()))
def test_importing_a_source_folder_by_its_path_fails_naming_the_installed_package(
    folder_name: str, installed: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {folder_name}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"ImportError: import {installed}, not {folder_name.removesuffix('.engine')}:" in result.stderr


def test_the_installed_names_still_import() -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {', '.join(FOLDERS.values())}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
