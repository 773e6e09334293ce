"""``mypy --strict`` on a user's service passes against the install the README describes (issue 17).

setuptools' default editable install reaches ``creatorpay.core`` (mapped from ``core/`` by
package-dir) through an import hook, which mypy cannot follow (``import-not-found``); the README's
``editable_mode=strict`` install links the files under an ``creatorpay/`` folder named by a plain
``.pth`` path, as a normal install puts them in site-packages, and mypy reads both.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVICE = '''\
"""A tiny asyncio service, as a user writes one."""

from decimal import Decimal

from creatorpay.core import Engine, Report, SQLiteStore, Statement, load_scenario
from creatorpay.testing.strategies import scenario_dicts

ENGINE = Engine()


async def best_net(text: str) -> Decimal:
    report: Report = await ENGINE.acompare(load_scenario(text=text, format="toml"), store=SQLiteStore())
    statement: Statement = report.result("xingtu")
    return max([statement.net, *(s.net for s in report.results)])


STRATEGY = scenario_dicts()
'''


def _on_a_path() -> bool:
    """Whether creatorpay's files sit under a ``creatorpay/`` folder on sys.path (what mypy reads),
    rather than being reached only through setuptools' editable import hook."""
    return any((Path(entry) / "creatorpay" / "core" / "__init__.py").is_file() for entry in sys.path if entry)


@pytest.mark.skipif(
    not _on_a_path(),
    reason="creatorpay is installed with setuptools' import-hook editable "
    "mode, which mypy cannot follow: reinstall as the README says (editable_mode=strict)",
)
def test_mypy_strict_passes_on_a_service_against_this_install(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(SERVICE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "service.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import-untyped" not in done.stdout and "import-not-found" not in done.stdout


def test_the_readme_editable_installs_are_ones_mypy_can_follow() -> None:
    """Every ``pip install -e`` of creatorpay itself in the README asks for ``editable_mode=strict``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    installs = re.findall(r"pip install[^\n&]*?-e '?\.[\[\s'][^\n&]*", readme)
    assert installs, "the README shows no editable install of creatorpay"
    for command in installs:
        assert "editable_mode=strict" in command, command
