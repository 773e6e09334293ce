"""Program income (NE-BASE-02): campaign, leaderboard and play revenue, one line each, play revenue
one line per scene when given per scene (NE-DIST-01); all drawn from the program budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import ZERO, Kind, Settlement, weakest

from . import budget as budgets
from .fields import programs as programs_of
from .scenes import SCENE_NAMES, scene_name

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal


def settle(ctx: Settlement, budget: budgets.Budget | None) -> Decimal | None:
    """Write the month's program income lines; returns their sum as the statement shows it (what the
    budget paid, CORE-MONEY-03), or None when NE-BASE-02 is not in force."""
    programs = programs_of(ctx.scenario)
    assert programs is not None
    rule = ctx.rule("NE-BASE-02")
    if rule is None:
        return None
    label = rule.label_for()
    paid = ZERO
    for amount, what, note in (
        (programs.campaign, "campaign", "submission-campaign incentive money (征稿活动激励金)"),
        (programs.leaderboard, "leaderboard", "quality-leaderboard rewards (上榜优质榜单奖励)"),
    ):
        if amount:
            paid += budgets.pay(
                ctx, budget, "NE-BASE-02", Kind.PROGRAM_INCOME, amount, label=label, note=note, what=what
            )
    if programs.plays_by_scene and (scenes := ctx.rule("NE-DIST-01")) is not None:
        # A scene's play revenue is NE-BASE-02 income: it carries the weaker of both labels.
        paid += _by_scene(ctx, budget, programs.plays_by_scene, weakest(scenes.label_for(), label))
    elif programs.plays:
        paid += budgets.pay(
            ctx,
            budget,
            "NE-BASE-02",
            Kind.PROGRAM_INCOME,
            programs.plays,
            label=label,
            note="quality-video play revenue (优质视频播放收益)",
            what="plays",
        )
    return paid


def _by_scene(ctx: Settlement, budget: budgets.Budget | None, by_scene: Mapping[str, Decimal], label: str) -> Decimal:
    """NE-DIST-01: one play-revenue line per scene with revenue, in the source's order of scenes."""
    order = [s for s in SCENE_NAMES if s in by_scene] + [s for s in by_scene if s not in SCENE_NAMES]
    paid = ZERO
    for scene in order:
        amount = by_scene[scene]
        if amount:
            name = scene_name(scene)
            paid += budgets.pay(
                ctx,
                budget,
                "NE-DIST-01",
                Kind.PROGRAM_INCOME,
                amount,
                label=label,
                note=f"quality-video play revenue (优质视频播放收益, NE-BASE-02) distributed on {name} ({scene})",
                what=f"plays on {name}",
            )
    return paid
