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
#: The fast path's form of each plain field, from its type; a field not listed (nested tables) takes the full check.
_FORMS = {"amount": "amount", "count": "count", "bool": "flag", "id": "ident", "choice": "choice"}


class _Kinds:
    """What the checks and the summing know of each event kind, made once per schema from its
    definitions (the core's kinds and the plugins', :class:`~creatorpay.core.fields.EventKind`)."""

    def __init__(self, schema: fields.Schema) -> None:
        self.schema = schema
        kinds = schema.kinds
        #: Each kind's fields, named as in docs/scenario.md, with their readers (CORE-INPUT-01).
        self.fields: Mapping[str, Mapping[str, _Reader]] = {
            kind: {f.name: _NESTED_READERS.get(f.type) or fields.reader(f) for f in defined}
            for kind, defined in kinds.items()
        }
        self.kinds = schema.event["kind"].values
        types = {f.name: f.type for defined in kinds.values() for f in defined}
        self.amounts = frozenset(name for name, kind in types.items() if kind == "amount")
        self.counts = frozenset(name for name, kind in types.items() if kind == "count")
        self.flags = frozenset(name for name, kind in types.items() if kind == "bool")
        self.nested = frozenset(name for name, kind in types.items() if kind in _NESTED_READERS)
        #: Per kind: its fields' forms for the fast path.
        self.forms: Mapping[str, Mapping[str, str]] = {
            kind: {f.name: _FORMS[f.type] for f in defined if f.type in _FORMS} for kind, defined in kinds.items()
        }
        defined_by_name = {f.name: f for defined in kinds.values() for f in defined}
        #: Each choice's values, and each count's bounds (CORE-INPUT-01), from their definitions.
        self.choices: Mapping[str, frozenset[str]] = {
            name: frozenset(f.values) for name, f in defined_by_name.items() if f.choices
        }
        self.low: Mapping[str, int] = {name: f.minimum or 0 for name, f in defined_by_name.items() if f.type == "count"}
        self.high: Mapping[str, int] = {name: f.maximum for name, f in defined_by_name.items() if f.maximum is not None}
        #: Per kind: its required fields; and what the fast path needs besides: an order's amount,
        #: else the full check prices it from the creator's card (XT-PRICE-01).
        self.required: Mapping[str, tuple[str, ...]] = {
            kind: tuple(f.name for f in defined if f.required) for kind, defined in kinds.items()
        }
        self.needed: Mapping[str, frozenset[str]] = {
            kind: frozenset((*required, *(("amount",) if kind == "order" else ())))
            for kind, required in self.required.items()
        }
        #: The summed sections: each key's fast check, the keys given together is an error, each
        #: kind's ``keyed`` (a choice routing an amount into a map), and the plugins' tables' defaults.
        self.summed = {kind: dict(fields.plains(section)) for kind, section in schema.summed.items()}
        self.exclusive = {kind: section.exclusive for kind, section in schema.summed.items()}
        self.keyed = schema.keyed
        self.defaults = {
            kind: fields.defaults(section) for kind, section in schema.summed.items() if kind not in _MODELS
        }
        #: An ``[[orders]]`` entry's plain keys (no nested tables) and their fast checks, its required
        #: keys, and the plugins' keys with their defaults (in ``order.extra``, as the loader gives them).
        orders = schema["orders"]
        self.order_plain = {
            name: check for name, check in fields.plains(orders).items() if orders[name].type not in ("table", "tables")
        }
        self.order_required = frozenset(f.name for f in orders.fields if f.required)
        #: In the section's order, the loader's order of ``order.extra``.
        self.order_extra = tuple(name for name in orders.names if name in schema.extra["orders"])
        self.order_defaults = fields.defaults(
            attrs.evolve(orders, fields=tuple(f for f in orders.fields if f.name in self.order_extra))
        )


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


def parse_event(
    row: Mapping[str, Any], *, platforms: Collection[str], text: bool = False, schema: fields.Schema | None = None
) -> Event | str:
    """The row as an :class:`Event`, or the reason it is rejected (every problem, with its field).

    ``text``: the row comes from CSV, so counts, flags and nested tables are written as text.
    ``schema``: its kinds (``engine.schema``: with the plugins' kinds; by default the installed plugins').
    """
    known = _kinds(schema)
    return _fast(row, platforms, text, known) or _checked(row, platforms, text, known)


