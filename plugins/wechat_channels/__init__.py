"""WeChat Channels (视频号): tipping (WC-TIP-*), rules from ``rules.toml``."""

from __future__ import annotations

from pathlib import Path

from creatorpay.core import Platform, Settlement, hookimpl

from . import tips

NAME = "wechat_channels"


@hookimpl
def creatorpay_platform() -> Platform:
    return Platform(
        name=NAME,
        title="WeChat Channels",
        rules=Path(__file__).with_name("rules.toml"),
        offers=("tips",),
        not_offered={"programs": "WeChat Channels has no NetEase-style creator programs (NE-BASE-*)"},
    )


@hookimpl
def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
    """WC-TIP-01..03: gross tips, then the commission with its threshold."""
    if ctx.scenario.tips is None:
        return
    beans = ctx.rule("WC-TIP-01")
    if beans is None:
        return
    gross = tips.gross_tips(ctx, beans)
    if gross:
        tips.commission(ctx, gross)
