"""Xingtu's growth system (XT-GROW-01): the creator's stage is reported; each stage's cash and
traffic programs are operator-set, applied only when a rules file sets them."""

from __future__ import annotations

from decimal import Decimal

from creatorpay.core.plugin import Kind, Settlement

from .fields import growth_stage

STAGE_NAMES = {
    "departure": "departure (出发)",
    "exploration": "exploration (探索)",
    "harvest": "harvest (收获, 星动计划)",
    "on_the_road": "on the road (在路上)",
}
UNSET = "stage programs are operator-set and none is set"


def report_stage(ctx: Settlement) -> None:
    """Report the growth stage in the statement's facts and apply the stage's program if set."""
    stage = growth_stage(ctx.scenario.creator)
    if stage is not None:
        ctx.statement.fact("growth_stage", stage)
    version = ctx.rule("XT-GROW-01")
    if version is None:
        return
    if stage is None:
        ctx.statement.skip("XT-GROW-01", "the scenario gives no growth_stage")
        return
    cash, impressions = f"{stage}_cash", f"{stage}_impressions"
    if not version.is_set(cash) and not version.is_set(impressions):
        ctx.statement.skip("XT-GROW-01", UNSET)
        return
    name = STAGE_NAMES[stage]
    if version.is_set(cash):
        ctx.statement.line(
            "XT-GROW-01",
            Kind.INCENTIVE,
            payer=ctx.platform.name,
            payee=ctx.creator,
            base=version.decimal(cash),
            rate=Decimal(1),
            label=version.label_for(cash),
            note=f"cash program of the {name} growth stage, as the operator set it",
        )
    if version.is_set(impressions):
        ctx.statement.add_traffic(
            "XT-GROW-01",
            impressions=version.count(impressions),
            label=version.label_for(impressions),
            note=f"traffic program of the {name} growth stage, as the operator set it",
        )