def _checked(
    row: Mapping[str, Any], platforms: Collection[str], text: bool, known: _Kinds | None = None
) -> Event | str:
    """The full check with a :class:`Checker`: every problem named with its field."""
    known = _core(known)
    c = Checker("event")
    values = dict(row)
    if text:
        _from_text(c, values, known)
    ident = c.get(values, "id", "", Checker.ident, required=True)
    platform = c.get(values, "platform", "", Checker.ident, required=True)
    if platform is not None and platform not in platforms:
        c.fail("platform", f"unknown platform {platform!r}; loaded: {', '.join(sorted(platforms))}")
    creator = c.get(values, "creator", "", Checker.ident, required=True)
    date = c.get(values, "date", "", _read_date, required=True)
    kind = c.get(values, "kind", "", choice(*known.kinds), required=True)
    body: dict[str, Any] = {}
    if kind is not None:
        fields = known.fields[kind]
        for key, value in values.items():
            if key in COMMON:
                continue
            read = fields.get(key)
            if read is None:
                c.fail(key, f"not a field of kind {kind}; its fields are: {', '.join(fields)}")
                continue
            found = read(c, value, key)
            if found is not None:
                body[key] = fmt(found) if key in known.amounts and isinstance(found, Decimal) else found
        missing = [key for key in known.required[kind] if key not in body]
        short = [key for key, value in body.items() if type(value) is int and value < known.low.get(key, 0)]
        if missing or short:
            for key in missing:
                c.fail(key, "required key is missing")
            for key in short:
                c.fail(key, f"expected a whole number >= {known.low[key]}, found {body[key]}")
        elif (
            kind == "order"
            and not c.problems
            and ident is not None
            and date is not None
            and (known.nested & body.keys() or "amount" not in body)
        ):
            _check_order(c, body, ident, date)
    if c.problems:
        return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in c.problems)
    assert ident is not None and platform is not None and creator is not None
    assert date is not None and kind is not None
    return Event(ident, platform, creator, date, kind, canonical_flat(body))


_COMMON = frozenset(COMMON)


def _kinds(schema: fields.Schema | None) -> _Kinds:
    """The kinds of a schema (``engine.schema``; None: the installed plugins')."""
    return _compiled(fields.installed() if schema is None else schema)


@functools.lru_cache(maxsize=16)
def _compiled(schema: fields.Schema) -> _Kinds:
    """The kinds of a schema, made once per schema."""
    return _Kinds(schema)


def _core(known: _Kinds | None) -> _Kinds:
    """The kinds given, or the installed plugins' (a caller passing none)."""
    return _kinds(None) if known is None else known


def _fast(row: Mapping[str, Any], platforms: Collection[str], text: bool, known: _Kinds | None = None) -> Event | None:
    """The common case without a Checker: every value plainly valid. None means "take the full
    check", which names the problem (or accepts what this path is too strict for)."""
    known = _core(known)
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
        and kind in known.forms
        and _valid_date(date)
    ):
        return None
    assert isinstance(platform, str) and isinstance(kind, str)
    forms = known.forms[kind]
    low, high, choices = known.low, known.high, known.choices
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
            if type(value) is not int or not low[key] <= value <= high[key]:
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
        elif form == "choice" and type(value) is str and value in choices[key]:
            body[key] = value
        elif key not in _COMMON:
            return None
    if not known.needed[kind] <= body.keys():
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


def _from_text(c: Checker, values: dict[str, Any], known: _Kinds) -> None:
    """CSV cells to JSON types: counts to whole numbers, flags to booleans, nested cells from JSON."""
    for key, value in list(values.items()):
        if not isinstance(value, str):
            continue
        if key in known.counts:
            values[key] = _whole(value)
        elif key in known.flags:
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                values[key] = lowered == "true"
        elif key in known.nested:
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

    The amount may come from the creator's card (a plugin's pricing: Xingtu's price card,
    XT-PRICE-01), unknown here: a placeholder card lets the check pass, and the month's settlement
    uses the real one.
    """
    order = order_entry(ident, body)
    probe = {"schema": 1, "period": date[:7], "orders": [order], "creator": {"id": "-", "followers": 0, **_cards()}}
    try:
        load_scenario(probe, source="event")
    except InputError as exc:
        for problem in exc.problems:
            c.fail(problem.path.replace("orders[0].", "", 1).replace("orders[0]", "order"), problem.message)


def _cards() -> dict[str, dict[str, str]]:
    """A placeholder of the installed plugins' pricing card, every key priced (XT-PRICE-01)."""
    schema = fields.installed()
    if schema.pricing is None:
        return {}
    return {schema.pricing.card: dict.fromkeys(schema["creator"][schema.pricing.card].values, "0")}


