"""Demo Platform for creatorpay: a FICTIONAL platform, creatorpay's example of a third-party plugin.

Made with ``creatorpay new-plugin demo_platform`` (tips, DEMO-TIP-01), then given a live-stream bonus
read from the plugin's own scenario inputs (``[ext.demo_platform] streams``, DEMO-LIVE-01) and an
operator-set traffic package (DEMO-NEW-01). Figures live in ``rules.toml``, never in code. This module
stays cheap to import (every Engine imports it): heavy libraries go inside the hooks.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creatorpay.core.plugin import Checker, Kind, Platform, Settlement, hookimpl

from . import streams

if TYPE_CHECKING:
    from collections.abc import Mapping

NAME = "demo_platform"
RULES = Path(__file__).with_name("rules.toml")


@hookimpl
def creatorpay_platform() -> Platform:
    """Register the platform: its name (the entry point's), title, rule file and the activities it settles."""
    return Platform(
        name=NAME,
        title="Demo Platform",
        rules=RULES,
        offers=("tips",),
        not_offered={
            "orders": "Demo Platform (fictional) has no brand orders",
            "programs": "Demo Platform (fictional) has no creator programs",
            "merchant_live": "Demo Platform (fictional) has no merchant live streams",
        },
        fictional=True,  # made-up figures: labelled fictional, never marked best in compare or sweep
    )


@hookimpl
def creatorpay_check_ext(section: Mapping[str, Any], checker: Checker, path: str) -> None:
    """The plugin's own inputs, ``[ext.demo_platform]``: ``streams``, live streams in the month."""
    checker.unknown_keys(section, streams.EXT_KEYS, path)
    checker.get(section, "streams", path, Checker.count)


@hookimpl
def creatorpay_settle_incentives(ctx: Settlement) -> None:
    """DEMO-LIVE-01: the per-stream bonus; DEMO-NEW-01: the novice traffic package."""
    streams.bonus(ctx)
    streams.novice_traffic(ctx)


@hookimpl
def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
    """DEMO-TIP-01: the month's tips given in CNY are income in full; the platform's share (all but
    creator_share) is a separate commission line, rounded once. Income lines carry the gross, as the
    built-in platforms book it, so "Gross income" compares across platforms."""
    tips = ctx.scenario.tips
    if tips is None or not tips.yuan:
        return
    rule = ctx.rule("DEMO-TIP-01")  # None, and reported not applied with the reason, when not in force
    if rule is None:
        return
    ctx.statement.line(
        "DEMO-TIP-01",
        Kind.TIPS,
        payer=NAME,
        payee=ctx.creator,
        base=tips.yuan,
        rate=Decimal(1),
        label=rule.label_for(),
        note="tips given in CNY, gross",
    )
    share = 1 - rule.decimal("creator_share")
    ctx.statement.line(
        "DEMO-TIP-01",
        Kind.COMMISSION,
        payer=ctx.creator,
        payee=NAME,
        base=tips.yuan,
        rate=share,
        label=rule.label_for("creator_share"),  # an overridden figure makes the line operator-set
        note=f"the platform keeps {share:.0%} of tips given in CNY, rounded once (fictional figure)",
    )
