"""NetEase's scenario fields, declared through ``creatorpay_scenario_fields``: the quality-creator
flag of ``[creator]`` and the ``[programs]`` table (and its batch event kind), with typed accessors
so the rest of the plugin reads them as attributes."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from creatorpay.core.plugin import ZERO, Choice, EventKind, Field, ScenarioFields, Section

from .scenes import SCENE_NAMES

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from creatorpay.core.plugin import Creator, Scenario

#: The scenes of ``plays_by_scene`` and of a programs event's ``scene`` (NE-DIST-01), and their meanings.
SCENES = tuple(SCENE_NAMES)
_SCENES = tuple(Choice(key, name) for key, name in SCENE_NAMES.items())
QUALITY = Field("quality", "bool", "a NetEase quality creator (优质创作家)", default="false", rules=("NE-BASE-01",))
PROGRAMS = Section(
    "programs",
    "[programs]",
    "creator-program income",
    (
        Field("campaign", "amount", "campaign income", default='"0.00"', rules=("NE-BASE-02",)),
        Field("leaderboard", "amount", "leaderboard income", default='"0.00"', rules=("NE-BASE-02",)),
        Field("plays", "amount", "play revenue", default='"0.00"', rules=("NE-BASE-02",)),
        Field(
            "plays_by_scene",
            "map",
            "play revenue per NetEase scene: scene → amount, summed",
            choices=_SCENES,
            value="amount",
            rules=("NE-DIST-01",),
            key="SCENE",
        ),
    ),
    exclusive=(("plays", "plays_by_scene"),),
)
#: ``programs`` events: summed into ``[programs]``; ``plays`` with a ``scene`` go to ``plays_by_scene``.
PROGRAMS_KIND = EventKind(
    "programs",
    "program income: `[programs]`, summed; `plays` with a `scene` go to `plays_by_scene`",
    skip=("plays_by_scene",),
    extra=(Field("scene", "choice", "the NetEase scene of `plays`", choices=_SCENES, rules=("NE-DIST-01",)),),
    keyed=("scene", "plays", "plays_by_scene"),
)
DECLARED = ScenarioFields(
    creator=(QUALITY,),
    tables=(Field("programs", "table", "creator-program income", section=PROGRAMS, rules=("NE-BASE-02",)),),
    kinds=(PROGRAMS_KIND,),
)
_EMPTY: Mapping[str, Decimal] = MappingProxyType({})


@attrs.frozen
class Programs:
    """``[programs]``: creator-program income (NE-BASE-02). ``plays`` is the sum over scenes when
    they are given (NE-DIST-01)."""

    campaign: Decimal = ZERO
    leaderboard: Decimal = ZERO
    plays: Decimal = ZERO
    plays_by_scene: Mapping[str, Decimal] = _EMPTY


def programs(scenario: Scenario) -> Programs | None:
    """The scenario's ``[programs]``, or None when it has none."""
    table: Mapping[str, Any] | None = scenario.tables.get("programs")
    if table is None:
        return None
    scenes: Mapping[str, Decimal] = table.get("plays_by_scene", _EMPTY)
    plays = sum(scenes.values(), ZERO) if "plays_by_scene" in table else table.get("plays", ZERO)
    return Programs(table.get("campaign", ZERO), table.get("leaderboard", ZERO), plays, scenes)


def quality(creator: Creator) -> bool:
    """``[creator] quality``: a NetEase quality creator (NE-BASE-01)."""
    return bool(creator.extra.get("quality", False))
