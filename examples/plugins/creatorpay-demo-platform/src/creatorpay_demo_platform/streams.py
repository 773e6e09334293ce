"""Demo Platform's live streams (FICTIONAL): the per-stream bonus and the novice traffic package."""

from __future__ import annotations

from decimal import Decimal

from creatorpay.core.plugin import Kind, Settlement, grouped

PLATFORM = "demo_platform"
#: The keys of the scenario's ``[ext.demo_platform]`` table.
EXT_KEYS = ("streams",)


def stream_count(ctx: Settlement) -> int:
    """``[ext.demo_platform] streams``, already checked by creatorpay_check_ext; 0 when absent."""
    count = ctx.scenario.ext.get(PLATFORM, {}).get("streams", 0)
    return count if isinstance(count, int) else 0


def bonus(ctx: Settlement) -> None:
    """DEMO-LIVE-01: bonus_per_stream for each stream, at most max_streams of them."""
    count = stream_count(ctx)
    if not count:
        return
    rule = ctx.rule("DEMO-LIVE-01")
    if rule is None:
        return
    paid = min(count, rule.count("max_streams"))
    per = rule.decimal("bonus_per_stream")
    capped = f", capped at {paid}" if paid < count else ""
    ctx.statement.line(
        "DEMO-LIVE-01",
        Kind.INCENTIVE,
        payer=PLATFORM,
        payee=ctx.creator,
        base=Decimal(paid),
        rate=per,
        label=rule.label_for("bonus_per_stream", "max_streams"),
        note=f"{count} live streams{capped}, {grouped(per)} each (fictional figures)",
    )


def novice_traffic(ctx: Settlement) -> None:
    """DEMO-NEW-01: impressions for a creator below max_followers; not applied while the size is unset."""
    rule = ctx.rule("DEMO-NEW-01")
    if rule is None or ctx.scenario.creator.followers >= rule.count("max_followers"):
        return
    unset = rule.unset_reason("impressions")
    if unset:
        ctx.statement.skip("DEMO-NEW-01", unset)
        return
    ctx.statement.add_traffic(
        "DEMO-NEW-01",
        impressions=rule.count("impressions"),
        label=rule.label_for("max_followers", "impressions"),
        note="novice traffic package (fictional), in impressions, never cash (CORE-TRAFFIC-01)",
    )
