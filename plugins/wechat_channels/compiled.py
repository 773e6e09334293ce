"""WeChat Channels' common statement compiled once per rule set (issue 20): a creator tipped, with no
orders, merchant live streams or creator flags. Each phase's function is made once per rule set in
force, every rate, label and fixed part of a note bound into it, and gives what the general code
(tips.py, traffic.py) gives, byte for byte (tests/wechat_channels/test_wechat_channels_compiled.py);
a scenario it does not cover returns False and takes the general code."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core.plugin import FEN, ZERO, Kind

from . import tips as _tips
from . import traffic as _traffic

if TYPE_CHECKING:
    from collections.abc import Callable
    from fractions import Fraction

    from creatorpay.core.plugin import RuleSet, Settlement

#: False takes the general code for every statement (the tests compare the two).
ENABLED = True
ONE = Decimal(1)
#: 0 + a count is the count's Decimal (the same digits, exponent 0): exact below 28 digits, and a count is
#: below 10^12 (CORE-INPUT-01); about 250 instructions less than the class call.
NOUGHT = Decimal(0)


class Compiled:
    """The phases compiled for one rule set (``ctx.derived(Compiled)``: made once per engine and day):
    each returns True when it settled its part of the statement, False when the scenario needs the
    general code, which then runs the phase from its start (nothing was written)."""

    __slots__ = ("incentives", "revenue_share", "rules")

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.incentives: Callable[[Settlement], bool] = _incentives(rules) or _never
        self.revenue_share: Callable[[Settlement], bool] = _revenue_share(rules, rules.platform) or _never


def _never(ctx: Settlement) -> bool:
    return False


def _incentives(rules: RuleSet) -> Callable[[Settlement], bool] | None:
    """WC-NOVICE-01 and WC-TIER-01 for a creator above the novice threshold with no flag set
    (traffic.settle's outcome then: WC-QUAL-01, WC-COLD-01, WC-POLARIS-01 and WC-PRIV-01 ask
    nothing and add nothing). None when either rule is not in force."""
    novice, tier = rules.in_force.get("WC-NOVICE-01"), rules.in_force.get("WC-TIER-01")
    if novice is None or tier is None:
        return None
    novice_max = novice.count("followers")
    # The highest (threshold, size) first: the first tier reached is traffic.tier's max; each with the
    # start of its note and, for a package size unset, the end of its reason.
    tiers = [
        (
            threshold,
            size,
            f"tier {threshold:,} followers reached (",
            None if unset is None else f" followers): package size {unset}",
        )
        for threshold, size, unset in sorted(tier.derived(_traffic._tiers), key=lambda found: found[:2], reverse=True)
    ]

    # The thresholds ascending, for bisect: the k-th from the top reached is tiers[count - reached].
    thresholds, count = [found[0] for found in reversed(tiers)], len(tiers)

    def incentives(ctx: Settlement) -> bool:
        """WC-TIER-01's package of the highest tier reached, or why it is not applied."""
        scenario = ctx.scenario
        creator = scenario.creator
        extra = creator.extra
        if (  # covered: no merchant live stream (WC-PRIV-01), original content, no creator flag set
            not ENABLED
            or scenario.merchant_live is not None
            or not creator.original
            or (extra and (extra.get("harmful") or extra.get("new_anchor") or extra.get("polaris")))
        ):
            return False
        followers = creator.followers
        if followers <= novice_max:
            return False
        reached = bisect_right(thresholds, followers)  # how many thresholds are at or below followers
        if not reached:
            return True
        _, size, opening, unset_end = tiers[count - reached]  # the first reached, highest first
        if unset_end is not None:
            ctx.statement.skip("WC-TIER-01", f"{opening}{followers.__format__(',')}{unset_end}")
        else:
            _traffic._package(ctx, "WC-TIER-01", tier, size, None, f"{opening}{followers:,} followers)")
        return True

    return incentives


def _bean(terms: tuple[int, str]) -> tuple[int, int, Decimal, str]:
    """One device's bean terms (tips._bean_rate) as the compiled lines use them: beans per CNY as an
    int, twice it (the divisor of the value rounded half-up in integer fen), the rate as
    StatementBuilder.line reads tips.per_bean's Fraction 1/per (the decimal 1 / per), the note's end.
    The Fraction itself, kept for display unless whole, is made for a bean row only (tips.per_bean)."""
    per, note = terms
    return per, 2 * per, ONE / Decimal(per), note


class _Exact:
    """Each device's bean rate as the Fraction kept for display (None when whole), made on the first
    bean row (so fractions is imported only for a month with beans: tips.per_bean), then read."""

    __slots__ = ("pair", "pers")

    def __init__(self, *pers: int) -> None:
        self.pers = pers
        self.pair: tuple[Fraction | None, ...] = ()

    def make(self) -> tuple[Fraction | None, ...]:
        """The Fractions, Android's then iOS's, made once (two threads may both make equal ones)."""
        pair = self.pair = tuple(_tips.per_bean(per) if per != 1 else None for per in self.pers)
        return pair


