"""Live tipping on WeChat Channels: beans to CNY, the anchor's share, the commission-free threshold."""

from __future__ import annotations

from decimal import Decimal

from creatorpay.core import Kind, Settlement
from creatorpay.core.money import ZERO, grouped, round_fen
from creatorpay.core.rules import RuleVersion

PLATFORM = "wechat_channels"
ONE = Decimal(1)


def gross_tips(ctx: Settlement, rate: RuleVersion) -> Decimal:
    """WC-TIP-01: one line per way of paying; beans rounded once per platform of purchase
    (CORE-MONEY-03). Returns the month's gross tipping income in CNY."""
    tips = ctx.scenario.tips
    assert tips is not None
    label = rate.label_for("beans_per_yuan_android", "beans_per_yuan_ios")
    gross = ZERO
    if tips.yuan:
        gross += ctx.statement.line("WC-TIP-01", Kind.TIPS, payer=PLATFORM, payee=ctx.creator,
                                    base=tips.yuan, rate=ONE, label=label, note="tips given in CNY").value
    android, ios = rate.derived(_bean_rates)
    for beans, (per, per_bean, device) in ((tips.beans_android, android), (tips.beans_ios, ios)):
        if beans:
            value = round_fen(Decimal(beans) / per)
            gross += ctx.statement.line(
                "WC-TIP-01", Kind.TIPS, payer=PLATFORM, payee=ctx.creator, base=Decimal(beans),
                rate=per_bean, value=value, label=label,
                note=f"{beans:,} beans bought on {device} at {per} beans = 1 CNY, rounded once "
                     f"(CORE-MONEY-03)").value
    return gross


def _bean_rates(rate: RuleVersion) -> tuple[tuple[int, Decimal, str], tuple[int, Decimal, str]]:
    """WC-TIP-01's bean rates, Android then iOS: beans per CNY, CNY per bean and the device's name
    (read once per rule version: every tipping statement needs them)."""
    android, ios = rate.count("beans_per_yuan_android"), rate.count("beans_per_yuan_ios")
    return (android, ONE / android, "Android"), (ios, ONE / ios, "iOS")


def commission(ctx: Settlement, gross: Decimal) -> None:
    """WC-TIP-02 with the threshold of WC-TIP-03 (mode ``cliff`` or ``marginal``)."""
    share = ctx.rule("WC-TIP-02")
    if share is None:
        return
    rate = 1 - share.decimal("creator_share")
    threshold = ctx.rule("WC-TIP-03")
    if threshold is None:
        _charge(ctx, gross, rate, share.label_for("creator_share"), "no commission-free threshold in force")
        return
    limit = threshold.decimal("threshold")
    mode = threshold.text("mode")
    label = threshold.label_for("threshold", "mode")
    if mode == "cliff":
        if gross < limit:
            ctx.statement.line(
                "WC-TIP-03", Kind.COMMISSION, payer=ctx.creator, payee=PLATFORM, base=gross, rate=ZERO,
                label=label, note=f"gross tipping {grouped(gross)} is below {grouped(limit)}: "
                                  f"commission-free (mode cliff)")
        else:
            _charge(ctx, gross, rate, share.label_for("creator_share"),
                    f"gross tipping {grouped(gross)} is at or above {grouped(limit)} "
                    f"(WC-TIP-03, mode cliff): commission on all of it")
        return
    free = min(gross, limit)
    ctx.statement.line("WC-TIP-03", Kind.COMMISSION, payer=ctx.creator, payee=PLATFORM, base=free,
                       rate=ZERO, label=label,
                       note=f"the first {grouped(limit)} of the month is commission-free (mode marginal)")
    if gross > limit:
        _charge(ctx, gross - limit, rate, share.label_for("creator_share"),
                f"commission on tipping above {grouped(limit)} (WC-TIP-03, mode marginal)")


def _charge(ctx: Settlement, base: Decimal, rate: Decimal, label: str, why: str) -> None:
    ctx.statement.line("WC-TIP-02", Kind.COMMISSION, payer=ctx.creator, payee=PLATFORM, base=base,
                       rate=rate, label=label, note=f"platform keeps {rate:.0%} of tipping income; {why}")
