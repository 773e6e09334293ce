"""Settlement events: the rows of a batch's events file (docs/batch.md), checked one by one, and the
events of one (platform, creator, month) folded into the activity sections of a scenario.

An event is a fact of the month: tips received, program income, a merchant live stream's sales, or
an order's state. Its ``id`` is its idempotency key; its content (platform, creator, date, kind and
the kind's fields, written canonically) is what a repeated id must match. Thresholds, floors and tax
apply to the month's totals, so events are only summed here, never settled one by one.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from . import fields
from .batch.codec import canonical_flat, canonical_json, compact_json
from .checks import Checker, choice, describe, json_problem, lone_surrogate, unique_pairs
from .errors import InputError
from .money import ZERO, fmt
from .rows import read_json
from .scenario import (
    APPS,
    COUNT_LIMITS,
    PRICE_BANDS,
    SCENES,
    STAGES,
    TASKS,
    Creator,
    MerchantLive,
    Order,
    Participant,
    Programs,
    Tips,
    load_scenario,
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
#: Columns every event has.
COMMON = fields.EVENT.names

_Reader = Callable[[Checker, object, str], object]
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _table(c: Checker, value: object, path: str) -> object:
    return c.table(value, path)


def _list(c: Checker, value: object, path: str) -> object:
    if isinstance(value, list):
        return value
    c.fail(path, f"expected a list, found {describe(value)}")
    return None


#: Readers of the nested fields; the loader checks them when an order row is checked whole.
_NESTED_READERS: Mapping[str, _Reader] = {"table": _table, "tables": _list}
#: Each kind's fields, named as in docs/scenario.md, with their readers (CORE-INPUT-01), from their definitions.
FIELDS: Mapping[str, Mapping[str, _Reader]] = {
    kind: {f.name: _NESTED_READERS.get(f.type) or fields.reader(f) for f in defined}
    for kind, defined in fields.EVENT_KINDS.items()
}
KINDS = fields.EVENT["kind"].values
_TYPES = {f.name: f.type for defined in fields.EVENT_KINDS.values() for f in defined}
_AMOUNTS = {name for name, kind in _TYPES.items() if kind == "amount"}
_COUNTS = {name for name, kind in _TYPES.items() if kind == "count"}
_FLAGS = {name for name, kind in _TYPES.items() if kind == "bool"}
_NESTED = {name for name, kind in _TYPES.items() if kind in _NESTED_READERS}
#: Every column an events CSV may have.
COLUMNS = (*COMMON, *dict.fromkeys(f for kind in FIELDS.values() for f in kind))


@attrs.frozen
class Event:
    """One checked event. ``body`` is the kind's fields as canonical JSON (sorted keys, amounts to
    two places): with platform, creator, date and kind it is the content a repeated id must match."""

    id: str
    platform: str
    creator: str
    date: str
    kind: str
    body: str

    @property
    def month(self) -> str:
        """The event's month, ``YYYY-MM``: with platform and creator, its unit of settlement."""
        return self.date[:7]


def parse_event(row: Mapping[str, Any], *, platforms: Collection[str], text: bool = False) -> Event | str:
    """The row as an :class:`Event`, or the reason it is rejected (every problem, with its field).

    ``text``: the row comes from CSV, so counts, flags and nested tables are written as text.
    """
    return _fast(row, platforms, text) or _checked(row, platforms, text)


def _checked(row: Mapping[str, Any], platforms: Collection[str], text: bool) -> Event | str:
    """The full check with a :class:`Checker`: every problem named with its field."""
    c = Checker("event")
    values = dict(row)
    if text:
        _from_text(c, values)
    ident = c.get(values, "id", "", Checker.ident, required=True)
    platform = c.get(values, "platform", "", Checker.ident, required=True)
    if platform is not None and platform not in platforms:
        c.fail("platform", f"unknown platform {platform!r}; loaded: {', '.join(sorted(platforms))}")
    creator = c.get(values, "creator", "", Checker.ident, required=True)
    date = c.get(values, "date", "", _read_date, required=True)
    kind = c.get(values, "kind", "", choice(*KINDS), required=True)
    body: dict[str, Any] = {}
    if kind is not None:
        fields = FIELDS[kind]
        for key, value in values.items():
            if key in COMMON:
                continue
            read = fields.get(key)
            if read is None:
                c.fail(key, f"not a field of kind {kind}; its fields are: {', '.join(fields)}")
                continue
            found = read(c, value, key)
            if found is not None:
                body[key] = fmt(found) if key in _AMOUNTS and isinstance(found, Decimal) else found
        if kind == "order" and not c.problems and ident is not None and date is not None:
            if "stage" not in body:
                c.fail("stage", "required key is missing")
            elif body.get("video_seconds") == 0:
                c.fail("video_seconds", "expected a whole number >= 1, found 0")
            elif _NESTED & body.keys() or "amount" not in body:
                _check_order(c, body, ident, date)
    if c.problems:
        return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in c.problems)
    assert ident is not None and platform is not None and creator is not None
    assert date is not None and kind is not None
    return Event(ident, platform, creator, date, kind, canonical_flat(body))


