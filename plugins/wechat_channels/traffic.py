"""Creator traffic programs on WeChat Channels: novice, follower tiers, cold start, Polaris.

Traffic is reported in impressions, never as cash (CORE-TRAFFIC-01); the Polaris plan also pays
operator-set cash. Sizes are operator-set: unset, a program the creator qualifies for is reported not
applied, naming the parameter to set. WC-QUAL-01 withholds all of them from carried or harmful content.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core.plugin import Kind, Settlement, grouped

from . import fields

if TYPE_CHECKING:
    from creatorpay.core.plugin import RuleVersion

#: WC-TIER-01's tiers, lowest first: (follower parameter, size parameter).
TIERS = (
    ("tier_1k_followers", "tier_1k_impressions"),
    ("tier_10k_followers", "tier_10k_impressions"),
    ("tier_1m_followers", "tier_1m_impressions"),
)


def settle(ctx: Settlement, gate: str | None) -> None:
    """Every traffic program the creator qualifies for; ``gate`` is the WC-QUAL-01 reason to
    withhold them (``quality.withheld``), or None."""
    novice(ctx, gate)
    tier(ctx, gate)
    cold_start(ctx, gate)
    polaris(ctx, gate)


def _package(ctx: Settlement, rule: str, version: RuleVersion, size: str, gate: str | None, why: str) -> None:
    """Report a qualifying creator's package of ``size`` impressions, or why it is not applied."""
    if gate is not None:
        ctx.statement.skip(rule, f"{why}: {gate}")
        return
    unset = version.unset_reason(size)
    if unset is not None:
        ctx.statement.skip(rule, f"{why}: package size {unset}")
        return
    ctx.statement.add_traffic(
        rule,
        impressions=version.count(size),
        label=version.label_for(size),
        note=f"{why} (impressions, not cash: CORE-TRAFFIC-01)",
    )


def novice(ctx: Settlement, gate: str | None) -> None:
    """WC-NOVICE-01: the novice traffic package of a creator with zero followers."""
    version = ctx.rule("WC-NOVICE-01")
    if version is None or ctx.scenario.creator.followers > version.count("followers"):
        return
    _package(
        ctx,
        "WC-NOVICE-01",
        version,
        "impressions",
        gate,
        f"novice traffic package at {ctx.scenario.creator.followers:,} followers",
    )


def tier(ctx: Settlement, gate: str | None) -> None:
    """WC-TIER-01: the package of the highest follower tier reached (none below the first tier)."""
    version = ctx.rule("WC-TIER-01")
    if version is None:
        return
    followers = ctx.scenario.creator.followers
    best: tuple[int, str, str | None] | None = None
    for found in version.derived(_tiers):
        if followers >= found[0] and (best is None or found[:2] > best[:2]):  # max((threshold, size))
            best = found
    if best is None:
        return
    threshold, size, unset = best
    why = f"tier {threshold:,} followers reached ({followers:,} followers)"
    if gate is None and unset is not None:  # _package's outcome, its reason read once per version
        ctx.statement.skip("WC-TIER-01", f"{why}: package size {unset}")
        return
    _package(ctx, "WC-TIER-01", version, size, gate, why)


def _tiers(version: RuleVersion) -> tuple[tuple[int, str, str | None], ...]:
    """WC-TIER-01's tiers as (followers needed, package size parameter, why that size is unset or
    None), read once per version."""
    return tuple((version.count(followers), size, version.unset_reason(size)) for followers, size in TIERS)


def cold_start(ctx: Settlement, gate: str | None) -> None:
    """WC-COLD-01: a new anchor's cold-start package, drawn from the pool (``ctx.store``)."""
    if not fields.new_anchor(ctx.scenario.creator):
        return
    version = ctx.rule("WC-COLD-01")
    if version is None:
        return
    why = "cold-start package for a new anchor"
    if gate is not None or not version.is_set("impressions"):
        _package(ctx, "WC-COLD-01", version, "impressions", gate, why)
        return
    size = version.count("impressions")
    pool = Decimal(version.count("pool_impressions"))
    drawn = int(
        ctx.store.draw(
            f"{ctx.platform.name}:WC-COLD-01:pool",  # what is left of the pool, in impressions
            Decimal(size),
            pool,
        )
    )
    if drawn == 0 and size > 0:
        ctx.statement.skip("WC-COLD-01", f"{why}: the {pool:,}-impression pool is used up")
        return
    short = "" if drawn == size else f"; only {drawn:,} of {size:,} left in the pool"
    ctx.statement.add_traffic(
        "WC-COLD-01",
        impressions=drawn,
        label=version.label_for("impressions"),
        note=f"{why} from the {pool:,}-impression pool{short} (impressions, not cash: CORE-TRAFFIC-01)",
    )


def polaris(ctx: Settlement, gate: str | None) -> None:
    """WC-POLARIS-01: operator-set cash (an incentive line) and traffic for a Polaris creator."""
    if not fields.polaris(ctx.scenario.creator):
        return
    version = ctx.rule("WC-POLARIS-01")
    if version is None:
        return
    if gate is not None:
        ctx.statement.skip("WC-POLARIS-01", f"Polaris cash and traffic: {gate}")
        return
    unset = version.unset_reason("cash")
    if unset is not None:
        ctx.statement.skip("WC-POLARIS-01", f"Polaris cash: {unset}")
    else:
        cash = version.decimal("cash")
        ctx.statement.line(
            "WC-POLARIS-01",
            Kind.INCENTIVE,
            payer=ctx.platform.name,
            payee=ctx.creator,
            base=cash,
            rate=Decimal(1),
            label=version.label_for("cash"),
            note=f"Polaris plan cash reward {grouped(cash)} for bringing followers from another platform",
        )
    _package(ctx, "WC-POLARIS-01", version, "impressions", None, "Polaris plan traffic reward")
