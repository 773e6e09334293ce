"""NE-BASE-02 program income lines, NE-DIST-01 nine scenes, NE-MCN-01, registration and dates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from creatorpay.core import Engine, InputError, Kind, load_scenario
from creatorpay.plugins.netease.fields import SCENES
from creatorpay.plugins.netease.scenes import SCENE_NAMES
from tests.netease.netease_support import lines, reasons, scenario, settle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_ne_base_02_one_line_per_program_income_paid_by_netease() -> None:
    """NE-BASE-02: campaign, leaderboard and plays, one program-income line each from netease."""
    st = settle(scenario({"campaign": "3000.00", "leaderboard": "2000.00", "plays": "1500.00"}, quality=False))
    income = [x for x in st.lines if x.rule == "NE-BASE-02"]
    assert [x.value for x in income] == [Decimal("3000.00"), Decimal("2000.00"), Decimal("1500.00")]
    assert all(x.kind is Kind.PROGRAM_INCOME and x.payer == "netease" and x.payee == "me" for x in income)
    assert "征稿活动激励金" in income[0].note and "上榜优质榜单奖励" in income[1].note
    assert st.net == Decimal("6500.00")


def test_ne_base_02_zero_incomes_give_no_line() -> None:
    """NE-BASE-02: a zero program income writes no line."""
    st = settle(scenario({"campaign": "0.00", "leaderboard": "0.01"}, quality=False))
    assert lines(st, "NE-BASE-02") == [Decimal("0.01")]


def test_ne_dist_01_one_line_per_scene_with_its_chinese_name() -> None:
    """NE-DIST-01: play revenue given per scene is one line per scene, naming the scene; summed."""
    st = settle(scenario({"plays_by_scene": {"lofter": "100.10", "news": "200.20", "dashen": "0.00"}}, quality=False))
    per_scene = [x for x in st.lines if x.rule == "NE-DIST-01"]
    assert [x.value for x in per_scene] == [Decimal("200.20"), Decimal("100.10")]
    assert "网易新闻" in per_scene[0].note and "网易LOFTER" in per_scene[1].note
    assert all(x.kind is Kind.PROGRAM_INCOME for x in per_scene)
    assert lines(st, "NE-BASE-02") == []
    assert st.net == Decimal("300.30")


def test_ne_dist_01_per_scene_plays_count_toward_the_floor() -> None:
    """NE-DIST-01 with NE-BASE-01: per-scene plays are summed into the program income."""
    st = settle(scenario({"campaign": "1000.00", "plays_by_scene": {s: "1000.00" for s in SCENES}}))
    assert lines(st, "NE-DIST-01") == [Decimal("1000.00")] * 9
    assert lines(st, "NE-BASE-01") == []
    assert any("10,000.00 already reaches" in r for r in reasons(st, "NE-BASE-01"))


def test_ne_dist_01_unknown_scene_is_an_input_error_naming_the_nine() -> None:
    """NE-DIST-01: an unknown scene is an input error that names the nine valid scenes."""
    with pytest.raises(InputError) as error:
        scenario({"plays_by_scene": {"douyin": "10.00"}})
    text = str(error.value)
    assert "programs.plays_by_scene.douyin" in text
    assert all(scene in text for scene in SCENES)


def test_ne_dist_01_nine_scenes_named() -> None:
    """NE-DIST-01: the plugin names exactly the nine scenes the loader accepts."""
    assert tuple(SCENE_NAMES) == SCENES
    assert len(set(SCENE_NAMES.values())) == 9


def test_ne_mcn_01_food_vlogger_netease_net_and_mcn_line() -> None:
    """NE-MCN-01 (split by CORE-MCN-01) and EXPECTED.md: programs 6,500 + top-up 3,500, MCN 2,000, net 8,000."""
    st = settle(load_scenario(EXAMPLES / "food-vlogger.toml"))
    assert st.status == "ok"
    assert sum(lines(st, "NE-BASE-02"), Decimal(0)) == Decimal("6500.00")
    assert lines(st, "NE-BASE-01") == [Decimal("3500.00")]
    mcn = [x for x in st.lines if x.kind is Kind.MCN_SHARE]
    assert [(x.rule, x.payee, x.amount) for x in mcn] == [("CORE-MCN-01", "Sunrise MCN", Decimal("-2000.00"))]
    assert "NE-MCN-01" in st.facts["mcn"]
    assert st.net == Decimal("8000.00")
    assert {n.activity for n in st.not_offered} == {"orders", "tips"}


def test_not_offered_orders_tips_merchant_live_with_reason(engine: Engine) -> None:
    """RULES.md offer table: NetEase offers programs only; the rest is not offered, no source."""
    s = scenario(
        {"campaign": "1.00"},
        quality=False,
        tips={"yuan": "10.00"},
        merchant_live={"sales": "5.00"},
        orders=[{"id": "o-1", "amount": "100.00", "stage": "published"}],
    )
    st = settle(s)
    offered = {n.activity: n.reason for n in st.not_offered}
    assert offered == {
        "orders": "no source covers brand orders on NetEase",
        "tips": "no source covers tipping on NetEase",
        "merchant_live": "no source covers merchant live streams on NetEase",
    }
    assert st.net == Decimal("1.00")
    assert engine.platform("netease").offers == ("programs",)


def test_core_date_01_december_2021_has_no_rules_january_2022_settles() -> None:
    """CORE-DATE-01: NE rules start 2021-12-25, so 2021-12 is no_rules and 2022-01 settles."""
    programs = {"campaign": "100.00"}
    assert settle(scenario(programs, period="2021-12")).status == "no_rules"
    st = settle(scenario(programs, period="2022-01"))
    assert st.status == "ok"
    assert lines(st, "NE-BASE-01") == [Decimal("9900.00")]
    assert st.facts["program_year"].startswith("2021-12-25 to 2022-12-24")