#: Field types for the fast path; a field not listed (nested tables) takes the full check.
_FAST_TYPES: Mapping[str, str] = {
    **dict.fromkeys(_AMOUNTS, "amount"),
    **dict.fromkeys(_COUNTS, "count"),
    **dict.fromkeys(_FLAGS, "flag"),
    "order_id": "ident",
    "scene": "scene",
    "task": "task",
    "stage": "stage",
    "app": "app",
}
#: Per kind: its fields' types for the fast path.
_KIND_TYPES: Mapping[str, Mapping[str, str]] = {
    kind: {key: _FAST_TYPES[key] for key in fields if key in _FAST_TYPES} for kind, fields in FIELDS.items()
}
_CHOICES: Mapping[str, frozenset[str]] = {
    "scene": frozenset(SCENES),
    "task": frozenset(TASKS),
    "stage": frozenset(STAGES),
    "app": frozenset(APPS),
}
#: Amounts the fast path accepts as written: ASCII digits, no leading zero, at most 12 digits before
#: the point (matched whole: ``$`` would take a final newline, which Decimal reads).
_PLAIN_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?")
_COMMON = frozenset(COMMON)


def _fast(row: Mapping[str, Any], platforms: Collection[str], text: bool) -> Event | None:
    """The common case without a Checker: every value plainly valid. None means "take the full
    check", which names the problem (or accepts what this path is too strict for)."""
    get = row.get
    ident, platform, creator, date, kind = get("id"), get("platform"), get("creator"), get("date"), get("kind")
    if not (
        type(ident) is str
        and type(creator) is str
        and type(date) is str
        and type(platform) is str
        and type(kind) is str
        and 0 < len(ident) <= 128
        and 0 < len(creator) <= 128
        and ident.isprintable()
        and creator.isprintable()
        and platform in platforms
        and kind in _KIND_TYPES
        and _valid_date(date)
    ):
        return None
    assert isinstance(platform, str) and isinstance(kind, str)
    forms = _KIND_TYPES[kind]
    body: dict[str, Any] = {}
    for key, value in row.items():
        form = forms.get(key)
        if form == "amount":
            if type(value) is not str or not _PLAIN_AMOUNT.fullmatch(value):
                return None
            point = value.find(".")
            body[key] = value + ".00" if point < 0 else value + "0" if point == len(value) - 2 else value
        elif form == "count":
            if text and type(value) is str:
                value = _whole(value)
            if type(value) is not int or not 0 <= value <= COUNT_LIMITS[key] or (value == 0 and key == "video_seconds"):
                return None
            body[key] = value
        elif form == "flag":
            if text and (value == "true" or value == "false"):
                value = value == "true"
            if type(value) is not bool:
                return None
            body[key] = value
        elif form == "ident":
            if type(value) is not str or not 0 < len(value) <= 128 or not value.isprintable():
                return None
            body[key] = value
        elif form is not None and type(value) is str and value in _CHOICES[form]:
            body[key] = value
        elif key not in _COMMON:
            return None
    if kind == "order" and ("stage" not in body or "amount" not in body):
        return None  # the full check names what is missing, or prices the order (XT-PRICE-01)
    return Event(ident, platform, creator, date, kind, canonical_flat(body))


