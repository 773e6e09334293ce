"""The bundled examples give the figures of EXPECTED.md, worked by hand from the rulebook.

food-vlogger: CORE-MCN-01 (20%) on each platform; live-anchor: CN-TAX-02 withheld by WeChat Channels;
co-creation-terminated: XT-COMP-02 compensation, XT-CC-02/XT-CC-03 rejections, WC-MUTUAL-01.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorpay.core import Engine, load_scenario
from tests.helpers import EXAMPLES

EXPECTED = {
    "food-vlogger.toml": {"xingtu": "9120.00", "wechat_channels": "12160.00", "netease": "8000.00"},
    "co-creation-terminated.toml": {"xingtu": "7500.00", "wechat_channels": "6000.00", "netease": "0.00"},
    "live-anchor.toml": {"wechat_channels": "26260.00", "xingtu": "0.00", "netease": "0.00"},
}
BUILT_IN = ["netease", "wechat_channels", "xingtu"]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load=[*BUILT_IN, "cn_tax"])


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_example_gives_expected_nets(engine: Engine, example: str) -> None:
    report = engine.compare(load_scenario(EXAMPLES / example), BUILT_IN)
    assert {s.platform: f"{s.net:.2f}" for s in report.results} == EXPECTED[example]
    assert all(s.status == "ok" for s in report.results)
    for s in report.results:
        assert sum(s.totals.values()) == s.net


def test_food_vlogger_lines(engine: Engine) -> None:
    report = engine.compare(load_scenario(EXAMPLES / "food-vlogger.toml"), BUILT_IN)
    xingtu = report.result("xingtu")
    assert xingtu.totals["income"] == Decimal("20000.00") and xingtu.totals["fees"] == Decimal("-1000.00")
    assert xingtu.totals["transfers"] == Decimal("-7600.00") and xingtu.totals["mcn"] == Decimal("-2280.00")
    assert {n.activity for n in xingtu.not_offered} == {"tips", "programs"}
    wechat = report.result("wechat_channels")
    assert wechat.totals["mcn"] == Decimal("-3040.00")
    assert any(n.rule == "WC-TIER-01" for n in wechat.not_applied)
    assert any(n.rule == "WC-MUTUAL-01" and "fee_rate" in n.reason for n in wechat.not_applied)
    netease = report.result("netease")
    assert [(x.rule, x.value) for x in netease.lines if x.rule == "NE-BASE-01"] == [("NE-BASE-01", Decimal("3500.00"))]


def test_co_creation_terminated_lines(engine: Engine) -> None:
    report = engine.compare(load_scenario(EXAMPLES / "co-creation-terminated.toml"), BUILT_IN)
    xingtu = report.result("xingtu")
    comp = [(x.payer, x.payee, x.value, x.amount) for x in xingtu.lines if x.rule == "XT-COMP-02"]
    assert ("li", "me", Decimal("7500.00"), Decimal("7500.00")) in comp
    assert ("li", "zhao", Decimal("3000.00"), Decimal("0.00")) in comp
    assert {(v.rule, v.order) for v in xingtu.violations} == {("XT-CC-02", "o-2002"), ("XT-CC-03", "o-2002")}


def test_live_anchor_tax(engine: Engine) -> None:
    wechat = engine.compare(load_scenario(EXAMPLES / "live-anchor.toml"), ["wechat_channels"]).result("wechat_channels")
    assert wechat.totals["income"] == Decimal("40000.00") and wechat.totals["fees"] == Decimal("-12000.00")
    assert [(x.rule, x.value) for x in wechat.lines if x.kind.code == "tax"] == [("CN-TAX-02", Decimal("1740.00"))]
