"""The content-quality gate on incentives (WC-QUAL-01): carried or harmful content earns none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .fields import harmful

if TYPE_CHECKING:
    from creatorpay.core.plugin import Settlement


def withheld(ctx: Settlement) -> str | None:
    """Why incentives are withheld from this creator under WC-QUAL-01, or None when they are not.

    Reported once as a fact; each incentive the creator would get cites the reason as not applied.
    """
    creator = ctx.scenario.creator
    if creator.original and not harmful(creator):
        return None
    if ctx.rule("WC-QUAL-01") is None:
        return None
    found = []
    if not creator.original:
        found.append("carried content (creator.original = false)")
    if harmful(creator):
        found.append("harmful content (creator.harmful = true)")
    reason = f"withheld by WC-QUAL-01: {' and '.join(found)} earns no incentive"
    ctx.statement.fact("WC-QUAL-01", reason)
    return reason