def _whole(text: str) -> int | str:
    """A CSV cell of ASCII digits as a whole number, else the text (for the checker to name)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4000 else text


@functools.lru_cache(maxsize=4096)  # a month's events repeat a few dozen dates; bounded against bad input
def _valid_date(text: str) -> bool:
    """Whether ``text`` is a real date written YYYY-MM-DD (memoised: every event row asks)."""
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _read_date(c: Checker, value: object, path: str) -> str | None:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    c.fail(path, f"expected a date YYYY-MM-DD, found {describe(value)}")
    return None


def _from_text(c: Checker, values: dict[str, Any]) -> None:
    """CSV cells to JSON types: counts to whole numbers, flags to booleans, nested cells from JSON."""
    for key, value in list(values.items()):
        if not isinstance(value, str):
            continue
        if key in _COUNTS:
            values[key] = _whole(value)
        elif key in _FLAGS:
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                values[key] = lowered == "true"
        elif key in _NESTED:
            try:
                values[key] = json.loads(value, object_pairs_hook=unique_pairs)
            except (ValueError, RecursionError) as exc:
                c.fail(key, f"expected JSON text, found {describe(value)} ({json_problem(exc)})")
                continue
            where = lone_surrogate(values[key], key)
            if where is not None:
                del values[key]
                c.fail(where, "expected Unicode text, found a lone surrogate escape such as \\ud800")


def _check_order(c: Checker, body: Mapping[str, Any], ident: str, date: str) -> None:
    """An order row must make a valid ``[[orders]]`` entry on its own (docs/scenario.md, CORE-INPUT-01).

    The amount may come from the creator's price card (XT-PRICE-01), unknown here: a placeholder
    card lets the check pass, and the month's settlement uses the real one.
    """
    order = order_entry(ident, body)
    probe = {
        "schema": 1,
        "period": date[:7],
        "orders": [order],
        "creator": {"id": "-", "followers": 0, "price_card": dict.fromkeys(PRICE_BANDS, "0")},
    }
    try:
        load_scenario(probe, source="event")
    except InputError as exc:
        for problem in exc.problems:
            c.fail(problem.path.replace("orders[0].", "", 1).replace("orders[0]", "order"), problem.message)


def order_entry(event_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[[orders]]`` entry an order event describes; its order id defaults to the event id."""
    order = {key: value for key, value in body.items() if key != "order_id"}
    order["id"] = body.get("order_id", event_id)
    return order


def activities(sections: Mapping[str, Any], creator: Creator) -> dict[str, Any] | None:
    """The :class:`Scenario` fields of the activity sections :func:`fold` made, built directly.

    Every field was checked when its event was staged (:func:`parse_event`) and the sums are
    written canonically, so the loader would find nothing to object to: this builds what
    :func:`load_scenario` would, value for value (the same text read into the same Decimal), without
    its checks. None when a section is not of that plain kind (a sum reaching the amount limit,
    plays both with and without a scene, an order priced from the card or with nested tables):
    the caller then runs the loader, which names the problem or prices the order.
    """
    built: dict[str, Any] = {}
    for kind, section in sections.items():
        if kind == "orders":
            orders = [_order(entry, creator) for entry in section]
            if None in orders:
                return None
            built["orders"] = tuple(orders)
            continue
        if not isinstance(section, dict) or not section.keys() <= _SECTION_KEYS.get(kind, frozenset()):
            return None
        if kind == "tips":
            yuan, android, ios = (section.get(k) for k in ("yuan", "beans_android", "beans_ios"))
            amount = ZERO if yuan is None else _amount(yuan)
            if amount is None or not (_count(android, "beans_android") and _count(ios, "beans_ios")):
                return None
            built["tips"] = Tips(amount, android or 0, ios or 0)
        elif kind == "programs":
            amounts = [
                ZERO if section.get(k) is None else _amount(section[k]) for k in ("campaign", "leaderboard", "plays")
            ]
            scenes = section.get("plays_by_scene")
            by_scene: Mapping[str, Decimal] = _EMPTY
            if scenes is not None:
                if "plays" in section or not isinstance(scenes, dict) or not scenes.keys() <= _SCENES:
                    return None
                read = {scene: _amount(value) for scene, value in scenes.items()}
                if None in read.values():
                    return None
                by_scene = MappingProxyType({scene: value for scene, value in read.items() if value is not None})
                amounts[2] = sum(by_scene.values(), ZERO)
            campaign, leaderboard, plays = amounts
            if campaign is None or leaderboard is None or plays is None:
                return None
            built["programs"] = Programs(campaign, leaderboard, plays, by_scene)
        else:
            sales, users = section.get("sales"), section.get("private_users")
            amount = ZERO if sales is None else _amount(sales)
            if amount is None or not _count(users, "private_users"):
                return None
            built["merchant_live"] = MerchantLive(amount, users or 0)
    return built


