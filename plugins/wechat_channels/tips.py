"""Live tipping on WeChat Channels: beans to CNY, the anchor's share, the commission-free threshold,
and tipping outside the incentive program (WC-TIP-04)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from creatorpay.core.plugin import ZERO, Kind, Settlement, grouped, round_fen

if TYPE_CHECKING:
    from fractions import Fraction

    from creatorpay.core.plugin import RuleVersion

ONE = Decimal(1)


def gross_tips(ctx: Settlement, rate: RuleVersion) -> Decimal:
    """WC-TIP-01: one line per way of paying; beans rounded once per platform of purchase
    (CORE-MONEY-03). Returns the month's gross tipping income in CNY."""
    label, android, ios = rate.derived(_bean_terms)
    line = ctx.statement.line
    # Read once: on Python 3.11 every look-up on an enum class (Kind.TIPS) goes through EnumType.__getattr__.
    platform, creator, kind = ctx.platform.name, ctx.creator, Kind.TIPS
    gross = ZERO
    for base, per_bean, value, note in _payments(ctx, android, ios):
        gross += line(
            "WC-TIP-01",
            kind,
            payer=platform,
            payee=creator,
            base=base,
            rate=per_bean,
            value=value,
            label=label,
            note=note,
        ).value
    return gross


_Rate = tuple[int, str]


def _payments(ctx: Settlement, android: _Rate, ios: _Rate) -> list[tuple[Decimal, Decimal | Fraction, Decimal, str]]:
    """WC-TIP-01: each way of paying with tips this month: base, CNY per unit (a bean's as the exact
    fraction 1/beans-per-CNY, printed by explain as a division), CNY value, note."""
    tips = ctx.scenario.tips
    assert tips is not None
    found: list[tuple[Decimal, Decimal | Fraction, Decimal, str]] = []
    if tips.yuan:
        found.append((tips.yuan, ONE, round_fen(tips.yuan), "tips given in CNY"))
    for beans, (per, bought) in ((tips.beans_android, android), (tips.beans_ios, ios)):
        if beans:
            amount = Decimal(beans)
            found.append((amount, per_bean(per), round_fen(amount / per), f"{beans:,}{bought}"))
    return found


def outside_program(ctx: Settlement, rate: RuleVersion) -> None:
    """WC-TIP-04: no incentive program in force (WC-TIP-02 not applied): the platform's normal share
    is operator-set. Unset, the month's tipping is *not applied*, its gross reported with the reason,
    adding nothing to net (never paid out in full for want of a rate); set, it is charged on all of it."""
    normal = ctx.rule("WC-TIP-04")
    _, android, ios = rate.derived(_bean_terms)
    gross = sum((value for _, _, value, _ in _payments(ctx, android, ios)), ZERO)
    if not gross:
        return
    if normal is None:  # an operator ended WC-TIP-04 too: still never paid out in full
        ctx.statement.skip(
            "WC-TIP-01",
            f"tipping of {grouped(gross)} gross this month is not applied: neither "
            f"the incentive program (WC-TIP-02) nor a normal share (WC-TIP-04) is "
            f"in force; it adds nothing to net",
        )
        return
    program = ctx.rules.not_in_force.get("WC-TIP-02", "not in force")
    if ctx.rules.get("WC-TIP-03") is not None:
        ctx.statement.skip(
            "WC-TIP-03",
            f"the commission-free threshold is the incentive program's, and the program (WC-TIP-02) is {program}",
        )
    unset = normal.unset_reason("platform_share")
    if unset is not None:
        ctx.statement.skip(
            "WC-TIP-04",
            f"tipping of {grouped(gross)} gross this month is not applied: outside "
            f"the creator incentive program (WC-TIP-02 {program}) the platform's "
            f"normal share is {unset}; it adds nothing to net",
        )
        return
    gross_tips(ctx, rate)
    share = normal.decimal("platform_share")
    ctx.statement.line(
        "WC-TIP-04",
        Kind.COMMISSION,
        payer=ctx.creator,
        payee=ctx.platform.name,
        base=gross,
        rate=share,
        label=normal.label_for("platform_share"),
        note=f"outside the creator incentive program (WC-TIP-02 {program}) the platform keeps its normal "
        f"share {share:%} of tipping income {grouped(gross)}, rounded once; the creator keeps the rest "
        f"(CORE-MONEY-03)",
    )


