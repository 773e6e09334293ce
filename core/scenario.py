"""The input model: one creator's month of work, loaded and checked per docs/scenario.md (schema 1).

Every class is frozen and slotted; :func:`load_scenario` is the only way in from untrusted data and
raises :class:`~creatorpay.core.errors.InputError` naming the file, the 0-based field path and what
was expected (CORE-INPUT-01).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs

from . import fields
from .cache import read_rules
from .checks import Checker, describe, join, parse_text
from .errors import InputError
from .files import path_text
from .model import attrs_repr
from .money import ZERO

if TYPE_CHECKING:
    from .files import StrPath
    from .scenario_rare import MerchantLive, PlatformValues, Termination

STAGES = fields.ORDER["stage"].values
TASKS = fields.ORDER["task"].values
ROLES = fields.PARTICIPANT["role"].values
TAX_METHODS = fields.TAX["method"].values


def count_limits(schema: fields.Schema | None = None) -> Mapping[str, int]:
    """The largest value of each count (CORE-INPUT-01; why each: :mod:`~creatorpay.core.fields` and
    the plugins' fields modules), so that nothing derived from one grows without end, with ``schema``'s
    plugins' counts (by default every installed plugin's). ``months_with_income`` is bounded by the
    period instead."""
    return _count_limits(fields.installed() if schema is None else schema)


@functools.lru_cache(maxsize=16)
def _count_limits(schema: fields.Schema) -> Mapping[str, int]:
    return MappingProxyType(
        {
            f.name: f.maximum
            for name in ("creator", "tips", "orders", "merchant_live")
            for f in schema[name].fields
            if f.type == "count" and f.maximum is not None
        }
    )


#: The core's count limits alone (:func:`count_limits` has the plugins' too).
COUNT_LIMITS = _count_limits(fields.CORE)
#: CN-TAX-02 needs ``months_with_income`` from this month on.
CUMULATIVE_TAX_FROM = dt.date(2025, 10, 1)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
T = TypeVar("T")


@attrs.frozen(order=True)
class Period:
    """A calendar month; settled under the rules in force on its first day (CORE-DATE-01)."""

    __repr__ = attrs_repr

    year: int
    month: int

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """``Period.parse("2026-10")``; raises ValueError for anything but a real month."""
        found = Checker("period").period(text, "period")
        if found is None:
            raise ValueError(f"not a month YYYY-MM: {text!r}")
        return cls(*found)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@attrs.frozen
class Creator:
    """``[creator]``: the creator whose statement this is."""

    __repr__ = attrs_repr

    id: str
    followers: int
    original: bool = True
    #: The keys plugins declare (``creatorpay_scenario_fields``), by name.
    extra: Mapping[str, Any] = _EMPTY


@attrs.frozen
class Mcn:
    """``[mcn]``: the MCN agreement of CORE-MCN-01."""

    __repr__ = attrs_repr

    name: str
    share: Decimal


@attrs.frozen
class Tax:
    """``[tax]``: the tax profile used by the cn_tax plugin (CN-TAX-*, CN-VAT-01)."""

    __repr__ = attrs_repr

    method: str = "none"
    months_with_income: int | None = None
    ytd_income: Decimal = ZERO
    ytd_withheld: Decimal = ZERO


@attrs.frozen
class Participant:
    """One creator in an order, with the amount agreed among the participants (XT-ORD-02)."""

    __repr__ = attrs_repr

    creator: str
    role: str
    agreed: Decimal
    #: The keys plugins declare (``creatorpay_scenario_fields``), by name.
    extra: Mapping[str, Any] = _EMPTY


@attrs.frozen
class Order:
    """``[[orders]]``: a brand order. ``amount`` is resolved from the price card when absent."""

    __repr__ = attrs_repr

    id: str
    amount: Decimal
    stage: str
    task: str = "assigned"
    termination: Termination | None = None
    participants: tuple[Participant, ...] = ()
    #: The key of the card that gave the amount (a plugin's :class:`~creatorpay.core.fields.Pricing`:
    #: Xingtu's price-card band, XT-PRICE-01), or None when the amount was given.
    priced_band: str | None = None
    #: The keys plugins declare (``creatorpay_scenario_fields``), by name.
    extra: Mapping[str, Any] = _EMPTY

    @property
    def main(self) -> Participant | None:
        """The first participant with role ``main``."""
        return next((p for p in self.participants if p.role == "main"), None)

    @property
    def co_creators(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role == "co_creator")

    def participant(self, creator: str) -> Participant | None:
        return next((p for p in self.participants if p.creator == creator), None)

    @property
    def paid_now(self) -> bool:
        """Published and not terminated: the order pays this month (CORE-ORD-02)."""
        return self.stage == "published" and self.termination is None


@attrs.frozen
class Tips:
    """``[tips]``: live tipping received in the month, gross (WC-TIP-01)."""

    __repr__ = attrs_repr

    yuan: Decimal = ZERO
    beans_android: int = 0
    beans_ios: int = 0


@attrs.frozen
class Scenario:
    """One creator's month, settled on every platform (docs/scenario.md, schema 1)."""

    __repr__ = attrs_repr

    period: Period
    creator: Creator
    schema: int = 1
    name: str | None = None
    mcn: Mcn | None = None
    tax: Tax = Tax()
    orders: tuple[Order, ...] = ()
    tips: Tips | None = None
    merchant_live: MerchantLive | None = None
    platform: Mapping[str, PlatformValues] = _EMPTY
    ext: Mapping[str, Mapping[str, Any]] = _EMPTY
    #: The top-level tables plugins declare (``creatorpay_scenario_fields``), by name.
    tables: Mapping[str, Mapping[str, Any]] = _EMPTY
    #: Where the scenario came from, for reports and error messages.
    source: str = "<scenario>"

    def for_platform(self, name: str) -> Scenario:
        """This scenario as one platform sees it, with its ``[platform.<name>]`` values applied."""
        values = self.platform.get(name)
        if values is None:
            return self
        own = {key: value for key, value in values.creator.items() if key not in _CREATOR_ATTRS}
        core = {key: value for key, value in values.creator.items() if key in _CREATOR_ATTRS}
        if own:
            core["extra"] = MappingProxyType({**self.creator.extra, **own})
        creator = attrs.evolve(self.creator, **core)
        return attrs.evolve(self, creator=creator, tax=attrs.evolve(self.tax, **values.tax))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as SCENARIO.md writes it (amounts as decimal strings, so it prints as JSON or
        TOML): ``load_scenario(s.to_dict(), source=s.source) == s``. An order priced from the price
        card (XT-PRICE-01) is written without its amount, so it is priced again."""
        data: dict[str, Any] = {"schema": self.schema}
        if self.name is not None:
            data["name"] = self.name
        data["period"] = str(self.period)
        data["creator"] = {"id": self.creator.id, **_creator_dict(attrs.asdict(self.creator, recurse=False))}
        if self.mcn is not None:
            data["mcn"] = {"name": self.mcn.name, "share": str(self.mcn.share)}
        data["tax"] = _tax_dict(attrs.asdict(self.tax, recurse=False))
        if self.orders:
            data["orders"] = [_order_dict(order) for order in self.orders]
        if self.tips is not None:
            data["tips"] = {
                "yuan": str(self.tips.yuan),
                "beans_android": self.tips.beans_android,
                "beans_ios": self.tips.beans_ios,
            }
        if self.merchant_live is not None:
            data["merchant_live"] = {
                "sales": str(self.merchant_live.sales),
                "private_users": self.merchant_live.private_users,
            }
        if self.platform:
            data["platform"] = {
                name: {**_creator_dict(values.creator), **({"tax": _tax_dict(values.tax)} if values.tax else {})}
                for name, values in self.platform.items()
            }
        for name, table in self.tables.items():
            data[name] = _written(table)
        if self.ext:
            data["ext"] = {name: dict(section) for name, section in self.ext.items()}
        return data

    @property
    def activities(self) -> tuple[str, ...]:
        """The activities present, as named in the rulebook's activity table: orders, tips, the plugins'
        tables (``programs``), merchant_live. Asked for on every statement: without plugin tables, the
        tuple is built directly (the same names in the same order)."""
        if not self.tables:
            found = ["orders"] if self.orders else []
            if self.tips is not None:
                found.append("tips")
            if self.merchant_live is not None:
                found.append("merchant_live")
            return tuple(found)
        present = {
            "orders": bool(self.orders),
            "tips": self.tips is not None,
            **dict.fromkeys(self.tables, True),
            "merchant_live": self.merchant_live is not None,
        }
        return tuple(name for name, here in present.items() if here)


def _creator_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    """``[creator]`` keys (or a platform's) as written: amounts as text, ``None`` left out, no ``id``;
    the plugins' keys (``extra``) beside the core's."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if key == "id" or value is None:
            continue
        if key == "extra":
            found.update(_written(value))
        else:
            found[key] = value
    return found


def _written(values: Mapping[str, Any]) -> dict[str, Any]:
    """A table of plugin-declared keys as written: amounts and ratios as text, maps as tables."""
    return {
        key: str(value) if isinstance(value, Decimal) else _written(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def _tax_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    """``[tax]`` keys as written: amounts as text, ``None`` left out."""
    return {
        key: str(value) if isinstance(value, Decimal) else value for key, value in values.items() if value is not None
    }


def _order_dict(order: Order) -> dict[str, Any]:
    """One ``[[orders]]`` table as written; a priced order gives its video length, not its amount."""
    found: dict[str, Any] = {"id": order.id}
    if order.priced_band is None:
        found["amount"] = str(order.amount)
    found.update(task=order.task, stage=order.stage)
    found.update(_written(order.extra))
    if order.termination is not None:
        found["termination"] = {"by": order.termination.by, "reason": order.termination.reason}
    if order.participants:
        found["participants"] = [
            {
                "creator": p.creator,
                "role": p.role,
                "agreed": str(p.agreed),
                **_written(p.extra),
            }
            for p in order.participants
        ]
    return found


# -- loading ---------------------------------------------------------------------------------------

_Reader = Callable[[Checker, object, str], Any]


def _at_least(read: _Reader, minimum: int) -> _Reader:
    """A count's reader with its lower bound above 0 (Xingtu's video length: XT-PRICE-01's bands start at 1 s)."""

    def check(c: Checker, value: object, path: str) -> Any:
        found = read(c, value, path)
        if found is not None and found < minimum:
            c.fail(path, f"expected a whole number >= {minimum}, found {found}")
            return None
        return found

    return check


def _map(field: fields.Field) -> _Reader:
    """The reader of a ``map`` field: a table of the declared keys, each value of the field's value type."""
    read = fields.reader(fields.Field(field.name, field.value or "amount", ""))

    def check(c: Checker, value: object, path: str) -> Any:
        table = c.table(value, path)
        if table is None:
            return None
        before = len(c.problems)
        c.unknown_keys(table, field.values, path)
        found = {key: read(c, table[key], join(path, key)) for key in field.values if key in table}
        return MappingProxyType(found) if len(c.problems) == before else None

    return check


def _readers(section: fields.Section, **special: _Reader) -> Mapping[str, _Reader]:
    """The reader of each plain field of a section (all but nested tables), made once from its
    definition: type, choices, bounds (CORE-INPUT-01); ``special`` replaces one."""
    found: dict[str, _Reader] = {}
    for f in section.fields:
        if f.name in special:
            found[f.name] = special[f.name]
        elif f.type == "map" and f.section is None:
            found[f.name] = _map(f)
        elif f.type not in ("table", "tables", "map"):
            read = fields.reader(f)
            found[f.name] = _at_least(read, f.minimum) if f.type == "count" and f.minimum else read
    return MappingProxyType(found)


def _values(
    c: Checker, table: Mapping[str, Any], section: fields.Section, path: str, *, partial: bool = False
) -> dict[str, Any]:
    """The plain keys of a table read by their definitions, in their order: a key not declared, a
    required key missing (unless ``partial``: an override) and keys given together that may not be
    are problems. A value read badly is None; a key left out is absent (the model's default)."""
    read_by = _ACTIVE.get().tables[section.name]  # with the loaded plugins' fields
    c.unknown_keys(table, read_by.names, path)
    values: dict[str, Any] = {}
    for key, read in read_by.readers.items():
        if key in table:
            values[key] = read(c, table[key], join(path, key))
        elif key in read_by.required and not partial:
            c.fail(join(path, key), "required key is missing")
    if read_by.defaults and not partial:
        values = {**read_by.defaults, **values}
    for first, second in read_by.section.exclusive:
        if first in table and second in table:
            c.fail(join(path, second), f"give either {first} or {second}, not both")
        elif second in table and first not in table:
            values.pop(first, None)  # one of two keys given: the other takes no default
        elif first in table:
            values.pop(second, None)
    return values


def _complete(values: Mapping[str, Any]) -> bool:
    return None not in values.values()


class _Table:
    """How one section is read, made once: its keys, its plain keys' readers, its required keys.

    A plain class, as :class:`_Compiled`: a private record never compared or printed, for which attrs
    would build a class at every start (about 1M instructions each, docs/performance.md)."""

    __slots__ = ("defaults", "names", "readers", "required", "section")

    def __init__(
        self,
        section: fields.Section,
        names: tuple[str, ...],
        readers: Mapping[str, _Reader],
        required: frozenset[str],
        defaults: Mapping[str, Any],
    ) -> None:
        self.section = section
        self.names = names
        self.readers = readers
        self.required = required
        #: The defaults of the plugins' keys (the core's are its models' defaults).
        self.defaults = defaults


class _Compiled:
    """A schema and how each of its sections is read, by name (a plain class: see :class:`_Table`)."""

    __slots__ = ("amount_keys", "amount_tables", "schema", "tables")

    def __init__(
        self,
        schema: fields.Schema,
        tables: Mapping[str, _Table],
        amount_keys: frozenset[str],
        amount_tables: frozenset[str],
    ) -> None:
        self.schema = schema
        self.tables = tables
        #: Keys whose value is an amount or ratio, and tables whose every value is an amount.
        self.amount_keys = amount_keys
        self.amount_tables = amount_tables


@functools.lru_cache(maxsize=16)  # a Schema hashes by identity: one entry per schema in use
def _compile(schema: fields.Schema) -> _Compiled:
    """The readers of a schema (the core's, or with the loaded plugins' fields), made once per schema."""
    readers = {section.name: _readers(section) for section in schema.sections}
    # counted from 1 to the period's month, checked with the period (CORE-INPUT-01)
    readers["tax"] = _readers(schema["tax"], months_with_income=Checker.count)
    core = {s.name: frozenset(s.names) for s in fields.SECTIONS}
    tables = {
        s.name: _Table(
            s,
            s.names,
            readers[s.name],
            frozenset(f.name for f in s.fields if f.required),
            fields.defaults(attrs.evolve(s, fields=tuple(f for f in s.fields if f.name not in core.get(s.name, ())))),
        )
        for s in schema.sections
    }
    every = [f for section in schema.sections for f in section.fields]
    return _Compiled(
        schema,
        MappingProxyType(tables),
        frozenset(f.name for f in every if f.type in ("amount", "ratio")),
        frozenset(f.name for f in every if f.type == "map" and f.value == "amount"),
    )


#: The schema the scenario being loaded is read by (load_scenario's ``schema``).
_ACTIVE: ContextVar[_Compiled] = ContextVar("schema")


@overload
def load_scenario(
    data: StrPath | Mapping[str, Any], *, source: str | None = None, schema: fields.Schema | None = ...
) -> Scenario: ...


@overload
def load_scenario(
    *, text: str, format: Literal["toml", "json"], source: str | None = None, schema: fields.Schema | None = ...
) -> Scenario: ...


def load_scenario(
    data: StrPath | Mapping[str, Any] | None = None,
    *,
    text: str | None = None,
    format: Literal["toml", "json"] | None = None,
    source: str | None = None,
    schema: fields.Schema | None = None,
) -> Scenario:
    """Load and check a scenario: ``load_scenario(path_or_mapping)`` or ``load_scenario(text=..., format=...)``.

    ``data`` is a path (a ``str`` is always a path, never guessed to be text; TOML unless it ends in
    ``.json``) or an already parsed mapping, whose amounts may also be ``Decimal`` or ``int`` (not
    float or bool), as :meth:`Scenario.to_dict` and Python code write them. ``text`` is a TOML or
    JSON document, read exactly as a file of that format (amounts as decimal strings). ``source``
    names the input in error messages. Raises :class:`InputError` naming each field at fault
    (CORE-INPUT-01); TypeError or ValueError for a call that gives neither or both.

    >>> load_scenario({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 0}}).period
    Period(year=2026, month=10)

    ``schema`` is the sections to read by: ``engine.schema`` with the fields its plugins declare
    (hook ``creatorpay_scenario_fields``), :data:`~creatorpay.core.fields.CORE` for the core's
    alone; by default every installed plugin's (:func:`~creatorpay.core.fields.installed`).
    """
    token = _ACTIVE.set(_compile(fields.installed() if schema is None else schema))
    try:
        return _load(data, text, format, source)
    finally:
        _ACTIVE.reset(token)


def _load(
    data: StrPath | Mapping[str, Any] | None, text: str | None, format: str | None, source: str | None
) -> Scenario:
    if text is not None or format is not None:
        if data is not None:
            raise TypeError("load_scenario takes a path or mapping, or text= with format=, not both")
        if not isinstance(text, str):
            raise TypeError(f"load_scenario(text=...) takes a str, not {type(text).__name__}")
        if format not in ("toml", "json"):
            raise ValueError(f'load_scenario(text=...) needs format="toml" or format="json", not {format!r}')
        name = source or f"<{format} text>"
        return _build(_parse_text(text, format, name), name)
    if isinstance(data, str | os.PathLike):
        return _build(read_rules(data, InputError), source or path_text(data))  # through the parsed-file cache
    if not isinstance(data, Mapping):
        raise TypeError(f"load_scenario takes a path, a mapping or text=, not {type(data).__name__}")
    name = source or "<scenario>"
    try:
        return _build(data, name)
    except InputError:
        plain = _amounts_as_text(data)  # only now: the files' and batch's string amounts pay nothing
        if plain == data:
            raise
    return _build(plain, name)


def _parse_text(text: str, format: str, source: str) -> Mapping[str, Any]:
    """A TOML or JSON document given as text, parsed as :func:`read_document` parses a file."""
    from .files import MAX_DOCUMENT  # here: files imports tempfile, which a mapping never needs

    if len(text) > MAX_DOCUMENT:
        raise InputError.one(source, "", f"longer than {MAX_DOCUMENT:,} characters, the limit of a document")
    return parse_text(text, format, source)


def _amounts_as_text(value: Any, amount: bool = False) -> Any:
    """A Python mapping's ``Decimal`` and ``int`` amounts as the decimal strings the checks read;
    a float, a bool or an inexact value is left for the checks to refuse. ``[ext]`` is the plugins'.
    Amount keys are those of the schema being read by (the plugins' fields too)."""
    if isinstance(value, Mapping):
        compiled = _ACTIVE.get()
        table: dict[Any, Any] = {}
        for key, item in value.items():
            if key == "ext":
                table[key] = item
            elif key in compiled.amount_tables and isinstance(item, Mapping):
                table[key] = {band: _amounts_as_text(price, True) for band, price in item.items()}
            else:
                table[key] = _amounts_as_text(item, key in compiled.amount_keys)
        return table
    if isinstance(value, list | tuple):
        return [_amounts_as_text(item) for item in value]
    if amount and isinstance(value, Decimal) and value.is_finite() and int(value.as_tuple().exponent) >= -2:
        return f"{value:f}"
    if amount and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _build(data: Mapping[str, Any], source: str) -> Scenario:
    c = Checker(source)
    top = c.table(data, "")
    c.raise_if_any()
    assert top is not None
    c.unknown_keys(top, _ACTIVE.get().schema.scenario.names, "")
    schema = c.get(top, "schema", "", Checker.count, required=True)
    if schema is not None and schema != 1:
        c.fail("schema", f"expected 1 (the only schema this version reads), found {describe(schema)}")
    name = c.get(top, "name", "", Checker.text)
    found = c.get(top, "period", "", Checker.period, required=True)
    period = Period(*found) if found else None

    creator_table = c.get(top, "creator", "", Checker.table, required=True)
    creator = _creator(c, creator_table, "creator") if creator_table is not None else None
    mcn = _simple(c, top, fields.MCN, Mcn)
    tax = _tax(c, top.get("tax", {}), "tax", period)
    orders = _orders(c, top.get("orders", []), creator, source)
    tips = _simple(c, top, fields.TIPS, Tips)
    merchant = _simple(c, top, fields.MERCHANT_LIVE, _merchant_live)
    platform = _platform_values(c, top.get("platform", {}), period, tax)
    tables = {}
    for table_name in _ACTIVE.get().schema.extra["scenario"]:
        if table_name in top:
            found_table = c.table(top[table_name], table_name)
            if found_table is not None:
                tables[table_name] = MappingProxyType(_values(c, found_table, _section(table_name), table_name))
    ext: Mapping[str, Mapping[str, Any]] = _EMPTY
    if "ext" in top:
        ext_table = c.table(top["ext"], "ext") or {}
        ext = MappingProxyType({k: v for k, v in ext_table.items() if c.table(v, join("ext", k)) is not None})
    c.raise_if_any()
    assert period is not None and creator is not None and tax is not None
    return Scenario(
        period=period,
        creator=creator,
        schema=1,
        name=name,
        mcn=mcn,
        tax=tax,
        orders=orders,
        tips=tips,
        merchant_live=merchant,
        platform=platform,
        ext=ext,
        tables=MappingProxyType(tables) if tables else _EMPTY,
        source=source,
    )


def _simple(c: Checker, top: Mapping[str, Any], section: fields.Section, model: Callable[..., T]) -> T | None:
    """A top-level table of plain keys, read by their definitions into its model; None when absent or bad."""
    if section.name not in top:
        return None
    table = c.table(top[section.name], section.name)
    if table is None:
        return None
    values = _values(c, table, section, section.name)
    return model(**values) if _complete(values) and values.keys() >= _REQUIRED[section.name] else None


def _section(name: str) -> fields.Section:
    """A section of the schema being read by, by its name (a plugin's table)."""
    return _ACTIVE.get().tables[name].section


#: The attributes of the models that take plugins' keys as ``extra``.
_CREATOR_ATTRS = frozenset(attrs.fields_dict(Creator))
_ORDER_ATTRS = frozenset(attrs.fields_dict(Order))
_PARTICIPANT_ATTRS = frozenset(attrs.fields_dict(Participant))
#: Each section's required keys, by its name.
_REQUIRED: Mapping[str, frozenset[str]] = MappingProxyType(
    {section.name: frozenset(f.name for f in section.fields if f.required) for section in fields.SECTIONS}
)


def _creator(c: Checker, table: Mapping[str, Any], path: str) -> Creator | None:
    values = _values(c, table, fields.CREATOR, path)
    if not _complete(values) or not values.keys() >= _REQUIRED["creator"]:
        return None
    return Creator(**_split(values, _CREATOR_ATTRS))


def _split(values: dict[str, Any], attributes: frozenset[str]) -> dict[str, Any]:
    """A model's keyword arguments: its own attributes, and the plugins' keys as ``extra``."""
    if values.keys() <= attributes:
        return values
    extra = {key: values.pop(key) for key in [key for key in values if key not in attributes]}
    return {**values, "extra": MappingProxyType(extra)} if extra else values


def _tax_values(c: Checker, table: Mapping[str, Any], path: str, period: Period | None) -> dict[str, Any]:
    """The ``[tax]`` keys present in ``table``, checked; ``months_with_income`` counts this month,
    so it is from 1 to the period's month number (CORE-INPUT-01: 10 in 2025-10)."""
    values = _values(c, table, fields.TAX, path)
    months = values.get("months_with_income")
    last = period.month if period is not None else 12
    if isinstance(months, int) and not 1 <= months <= last:
        why = f" (it counts this month, and the period is {period})" if period is not None else ""
        c.fail(
            join(path, "months_with_income"),
            f"expected a count from 1 to {last}{why}, found "
            f"{describe(months).removeprefix('the number ')} (CORE-INPUT-01)",
        )
    return values


def _tax(c: Checker, raw: object, path: str, period: Period | None) -> Tax | None:
    table = c.table(raw, path)
    if table is None:
        return None
    values = _tax_values(c, table, path, period)
    if not _complete(values):
        return None
    tax = Tax(**values)
    _cumulative(c, tax, path, period)
    return tax


def _cumulative(c: Checker, tax: Tax, path: str, period: Period | None) -> None:
    """CN-TAX-02: the platform's withholding needs ``months_with_income`` from 2025-10."""
    if (
        tax.method == "platform"
        and tax.months_with_income is None
        and period is not None
        and period.first_day >= CUMULATIVE_TAX_FROM
    ):
        c.fail(
            join(path, "months_with_income"),
            f'required with method = "platform" from 2025-10 (CN-TAX-02), period is {period}',
        )


def _orders(c: Checker, raw: object, creator: Creator | None, source: str) -> tuple[Order, ...]:
    if not isinstance(raw, list):
        c.fail("orders", "expected a list of tables ([[orders]])")
        return ()
    orders: list[Order] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = join("orders", index)
        order = _order(c, item, path, creator)
        if order is None:
            continue
        if order.id in seen:
            c.fail(join(path, "id"), f"expected an id unique in the scenario, {order.id!r} is repeated")
        seen.add(order.id)
        orders.append(order)
    return tuple(orders)


def _order(c: Checker, raw: object, path: str, creator: Creator | None) -> Order | None:
    table = c.table(raw, path)
    if table is None:
        return None
    before = len(c.problems)
    values = _values(c, table, fields.ORDER, path)
    termination = _termination(c, table["termination"], join(path, "termination")) if "termination" in table else None
    amount, band = values.get("amount"), None
    if amount is None and "amount" not in table:
        band, amount = _priced(c, values, creator, path)
        values["amount"] = amount
    participants: tuple[Participant, ...] = ()
    if "participants" in table:
        participants = _participants(c, table["participants"], join(path, "participants"))
    elif creator is not None and amount is not None:
        participants = (Participant(creator.id, "main", amount),)
    if termination is not None and values.get("stage") == "settled":
        c.fail(join(path, "termination"), "a settled order cannot be terminated (CORE-ORD-02)")
    if (
        termination is not None
        and termination.by != "client"
        and participants
        and all(p.creator != termination.by for p in participants)
    ):
        c.fail(join(path, "termination.by"), f'expected "client" or a participant\'s id, found {termination.by!r}')
    if len(c.problems) > before:
        return None
    order = _split(values, _ORDER_ATTRS)
    return Order(**order, termination=termination, participants=participants, priced_band=band)


def _priced(
    c: Checker, values: Mapping[str, Any], creator: Creator | None, path: str
) -> tuple[str | None, Decimal | None]:
    """An order without an amount priced from the creator's card by a plugin's
    :class:`~creatorpay.core.fields.Pricing` (Xingtu's price card, XT-PRICE-01): the key and the price."""
    pricing = _ACTIVE.get().schema.pricing
    value = values.get(pricing.by) if pricing is not None else None
    if pricing is None or value is None:
        c.fail(join(path, "amount"), pricing.missing if pricing is not None else "required key is missing")
        return None, None
    key = pricing.key(value)
    card = creator.extra.get(pricing.card, _EMPTY) if creator is not None else _EMPTY
    price = card.get(key) if key is not None else None
    if key is None or price is None:
        c.fail(join(path, "amount"), pricing.unpriced.format(key=key, value=value))
        return None, None
    return key, price


def _termination(c: Checker, raw: object, path: str) -> Termination | None:
    table = c.table(raw, path)
    if table is None:
        return None
    values = _values(c, table, fields.TERMINATION, path)
    if not (_complete(values) and "by" in values):
        return None
    from .scenario_rare import Termination  # built on first use: most months end no order early

    return Termination(**values)


def _participants(c: Checker, raw: object, path: str) -> tuple[Participant, ...]:
    if not isinstance(raw, list) or not raw:
        c.fail(path, "expected a non-empty list of participant tables")
        return ()
    found: list[Participant] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = join(path, index)
        table = c.table(item, where)
        if table is None:
            continue
        values = _values(c, table, fields.PARTICIPANT, where)
        creator = values.get("creator")
        if creator in seen:
            c.fail(join(where, "creator"), f"expected each creator once per order, {creator!r} is repeated")
        if creator is not None and all(values.get(key) is not None for key in _REQUIRED["participant"]):
            seen.add(creator)
            found.append(Participant(**_split(values, _PARTICIPANT_ATTRS)))
    return tuple(found)


def _merchant_live(**values: Any) -> MerchantLive:
    """``[merchant_live]``'s model, built on first use (:mod:`.scenario_rare`)."""
    from .scenario_rare import MerchantLive

    return MerchantLive(**values)


def _platform_values(c: Checker, raw: object, period: Period | None, top: Tax | None) -> Mapping[str, PlatformValues]:
    """``[platform.<name>]`` tables; each platform's tax (``[tax]`` with its own keys over it) is
    checked as ``[tax]`` is (CN-TAX-02, CORE-INPUT-01)."""
    table = c.table(raw, "platform")
    if table is None:
        return _EMPTY
    result: dict[str, PlatformValues] = {}
    for name, section in table.items():
        path = join("platform", name)
        values = c.table(section, path)
        if values is None:
            continue
        creator = _values(c, values, fields.PLATFORM, path, partial=True)
        tax: dict[str, Any] = {}
        if "tax" in values:
            tax_table = c.table(values["tax"], join(path, "tax"))
            if tax_table is not None:
                tax = _tax_values(c, tax_table, join(path, "tax"), period)
                if top is not None and _complete(tax):
                    _cumulative(c, attrs.evolve(top, **tax), join(path, "tax"), period)
        from .scenario_rare import PlatformValues  # built on first use: most scenarios have none

        result[name] = PlatformValues(MappingProxyType(creator), MappingProxyType(tax))
    return MappingProxyType(result)


#: Classes defined in :mod:`.scenario_rare`, built when first used (docs/performance.md, "Start-up").
_RARE = ("MerchantLive", "PlatformValues", "Termination")


def __getattr__(name: str) -> Any:
    """``MerchantLive``, ``PlatformValues`` and ``Termination``, built on first use (PEP 562)."""
    if name in _RARE:
        from . import scenario_rare

        value = globals()[name] = getattr(scenario_rare, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with the classes built on first use."""
    return sorted({*globals(), *_RARE})


__all__ = [
    "COUNT_LIMITS",
    "Creator",
    "InputError",
    "Mcn",
    "MerchantLive",
    "Order",
    "Participant",
    "Period",
    "PlatformValues",
    "Scenario",
    "Tax",
    "Termination",
    "Tips",
    "count_limits",
    "load_scenario",
]
