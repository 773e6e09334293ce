"""Plugin failures are never silent (issue 17): through the real command line, a plugin that fails to
load is a warning naming it and why, one that raises while settling makes the command exit 1, asking
for a failed plugin says why it failed, and an allow or block list naming no installed plugin is an
input error (exit 2) with "did you mean"."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from creatorpay.core import Engine, InputError, Platform
from creatorpay.core.hookspecs import hookimpl
from creatorpay.core.plugins import PluginWarning
from tests.helpers import EXAMPLES, ROOT

FOOD = str(EXAMPLES / "food-vlogger.toml")
KUAISHOU_FAILED = (
    "the plugin 'kuaishou' (creatorpay_fixture 1.0) failed to load: ImportError: no module named kuaishou_sdk"
)
RAISING = """
from pathlib import Path
from creatorpay.core import Platform, hookimpl

@hookimpl
def creatorpay_platform():
    return Platform(name="raising", title="Raising", rules=Path(__file__).with_name("fixture_rules.toml"),
                    offers=("tips",))

@hookimpl
def creatorpay_settle_revenue_share(ctx):
    if ctx.scenario.tips:
        raise RuntimeError("boom in revenue share")
"""
BAD_TAX = """
from pathlib import Path
from creatorpay.core import Adjustment, hookimpl

@hookimpl
def creatorpay_adjustment():
    return Adjustment(name="bad_tax", title="Bad tax", rules=Path(__file__).with_name("fixture_rules.toml"))

@hookimpl
def creatorpay_adjust(ctx):
    raise ValueError("no tax table")