def _bean_terms(rate: RuleVersion) -> tuple[str, _Rate, _Rate]:
    """WC-TIP-01's label and bean rates, Android then iOS: beans per CNY and the rest of the note after
    the number of beans (read once per rule version: every tipping statement
    needs them)."""
    label = rate.label_for("beans_per_yuan_android", "beans_per_yuan_ios")
    return label, _bean_rate(rate, "beans_per_yuan_android", "Android"), _bean_rate(rate, "beans_per_yuan_ios", "iOS")


def _bean_rate(rate: RuleVersion, name: str, device: str) -> _Rate:
    """Beans per CNY bought on one device (the parameter ``name``) and the rest of its note."""
    per = rate.count(name)
    return per, f" beans bought on {device} at {per} beans = 1 CNY, rounded once (CORE-MONEY-03)"


@cache
def per_bean(per: int) -> Fraction:
    """CNY per bean when ``per`` beans buy 1 CNY, exactly (1/per; explain prints it as a division).
    :mod:`fractions` is imported here, for a month with beans: its import is 1% of a compare."""
    from fractions import Fraction

    return Fraction(1, per)


def commission(ctx: Settlement, gross: Decimal) -> None:
    """WC-TIP-02 with the threshold of WC-TIP-03 (mode ``cliff`` or ``marginal``)."""
    share = ctx.rule("WC-TIP-02")
    if share is None:
        return
    rate, rate_label, keeps = share.derived(_share_terms)
    threshold = ctx.rule("WC-TIP-03")
    if threshold is None:
        _charge(ctx, gross, rate, rate_label, keeps, "no commission-free threshold in force")
        return
    limit, mode, label, limit_text = threshold.derived(_threshold_terms)
    if mode == "cliff":
        if gross < limit:
            _commission_free(
                ctx,
                gross,
                label,
                f"gross tipping {grouped(gross)} is below {limit_text}: commission-free (mode cliff)",
            )
        else:
            _charge(
                ctx,
                gross,
                rate,
                rate_label,
                keeps,
                f"gross tipping {grouped(gross)} is at or above {limit_text} "
                f"(WC-TIP-03, mode cliff): commission on all of it",
            )
        return
    _commission_free(
        ctx, min(gross, limit), label, f"the first {limit_text} of the month is commission-free (mode marginal)"
    )
    if gross > limit:
        _charge(
            ctx,
            gross - limit,
            rate,
            rate_label,
            keeps,
            f"commission on tipping above {limit_text} (WC-TIP-03, mode marginal)",
        )


def _share_terms(share: RuleVersion) -> tuple[Decimal, str, str]:
    """WC-TIP-02's commission rate, its label and the start of its note (once per rule version)."""
    rate = 1 - share.decimal("creator_share")
    keeps = f"platform keeps {rate:.0%} of tipping income, rounded once, the creator keeps the rest (CORE-MONEY-03); "
    return rate, share.label_for("creator_share"), keeps


def _threshold_terms(threshold: RuleVersion) -> tuple[Decimal, str, str, str]:
    """WC-TIP-03's threshold, mode, label and the threshold as notes print it (once per rule version)."""
    limit = threshold.decimal("threshold")
    return limit, threshold.text("mode"), threshold.label_for("threshold", "mode"), grouped(limit)


def _commission_free(ctx: Settlement, base: Decimal, label: str, note: str) -> None:
    """WC-TIP-03: the commission-free part of the month's gross tipping, as a commission line at rate 0."""
    ctx.statement.line(
        "WC-TIP-03",
        Kind.COMMISSION,
        payer=ctx.creator,
        payee=ctx.platform.name,
        base=base,
        rate=ZERO,
        label=label,
        note=note,
    )


def _charge(ctx: Settlement, base: Decimal, rate: Decimal, label: str, keeps: str, why: str) -> None:
    """WC-TIP-02: the commission on ``base``; ``keeps`` opens its note (:func:`_share_terms`)."""
    ctx.statement.line(
        "WC-TIP-02",
        Kind.COMMISSION,
        payer=ctx.creator,
        payee=ctx.platform.name,
        base=base,
        rate=rate,
        label=label,
        note=keeps + why,
    )
