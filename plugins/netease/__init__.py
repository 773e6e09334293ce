"""NetEase video number (网易视频号): creator programs, base-salary floor, originality, nine scenes and
program budgets (NE-*), rules from ``rules.toml``. Brand orders, tips and merchant live streams are
not offered: no source covers them on NetEase."""

from __future__ import annotations

if __name__ != "creatorpay.plugins.netease":  # the folder imported by its path, not its installed name
    raise ImportError(
        f"import creatorpay.plugins.netease, not {__name__}: the plugins/netease/ folder is installed "
        "under that name (pip install -e .), and importing it by its path loads a second copy of every class"
    )

import os

from creatorpay.core.plugin import Platform, ScenarioFields, Settlement, hookimpl

from . import budget as budgets
from . import fields, floor, programs

NAME = "netease"
_NO_SOURCE = "no source covers {} on NetEase"


@hookimpl
def creatorpay_platform() -> Platform:
    return Platform(
        name=NAME,
        title="NetEase video number",
        rules=os.path.join(os.path.dirname(__file__), "rules.toml"),
        offers=("programs",),
        not_offered={
            "orders": _NO_SOURCE.format("brand orders"),
            "tips": _NO_SOURCE.format("tipping"),
            "merchant_live": _NO_SOURCE.format("merchant live streams"),
        },
    )


@hookimpl
def creatorpay_scenario_fields() -> ScenarioFields:
    """NetEase's own inputs: ``[creator] quality`` and ``[programs]`` (and its batch event kind)."""
    return fields.DECLARED


@hookimpl
def creatorpay_validate(ctx: Settlement) -> None:
    """NE-ORIG-01: a creator flagged non-original breaks the zero-tolerance rule (programs withheld)."""
    if fields.programs(ctx.scenario) is None or ctx.scenario.creator.original:
        return
    if ctx.rule("NE-ORIG-01") is not None:
        ctx.statement.violation(
            "NE-ORIG-01",
            "creator flagged non-original (搬运, 抄袭, 洗稿; creator.original "
            "is false): zero tolerance, no program income and no top-up",
        )


@hookimpl
def creatorpay_settle_incentives(ctx: Settlement) -> None:
    """NE-BASE-02/NE-DIST-01 program income, then the NE-BASE-01 top-up, from the NE-BUDGET-01 budget."""
    _note_mcn(ctx)
    if fields.programs(ctx.scenario) is None:
        if fields.quality(ctx.scenario.creator) and ctx.scenario.creator.original:
            ctx.statement.skip(
                "NE-BASE-01", "no [programs] section: the creator takes part in no NetEase program this month"
            )
        return
    if _non_original(ctx):
        why = "withheld under NE-ORIG-01: creator flagged non-original"
        ctx.statement.skip("NE-BASE-02", why)
        ctx.statement.skip("NE-BASE-01", why)
        return
    before = budgets.before_first_year(ctx)
    if before:
        ctx.statement.skip("NE-BASE-02", before)
        ctx.statement.skip("NE-BASE-01", before)
        return
    budget = budgets.for_month(ctx)
    income = programs.settle(ctx, budget)
    floor.top_up(ctx, budget, income)


def _non_original(ctx: Settlement) -> bool:
    """NE-ORIG-01 in force and the creator flagged non-original: the violation validation records,
    asked again here rather than read from the statement (no phase reads another's records)."""
    return not ctx.scenario.creator.original and ctx.rules.get("NE-ORIG-01") is not None


def _note_mcn(ctx: Settlement) -> None:
    """NE-MCN-01: the creator's MCN is paid by the core's CORE-MCN-01 line; state which MCN."""
    mcn = ctx.scenario.mcn
    if mcn is not None and ctx.rule("NE-MCN-01") is not None:
        ctx.statement.fact("mcn", f"{mcn.name} takes {mcn.share:%} under CORE-MCN-01 (NE-MCN-01)")
