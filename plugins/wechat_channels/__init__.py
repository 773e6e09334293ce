"""WeChat Channels (视频号): tipping (WC-TIP-01..04), mutual-selection orders (WC-MUTUAL-01), merchant live
streams (WC-MERCH-01, WC-PRIV-01), traffic programs (WC-NOVICE-01, WC-TIER-01, WC-COLD-01,
WC-POLARIS-01) and the content-quality gate on incentives (WC-QUAL-01); rules from ``rules.toml``."""

from __future__ import annotations

if __name__ != "creatorpay.plugins.wechat_channels":  # the folder imported by its path, not its installed name
    raise ImportError(
        f"import creatorpay.plugins.wechat_channels, not {__name__}: the plugins/wechat_channels/ folder is installed "
        "under that name (pip install -e .), and importing it by its path loads a second copy of every class"
    )

import os

from creatorpay.core.plugin import Platform, ScenarioFields, Settlement, hookimpl

from . import compiled, fields, merchant, orders, quality, tips, traffic

NAME = "wechat_channels"


@hookimpl
def creatorpay_platform() -> Platform:
    return Platform(
        name=NAME,
        title="WeChat Channels",
        rules=os.path.join(os.path.dirname(__file__), "rules.toml"),
        offers=("orders", "tips", "merchant_live"),
        not_offered={"programs": "WeChat Channels has no NetEase-style creator programs (NE-BASE-*)"},
    )


@hookimpl
def creatorpay_scenario_fields() -> ScenarioFields:
    """WeChat Channels' own inputs: the ``[creator]`` flags ``harmful``, ``new_anchor``, ``polaris``."""
    return fields.DECLARED


@hookimpl
def creatorpay_validate(ctx: Settlement) -> None:
    """WC-MUTUAL-01: orders offered only above the follower threshold; agreed amounts must add up."""
    if ctx.scenario.orders:  # orders.validate's first test, without its call on every statement
        orders.validate(ctx)


@hookimpl
def creatorpay_settle_orders(ctx: Settlement) -> None:
    """WC-MUTUAL-01: each participant paid their agreed amount; the operator-set fee."""
    if ctx.scenario.orders:  # orders.settle's first test, without its call on every statement
        orders.settle(ctx)


@hookimpl
def creatorpay_settle_incentives(ctx: Settlement) -> None:
    """WC-NOVICE-01, WC-TIER-01, WC-COLD-01, WC-POLARIS-01, WC-PRIV-01, gated by WC-QUAL-01."""
    if ctx.derived(compiled.Compiled).incentives(ctx):
        return
    gate = quality.withheld(ctx)
    traffic.settle(ctx, gate)
    merchant.matched_users(ctx, gate)


@hookimpl
def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
    """WC-TIP-01..03: gross tips, then the commission with its threshold; outside the incentive
    program, WC-TIP-04; WC-MERCH-01: sales."""
    if ctx.derived(compiled.Compiled).revenue_share(ctx):
        return
    merchant.sales(ctx)
    if ctx.scenario.tips is None:
        return
    beans = ctx.rule("WC-TIP-01")
    if beans is None:
        return
    if ctx.rule("WC-TIP-02") is None:
        tips.outside_program(ctx, beans)
        return
    gross = tips.gross_tips(ctx, beans)
    if gross:
        tips.commission(ctx, gross)