def order_entry(event_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[[orders]]`` entry an order event describes; its order id defaults to the event id."""
    order = {key: value for key, value in body.items() if key != "order_id"}
    order["id"] = body.get("order_id", event_id)
    return order


def activities(
    sections: Mapping[str, Any], creator: Creator, schema: fields.Schema | None = None
) -> dict[str, Any] | None:
    """The :class:`Scenario` fields of the activity sections :func:`fold` made, built directly.

    Every field was checked when its event was staged (:func:`parse_event`) and the sums are
    written canonically, so the loader would find nothing to object to: this builds what
    :func:`load_scenario` would, value for value (the same text read into the same Decimal), without
    its checks. None when a section is not of that plain kind (a sum reaching the amount limit,
    keys that may not be given together, an order priced from the card or with nested tables):
    the caller then runs the loader, which names the problem or prices the order. The plugins'
    tables (``schema``'s kinds) go to ``tables``, with their defaults as the loader gives them.
    """
    known = _kinds(schema)
    built: dict[str, Any] = {}
    tables: dict[str, Mapping[str, Any]] = {}
    for kind, section in sections.items():
        if kind == "orders":
            orders = [_order(entry, creator, known) for entry in section]
            if None in orders:
                return None
            built["orders"] = tuple(orders)
            continue
        defined = known.summed.get(kind)
        if defined is None or not isinstance(section, dict):
            return None
        if any(a in section and b in section for a, b in known.exclusive[kind]):
            return None
        values = _plain(section, defined)
        if values is None:
            return None
        model = _MODELS.get(kind)
        if model is not None:
            built[kind] = model(**values)
            continue
        given = dict(known.defaults[kind])
        for first, second in known.exclusive[kind]:  # one of two keys given: the other takes no default
            given.pop(second if first in values else first if second in values else "", None)
        tables[kind] = MappingProxyType({**given, **values})
    if tables:
        built["tables"] = MappingProxyType(tables)
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


#: The core's summed sections' models; a plugin's table is a read-only mapping in ``tables``.
_MODELS: Mapping[str, Callable[..., object]] = {"tips": Tips, "merchant_live": MerchantLive}


def _order(entry: Mapping[str, Any], creator: Creator, known: _Kinds) -> Order | None:
    """An ``[[orders]]`` entry with its amount and no nested tables, as the loader builds it (its
    one participant is the scenario creator, as main; the plugins' keys in ``extra`` with their
    defaults); None for any other."""
    if not isinstance(entry, dict) or "amount" not in entry:
        return None
    values = _plain(entry, known.order_plain)
    if values is None or not values.keys() >= known.order_required:
        return None
    participants = (Participant(creator.id, "main", values["amount"]),)
    if not known.order_extra:
        return Order(**values, participants=participants)  # defaults: the model's
    extra = dict(known.order_defaults)
    for key in known.order_extra:
        if key in values:
            extra[key] = values.pop(key)
    return Order(**values, participants=participants, extra=MappingProxyType(extra))


def fold(events: Iterable[tuple[str, str, str]], schema: fields.Schema | None = None) -> dict[str, Any]:
    """The scenario's activity sections from all of a unit's events ``(id, kind, body)``, given in
    (date, event id) order: the month is the same whatever runs brought its events (docs/batch.md).

    Tips, merchant live streams and the plugins' kinds are summed; an event of a kind with a
    ``keyed`` choice (NetEase's ``plays`` with a ``scene``) adds its amount to that key of the map.
    Orders: one entry per order id, the latest event giving its state, in the order of each order's
    earliest event (the input order of XT-CC-06).
    """
    known = _kinds(schema)
    sums: dict[str, dict[str, Any]] = {}
    keyed: dict[str, dict[str, Decimal]] = {}
    orders: dict[str, dict[str, Any]] = {}
    for ident, kind, text in events:
        body = read_json(text)
        if kind == "order":
            entry = order_entry(ident, body)
            orders[entry["id"]] = entry
            continue
        section = sums.setdefault(kind, {})
        route = known.keyed.get(kind)
        if route is not None and route[0] in body:
            key, amount, _ = route
            if amount in body:
                into = keyed.setdefault(kind, {})
                into[body[key]] = into.get(body[key], ZERO) + Decimal(body[amount])
            body = {k: v for k, v in body.items() if k not in (key, amount)}
        for key, value in body.items():
            number = Decimal(value) if key in known.amounts else value
            section[key] = section.get(key, 0) + number
    result: dict[str, Any] = {
        kind: {key: fmt(v) if isinstance(v, Decimal) else v for key, v in section.items()}
        for kind, section in sums.items()
    }
    for kind, into in keyed.items():
        result.setdefault(kind, {})[known.keyed[kind][2]] = {k: fmt(v) for k, v in into.items()}
    if orders:
        result["orders"] = list(orders.values())
    return result


__all__ = [
    "COMMON",
    "Event",
    "activities",
    "canonical_json",
    "compact_json",
    "fold",
    "order_entry",
    "parse_event",
]