"""
RULES = """
[rules."FX-TIP-01"]
title = "A test rule"
label = "source"
source = "a test"
[[rules."FX-TIP-01".versions]]
effective_from = 2020-01-01
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An installed distribution with three plugins: kuaishou (its import fails), raising (raises on
    tips) and bad_tax (an adjustment that always raises; blocked by most tests)."""
    root = tmp_path_factory.mktemp("failing") / "site"
    info = root / "creatorpay_fixture-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: creatorpay-fixture\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[creatorpay]\nkuaishou = cp_kuaishou\nraising = cp_raising\nbad_tax = cp_bad_tax\n", encoding="utf-8"
    )
    (root / "cp_kuaishou.py").write_text('raise ImportError("no module named kuaishou_sdk")\n', encoding="utf-8")
    (root / "cp_raising.py").write_text(RAISING, encoding="utf-8")
    (root / "cp_bad_tax.py").write_text(BAD_TAX, encoding="utf-8")
    (root / "fixture_rules.toml").write_text(RULES, encoding="utf-8")
    return root


def creatorpay(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line in a subprocess that sees ``site``; ``env`` sets variables (allow/block lists)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CREATORPAY_LOAD_PLUGINS", "CREATORPAY_DISABLE_PLUGINS", "PYTEST_ADDOPTS")
    }
    base["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-c", "from creatorpay.core.cli import main; main()", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_plugin_that_fails_to_load_is_a_warning_naming_it_and_why(site: Path) -> None:
    done = creatorpay(site, "--disable-plugin", "bad_tax", "compare", FOOD, "--platform", "xingtu")
    assert done.returncode == 0, done.stderr
    assert f"warning: {KUAISHOU_FAILED}\n" in done.stderr
    listed = creatorpay(site, "plugins")
    assert listed.returncode == 0 and f"warning: {KUAISHOU_FAILED}" in listed.stderr
    assert "Traceback" not in done.stderr + listed.stderr


def test_a_platform_that_raises_fails_compare_even_without_strict(site: Path) -> None:
    for extra in ((), ("--strict",), ("--format", "json")):
        done = creatorpay(site, "--disable-plugin", "bad_tax", "compare", FOOD, *extra)
        assert done.returncode == 1, (extra, done.stderr)
        assert f"error: {FOOD}: raising failed: RuntimeError: boom in revenue share" in done.stderr
        assert "xingtu" in done.stdout  # the others are still shown
    table = creatorpay(site, "--disable-plugin", "bad_tax", "compare", FOOD).stdout
    assert "raising: error: RuntimeError: boom in revenue share" in table


@pytest.mark.parametrize(
    "command",
    [
        ["explain", FOOD],
        ["explain", FOOD, "--format", "json"],
        ["validate", FOOD],
        ["sweep", FOOD, "--vary", "tips.yuan=100:200:100", "--format", "json"],
    ],
)
def test_explain_validate_and_sweep_exit_1_when_a_platform_fails(site: Path, command: list[str]) -> None:
    done = creatorpay(site, "--disable-plugin", "bad_tax", *command)
    assert done.returncode == 1, done.stderr
    assert f"error: {FOOD}: raising failed: RuntimeError: boom in revenue share" in done.stderr
    assert done.stderr.count("raising failed") == 1  # once, however many values a sweep settles
    assert "ok:" not in done.stdout


def test_a_failing_adjustment_makes_the_statements_incomplete_and_exits_1(site: Path) -> None:
    done = creatorpay(site, "compare", FOOD, "--platform", "xingtu", "--format", "json")
    assert done.returncode == 1, done.stderr
    assert (
        f"error: {FOOD}: xingtu is incomplete: the adjustment bad_tax failed: ValueError: no tax table" in done.stderr
    )


def test_asking_for_a_plugin_that_failed_to_load_says_why(site: Path, tmp_path: Path) -> None:
    done = creatorpay(site, "--disable-plugin", "bad_tax", "compare", FOOD, "--platform", "kuaishou")
    assert done.returncode == 1
    assert f"error: --platform kuaishou: {KUAISHOU_FAILED}" in done.stderr
    assert "unknown platform" not in done.stderr
    scenario = tmp_path / "ext.toml"
    scenario.write_text(
        (EXAMPLES / "food-vlogger.toml").read_text(encoding="utf-8")
        + "\n[ext.kuaishou]\nstreams = 3\n\n[platform.kuaishou]\nfollowers = 10\n",
        encoding="utf-8",
    )
    done = creatorpay(site, "--disable-plugin", "bad_tax", "--disable-plugin", "raising", "compare", str(scenario))
    assert done.returncode == 0, done.stderr
    assert f"note: [ext.kuaishou] ignored: {KUAISHOU_FAILED}" in done.stdout
    assert f"note: [platform.kuaishou] ignored: {KUAISHOU_FAILED}" in done.stdout
    assert "is loaded" not in done.stdout


def test_an_unknown_platform_gets_did_you_mean(site: Path) -> None:
    done = creatorpay(site, "--disable-plugin", "bad_tax", "compare", FOOD, "--platform", "wechat")
    assert done.returncode == 2
    assert "error: --platform: unknown platform 'wechat'; did you mean 'wechat_channels'? loaded: " in done.stderr


def test_asking_for_a_blocked_platform_says_it_is_blocked(site: Path) -> None:
    done = creatorpay(site, "--disable-plugin", "netease", "compare", FOOD, "--platform", "netease")
    assert done.returncode == 2
    assert "error: --platform: the plugin 'netease' (creatorpay" in done.stderr
    assert "is blocked by the block list; loaded: " in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            [],
            {"CREATORPAY_LOAD_PLUGINS": "kuaishu"},
            "error: CREATORPAY_LOAD_PLUGINS: no installed plugin is named 'kuaishu'; did you mean 'kuaishou'?",
        ),
        (
            [],
            {"CREATORPAY_DISABLE_PLUGINS": "xingtou"},
            "no installed plugin is named 'xingtou'; did you mean 'xingtu'?",
        ),
        (
            ["--disable-plugin", "nettease"],
            {},
            "(or --disable-plugin): no installed plugin is named 'nettease'; did you mean 'netease'?",
        ),
        (["--disable-plugin", "zzzz"], {}, "no installed plugin is named 'zzzz'; installed: bad_tax, cn_tax, "),
    ],
)
def test_an_allow_or_block_list_naming_no_installed_plugin_is_an_input_error(
    site: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    done = creatorpay(site, *args, "compare", FOOD, **env)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_load_failures_are_logged_and_warned_in_python(caplog: pytest.LogCaptureFixture) -> None:
    @hookimpl
    def creatorpay_platform() -> Platform:
        return Platform(name="other", title="Other", rules=Path("nowhere.toml"))

    misnamed = type("Misnamed", (), {"creatorpay_platform": staticmethod(creatorpay_platform)})()
    with (
        caplog.at_level(logging.WARNING, logger="creatorpay.plugins"),
        pytest.warns(PluginWarning, match="the plugin 'misnamed' failed to load: PluginError: registers"),
    ):
        Engine(plugins={"misnamed": misnamed}, entry_points=False)
    assert [r.getMessage() for r in caplog.records if r.name == "creatorpay.plugins"] == [
        "the plugin 'misnamed' failed to load: PluginError: registers platform 'other' under the entry point "
        "'misnamed'; the names must match"
    ]
    with pytest.raises(InputError, match="load: no installed plugin is named 'misnamd'; did you mean 'misnamed'"):
        Engine(load=["misnamd"], plugins={"misnamed": misnamed}, entry_points=False)
