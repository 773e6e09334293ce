"""Broken plugins are reported clearly by ``creatorpay plugins``, by ``compare`` (the other platforms
still compare) and by the conformance suite: a line citing a rule not in its rule file, a hook that
raises, a misspelled hook, an import that fails, hidden state, a value memoised from a scenario
(``ctx.derived``), a platform not installed."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest

from tests.kit.kit_support import BUILT_IN, compare_json, plugin_reports, run

if TYPE_CHECKING:
    from pathlib import Path

HEADER = """
from decimal import Decimal
from pathlib import Path
from creatorpay.core import Kind, Platform, hookimpl

RULES = Path(__file__).with_name("broken_rules.toml")

@hookimpl
def creatorpay_platform():
    return Platform(name=NAME, title=NAME, rules=RULES, offers=("tips",))
"""
MODULES = {
    "cp_bad_cite": HEADER.replace("NAME", '"bad_cite"')
    + """
@hookimpl
def creatorpay_settle_revenue_share(ctx):
    if ctx.scenario.tips and ctx.scenario.tips.yuan:
        ctx.statement.line("BR-GONE-01", Kind.TIPS, payer="bad_cite", payee=ctx.creator,
                           base=ctx.scenario.tips.yuan, rate=Decimal(1))
""",
    "cp_raising": HEADER.replace("NAME", '"raising"')
    + """
@hookimpl
def creatorpay_settle_revenue_share(ctx):
    if ctx.scenario.tips:
        raise RuntimeError("boom in revenue share")
""",
    "cp_typo": HEADER.replace("NAME", '"typo"')
    + """
@hookimpl
def creatorpay_settle_order(ctx):
    pass
""",
    "cp_noimport": 'raise ImportError("no module named acme_sdk")\n',
    "cp_stateful": HEADER.replace("NAME", '"stateful"')
    + """
import itertools
CALLS = itertools.count(1)

@hookimpl
def creatorpay_settle_revenue_share(ctx):
    if ctx.scenario.tips:
        ctx.statement.line("BR-TIP-01", Kind.TIPS, payer="stateful", payee=ctx.creator, base=Decimal(next(CALLS)),
                           rate=Decimal(1))
""",
    "cp_memoised": HEADER.replace("NAME", '"memoised"')
    + """
SEEN = []

def _first_yuan(rules):  # wrong: ctx.derived's compute reads a scenario, not only the rule set
    return SEEN[-1]

@hookimpl
def creatorpay_settle_revenue_share(ctx):
    if ctx.scenario.tips and ctx.scenario.tips.yuan:
        SEEN.append(ctx.scenario.tips.yuan)
        ctx.statement.line("BR-TIP-01", Kind.TIPS, payer="memoised", payee=ctx.creator,
                           base=ctx.derived(_first_yuan), rate=Decimal(1))
""",
}
RULES = """
[rules."BR-TIP-01"]
title = "A test rule"
label = "source"
source = "a test"
[[rules."BR-TIP-01".versions]]
effective_from = 2020-01-01
"""
SUITE = """
from creatorpay.testing import PlatformConformance

class TestBadCite(PlatformConformance):
    platform = "bad_cite"

class TestRaising(PlatformConformance):
    platform = "raising"

class TestTypo(PlatformConformance):
    platform = "typo"

class TestNoImport(PlatformConformance):
    platform = "noimport"

class TestStateful(PlatformConformance):
    platform = "stateful"

class TestMemoised(PlatformConformance):
    platform = "memoised"

    def scenarios(self, subject, *, messy=False):  # a tipped month, the samples' month
        from hypothesis import strategies as st
        tips = {"yuan": "7.00"}
        return st.just({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 0}, "tips": tips})

class TestMissing(PlatformConformance):
    platform = "not_installed"
