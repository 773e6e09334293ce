"""Speed tricks of the tipping statement guarded (issue 20): WC-TIP-01's bean terms, WC-TIP-02's rate and
the fixed start of its note, WC-TIP-03's threshold text and WC-TIER-01's unset reasons are read once per
rule version (``RuleVersion.derived``). A long-lived engine, its memos warm from other scenarios and
its rule versions beside other engines' overridden ones, settles exactly as a fresh engine does, and
both give the lines the rules define (WC-TIP-01..03, CORE-MONEY-01/03)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import load_scenario
from tests.helpers import examples
from tests.wechat_channels.wechat_channels_helpers import PLATFORM, engine, scenario

D = Decimal
FEN = D("0.01")

#: Rule overrides, each with the terms it gives: Android and iOS beans per CNY, creator share,
#: threshold, mode, and WC-TIER-01's first-tier package (None: unset).
OVERRIDES: list[tuple[dict[str, Any], tuple[int, int, Decimal, Decimal, str, int | None]]] = [
    ({}, (10, 7, D("0.70"), D("5000.00"), "cliff", None)),
    ({"WC-TIP-03": {"mode": "marginal", "threshold": "800.00"}}, (10, 7, D("0.70"), D("800.00"), "marginal", None)),
    (
        {"WC-TIP-01": {"beans_per_yuan_android": 8, "beans_per_yuan_ios": 6}, "WC-TIP-02": {"creator_share": "0.55"}},
        (8, 6, D("0.55"), D("5000.00"), "cliff", None),
    ),
    ({"WC-TIER-01": {"tier_1k_impressions": 5000}}, (10, 7, D("0.70"), D("5000.00"), "cliff", 5000)),
]
#: One engine per override, kept for the whole test: its memos see every example.
LONG_LIVED = [engine(rules) for rules, _ in OVERRIDES]


def grouped(value: Decimal) -> str:
    return f"{value.quantize(FEN, ROUND_HALF_UP):,.2f}"


def expected_lines(yuan: Decimal, android: int, ios: int, terms: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The tipping lines by the rules' text: (rule, payer, payee, base, rate, value, note)."""
    per_android, per_ios, share, limit, mode, _ = terms
    lines: list[tuple[Any, ...]] = []
    if yuan:
        lines.append(("WC-TIP-01", PLATFORM, "me", yuan, D(1), yuan, "tips given in CNY"))
    for beans, per, device in ((android, per_android, "Android"), (ios, per_ios, "iOS")):
        if beans:
            value = (D(beans) / per).quantize(FEN, ROUND_HALF_UP)  # CORE-MONEY-03: once per platform
            note = f"{beans:,} beans bought on {device} at {per} beans = 1 CNY, rounded once (CORE-MONEY-03)"
            lines.append(("WC-TIP-01", PLATFORM, "me", D(beans), D(1) / D(per), value, note))
    gross = sum((line[5] for line in lines), D(0))
    if not gross:
        return lines
    rate = 1 - share
    keeps = f"platform keeps {rate:.0%} of tipping income, rounded once, the creator keeps the rest (CORE-MONEY-03); "

    def charge(base: Decimal, why: str) -> tuple[Any, ...]:
        return ("WC-TIP-02", "me", PLATFORM, base, rate, (base * rate).quantize(FEN, ROUND_HALF_UP), keeps + why)

    def free(base: Decimal, note: str) -> tuple[Any, ...]:
        return ("WC-TIP-03", "me", PLATFORM, base, D(0), D("0.00"), note)

    if mode == "cliff":
        if gross < limit:
            note = f"gross tipping {grouped(gross)} is below {grouped(limit)}: commission-free (mode cliff)"
            lines.append(free(gross, note))
        else:
            why = f"gross tipping {grouped(gross)} is at or above {grouped(limit)} (WC-TIP-03, mode cliff): "
            lines.append(charge(gross, why + "commission on all of it"))
        return lines
    lines.append(free(min(gross, limit), f"the first {grouped(limit)} of the month is commission-free (mode marginal)"))
    if gross > limit:
        lines.append(charge(gross - limit, f"commission on tipping above {grouped(limit)} (WC-TIP-03, mode marginal)"))
    return lines


@settings(max_examples=examples(25), deadline=None)
@given(
    which=st.integers(0, len(OVERRIDES) - 1),
    fen=st.integers(0, 2_000_000),
    android=st.integers(0, 1_000_000),
    ios=st.integers(0, 1_000_000),
    followers=st.integers(0, 2_000_000),
)
def test_wc_tip_statements_of_a_long_lived_engine_are_a_fresh_engines(
    which: int, fen: int, android: int, ios: int, followers: int
) -> None:
    """WC-TIP-01..03, WC-TIER-01: per-version memos never carry one scenario's or one version's values
    into another statement: the long-lived engine's statement is byte for byte a fresh engine's, and
    its lines are the rules' (CORE-MONEY-01/03)."""
    rules, terms = OVERRIDES[which]
    yuan = D(fen).scaleb(-2)
    tips: dict[str, Any] = {"yuan": str(yuan), "beans_android": android, "beans_ios": ios}
    loaded = load_scenario(scenario(followers=followers, tips=tips))
    for other in LONG_LIVED:  # every version's memo in use between the two statements compared
        other.settle(loaded, PLATFORM)
    warm = LONG_LIVED[which].settle(loaded, PLATFORM)
    fresh = engine(rules).settle(loaded, PLATFORM)
    assert warm == fresh
    assert warm.to_dict() == fresh.to_dict()
    got = [(x.rule, x.payer, x.payee, x.base, x.rate, x.value, x.note) for x in warm.lines]
    assert got == expected_lines(yuan, android, ios, terms)
    tier = [n.reason for n in warm.not_applied if n.rule == "WC-TIER-01"]
    packages = [t.impressions for t in warm.traffic_items if t.rule == "WC-TIER-01"]
    if followers < 1000:
        assert (tier, packages) == ([], [])
    elif terms[5] is None or followers >= 10000:  # a tier without a package size: not applied, says why
        assert len(tier) == 1 and "package size operator-set and unset" in tier[0], tier
        assert f"({followers:,} followers)" in tier[0]
    else:
        assert (tier, packages) == ([], [terms[5]])