def _commission_notes(keeps: str, limit_text: str) -> tuple[str, str, str, str]:
    """tips.commission's notes, or their fixed ends: marginal mode's two notes, then cliff mode's
    ends after the gross (below the threshold; at or above it)."""
    return (
        f"the first {limit_text} of the month is commission-free (mode marginal)",
        keeps + f"commission on tipping above {limit_text} (WC-TIP-03, mode marginal)",
        f" is below {limit_text}: commission-free (mode cliff)",
        f" is at or above {limit_text} (WC-TIP-03, mode cliff): commission on all of it",
    )


def _revenue_share(rules: RuleSet, platform: str) -> Callable[[Settlement], bool] | None:
    """WC-TIP-01's lines and WC-TIP-02/03's commission (tips.gross_tips, tips.commission) with every
    term bound: None when one of the three rules is not in force (tips.py reports it)."""
    in_force = rules.in_force
    beans, share, threshold = in_force.get("WC-TIP-01"), in_force.get("WC-TIP-02"), in_force.get("WC-TIP-03")
    if beans is None or share is None or threshold is None:
        return None
    label, android_terms, ios_terms = beans.derived(_tips._bean_terms)
    # Beans per CNY of each device (for tips.per_bean's Fraction too) and twice it.
    android_n, android_twice, rate_android, android_note = _bean(android_terms)
    ios_n, ios_twice, rate_ios, ios_note = _bean(ios_terms)
    exact = _Exact(android_n, ios_n)
    rate, rate_label, keeps = share.derived(_tips._share_terms)
    limit, mode, free_label, limit_text = threshold.derived(_tips._threshold_terms)
    tips_kind, commission_kind = Kind.TIPS, Kind.COMMISSION
    marginal_note, above_note, free_end, charged_end = _commission_notes(keeps, limit_text)

    def revenue_share(ctx: Settlement) -> bool:
        """The month's tipping lines, then the commission; False for a scenario the general code settles."""
        scenario = ctx.scenario
        if not ENABLED or scenario.merchant_live is not None:
            return False
        tips = scenario.tips
        if tips is None:
            return True  # no tipping, no merchant live stream: the phase adds nothing
        yuan, android, ios = tips.yuan, tips.beans_android, tips.beans_ios
        # Every value in fen already: add_lines need not round or check them again (in_fen).
        rows: list[tuple[Decimal, Decimal, Decimal, str, Fraction | None]] = []
        if yuan:  # an amount: never negative, at most two places, so + 0.00 is its value in fen (CORE-INPUT-01)
            rows.append((yuan, ONE, yuan + ZERO, "tips given in CNY", None))
        if android:
            amount = NOUGHT + android  # Decimal(android), cheaper: exact, as a count is below 10^12 (CORE-INPUT-01)
            note = android.__format__(",") + android_note  # f"{android:,}", as a method: see below
            # beans / per rounded once, half-up, in integer fen (CORE-MONEY-03): exact, a Decimal of
            # exponent -2 (about 2,000 instructions a device less than dividing, then rounding)
            value = FEN * ((android * 200 + android_n) // android_twice)
            rows.append((amount, rate_android, value, note, (exact.pair or exact.make())[0]))
        if ios:
            amount = NOUGHT + ios
            note = ios.__format__(",") + ios_note
            value = FEN * ((ios * 200 + ios_n) // ios_twice)
            rows.append((amount, rate_ios, value, note, (exact.pair or exact.make())[1]))
        statement, payee = ctx.statement, scenario.creator.id
        gross = statement.add_lines("WC-TIP-01", tips_kind, label, platform, payee, rows, in_fen=True)
        if not gross:
            return True
        if mode == "cliff":
            # grouped(gross), inline: gross is a sum of values in fen (exponent -2, so "," prints its two
            # places as ",.2f" does), never below zero. A number's __format__ called as a method is
            # what an f-string's format spec calls, without PyObject_Format's look-up of the special
            # method (about 500 instructions a number).
            if gross < limit:  # commission 0.00 (gross × 0 rounded), given in fen
                row = (gross, ZERO, ZERO, f"gross tipping {gross.__format__(',')}{free_end}", None)
                statement.add_lines("WC-TIP-03", commission_kind, free_label, payee, platform, [row], in_fen=True)
            else:
                row = (gross, rate, gross * rate, f"{keeps}gross tipping {gross.__format__(',')}{charged_end}", None)
                statement.add_lines("WC-TIP-02", commission_kind, rate_label, payee, platform, [row])
            return True
        free = min(gross, limit)
        row = (free, ZERO, ZERO, marginal_note, None)
        statement.add_lines("WC-TIP-03", commission_kind, free_label, payee, platform, [row], in_fen=True)
        if gross > limit:
            above = gross - limit
            row = (above, rate, above * rate, above_note, None)
            statement.add_lines("WC-TIP-02", commission_kind, rate_label, payee, platform, [row])
        return True

    return revenue_share