"""

#: The tests run (each fault shows in one or two; the rest would only take time to shrink examples).
CHOSEN = (
    "TestBadCite::test_plugin_loads",
    "TestBadCite::test_sample_scenarios",
    "TestBadCite::test_lines_cite_rules_in_force",
    "TestRaising::test_sample_scenarios",
    "TestTypo::test_plugin_loads",
    "TestTypo::test_sample_scenarios",
    "TestNoImport::test_plugin_loads",
    "TestStateful::test_same_input_same_output",
    "TestStateful::test_store_answers_decide",
    "TestStateful::test_lines_cite_rules_in_force",
    "TestMemoised::test_same_input_same_output",
    "TestMissing::test_plugin_loads",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An installed distribution with six broken plugins: a dist-info with entry points, and modules."""
    root = tmp_path_factory.mktemp("broken") / "site"
    info = root / "creatorpay_broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: creatorpay-broken\nVersion: 1.0\n", encoding="utf-8")
    names = {
        "bad_cite": "cp_bad_cite",
        "raising": "cp_raising",
        "typo": "cp_typo",
        "noimport": "cp_noimport",
        "stateful": "cp_stateful",
        "memoised": "cp_memoised",
    }
    points = "".join(f"{name} = {module}\n" for name, module in names.items())
    (info / "entry_points.txt").write_text(f"[creatorpay]\n{points}", encoding="utf-8")
    for module, source in MODULES.items():
        (root / f"{module}.py").write_text(source, encoding="utf-8")
    (root / "broken_rules.toml").write_text(RULES, encoding="utf-8")
    return root


def test_plugins_command_reports_each_failure(site: Path) -> None:
    reports = plugin_reports(site)
    assert reports["noimport"]["status"] == "failed"
    assert reports["noimport"]["error"] == "ImportError: no module named acme_sdk"
    assert reports["noimport"]["distribution"].replace("_", "-") == "creatorpay-broken"
    assert reports["typo"]["status"] == "failed"
    assert "implements hooks the core does not define: creatorpay_settle_order" in reports["typo"]["error"]
    assert all(reports[name]["status"] == "loaded" for name in ("bad_cite", "raising", "stateful", *BUILT_IN))


def test_the_other_platforms_still_compare(site: Path) -> None:
    results = {r["platform"]: r for r in compare_json(site, code=1)["results"]}  # 1: raising failed
    assert {"bad_cite", "raising", "stateful", *BUILT_IN} <= set(results)  # and any other plugin installed
    assert not {"typo", "noimport"} & set(results)
    raising = results["raising"]
    assert (raising["status"], raising["error"]) == ("error", "RuntimeError: boom in revenue share")
    assert all(results[name]["status"] == "ok" for name in BUILT_IN)
    assert results["wechat_channels"]["net"] == "12160.00"


def test_the_conformance_suite_names_each_fault(site: Path, tmp_path: Path) -> None:
    (tmp_path / "test_broken_conformance.py").write_text(SUITE, encoding="utf-8")
    chosen = [f"test_broken_conformance.py::{test}" for test in CHOSEN]
    done = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--creatorpay-max-examples",
            "5",
            "--junitxml",
            str(tmp_path / "junit.xml"),
            *chosen,
        ],
        site=site,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase"):  # noqa: S314 - our pytest's own report
        key = f"{case.get('classname', '').rsplit('.', 1)[-1]}.{case.get('name')}"
        found = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        outcomes[key] = ("passed", "") if found is None else (found.tag, f"{found.get('message')} {found.text}")

    def failed(test: str, *phrases: str) -> None:
        outcome, message = outcomes[test]
        assert outcome == "failure", (test, outcomes[test])
        assert all(phrase in message for phrase in phrases), (test, message)

    failed(
        "TestBadCite.test_sample_scenarios",
        "bad_cite: a sample scenario",
        "cites BR-GONE-01, which is in no loaded rule file",
        "scenario: {",
    )
    failed("TestBadCite.test_lines_cite_rules_in_force", "cites BR-GONE-01")
    assert outcomes["TestBadCite.test_plugin_loads"][0] == "passed"
    failed("TestRaising.test_sample_scenarios", "a hook raised", "RuntimeError: boom in revenue share")
    failed(
        "TestTypo.test_plugin_loads",
        "typo:",
        "failed to load",
        "implements hooks the core does not define: creatorpay_settle_order",
    )
    assert outcomes["TestTypo.test_sample_scenarios"][0] == "skipped"
    assert "creatorpay_settle_order" in outcomes["TestTypo.test_sample_scenarios"][1]
    failed(
        "TestNoImport.test_plugin_loads", "noimport:", "1.0) failed to load", "ImportError: no module named acme_sdk"
    )
    failed("TestStateful.test_same_input_same_output", "determinism", "settled again: the statement differs")
    failed(
        "TestStateful.test_store_answers_decide",
        "the store contract",
        "the statement differs between two stores giving the same answers",
    )
    assert outcomes["TestStateful.test_lines_cite_rules_in_force"][0] == "passed"
    # ctx.derived memoising a scenario's value: a long-lived engine (warm from the samples) and a new one differ
    failed("TestMemoised.test_same_input_same_output", "determinism", "settled after other scenarios of the month")
    failed("TestMissing.test_plugin_loads", "no plugin named 'not_installed' was found")
