"""Xingtu's scenario fields, declared through ``creatorpay_scenario_fields``: the ``[creator]`` keys
only its rules read (``xingtu_beta``, ``xingtu_registered``, ``growth_stage``,
``co_creations_this_month``), the participants' flags and the orders' co-creation keys, with typed
accessors so the rest of the plugin reads them by name (a participant's flag with its fallback:
:func:`~.parties.flag`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import Choice, Field, ScenarioFields

if TYPE_CHECKING:
    from creatorpay.core.plugin import Creator, Order

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
#: The apps a co-creation may be submitted from (XT-CC-09).
APPS = (
    Choice("douyin", "the Douyin main app (co-creation supported)"),
    Choice("douyin_pad", "Douyin's pad app (co-creation supported)"),
    Choice("douyin_lite", "Douyin Lite: co-creation is not supported there (a violation)"),
    Choice(
        "creator_service_platform", "the creator service platform: co-creation is not supported there (a violation)"
    ),
)
#: The ``[[orders]]`` keys Xingtu declares; each is in ``order.extra`` (with its default).
ORDER_KEYS = (
    Field("co_creation", "bool", "a co-creation order", default="false", rules=("XT-CC-01",)),
    Field(
        "app",
        "choice",
        "the app the co-creation was submitted from",
        default='"douyin"',
        choices=APPS,
        rules=("XT-CC-09",),
    ),
    Field(
        "off_platform", "bool", "a commercial co-creation arranged outside Xingtu", default="false", rules=("XT-CC-08",)
    ),
    Field(
        "review_failed",
        "bool",
        "the submission failed Xingtu review: pays nothing, still uses a slot",
        default="false",
        rules=("XT-CC-07",),
    ),
)
DECLARED = ScenarioFields(
    creator=(XINGTU_BETA, XINGTU_REGISTERED, GROWTH_STAGE, CO_CREATIONS_THIS_MONTH),
    orders=ORDER_KEYS,
    participants=PARTICIPANT_FLAGS,
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


def co_creation(order: Order) -> bool:
    """``[[orders]] co_creation``: a co-creation order (XT-CC-01)."""
    return bool(order.extra.get("co_creation", False))


def app(order: Order) -> str:
    """``[[orders]] app``: the app the co-creation was submitted from (XT-CC-09)."""
    return str(order.extra.get("app", "douyin"))


def off_platform(order: Order) -> bool:
    """``[[orders]] off_platform``: a commercial co-creation arranged outside Xingtu (XT-CC-08)."""
    return bool(order.extra.get("off_platform", False))


def review_failed(order: Order) -> bool:
    """``[[orders]] review_failed``: the submission failed Xingtu review (XT-CC-07)."""
    return bool(order.extra.get("review_failed", False))
