"""Xingtu's scenario fields, declared through ``creatorpay_scenario_fields``: the ``[creator]`` keys
only its rules read (``xingtu_beta``, ``xingtu_registered``, ``growth_stage``,
``co_creations_this_month``) and the participants' flags, with typed accessors so the rest of the
plugin reads them by name (a participant's flag with its fallback: :func:`~.parties.flag`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import Choice, Field, ScenarioFields

if TYPE_CHECKING:
    from creatorpay.core.plugin import Creator

#: The growth stages of XT-GROW-01 and what each offers.
GROWTH_STAGES = (
    Choice("departure", "novice tasks and courses"),
    Choice("exploration", "star plan support"),
    Choice("harvest", "星动计划 traffic incentive for new genres and quality orders"),
    Choice("on_the_road", "long-term courses"),
)
#: Co-creation submissions already made this month: 10^6 is far above XT-CC-06's cap of 4 (one every
#: 3 s), so nothing derived from it grows without end (CORE-INPUT-01).
SUBMISSIONS = 10**6
XINGTU_BETA = Field(
    "xingtu_beta",
    "bool",
    "whitelisted to lead co-creation orders (内测共创达人)",
    default="false",
    rules=("XT-CC-04",),
)
XINGTU_REGISTERED = Field(
    "xingtu_registered", "bool", "registered on Xingtu with distribution tasks", default="false", rules=("XT-CC-05",)
)
GROWTH_STAGE = Field(
    "growth_stage", "choice", "the Xingtu growth stage, reported", rules=("XT-GROW-01",), choices=GROWTH_STAGES
)
CO_CREATIONS_THIS_MONTH = Field(
    "co_creations_this_month",
    "count",
    "co-creation submissions already initiated this month",
    default="0",
    maximum=SUBMISSIONS,
    rules=("XT-CC-06",),
)
#: A participant's own flags: absent unless given (:func:`~.parties.flag` gives the fallback).
PARTICIPANT_FLAGS = (
    Field("xingtu_beta", "bool", "as in [creator]", rules=("XT-CC-04",)),
    Field("xingtu_registered", "bool", "as in [creator]", rules=("XT-CC-05",)),
)
DECLARED = ScenarioFields(
    creator=(XINGTU_BETA, XINGTU_REGISTERED, GROWTH_STAGE, CO_CREATIONS_THIS_MONTH), participants=PARTICIPANT_FLAGS
)


def xingtu_beta(creator: Creator) -> bool:
    """``[creator] xingtu_beta``: whitelisted to lead co-creation orders (XT-CC-04)."""
    return bool(creator.extra.get("xingtu_beta", False))


def xingtu_registered(creator: Creator) -> bool:
    """``[creator] xingtu_registered``: registered on Xingtu with distribution tasks (XT-CC-05)."""
    return bool(creator.extra.get("xingtu_registered", False))


def growth_stage(creator: Creator) -> str | None:
    """``[creator] growth_stage``: the growth stage, reported (XT-GROW-01), or None when not given."""
    stage: str | None = creator.extra.get("growth_stage")
    return stage


def co_creations_this_month(creator: Creator) -> int:
    """``[creator] co_creations_this_month``: submissions already initiated this month (XT-CC-06)."""
    return int(creator.extra.get("co_creations_this_month", 0))
