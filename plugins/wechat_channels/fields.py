"""WeChat Channels' scenario fields, declared through ``creatorpay_scenario_fields``: the creator
flags only its rules read (``harmful``, ``new_anchor``, ``polaris``), with typed accessors so the
rest of the plugin reads them by name. ``[tips]`` and ``[merchant_live]`` are still the core's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import Field, ScenarioFields

if TYPE_CHECKING:
    from creatorpay.core.plugin import Creator

#: The ``[creator]`` keys WeChat Channels declares; each is in ``creator.extra`` (default false).
HARMFUL = Field("harmful", "bool", "harmful content", default="false", rules=("WC-QUAL-01",))
NEW_ANCHOR = Field("new_anchor", "bool", "a new live anchor", default="false", rules=("WC-COLD-01",))
POLARIS = Field(
    "polaris", "bool", "joined through the Polaris plan (北极星计划)", default="false", rules=("WC-POLARIS-01",)
)
DECLARED = ScenarioFields(creator=(HARMFUL, NEW_ANCHOR, POLARIS))


def _flag(creator: Creator, name: str) -> bool:
    return bool(creator.extra.get(name, False))


def harmful(creator: Creator) -> bool:
    """``[creator] harmful``: harmful content, which earns no incentive (WC-QUAL-01)."""
    return _flag(creator, "harmful")


def new_anchor(creator: Creator) -> bool:
    """``[creator] new_anchor``: a new live anchor, given the cold-start package (WC-COLD-01)."""
    return _flag(creator, "new_anchor")


def polaris(creator: Creator) -> bool:
    """``[creator] polaris``: joined through the Polaris plan (WC-POLARIS-01)."""
    return _flag(creator, "polaris")
