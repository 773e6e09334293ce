"""Demo Platform's figures computed by hand (all FICTIONAL rules): DEMO-TIP-01, DEMO-LIVE-01, DEMO-NEW-01."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from creatorpay.core import Engine, InputError, Kind, load_scenario

PLATFORM = "demo_platform"


def month(period: str, followers: int = 100, **sections: Any) -> dict[str, Any]:
    return {"schema": 1, "period": period, "creator": {"id": "me", "followers": followers}, **sections}


def test_tip_01_books_the_gross_and_the_platforms_share_apart(creatorpay_engine: Engine) -> None:
    # Gross 1,234.56 is income; commission 1,234.56 x 0.20 = 246.912, rounded once, half-up: 246.91
    # (CORE-MONEY-01); the creator keeps 987.65.
    statement = creatorpay_engine.settle(load_scenario(month("2026-10", tips={"yuan": "1234.56"})), PLATFORM)
    assert [(line.rule, line.kind, line.value, line.amount) for line in statement.lines] == [
        ("DEMO-TIP-01", Kind.TIPS, Decimal("1234.56"), Decimal("1234.56")),
        ("DEMO-TIP-01", Kind.COMMISSION, Decimal("246.91"), Decimal("-246.91")),
    ]
    assert statement.net == Decimal("987.65")
    assert {line.label for line in statement.lines} == {"unverified"}


def test_tip_01_is_not_in_force_before_2024(creatorpay_engine: Engine) -> None:
    # No rule in force on 2023-12-01: the platform is not settled under guessed rules (CORE-DATE-01).
    statement = creatorpay_engine.settle(load_scenario(month("2023-12", tips={"yuan": "100.00"})), PLATFORM)
    assert statement.status == "no_rules" and not statement.lines


@pytest.mark.parametrize(
    ("period", "streams", "bonus"),
    [
        ("2026-06", 3, "150.00"),  # 3 x 50.00, the first version
        ("2026-07", 3, "180.00"),  # 3 x 60.00: the version from 2026-07-01 is in force on the month's first day
        ("2026-07", 25, "1200.00"),  # capped at 20 streams: 20 x 60.00
    ],
)
def test_live_01_bonus_per_stream_by_version_and_cap(
    creatorpay_engine: Engine, period: str, streams: int, bonus: str
) -> None:
    data = month(period, ext={PLATFORM: {"streams": streams}})
    statement = creatorpay_engine.settle(load_scenario(data), PLATFORM)
    assert [(line.rule, line.value) for line in statement.lines] == [("DEMO-LIVE-01", Decimal(bonus))]
    assert statement.totals["incentives"] == Decimal(bonus)


def test_ext_inputs_are_checked(creatorpay_engine: Engine) -> None:
    with pytest.raises(InputError, match=r"ext\.demo_platform\.streams: expected a whole number >= 0"):
        creatorpay_engine.settle(load_scenario(month("2026-10", ext={PLATFORM: {"streams": -1}})), PLATFORM)
    with pytest.raises(InputError, match=r"ext\.demo_platform\.stream: unknown key"):
        creatorpay_engine.settle(load_scenario(month("2026-10", ext={PLATFORM: {"stream": 1}})), PLATFORM)


def test_new_01_is_not_applied_until_an_operator_sets_the_size(creatorpay_engine: Engine, tmp_path: Any) -> None:
    scenario = load_scenario(month("2026-10", followers=10))
    statement = creatorpay_engine.settle(scenario, PLATFORM)
    assert statement.impressions == 0
    assert [(n.rule, "operator-set and unset" in n.reason) for n in statement.not_applied] == [("DEMO-NEW-01", True)]
    overrides = tmp_path / "rules.toml"
    overrides.write_text('[demo_platform."DEMO-NEW-01"]\nimpressions = 50000\n', encoding="utf-8")
    set_by_user = Engine(rules=overrides).settle(scenario, PLATFORM)
    assert set_by_user.impressions == 50000 and set_by_user.net == 0  # traffic is never cash (CORE-TRAFFIC-01)
    assert set_by_user.traffic_items[0].label == "unverified"
