"""Creator profiles for batch settlement: the ``[creator]``, ``[mcn]``, ``[tax]`` and ``[platform]``
parts of each month's scenario, one row per creator (docs/batch.md).

A row is flat (the CSV columns: ``followers``, the flags, ``mcn_name``, ``mcn_share``, ``tax_method``,
…); a JSON Lines row may instead nest ``mcn``, ``tax``, a plugin's maps (Xingtu's ``price_card``) and
``platform`` tables as in
docs/scenario.md. Rows are only shaped here; the scenario loader checks every value when a month is
settled (CORE-INPUT-01), so a bad profile rejects that creator's events with the loader's message.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from . import fields
from .checks import PERIOD, describe
from .fields import BAD
from .scenario import Creator, Mcn, Period, Scenario, Tax

#: The flat columns of counts (``tax_months_with_income``), a whole number in JSON.
_FLAT_COUNTS = frozenset(column for column in fields.FLAT_COLUMNS if fields.CREATOR_ROW[column].type == "count")


class _Row:
    """What the creator row of a schema is (the core's keys, or with the plugins' ``[creator]``
    keys), made once per schema from its definitions."""

    def __init__(self, schema: fields.Schema) -> None:
        self.schema = schema
        creator = schema["creator"]
        self.flags = frozenset(fields.names(creator, "bool"))
        self.counts = frozenset(fields.names(creator, "count"))
        #: The ``[creator]`` keys a row gives flat: every plain one (flags, counts, choices) but the id.
        self.creator = tuple(f.name for f in creator.fields if f.type in ("bool", "count", "choice"))
        self.creator_keys = frozenset(self.creator)
        #: The tables a JSON Lines row may nest: the creator row's table and map fields.
        self.nested = tuple(f.name for f in schema.creator_row.fields if f.type in ("table", "map"))
        self.nested_keys = frozenset(self.nested)
        #: Every column a creators CSV may have.
        #: The flat columns (the core's and the plugins' maps given flat), and those maps' names.
        self.flat = dict(fields.flat_columns(creator))
        self.cards = frozenset(f.name for f in creator.fields if f.flat is not None)
        self.columns = ("id", *self.creator, *self.flat)
        #: The fast checks of ``[creator]``; the plugins' keys and their defaults (the loader's).
        self.plain = _compiled(creator, (f.name for f in creator.fields if f.required))
        #: In the section's order, the loader's order of ``creator.extra`` (its repr is compared).
        self.own = tuple(name for name in creator.names if name not in fields.CREATOR.names)
        self.defaults = {name: value for name, value in fields.defaults(creator).items() if name in self.own}


def _row(schema: fields.Schema | None) -> _Row:
    """The creator row of a schema (``engine.schema``; None: the installed plugins')."""
    return _compiled_row(fields.installed() if schema is None else schema)


@functools.lru_cache(maxsize=16)
def _compiled_row(schema: fields.Schema) -> _Row:
    """The creator row of a schema, made once per schema."""
    return _Row(schema)


def columns(schema: fields.Schema | None = None) -> tuple[str, ...]:
    """Every column a creators CSV may have (with ``schema``'s plugins' ``[creator]`` keys)."""
    return _row(schema).columns


def parse_profile(
    row: Mapping[str, Any], *, text: bool = False, schema: fields.Schema | None = None
) -> tuple[str, str] | str:
    """``(creator id, profile as canonical JSON)`` for a row, or the reason it is rejected.

    The profile holds the scenario keys ``creator`` (without ``id``), and ``mcn``, ``tax``,
    ``platform`` when given. ``text``: the row comes from CSV (counts and flags are text).
    ``schema``: its ``[creator]`` keys (``engine.schema``: with the plugins').
    """
    known = _row(schema)
    problems: list[str] = []
    ident = row.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 128 or not ident.isprintable():
        problems.append(f"id: expected an id: 1-128 printable characters, found {describe(ident)}")
    creator: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for key, value in row.items():
        if key == "id":
            continue
        if key in known.creator_keys:
            creator[key] = _typed(key, value, known) if text else value
        elif key in known.flat:
            section, name = known.flat[key]
            converted = int(value) if text and key in _FLAT_COUNTS and _digits(value) else value
            parts.setdefault(section, {})[name] = converted
        elif key in known.nested_keys and not text:
            if not isinstance(value, dict):
                problems.append(f"{key}: expected a table, found {describe(value)}")
                continue
            parts.setdefault(key, {}).update(value)
        else:
            problems.append(
                f"{key}: unknown column; expected one of: {', '.join(known.columns)}"
                + (f", or the tables {', '.join(known.nested)}" if not text else "")
            )
    if problems:
        return "; ".join(problems)
    assert isinstance(ident, str)
    for name in known.cards & parts.keys():  # a [creator] map given flat or nested
        creator[name] = parts.pop(name)
    profile: dict[str, Any] = {"creator": creator, **parts}
    return ident, json.dumps(profile, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _typed(key: str, value: str, known: _Row) -> object:
    """A CSV cell of a flag or count in its JSON type; anything else is left for the loader to name."""
    if key in known.flags:
        lowered = value.strip().lower()
        return lowered == "true" if lowered in ("true", "false") else value
    if key in known.counts and _digits(value):
        return int(value)
    return value


def _digits(value: str) -> bool:
    """ASCII digits only (``str.isdigit`` also takes ``²``, which ``int`` refuses), not too many."""
    return value.isascii() and value.isdigit() and len(value) <= 4000


def scenario_for(profile: str, creator: str, month: str, sections: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario mapping of one creator's month: the profile plus the month's activity sections."""
    data: dict[str, Any] = json.loads(profile)
    data["creator"]["id"] = creator
    data.update(sections)
    data["schema"] = 1
    data["period"] = month
    return data


def checked_base(data: Mapping[str, Any], source: str, schema: fields.Schema | None = None) -> Scenario | None:
    """The scenario of a profile-only mapping (:func:`scenario_for` with no sections), built
    directly when every value is plainly valid: what :func:`load_scenario` builds, value for value.
    None for anything else (a ``platform`` table, a value the loader would refuse or that needs a
    closer look): the caller runs the loader, which builds it or names the problem. The plugins'
    ``[creator]`` keys (``schema``'s) go to ``creator.extra``, with their defaults as the loader's."""
    known = _row(schema)
    if not data.keys() <= _BASE_KEYS or type(data.get("schema")) is not int or data["schema"] != 1:
        return None
    period, table = data.get("period"), data.get("creator")
    match = PERIOD.fullmatch(period) if type(period) is str else None
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1 or type(table) is not dict:
        return None
    values = _plain(table, known.plain)
    if values is None:
        return None
    ident = values.pop("id")
    if known.own:
        extra = {**known.defaults, **{key: values.pop(key) for key in known.own if key in values}}
        values["extra"] = MappingProxyType(extra)
    mcn = None
    if "mcn" in data:
        found = _plain(data["mcn"], _MCN_PLAIN)
        if found is None:
            return None
        mcn = Mcn(**found)
    tax = Tax()
    if "tax" in data:
        given = _plain(data["tax"], _TAX_PLAIN)
        if given is None:
            return None
        months = given.get("months_with_income")
        if (months is not None and months > int(match[2])) or (given.get("method") == "platform" and months is None):
            return None  # the last: required from 2025-10 (CN-TAX-02); the loader decides by period
        tax = Tax(**given)
    return Scenario(
        period=Period(int(match[1]), int(match[2])),
        creator=Creator(id=ident, **values),
        mcn=mcn,
        tax=tax,
        source=source,
    )


def _plain(table: object, plain: _Plain) -> dict[str, Any] | None:
    """A table's values as the loader reads them when every key is declared, every required key
    given and every value plainly valid (:func:`~creatorpay.core.fields.plain`), else None."""
    checks, keys, required = plain
    if type(table) is not dict or not keys >= table.keys() >= required:
        return None
    values: dict[str, Any] = {}
    for key, value in table.items():
        found = checks[key](value)
        if found is BAD:
            return None
        values[key] = found
    return values


_Plain = tuple[dict[str, Callable[[object], object]], frozenset[str], frozenset[str]]


def _compiled(section: fields.Section, required: Iterable[str]) -> _Plain:
    """A section's fast checks by key, its keys and the keys it requires, made once from its definitions."""
    return dict(fields.plains(section)), frozenset(section.names), frozenset(required)


_BASE_KEYS = frozenset(("schema", "period", "creator", "mcn", "tax"))
_MCN_PLAIN = _compiled(fields.MCN, fields.MCN.names)
_TAX_PLAIN = _compiled(fields.TAX, ())


__all__ = ["checked_base", "columns", "parse_profile", "scenario_for"]
