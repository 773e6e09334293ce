"""Who is in a Xingtu order: participants' flags with their fallback, names, and line labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from creatorpay.core.plugin import Creator, Order, Participant

#: XT-ORD-01 task types, with the names Xingtu uses.
TASK_NAMES = {
    "assigned": "assigned (指派)",
    "submission": "open submission (投稿)",
    "recruitment": "recruitment (招募)",
}


def flag(participant: Participant, name: str, creator: Creator) -> bool | None:
    """A participant's ``xingtu_beta`` or ``xingtu_registered``: the participant's own value, else the
    scenario creator's when the participant is them, else None (absent, which counts as false)."""
    value: bool | None = participant.extra.get(name)
    if value is None and participant.creator == creator.id:
        return bool(creator.extra.get(name, False))
    return value


def shown(value: bool | None) -> str:
    """A flag as a violation message states what was found."""
    return "absent (counts as false)" if value is None else str(value).lower()


def names(participants: Iterable[Participant]) -> str:
    """Participants' ids, comma separated, in input order."""
    return ", ".join(p.creator for p in participants)


def mains(order: Order) -> tuple[Participant, ...]:
    """Every participant with role ``main`` (XT-CC-01 wants exactly one)."""
    return tuple(p for p in order.participants if p.role == "main")


def leads(order: Order, creator: str) -> bool:
    """Whether ``creator`` is a main contributor of the order, i.e. initiates its submission (XT-CC-06)."""
    return any(p.creator == creator for p in mains(order))
