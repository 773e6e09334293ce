"""The monthly co-creation cap (XT-CC-06) kept behind the store interface, and the operator's
release of a slot (XT-CC-07), so a service can back the count with a database.

Key of a creator's month: ``xingtu:co_creation:<creator>:<YYYY-MM>``; the holder of a slot is the
order id. The scenario's ``co_creations_this_month`` is the baseline the first time a key is seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .fields import co_creations_this_month

if TYPE_CHECKING:
    from creatorpay.core.plugin import Order, Period, RuleVersion, Settlement, Store

#: Large enough never to refuse: the ``released`` marker set is not capped.
_UNCAPPED = 2**62


def slot_key(creator: str, period: Period | str) -> str:
    """The quota key of a creator's co-creation submissions in a month (XT-CC-06)."""
    return f"xingtu:co_creation:{creator}:{period}"


def released_key(creator: str, period: Period | str) -> str:
    """Where :func:`release_slot` remembers the submissions whose slot an operator gave back."""
    return f"{slot_key(creator, period)}:released"


def release_slot(store: Store, creator: str, period: Period | str, order_id: str) -> bool:
    """XT-CC-07's operator action: give ``order_id``'s slot back, for good.

    A bare ``store.release(slot_key(...), order_id)`` frees the slot for orders settled later; this
    also remembers the release, so settling the same month again does not take the slot back.
    Returns True if the order held a slot.
    """
    store.reserve(released_key(creator, period), order_id, limit=_UNCAPPED)
    return store.release(slot_key(creator, period), order_id)


def is_released(store: Store, creator: str, period: Period | str, order_id: str) -> bool:
    """Whether an operator gave the order's slot back with :func:`release_slot`.

    ``reserve`` with a limit of 0 never takes a slot and is True only for a holder already in.
    """
    return store.reserve(released_key(creator, period), order_id, limit=0)


def take_slot(ctx: Settlement, order: Order, rule: RuleVersion) -> None:
    """XT-CC-06: a co-creation order the scenario creator leads takes one of the month's slots, in
    input order, whatever else is wrong with it; one that finds none left is rejected and takes none."""
    creator = ctx.scenario.creator
    period = ctx.scenario.period
    if is_released(ctx.store, creator.id, period, order.id):
        return
    key = slot_key(creator.id, period)
    limit = rule.count("limit")
    baseline = co_creations_this_month(creator)
    if ctx.store.reserve(key, holder=order.id, limit=limit, baseline=baseline):
        return
    used = ctx.store.used(key, baseline)
    ctx.statement.violation(
        "XT-CC-06",
        f"would be {creator.id}'s co-creation submission {used + 1} of {period}, at most {limit} a month "
        f"({used} used: co_creations_this_month {baseline} and this month's earlier orders they lead)",
        order=order.id,
        participant=creator.id,
    )


def slots_used(ctx: Settlement) -> int:
    """How many of the month's slots the scenario creator has used so far (XT-CC-06)."""
    creator = ctx.scenario.creator
    return ctx.store.used(slot_key(creator.id, ctx.scenario.period), co_creations_this_month(creator))
