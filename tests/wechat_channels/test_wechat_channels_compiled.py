"""WeChat Channels' compiled phases (issue 20, compiled.py) guarded against the general code: over
generated scenarios and rule overrides, a statement is byte for byte in JSON what the general code
gives (WC-TIP-01..03, WC-TIER-01, WC-NOVICE-01, CORE-MONEY-01/03), with the same exact bean rates
that explain prints."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, Statement, load_scenario
from creatorpay.plugins.wechat_channels import compiled
from tests.helpers import examples
from tests.wechat_channels.wechat_channels_helpers import PLATFORM, engine, scenario

if TYPE_CHECKING:
    from creatorpay.core.plugin import RuleSet

#: Rule overrides covering each branch of the compiled code: WC-TIP-03's modes, a bean rate of 1 (a
#: whole rate, no fraction kept), WC-TIER-01's package set, operator-set labels.
OVERRIDES: list[dict[str, Any]] = [
    {},
    {"WC-TIP-03": {"mode": "marginal", "threshold": "800.00"}},
    {"WC-TIP-01": {"beans_per_yuan_android": 1, "beans_per_yuan_ios": 6}, "WC-TIP-02": {"creator_share": "0.55"}},
    {"WC-TIER-01": {"tier_1k_impressions": 5000, "tier_10k_impressions": 20000}},
    {"WC-TIP-03": {"mode": "cliff", "threshold": "0.00"}, "WC-NOVICE-01": {"followers": 5}},
    # halves of a fen (1 bean = 12.5 fen, 2.5 fen): rounded half-up in integer fen, as round_fen does
    {"WC-TIP-01": {"beans_per_yuan_android": 8, "beans_per_yuan_ios": 40}},
]
#: One engine per override, kept for the whole test: compiled phases are reused across examples.
ENGINES = [engine(rules) for rules in OVERRIDES]
EVERY = Engine()  # cn_tax and the core's MCN share too

tips = st.none() | st.fixed_dictionaries(
    {
        # "12.34", and the forms with fewer places ("12", "12.3"): the line's value is 12.00, 12.30
        "yuan": st.integers(0, 2_000_000).map(lambda fen: str(Decimal(fen).scaleb(-2)))
        | st.integers(0, 20_000).map(str)
        | st.integers(0, 200_000).map(lambda dime: str(Decimal(dime).scaleb(-1))),
        "beans_android": st.sampled_from([0, 1, 5, 15, 30000]) | st.integers(0, 1_000_000),
        "beans_ios": st.sampled_from([0, 3, 4, 7000]) | st.integers(0, 1_000_000),
    }
)


def as_json(statement: Statement) -> str:
    """The statement as written, and each line's exact rate (explain prints it; not in the JSON)."""
    return json.dumps([statement.to_dict(), [str(x.fraction) for x in statement.lines]], ensure_ascii=False)


def general(settle: Any) -> Statement:
    """``settle()`` with the compiled phases off: the general code alone."""
    compiled.ENABLED = False
    try:
        made: Statement = settle()
        return made
    finally:
        compiled.ENABLED = True


@settings(max_examples=examples(80), deadline=None)
@given(
    which=st.integers(0, len(ENGINES)),
    tipped=tips,
    followers=st.sampled_from([0, 5, 6, 999, 1000, 9999, 10000, 1_000_000]) | st.integers(0, 2_000_000),
    creator=st.fixed_dictionaries(
        {},
        optional={
            "original": st.booleans(),
            "harmful": st.booleans(),
            "new_anchor": st.booleans(),
            "polaris": st.booleans(),
            "id": st.just(PLATFORM),
        },
    ),
    live=st.none() | st.fixed_dictionaries({"sales": st.just("100.00"), "private_users": st.integers(0, 3)}),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "mcn": st.just({"name": "mcn1", "share": "0.2"}),
            "tax": st.just({"method": "platform", "months_with_income": 1}),
            "period": st.sampled_from(["2025-03", "2026-10"]),
        },
    ),
)
def test_compiled_statement_is_the_general_codes(
    which: int,
    tipped: dict[str, Any] | None,
    followers: int,
    creator: dict[str, Any],
    live: dict[str, Any] | None,
    extra: dict[str, Any],
) -> None:
    """WC-TIP-01..03, WC-TIER-01: the compiled phases give the general code's statement, byte for byte,
    whether they settle it or hand it to the general code (flags, merchant live, a creator named as the
    platform: an error either way)."""
    sections: dict[str, Any] = dict(extra, creator=creator)
    if tipped is not None:
        sections["tips"] = tipped
    if live is not None:
        sections["merchant_live"] = live
    loaded = load_scenario(scenario(followers=followers, **sections))
    chosen = ENGINES[which] if which < len(ENGINES) else EVERY
    fast = chosen.settle(loaded, PLATFORM)
    slow = general(lambda: chosen.settle(loaded, PLATFORM))
    assert as_json(fast) == as_json(slow)
    assert fast == slow


def test_compiled_phases_settle_the_benchmark_statement() -> None:
    """The benchmark's tipping statement is the compiled code's (not handed to the general code), and
    the compiled phases are made once per rule set."""
    tipped = {"yuan": "1200.00", "beans_android": 30000, "beans_ios": 7000}
    loaded = load_scenario(scenario(followers=8600, tips=tipped))
    made: list[compiled.Compiled] = []
    real = compiled.Compiled

    def counted(rules: RuleSet) -> compiled.Compiled:
        made.append(real(rules))
        return made[-1]

    fresh = engine()
    compiled.Compiled = counted  # type: ignore[misc, assignment]
    try:
        first, again = fresh.settle(loaded, PLATFORM), fresh.settle(loaded, PLATFORM)
    finally:
        compiled.Compiled = real  # type: ignore[misc]
    assert len(made) == 1 and made[0].rules is fresh.rules_at(loaded.period.first_day)[PLATFORM]
    assert first == again and first.net == Decimal("3640.00")
    assert as_json(first) == as_json(general(lambda: ENGINES[0].settle(loaded, PLATFORM)))
