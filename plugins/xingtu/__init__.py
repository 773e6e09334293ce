"""Douyin Juliang Xingtu (巨量星图): brand and co-creation orders (XT-*), rules from ``rules.toml``.

Validation (XT-CC-*, XT-ORD-01/02) rejects orders with reasons, never reporting them pending
(CORE-ORD-02); a published order is paid in one
payment to its main contributor, less the service fee, who passes co-creators their share
(XT-ORD-02/03, XT-FEE-01); an order ended early pays compensation (XT-COMP-*); the growth stage is
reported (XT-GROW-01).
"""

from __future__ import annotations

if __name__ != "creatorpay.plugins.xingtu":  # the folder imported by its path, not its installed name
    raise ImportError(
        f"import creatorpay.plugins.xingtu, not {__name__}: the plugins/xingtu/ folder is installed "
        "under that name (pip install -e .), and importing it by its path loads a second copy of every class"
    )

import os

from creatorpay.core.plugin import Platform, ScenarioFields, Settlement, hookimpl

from . import compensation, fields, growth, orders, quota, validation
from .parties import leads

NAME = "xingtu"


@hookimpl
def creatorpay_platform() -> Platform:
    return Platform(
        name=NAME,
        title="Douyin Juliang Xingtu",
        rules=os.path.join(os.path.dirname(__file__), "rules.toml"),
        offers=("orders",),
        not_offered={
            "tips": "Xingtu has no live tipping",
            "programs": "Xingtu has no NetEase-style creator programs (NE-BASE-*); its growth-stage "
            "programs are XT-GROW-01, operator-set",
            # the rulebook's activity table: [merchant_live] is not offered on Xingtu (no source).
            "merchant_live": "no source covers merchant live streams on Xingtu (Xingtu settles brand orders)",
        },
    )


@hookimpl
def creatorpay_scenario_fields() -> ScenarioFields:
    """Xingtu's own inputs: the ``[creator]`` keys ``xingtu_beta``, ``xingtu_registered``,
    ``growth_stage`` and ``co_creations_this_month``, the participants' flags, and the orders'
    ``co_creation``, ``app``, ``off_platform`` and ``review_failed``."""
    return fields.DECLARED


@hookimpl
def creatorpay_validate(ctx: Settlement) -> None:
    """XT-CC-*, XT-ORD-01/02 on each order, then the monthly cap XT-CC-06 in input order."""
    me = ctx.creator
    counted = False
    for order in ctx.scenario.orders:
        validation.check_order(ctx, order)
        if not fields.co_creation(order):
            continue
        if not leads(order, me):
            lead = ", ".join(p.creator for p in order.participants if p.role == "main") or "nobody"
            ctx.statement.skip(
                "XT-CC-06",
                f"order {order.id} is led by {lead}: the monthly cap is theirs and their count is not in the scenario",
            )
            continue
        cap = ctx.rule("XT-CC-06")
        if cap is not None:
            quota.take_slot(ctx, order, cap)
            counted = True
    if counted and (cap := ctx.rules.get("XT-CC-06")) is not None:
        ctx.statement.fact("co_creation_slots", f"{quota.slots_used(ctx)} of {cap.count('limit')} used")


@hookimpl
def creatorpay_settle_orders(ctx: Settlement) -> None:
    """Each order not rejected (a failed review or off-platform use is a violation, CORE-ORD-02): paid,
    compensated, or pending with the reason."""
    for order in ctx.orders_to_settle():  # rejected ones are violations; not yet due: pending (CORE-ORD-02)
        if order.termination is not None:
            compensation.settle_terminated(ctx, order)
        else:
            orders.settle_paid(ctx, order)


@hookimpl
def creatorpay_settle_incentives(ctx: Settlement) -> None:
    """XT-GROW-01: the growth stage, and its operator-set programs."""
    growth.report_stage(ctx)
