"""``creatorpay new-plugin`` writes valid files or none: a title with control characters (invalid in
TOML strings and comments) and a dangling ``--dir`` symlink are input errors (exit 2)."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.helpers import ROOT
from tests.ledger.ledger_support import CLI

if TYPE_CHECKING:
    from pathlib import Path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and all(w in done.stderr for w in words), done.stderr


@pytest.mark.parametrize("title", ["Acme\x1b[31m", "Acme\x7f", "Acme\x0b", "Acme\n", "Ac\tme"])
def test_new_plugin_refuses_control_characters_in_the_title(tmp_path: Path, title: str) -> None:
    target = tmp_path / "acme"
    refused(cli("new-plugin", "acme", "--dir", str(target), "--title", title), "--title", "control characters")
    assert not target.exists()


def test_new_plugin_refuses_a_dangling_dir_symlink(tmp_path: Path) -> None:
    link = tmp_path / "pkg"
    link.symlink_to(tmp_path / "missing")
    refused(cli("new-plugin", "acme", "--dir", str(link)), str(link), "symbolic link")  # FileExistsError
    assert not (tmp_path / "missing").exists()


def test_new_plugin_writes_valid_toml_for_any_allowed_title(tmp_path: Path) -> None:
    import tomllib

    done = cli("new-plugin", "acme", "--dir", str(tmp_path / "acme"), "--title", "Acmé # 音乐 'x'")
    assert done.returncode == 0, done.stderr
    project = tomllib.loads((tmp_path / "acme" / "pyproject.toml").read_text(encoding="utf-8"))
    assert "Acmé # 音乐 'x'" in project["project"]["description"]
    assert not list((tmp_path / "acme").rglob("*.tmp"))
