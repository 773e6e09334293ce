"""creatorpay.testing as a pytest plugin (entry point pytest11): registered, cheap to import, adding
an option and fixtures but never a test of its own, in every pytest session where creatorpay is installed."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import TYPE_CHECKING

from tests.kit.kit_support import run

if TYPE_CHECKING:
    from pathlib import Path


def test_registered_under_pytest11() -> None:
    points = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert points.get("creatorpay") == "creatorpay.testing.plugin"


def test_importing_the_plugin_loads_neither_the_engine_nor_hypothesis() -> None:
    done = run(
        [
            sys.executable,
            "-c",
            "import sys, creatorpay.testing, creatorpay.testing.plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('creatorpay.core', 'hypothesis'))))",
        ]
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_it_adds_an_option_and_no_test(tmp_path: Path) -> None:
    (tmp_path / "test_nothing.py").write_text(
        "from creatorpay.testing import PlatformConformance  # the base class is not collected\n", encoding="utf-8"
    )
    collected = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"], cwd=tmp_path)
    assert collected.returncode == 5 and "no tests collected" in collected.stdout, collected.stdout
    shown = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help"], cwd=tmp_path)
    assert "--creatorpay-max-examples=N" in shown.stdout
    fixtures = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures"], cwd=tmp_path)
    assert "creatorpay_engine" in fixtures.stdout and "creatorpay_max_examples" in fixtures.stdout


COUNTING = """
from creatorpay.testing import PlatformConformance

DRAWN = []

class TestWechat(PlatformConformance):
    platform = "wechat_channels"

    def sample_scenarios(self, subject):
        return []

    def scenarios(self, subject, *, messy=False):
        return super().scenarios(subject, messy=messy).map(lambda data: DRAWN.append(data) or data)

def test_zz_drawn():
    print(f"drawn {len(DRAWN)}")
"""


def test_a_subclass_runs_the_suite_and_the_option_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "test_wc.py").write_text(COUNTING, encoding="utf-8")
    drawn = []
    for extra in (["--creatorpay-max-examples", "3"], []):
        done = run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-s",
                *extra,
                "-k",
                "conservation or drawn",
            ],
            cwd=tmp_path,
        )
        assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr
        drawn.append(int(done.stdout.split("drawn ")[1].split()[0]))
    assert 1 <= drawn[0] <= 3 and 40 <= drawn[1] <= 50, drawn
