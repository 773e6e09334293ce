"""Traffic programs on WeChat Channels: WC-NOVICE-01, WC-TIER-01, WC-COLD-01, WC-POLARIS-01 (impressions,
never cash: CORE-TRAFFIC-01; sizes operator-set) and the quality gate WC-QUAL-01."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from creatorpay.core import Kind, MemoryStore
from tests.wechat_channels.wechat_channels_helpers import impressions, reasons, scenario, settle, total

D = Decimal
TIERS = {"tier_1k_impressions": 1_000, "tier_10k_impressions": 10_000, "tier_1m_impressions": 1_000_000}
SIZES: dict[str, dict[str, Any]] = {
    "WC-NOVICE-01": {"impressions": 777},
    "WC-TIER-01": TIERS,
    "WC-COLD-01": {"impressions": 5_000},
    "WC-POLARIS-01": {"cash": "2000.00", "impressions": 3_000},
    "WC-PRIV-01": {"multiple": "2"},
}


def test_wc_novice_01_zero_followers_get_the_package() -> None:
    """WC-NOVICE-01: a zero-follower creator gets the novice package, in impressions, not cash."""
    st = settle(scenario(followers=0), rules=SIZES)
    assert impressions(st, "WC-NOVICE-01") == 777
    assert st.net == 0 and st.lines == ()
    assert impressions(st, "WC-TIER-01") == 0


def test_wc_novice_01_one_follower_gets_none() -> None:
    """WC-NOVICE-01: only the zero-follower stage qualifies; nothing is reported for others."""
    st = settle(scenario(followers=1), rules=SIZES)
    assert impressions(st, "WC-NOVICE-01") == 0 and reasons(st, "WC-NOVICE-01") == []


def test_wc_novice_01_unset_size_is_not_applied_naming_the_parameter() -> None:
    """WC-NOVICE-01: size operator-set and unset -> not applied, naming impressions."""
    st = settle(scenario(followers=0))
    [reason] = reasons(st, "WC-NOVICE-01")
    assert "impressions" in reason and '[wechat_channels."WC-NOVICE-01"]' in reason
    assert st.impressions == 0


@pytest.mark.parametrize(
    ("followers", "expected"),
    [
        (999, 0),
        (1_000, 1_000),
        (9_999, 1_000),
        (10_000, 10_000),
        (52_000, 10_000),
        (999_999, 10_000),
        (1_000_000, 1_000_000),
        (5_000_000, 1_000_000),
    ],
)
def test_wc_tier_01_highest_tier_reached(followers: int, expected: int) -> None:
    """WC-TIER-01: tiers at 1,000 / 10,000 / 1,000,000 followers; one package, the highest tier's."""
    st = settle(scenario(followers=followers), rules=SIZES)
    assert impressions(st, "WC-TIER-01") == expected
    assert len([t for t in st.traffic_items if t.rule == "WC-TIER-01"]) == (expected > 0)
    assert st.net == 0


def test_wc_tier_01_unset_size_is_not_applied_only_for_the_tier_reached() -> None:
    """WC-TIER-01 (food-vlogger, 52,000 followers): tier 10,000 not applied, size unset; nothing for
    programs the creator does not qualify for."""
    st = settle(scenario(followers=52000))
    [reason] = reasons(st, "WC-TIER-01")
    assert "tier 10,000" in reason and "tier_10k_impressions" in reason
    assert [n.rule for n in st.not_applied] == ["WC-TIER-01"]
    assert reasons(settle(scenario(followers=500)), "WC-TIER-01") == []


def test_wc_tier_01_tier_thresholds_are_parameters() -> None:
    """WC-TIER-01: the follower counts of the tiers live in the rule file."""
    st = settle(scenario(followers=52000), rules={"WC-TIER-01": {**TIERS, "tier_1m_followers": 50_000}})
    assert impressions(st, "WC-TIER-01") == 1_000_000


def test_wc_cold_01_new_anchor_gets_the_package() -> None:
    """WC-COLD-01: a new anchor's cold-start package, in impressions; others get none."""
    st = settle(scenario(creator={"new_anchor": True}), rules=SIZES)
    assert impressions(st, "WC-COLD-01") == 5_000
    assert impressions(settle(scenario(), rules=SIZES), "WC-COLD-01") == 0


