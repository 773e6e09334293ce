"""Settlement events: the rows of a batch's events file (docs/batch.md), checked one by one, and the
events of one (platform, creator, month) folded into the activity sections of a scenario.

An event is a fact of the month: tips received, program income, a merchant live stream's sales, or
an order's state. Its ``id`` is its idempotency key; its content (platform, creator, date, kind and
the kind's fields, written canonically) is what a repeated id must match. Thresholds, floors and tax
apply to the month's totals, so events are only summed here, never settled one by one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .checks import Checker, choice, describe
from .errors import InputError
from .money import ZERO, fmt
from .scenario import APPS, PRICE_BANDS, SCENES, STAGES, TASKS, load_scenario

#: Columns every event has.
COMMON = ("id", "platform", "creator", "date", "kind")

_Reader = Callable[[Checker, object, str], object]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _table(c: Checker, value: object, path: str) -> object:
    return c.table(value, path)


def _list(c: Checker, value: object, path: str) -> object:
    if isinstance(value, list):
        return value
    c.fail(path, f"expected a list, found {describe(value)}")
    return None


#: Each kind's fields, named as in SCENARIO.md, with their readers (CORE-INPUT-01).
FIELDS: Mapping[str, Mapping[str, _Reader]] = {
    "tips": {"yuan": Checker.amount, "beans_android": Checker.count, "beans_ios": Checker.count},
    "programs": {"campaign": Checker.amount, "leaderboard": Checker.amount, "plays": Checker.amount,
                 "scene": choice(*SCENES)},
    "merchant_live": {"sales": Checker.amount, "private_users": Checker.count},
    "order": {"order_id": Checker.ident, "amount": Checker.amount, "video_seconds": Checker.count,
              "task": choice(*TASKS), "stage": choice(*STAGES), "co_creation": Checker.boolean,
              "app": choice(*APPS), "off_platform": Checker.boolean, "review_failed": Checker.boolean,
              "termination": _table, "participants": _list},
}
KINDS = tuple(FIELDS)
_AMOUNTS = {"yuan", "campaign", "leaderboard", "plays", "sales", "amount"}
_COUNTS = {"beans_android", "beans_ios", "private_users", "video_seconds"}
_FLAGS = {"co_creation", "off_platform", "review_failed"}
_NESTED = {"termination", "participants"}
#: Every column an events CSV may have.
COLUMNS = (*COMMON, *dict.fromkeys(f for fields in FIELDS.values() for f in fields))


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
    return Event(ident, platform, creator, date, kind, _canonical(body))


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: Field types for the fast path; a field not listed (nested tables) takes the full check.
_FAST_TYPES: Mapping[str, str] = {
    **dict.fromkeys(_AMOUNTS, "amount"), **dict.fromkeys(_COUNTS, "count"), **dict.fromkeys(_FLAGS, "flag"),
    "order_id": "ident", "scene": "scene", "task": "task", "stage": "stage", "app": "app",
}
_CHOICES: Mapping[str, frozenset[str]] = {"scene": frozenset(SCENES), "task": frozenset(TASKS),
                                          "stage": frozenset(STAGES), "app": frozenset(APPS)}
#: Amounts the fast path accepts as written: no leading zero, at most 12 digits before the point.
_PLAIN_AMOUNT = re.compile(r"^(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$")
_DATES: dict[str, bool] = {}


def _fast(row: Mapping[str, Any], platforms: Collection[str], text: bool) -> Event | None:
    """The common case without a Checker: every value plainly valid. None means "take the full
    check", which names the problem (or accepts what this path is too strict for)."""
    ident, platform, creator, date, kind = (row.get(k) for k in COMMON)
    if not (isinstance(ident, str) and isinstance(creator, str) and isinstance(date, str)
            and 0 < len(ident) <= 128 and 0 < len(creator) <= 128 and platform in platforms
            and kind in FIELDS and _valid_date(date)):
        return None
    assert isinstance(platform, str) and isinstance(kind, str)
    fields = FIELDS[kind]
    body: dict[str, Any] = {}
    for key, value in row.items():
        if key in COMMON:
            continue
        form = _FAST_TYPES.get(key) if key in fields else None
        if form == "amount":
            if not isinstance(value, str) or not _PLAIN_AMOUNT.match(value):
                return None
            point = value.find(".")
            body[key] = value + ".00" if point < 0 else value + "0" if point == len(value) - 2 else value
        elif form == "count":
            if text and isinstance(value, str) and value.isdigit():
                value = int(value)
            if type(value) is not int or value < 0 or (key == "video_seconds" and value == 0):
                return None
            body[key] = value
        elif form == "flag":
            if text and value in ("true", "false"):
                value = value == "true"
            if type(value) is not bool:
                return None
            body[key] = value
        elif form == "ident":
            if not isinstance(value, str) or not 0 < len(value) <= 128:
                return None
            body[key] = value
        elif form is not None and value in _CHOICES[form]:
            body[key] = value
        else:
            return None
    if kind == "order" and ("stage" not in body or "amount" not in body):
        return None  # the full check names what is missing, or prices the order (XT-PRICE-01)
    return Event(ident, platform, creator, date, kind, _canonical(body))