def _amount(value: object) -> Decimal | None:
    """A checked amount as the loader reads it; None for anything it would object to."""
    if not isinstance(value, str) or not _PLAIN_AMOUNT.fullmatch(value):
        return None
    return Decimal(value)


def _count(value: object, key: str) -> bool:
    """Absent, or a whole number from 0 to the key's bound (not a boolean): a month's sum of
    counts may pass it, and the loader names that."""
    return value is None or (type(value) is int and 0 <= value <= COUNT_LIMITS[key])


_SCENES = frozenset(SCENES)
#: The keys each summed section may have (docs/scenario.md).
_SECTION_KEYS = {
    "tips": frozenset(("yuan", "beans_android", "beans_ios")),
    "programs": frozenset(("campaign", "leaderboard", "plays", "plays_by_scene")),
    "merchant_live": frozenset(("sales", "private_users")),
}
_ORDER_PLAIN = frozenset(
    ("id", "amount", "video_seconds", "task", "stage", "co_creation", "app", "off_platform", "review_failed")
)


def _order(entry: Mapping[str, Any], creator: Creator) -> Order | None:
    """An ``[[orders]]`` entry with its amount and no nested tables, as the loader builds it (its
    one participant is the scenario creator, as main); None for any other."""
    if not isinstance(entry, dict):
        return None
    amount = _amount(entry.get("amount"))
    ident, stage, seconds = entry.get("id"), entry.get("stage"), entry.get("video_seconds")
    task, app = entry.get("task", "assigned"), entry.get("app", "douyin")
    flags = [entry.get(k, False) for k in ("co_creation", "off_platform", "review_failed")]
    if (
        amount is None
        or not entry.keys() <= _ORDER_PLAIN
        or not isinstance(ident, str)
        or not 1 <= len(ident) <= 128
        or not ident.isprintable()
        or stage not in _CHOICES["stage"]
        or task not in _CHOICES["task"]
        or app not in _CHOICES["app"]
        or any(type(f) is not bool for f in flags)
        or not (seconds is None or (type(seconds) is int and 1 <= seconds <= COUNT_LIMITS["video_seconds"]))
    ):
        return None
    return Order(
        id=ident,
        amount=amount,
        stage=stage,
        task=task,
        video_seconds=seconds,
        app=app,
        termination=None,
        participants=(Participant(creator.id, "main", amount),),
        priced_band=None,
        co_creation=flags[0],
        off_platform=flags[1],
        review_failed=flags[2],
    )


def fold(events: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """The scenario's activity sections from all of a unit's events ``(id, kind, body)``, given in
    (date, event id) order: the month is the same whatever runs brought its events (docs/batch.md).

    Tips, programs and merchant live streams are summed; ``plays`` with a ``scene`` go to
    ``plays_by_scene``. Orders: one entry per order id, the latest event giving its state, in the
    order of each order's earliest event (the input order of XT-CC-06).
    """
    sums: dict[str, dict[str, Any]] = {}
    scenes: dict[str, Decimal] = {}
    orders: dict[str, dict[str, Any]] = {}
    for ident, kind, text in events:
        body = read_json(text)
        if kind == "order":
            entry = order_entry(ident, body)
            orders[entry["id"]] = entry
            continue
        section = sums.setdefault(kind, {})
        if kind == "programs" and "scene" in body:
            if "plays" in body:
                scenes[body["scene"]] = scenes.get(body["scene"], ZERO) + Decimal(body["plays"])
            body = {k: v for k, v in body.items() if k not in ("scene", "plays")}
        for key, value in body.items():
            number = Decimal(value) if key in _AMOUNTS else value
            section[key] = section.get(key, 0) + number
    result: dict[str, Any] = {
        kind: {key: fmt(v) if isinstance(v, Decimal) else v for key, v in section.items()}
        for kind, section in sums.items()
    }
    if scenes:
        result.setdefault("programs", {})["plays_by_scene"] = {s: fmt(v) for s, v in scenes.items()}
    if orders:
        result["orders"] = list(orders.values())
    return result


__all__ = [
    "COLUMNS",
    "COMMON",
    "FIELDS",
    "KINDS",
    "Event",
    "activities",
    "canonical_json",
    "compact_json",
    "fold",
    "order_entry",
    "parse_event",
]
