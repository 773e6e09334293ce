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
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from . import fields
from .batch.codec import canonical_flat, canonical_json, compact_json
from .checks import DATE, PLAIN_AMOUNT, Checker, choice, describe, json_problem, lone_surrogate, unique_pairs
from .errors import InputError
from .money import ZERO, fmt
from .rows import read_json
from .scenario import (
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
        missing = [key for key in _REQUIRED[kind] if key not in body]
        short = [key for key, value in body.items() if type(value) is int and value < _LOW.get(key, 0)]
        if missing or short:
            for key in missing:
                c.fail(key, "required key is missing")
            for key in short:
                c.fail(key, f"expected a whole number >= {_LOW[key]}, found {body[key]}")
        elif (
            kind == "order"
            and not c.problems
            and ident is not None
            and date is not None
            and (_NESTED & body.keys() or "amount" not in body)
        ):
            _check_order(c, body, ident, date)
    if c.problems:
        return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in c.problems)
    assert ident is not None and platform is not None and creator is not None
    assert date is not None and kind is not None
    return Event(ident, platform, creator, date, kind, canonical_flat(body))


#: The fast path's form of each plain field, from its type; a field not listed (nested tables) takes the full check.
_FORMS = {"amount": "amount", "count": "count", "bool": "flag", "id": "ident", "choice": "choice"}
#: Per kind: its fields' forms for the fast path.
_KIND_TYPES: Mapping[str, Mapping[str, str]] = {
    kind: {f.name: _FORMS[f.type] for f in defined if f.type in _FORMS} for kind, defined in fields.EVENT_KINDS.items()
}
_DEFINED = {f.name: f for defined in fields.EVENT_KINDS.values() for f in defined}
#: Each choice's values, and each count's bounds (CORE-INPUT-01), from their definitions.
_CHOICES: Mapping[str, frozenset[str]] = {name: frozenset(f.values) for name, f in _DEFINED.items() if f.choices}
_LOW: Mapping[str, int] = {name: f.minimum or 0 for name, f in _DEFINED.items() if f.type == "count"}
_HIGH: Mapping[str, int] = {name: f.maximum for name, f in _DEFINED.items() if f.maximum is not None}
#: Per kind: its required fields; and what the fast path needs besides: an order's amount, else the
#: full check prices it from the creator's card (XT-PRICE-01).
_REQUIRED: Mapping[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in defined if f.required) for kind, defined in fields.EVENT_KINDS.items()
}
_NEEDED: Mapping[str, frozenset[str]] = {
    kind: frozenset((*required, *(("amount",) if kind == "order" else ()))) for kind, required in _REQUIRED.items()
}
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
            if type(value) is not str or not PLAIN_AMOUNT.fullmatch(value):
                return None
            point = value.find(".")
            body[key] = value + ".00" if point < 0 else value + "0" if point == len(value) - 2 else value
        elif form == "count":
            if text and type(value) is str:
                value = _whole(value)
            if type(value) is not int or not _LOW[key] <= value <= _HIGH[key]:
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
        elif form == "choice" and type(value) is str and value in _CHOICES[key]:
            body[key] = value
        elif key not in _COMMON:
            return None
    if not _NEEDED[kind] <= body.keys():
        return None  # the full check names what is missing, or prices the order (XT-PRICE-01)
    return Event(ident, platform, creator, date, kind, canonical_flat(body))


def _whole(text: str) -> int | str:
    """A CSV cell of ASCII digits as a whole number, else the text (for the checker to name)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4000 else text


@functools.lru_cache(maxsize=4096)  # a month's events repeat a few dozen dates; bounded against bad input
def _valid_date(text: str) -> bool:
    """Whether ``text`` is a real date written YYYY-MM-DD (memoised: every event row asks)."""
    if not DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _read_date(c: Checker, value: object, path: str) -> str | None:
    if isinstance(value, str) and DATE.fullmatch(value):
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
        "creator": {"id": "-", "followers": 0, "price_card": dict.fromkeys(fields.CREATOR["price_card"].values, "0")},
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
        defined = _SUMMED.get(kind)
        if defined is None or not isinstance(section, dict):
            return None
        if any(a in section and b in section for a, b in _EXCLUSIVE[kind]):
            return None
        values = _plain(section, defined)
        if values is None:
            return None
        if kind == "programs" and "plays_by_scene" in values:
            values["plays"] = sum(values["plays_by_scene"].values(), ZERO)  # plays is the sum over scenes
        built[kind] = _MODELS[kind](**values)
    return built


def _plain(table: Mapping[str, Any], checks: Mapping[str, Callable[[object], object]]) -> dict[str, Any] | None:
    """A table's values as the loader reads them, by each key's fast check; None at the first key not
    declared or value not plainly valid."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        check = checks.get(key)
        found = fields.BAD if check is None else check(value)
        if found is fields.BAD:
            return None
        values[key] = found
    return values


#: The summed sections: each key's fast check, the keys given together is an error, and the model.
_SECTIONS = {"tips": fields.TIPS, "programs": fields.PROGRAMS, "merchant_live": fields.MERCHANT_LIVE}
_SUMMED = {kind: dict(fields.plains(section)) for kind, section in _SECTIONS.items()}
_EXCLUSIVE = {kind: section.exclusive for kind, section in _SECTIONS.items()}
_MODELS: Mapping[str, Callable[..., object]] = {"tips": Tips, "programs": Programs, "merchant_live": MerchantLive}
#: An ``[[orders]]`` entry's plain keys (no nested tables) and their fast checks.
_ORDER_PLAIN = {
    name: check
    for name, check in fields.plains(fields.ORDER).items()
    if fields.ORDER[name].type not in ("table", "tables")
}
_ORDER_REQUIRED = frozenset(f.name for f in fields.ORDER.fields if f.required)


def _order(entry: Mapping[str, Any], creator: Creator) -> Order | None:
    """An ``[[orders]]`` entry with its amount and no nested tables, as the loader builds it (its
    one participant is the scenario creator, as main); None for any other."""
    if not isinstance(entry, dict) or "amount" not in entry:
        return None
    values = _plain(entry, _ORDER_PLAIN)
    if values is None or not values.keys() >= _ORDER_REQUIRED:
        return None
    return Order(**values, participants=(Participant(creator.id, "main", values["amount"]),))  # defaults: the model's


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