def _valid_date(text: str) -> bool:
    known = _DATES.get(text)
    if known is None:
        known = bool(_DATE.match(text))
        if known:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                known = False
        if len(_DATES) < 100_000:
            _DATES[text] = known
    return known


def _read_date(c: Checker, value: object, path: str) -> str | None:
    if isinstance(value, str) and _DATE.match(value):
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
    for key, value in values.items():
        if not isinstance(value, str):
            continue
        if key in _COUNTS:
            if value.isdigit():
                values[key] = int(value)
        elif key in _FLAGS:
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                values[key] = lowered == "true"
        elif key in _NESTED:
            try:
                values[key] = json.loads(value)
            except ValueError:
                c.fail(key, f"expected JSON text, found {describe(value)}")


def _check_order(c: Checker, body: Mapping[str, Any], ident: str, date: str) -> None:
    """An order row must make a valid ``[[orders]]`` entry on its own (SCENARIO.md, CORE-INPUT-01).

    The amount may come from the creator's price card (XT-PRICE-01), unknown here: a placeholder
    card lets the check pass, and the month's settlement uses the real one.
    """
    order = order_entry(ident, body)
    probe = {"schema": 1, "period": date[:7], "orders": [order],
             "creator": {"id": "-", "followers": 0, "price_card": dict.fromkeys(PRICE_BANDS, "0")}}
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


def fold(events: Iterable[tuple[str, str, str]], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The scenario's activity sections from a unit's events ``(id, kind, body)`` in date order,
    added to ``base`` (the sections an earlier statement settled, for a late event).

    Tips, programs and merchant live streams are summed; ``plays`` with a ``scene`` go to
    ``plays_by_scene``. Orders: one entry per order id, the latest event giving its state, in the
    order of each order's first event (the input order of XT-CC-06).
    """
    sums: dict[str, dict[str, Any]] = {}
    scenes: dict[str, Decimal] = {}
    orders: dict[str, dict[str, Any]] = {}
    for kind, section in (base or {}).items():
        if kind == "orders":
            orders.update((entry["id"], entry) for entry in section)
            continue
        values = sums.setdefault(kind, {})
        for key, value in section.items():
            if key == "plays_by_scene":
                scenes.update((scene, Decimal(amount)) for scene, amount in value.items())
            else:
                values[key] = Decimal(value) if key in _AMOUNTS else value
    for ident, kind, text in events:
        body = json.loads(text)
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


__all__ = ["COLUMNS", "COMMON", "FIELDS", "KINDS", "Event", "fold", "order_entry", "parse_event"]
