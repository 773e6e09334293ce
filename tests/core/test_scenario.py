"""Loading scenarios (SCENARIO.md) and CORE-INPUT-01: every bad key names its file, path and expectation."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import InputError, load_scenario
from creatorpay.core.scenario import Period
from creatorpay.plugins.netease.fields import programs, quality
from creatorpay.plugins.wechat_channels.fields import harmful, new_anchor, polaris
from creatorpay.plugins.xingtu.fields import (
    app,
    co_creation,
    co_creations_this_month,
    growth_stage,
    off_platform,
    price_band,
    review_failed,
    xingtu_beta,
    xingtu_registered,
)
from tests.helpers import EXAMPLES, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

ORDER = {"id": "o-1", "amount": "100.00", "stage": "published"}
PARTICIPANT = {"creator": "me", "role": "main", "agreed": "100.00"}


def order(**changes: Any) -> dict[str, Any]:
    return {**ORDER, **changes}


# (sections of the scenario, the field path the error must name, a fragment of the expectation)
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"schema": 2}, "schema", "expected 1"),
    ({"schema": "1"}, "schema", "whole number"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"period": "2026-13"}, "period", "YYYY-MM"),
    ({"period": "2026-1"}, "period", "YYYY-MM"),
    ({"creator": {"followers": 1}}, "creator.id", "required"),
    ({"creator": {"id": "", "followers": 1}}, "creator.id", "1-128"),
    ({"creator": {"id": "me"}}, "creator.followers", "required"),
    ({"creator": {"id": "me", "followers": -1}}, "creator.followers", "whole number from 0"),
    ({"creator": {"id": "me", "followers": 1.5}}, "creator.followers", "whole number"),
    ({"creator": {"id": "me", "followers": 1, "original": "yes"}}, "creator.original", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "harmful": 1}}, "creator.harmful", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "quality": 0}}, "creator.quality", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "xingtu_beta": "no"}}, "creator.xingtu_beta", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "xingtu_registered": 2}}, "creator.xingtu_registered", "true"),
    ({"creator": {"id": "me", "followers": 1, "growth_stage": "peak"}}, "creator.growth_stage", "harvest"),
    (
        {"creator": {"id": "me", "followers": 1, "co_creations_this_month": -2}},
        "creator.co_creations_this_month",
        "from 0 to",
    ),
    ({"creator": {"id": "me", "followers": 1, "new_anchor": "y"}}, "creator.new_anchor", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "polaris": None}}, "creator.polaris", "true or false"),
    ({"creator": {"id": "me", "followers": 1, "price_card": {"s1_20": 100.5}}}, "creator.price_card.s1_20", "amount"),
    ({"creator": {"id": "me", "followers": 1, "price_card": {"s2": "1.00"}}}, "creator.price_card.s2", "unknown key"),
    ({"creator": {"id": "me", "followers": 1, "nickname": "x"}}, "creator.nickname", "unknown key"),
    ({"mcn": {"share": "0.2"}}, "mcn.name", "required"),
    ({"mcn": {"name": "M", "share": "1.5"}}, "mcn.share", "ratio"),
    ({"mcn": {"name": "M", "share": "0.12345"}}, "mcn.share", "four places"),
    ({"tax": {"method": "flat"}}, "tax.method", "none, platform"),
    ({"tax": {"method": "platform"}}, "tax.months_with_income", "CN-TAX-02"),
    ({"tax": {"months_with_income": 13}}, "tax.months_with_income", "1 to 10"),
    ({"tax": {"ytd_income": "-1.00"}}, "tax.ytd_income", "amount"),
    ({"tax": {"ytd_withheld": "1.001"}}, "tax.ytd_withheld", "two decimal places"),
    ({"orders": {"id": "x"}}, "orders", "list"),
    ({"orders": [order(id="")]}, "orders[0].id", "1-128"),
    ({"orders": [ORDER, ORDER]}, "orders[1].id", "unique"),
    ({"orders": [order(amount="1e3")]}, "orders[0].amount", "amount"),
    ({"orders": [order(amount="1000000000000.00")]}, "orders[0].amount", "below 1000000000000"),
    ({"orders": [{"id": "o", "stage": "published"}]}, "orders[0].amount", "XT-PRICE-01"),
    ({"orders": [{"id": "o", "stage": "published", "video_seconds": 30}]}, "orders[0].amount", "s21_60"),
    ({"orders": [order(video_seconds=0)]}, "orders[0].video_seconds", ">= 1"),
    ({"orders": [order(task="bid")]}, "orders[0].task", "recruitment"),
    ({"orders": [order(stage="shipped")]}, "orders[0].stage", "client_confirmed"),
    ({"orders": [{"id": "o", "amount": "1.00"}]}, "orders[0].stage", "required"),
    ({"orders": [order(co_creation="yes")]}, "orders[0].co_creation", "true or false"),
    ({"orders": [order(app="kuaishou")]}, "orders[0].app", "douyin_lite"),
    ({"orders": [order(off_platform=1)]}, "orders[0].off_platform", "true or false"),
    ({"orders": [order(review_failed="no")]}, "orders[0].review_failed", "true or false"),
    ({"orders": [order(termination={"reason": "x"})]}, "orders[0].termination.by", "required"),
    ({"orders": [order(termination={"by": "nobody"})]}, "orders[0].termination.by", "participant"),
    ({"orders": [order(stage="settled", termination={"by": "client"})]}, "orders[0].termination", "CORE-ORD-02"),
    ({"orders": [order(participants=[])]}, "orders[0].participants", "non-empty"),
    (
        {"orders": [order(participants=[{**PARTICIPANT, "role": "lead"}])]},
        "orders[0].participants[0].role",
        "co_creator",
    ),
    (
        {"orders": [order(participants=[{**PARTICIPANT, "agreed": "1.999"}])]},
        "orders[0].participants[0].agreed",
        "two decimal places",
    ),
    (
        {"orders": [order(participants=[{"role": "main", "agreed": "1.00"}])]},
        "orders[0].participants[0].creator",
        "required",
    ),
    (
        {"orders": [order(participants=[PARTICIPANT, PARTICIPANT])]},
        "orders[0].participants[1].creator",
        "once per order",
    ),
    (
        {"orders": [order(participants=[{**PARTICIPANT, "xingtu_beta": "y"}])]},
        "orders[0].participants[0].xingtu_beta",
        "true or false",
    ),
    (
        {"orders": [order(participants=[{**PARTICIPANT, "xingtu_registered": 1}])]},
        "orders[0].participants[0].xingtu_registered",
        "true or false",
    ),
    (
        {"orders": [order(participants=[{**PARTICIPANT, "share": "1"}])]},
        "orders[0].participants[0].share",
        "unknown key",
    ),
    ({"tips": {"yuan": 12.5}}, "tips.yuan", "amount"),
    ({"tips": {"beans_android": -1}}, "tips.beans_android", "from 0 to"),
    ({"tips": {"beans_ios": "7"}}, "tips.beans_ios", "whole number"),
    ({"tips": {"coins": 1}}, "tips.coins", "unknown key"),
    ({"programs": {"campaign": "NaN"}}, "programs.campaign", "amount"),
    ({"programs": {"leaderboard": "-5.00"}}, "programs.leaderboard", "amount"),
    ({"programs": {"plays": "Infinity"}}, "programs.plays", "amount"),
    ({"programs": {"plays": "1.00", "plays_by_scene": {"news": "1.00"}}}, "programs.plays_by_scene", "not both"),
    ({"programs": {"plays_by_scene": {"weibo": "1.00"}}}, "programs.plays_by_scene.weibo", "cloud_music"),
    ({"merchant_live": {"sales": "1,000.00"}}, "merchant_live.sales", "amount"),
    ({"merchant_live": {"private_users": True}}, "merchant_live.private_users", "whole number"),
    ({"platform": {"xingtu": {"id": "other"}}}, "platform.xingtu.id", "unknown key"),
    ({"platform": {"xingtu": {"followers": "many"}}}, "platform.xingtu.followers", "whole number"),
    ({"platform": {"xingtu": {"tax": {"ytd_income": 5.5}}}}, "platform.xingtu.tax.ytd_income", "amount"),
    ({"ext": {"acme": 3}}, "ext.acme", "table"),
    ({"bonus": 1}, "bonus", "unknown key"),
]

#: One test id per case: the field and the message expected, numbered (two cases may share both).
BAD_IDS = [f"{n}-{path}:{expected}" for n, (_, path, expected) in enumerate(BAD)]


@pytest.mark.parametrize(("sections", "path", "expected"), BAD, ids=BAD_IDS)
def test_each_key_is_checked_core_input_01(sections: dict[str, Any], path: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(scenario_dict(**sections), source="s.toml")
    problems = [p for p in caught.value.problems if p.path == path]
    assert problems, f"no problem at {path}: {caught.value}"
    assert expected in problems[0].message
    assert str(problems[0]).startswith(f"s.toml: {path}: ")


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(scenario_dict(period="x", tips={"yuan": 1.5, "beans_ios": -1}))
    assert {p.path for p in caught.value.problems} == {"period", "tips.yuan", "tips.beans_ios"}


def test_defaults_follow_scenario_md() -> None:
    s = load_scenario(scenario_dict(orders=[ORDER], tips={}))
    c = s.creator
    assert (c.original, harmful(c), quality(c), xingtu_beta(c), xingtu_registered(c)) == (
        True,
        False,
        False,
        False,
        False,
    )
    assert (growth_stage(c), co_creations_this_month(c), new_anchor(c), polaris(c)) == (None, 0, False, False)
    assert s.tax.method == "none" and s.tax.ytd_income == 0 and s.mcn is None
    o = s.orders[0]
    assert (o.task, app(o), co_creation(o), off_platform(o), review_failed(o)) == (
        "assigned",
        "douyin",
        False,
        False,
        False,
    )
    # participants default to the scenario creator alone as main, agreed = amount
    assert [(p.creator, p.role, p.agreed) for p in o.participants] == [("me", "main", Decimal("100.00"))]
    assert s.tips is not None and s.tips.yuan == 0 and s.tips.beans_android == 0
    assert s.activities == ("orders", "tips")


def test_price_card_gives_the_amount_xt_price_01() -> None:
    card = {"s1_20": "800.00", "s21_60": "1500.00", "s60_plus": "2600.00"}
    creator = {"id": "me", "followers": 1, "price_card": card}
    orders = [{"id": f"o{s}", "stage": "published", "video_seconds": s} for s in (20, 21, 60, 61)]
    s = load_scenario(scenario_dict(creator=creator, orders=orders))
    assert [(o.amount, o.priced_band) for o in s.orders] == [
        (Decimal("800.00"), "s1_20"),
        (Decimal("1500.00"), "s21_60"),
        (Decimal("1500.00"), "s21_60"),
        (Decimal("2600.00"), "s60_plus"),
    ]
    assert price_band(1) == "s1_20"


def test_plays_by_scene_are_summed_ne_dist_01() -> None:
    s = load_scenario(scenario_dict(programs={"plays_by_scene": {"news": "1.50", "lofter": "2.25"}}))
    found = programs(s)  # NetEase's accessor: the plugin sums the scenes
    assert found is not None and found.plays == Decimal("3.75")


def test_platform_values_apply_only_on_their_platform() -> None:
    s = load_scenario(scenario_dict(platform={"wechat_channels": {"followers": 9, "tax": {"ytd_income": "5.00"}}}))
    assert s.for_platform("wechat_channels").creator.followers == 9
    assert s.for_platform("wechat_channels").tax.ytd_income == Decimal("5.00")
    assert s.for_platform("xingtu").creator.followers == 100


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_every_example_loads_unchanged(example: Path) -> None:
    assert load_scenario(example).source == str(example)


def test_json_and_toml_load_the_same(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    data = scenario_dict(tips={"yuan": "3200.00"})
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_scenario(path).tips == load_scenario(data).tips


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.toml", b"schema = = 1", "not valid TOML"),
        ("latin1.toml", 'name = "caf\xe9"'.encode("latin-1"), "not UTF-8"),
        ("deep.toml", b"x = " + b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
        ("bad.json", b'{"schema": 1,}', "not valid JSON"),
        ("list.json", b"[1]", "JSON object"),
    ],
)
def test_malformed_files_are_input_errors_core_input_01(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_scenario(tmp_path / "nope.toml")


def test_period() -> None:
    assert str(Period.parse("2022-09")) == "2022-09"
    assert Period.parse("2022-09").first_day.isoformat() == "2022-09-01"
    with pytest.raises(ValueError, match="not a month YYYY-MM"):
        Period.parse("2022-00")