def test_wc_cold_01_unset_size_is_not_applied() -> None:
    """WC-COLD-01: the size per anchor is operator-set: unset -> not applied, naming impressions."""
    st = settle(scenario(creator={"new_anchor": True}))
    [reason] = reasons(st, "WC-COLD-01")
    assert "impressions" in reason and "operator-set" in reason


def test_wc_cold_01_draws_from_the_pool_until_it_is_used_up() -> None:
    """WC-COLD-01: packages draw from the pool in ctx.store; a short pool pays what is left, then none."""
    store = MemoryStore()
    rules = {"WC-COLD-01": {"impressions": 3_000_000_000}}
    data = scenario(creator={"new_anchor": True})
    assert impressions(settle(data, rules, store), "WC-COLD-01") == 3_000_000_000
    second = settle(data, rules, store)
    assert impressions(second, "WC-COLD-01") == 2_000_000_000
    assert "only 2,000,000,000" in second.traffic_items[0].note
    third = settle(data, rules, store)
    assert impressions(third, "WC-COLD-01") == 0
    assert any("used up" in r for r in reasons(third, "WC-COLD-01"))


def test_wc_polaris_01_cash_and_traffic_when_set() -> None:
    """WC-POLARIS-01: operator-set cash is an incentive line; the traffic is impressions, not cash."""
    st = settle(scenario(creator={"polaris": True}), rules=SIZES)
    [line] = [x for x in st.lines if x.rule == "WC-POLARIS-01"]
    assert (line.kind, line.value, line.label) == (Kind.INCENTIVE, D("2000.00"), "operator-set")
    assert impressions(st, "WC-POLARIS-01") == 3_000
    assert st.net == D("2000.00") and st.totals["incentives"] == D("2000.00")
    assert settle(scenario(), rules=SIZES).net == 0


def test_wc_polaris_01_unset_amounts_are_not_applied_naming_each() -> None:
    """WC-POLARIS-01: cash and traffic unset -> two not-applied reasons, naming cash and impressions."""
    st = settle(scenario(creator={"polaris": True}))
    found = reasons(st, "WC-POLARIS-01")
    assert len(found) == 2
    assert any("set cash" in r for r in found) and any("set impressions" in r for r in found)
    assert st.lines == () and st.impressions == 0


@pytest.mark.parametrize("flags", [{"original": False}, {"harmful": True}, {"original": False, "harmful": True}])
def test_wc_qual_01_withholds_every_incentive(flags: dict[str, bool]) -> None:
    """WC-QUAL-01: carried or harmful content earns no incentive: no traffic, no Polaris cash, no
    matched users, each reported not applied citing WC-QUAL-01; tips are not incentives."""
    creator = {"new_anchor": True, "polaris": True, **flags}
    zero = settle(
        scenario(followers=0, creator=creator, tips={"yuan": "100.00"}, merchant_live={"private_users": 10}),
        rules=SIZES,
    )
    tiered = settle(scenario(followers=20000, creator=creator), rules=SIZES)
    for st in (zero, tiered):
        assert st.impressions == 0 and st.matched_users == 0
        assert total(st, Kind.INCENTIVE) == 0
        assert "WC-QUAL-01" in st.facts
    withheld = {n.rule for st in (zero, tiered) for n in st.not_applied if "WC-QUAL-01" in n.reason}
    assert withheld == {"WC-NOVICE-01", "WC-TIER-01", "WC-COLD-01", "WC-POLARIS-01", "WC-PRIV-01"}
    assert zero.net == D("100.00")


def test_wc_qual_01_original_content_is_not_withheld() -> None:
    """WC-QUAL-01: original, harmless content keeps its incentives (the gate is not always on)."""
    st = settle(scenario(followers=0, creator={"new_anchor": True, "polaris": True}), rules=SIZES)
    assert st.impressions == 777 + 5_000 + 3_000
    assert "WC-QUAL-01" not in st.facts


def test_wc_traffic_programs_not_in_force_before_february_2022() -> None:
    """CORE-DATE-01: the programs start 2022-01-06: January 2022 gets none, each says why."""
    st = settle(scenario(period="2022-01", followers=0, creator={"new_anchor": True}), rules=SIZES)
    assert st.impressions == 0
    for rule in ("WC-NOVICE-01", "WC-TIER-01", "WC-COLD-01"):
        assert reasons(st, rule) == ["not in force until 2022-01-06"]
