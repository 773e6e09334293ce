"""Xingtu's scenario fields, declared through ``creatorpay_scenario_fields``: the ``[creator]`` keys
only its rules read (``xingtu_beta``, ``xingtu_registered``, ``growth_stage``,
``co_creations_this_month``, ``price_card``), the participants' flags and the orders' keys (the
co-creation keys, ``video_seconds``) with the price-card pricing of XT-PRICE-01, and typed accessors
so the rest of the plugin reads them by name (a participant's flag with its fallback:
:func:`~.parties.flag`)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from creatorpay.core.plugin import Choice, Field, Pricing, ScenarioFields

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

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
#: A video of 10^7 s (115 days) is in the last XT-PRICE-01 band long before (CORE-INPUT-01).
SECONDS = 10**7
#: XT-PRICE-01's bands: (band, what it prices, first and last second).
BANDS = (
    ("s1_20", "a video of 1–20 s", 1, 20),
    ("s21_60", "a video of 21–60 s", 21, 60),
    ("s60_plus", "a video over 60 s", 61, SECONDS),
)
PRICE_BANDS = tuple(Choice(band, meaning) for band, meaning, _, _ in BANDS)
PRICE_CARD = Field(
    "price_card",
    "map",
    "the price of a video by length band: band → amount",
    rules=("XT-PRICE-01",),
    choices=PRICE_BANDS,
    value="amount",
    key="BAND",
    flat=("price", "the price of"),
)
VIDEO_SECONDS = Field(
    "video_seconds",
    "count",
    "the video's length in seconds: its price-card band",
    minimum=1,
    maximum=SECONDS,
    rules=("XT-PRICE-01",),
)
#: XT-PRICE-01: an order without an amount is priced by its video's band on the creator's card.
PRICING = Pricing(
    card="price_card",
    by="video_seconds",
    ranges=tuple((band, first, last) for band, _, first, last in BANDS),
    missing="required key is missing (or give video_seconds and a [creator] price_card band, XT-PRICE-01)",
    unpriced="no amount and no creator.price_card.{key} for a {value} s video (XT-PRICE-01)",
    note="`amount` is required unless `video_seconds` and a `[creator] price_card` band give it (XT-PRICE-01).",
    rules=("XT-PRICE-01",),
)
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
    VIDEO_SECONDS,
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
    creator=(XINGTU_BETA, XINGTU_REGISTERED, GROWTH_STAGE, CO_CREATIONS_THIS_MONTH, PRICE_CARD),
    orders=ORDER_KEYS,
    participants=PARTICIPANT_FLAGS,
    pricing=PRICING,
)
_EMPTY: Mapping[str, Decimal] = MappingProxyType({})


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


def price_card(creator: Creator) -> Mapping[str, Decimal]:
    """``[creator] price_card``: the price of a video by band (XT-PRICE-01)."""
    card: Mapping[str, Decimal] = creator.extra.get("price_card", _EMPTY)
    return card


def video_seconds(order: Order) -> int | None:
    """``[[orders]] video_seconds``: the video's length, which picks its price-card band (XT-PRICE-01)."""
    seconds: int | None = order.extra.get("video_seconds")
    return seconds


def price_band(seconds: int) -> str:
    """The XT-PRICE-01 band of a video of ``seconds`` (at least 1)."""
    return PRICING.key(min(max(seconds, 1), SECONDS)) or BANDS[-1][0]
