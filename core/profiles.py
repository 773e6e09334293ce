"""Creator profiles for batch settlement: the ``[creator]``, ``[mcn]``, ``[tax]`` and ``[platform]``
parts of each month's scenario, one row per creator (docs/batch.md).

A row is flat (the CSV columns: ``followers``, the flags, ``mcn_name``, ``mcn_share``, ``tax_method``,
…); a JSON Lines row may instead nest ``mcn``, ``tax``, ``price_card`` and ``platform`` tables as in
docs/scenario.md. Rows are only shaped here; the scenario loader checks every value when a month is
settled (CORE-INPUT-01), so a bad profile rejects that creator's events with the loader's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from . import fields
from .checks import describe
from .money import AMOUNT_LIMIT, ZERO
from .scenario import COUNT_LIMITS, GROWTH_STAGES, PRICE_BANDS, TAX_METHODS, Creator, Mcn, Period, Scenario, Tax

_FLAGS = fields.names(fields.CREATOR, "bool")
_COUNTS = fields.names(fields.CREATOR, "count")
_CREATOR = (*_FLAGS, *_COUNTS, "growth_stage")
_FLAT = dict(fields.FLAT_COLUMNS)
_NESTED = ("mcn", "tax", "price_card", "platform")
#: Every column a creators CSV may have.
COLUMNS = ("id", *_CREATOR, *_FLAT)


def parse_profile(row: Mapping[str, Any], *, text: bool = False) -> tuple[str, str] | str:
    """``(creator id, profile as canonical JSON)`` for a row, or the reason it is rejected.

    The profile holds the scenario keys ``creator`` (without ``id``), and ``mcn``, ``tax``,
    ``platform`` when given. ``text``: the row comes from CSV (counts and flags are text).
    """
    problems: list[str] = []
    ident = row.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 128 or not ident.isprintable():
        problems.append(f"id: expected an id: 1-128 printable characters, found {describe(ident)}")
    creator: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for key, value in row.items():
        if key == "id":
            continue
        if key in _CREATOR:
            creator[key] = _typed(key, value) if text else value
        elif key in _FLAT:
            section, name = _FLAT[key]
            converted = int(value) if text and name == "months_with_income" and _digits(value) else value
            parts.setdefault(section, {})[name] = converted
        elif key in _NESTED and not text:
            if not isinstance(value, dict):
                problems.append(f"{key}: expected a table, found {describe(value)}")
                continue
            parts.setdefault(key, {}).update(value)
        else:
            problems.append(
                f"{key}: unknown column; expected one of: {', '.join(COLUMNS)}"
                + (", or the tables mcn, tax, price_card, platform" if not text else "")
            )
    if problems:
        return "; ".join(problems)
    assert isinstance(ident, str)
    card = parts.pop("price_card", None)
    if card is not None:
        creator["price_card"] = card
    profile: dict[str, Any] = {"creator": creator, **parts}
    return ident, json.dumps(profile, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _typed(key: str, value: str) -> object:
    """A CSV cell of a flag or count in its JSON type; anything else is left for the loader to name."""
    if key in _FLAGS:
        lowered = value.strip().lower()
        return lowered == "true" if lowered in ("true", "false") else value
    if key in _COUNTS and _digits(value):
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


def checked_base(data: Mapping[str, Any], source: str) -> Scenario | None:
    """The scenario of a profile-only mapping (:func:`scenario_for` with no sections), built
    directly when every value is plainly valid: what :func:`load_scenario` builds, value for value.
    None for anything else (a ``platform`` table, a value the loader would refuse or that needs a
    closer look): the caller runs the loader, which builds it or names the problem."""
    if not data.keys() <= _BASE_KEYS or type(data.get("schema")) is not int or data["schema"] != 1:
        return None
    period, table = data.get("period"), data.get("creator")
    match = _PERIOD.fullmatch(period) if type(period) is str else None
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1 or type(table) is not dict:
        return None
    ident, followers = table.get("id"), table.get("followers")
    if (
        not table.keys() <= _CREATOR_KEYS
        or type(ident) is not str
        or not 1 <= len(ident) <= 128
        or not ident.isprintable()
        or not _whole(followers, "followers")
        or not _whole(table.get("co_creations_this_month", 0), "co_creations_this_month")
        or any(type(table.get(flag, False)) is not bool for flag in _FLAGS)
        or table.get("growth_stage", GROWTH_STAGES[0]) not in GROWTH_STAGES
    ):
        return None
    values = {key: value for key, value in table.items() if key != "id"}
    if "price_card" in table:
        card = table["price_card"]
        if type(card) is not dict or not card.keys() <= _BANDS:
            return None
        prices = {band: _amount(card[band]) for band in PRICE_BANDS if band in card}
        if None in prices.values():
            return None
        values["price_card"] = MappingProxyType(prices)
    mcn = None
    if "mcn" in data:
        section = data["mcn"]
        if type(section) is not dict or section.keys() != {"name", "share"}:
            return None
        name, share = section["name"], section["share"]
        if (
            type(name) is not str
            or len(name) > 200
            or type(share) is not str
            or not _RATIO.fullmatch(share)
            or Decimal(share) > 1
        ):
            return None
        mcn = Mcn(name, Decimal(share))
    tax = Tax()
    if "tax" in data:
        section = data["tax"]
        if type(section) is not dict or not section.keys() <= _TAX_KEYS:
            return None
        method, months = section.get("method", "none"), section.get("months_with_income")
        income, withheld = (_amount(section[k]) if k in section else ZERO for k in ("ytd_income", "ytd_withheld"))
        if (
            method not in TAX_METHODS
            or income is None
            or withheld is None
            or not (months is None or (type(months) is int and 1 <= months <= int(match[2])))
            or (method == "platform" and months is None)
        ):
            return None  # the last: required from 2025-10 (CN-TAX-02); the loader decides by period
        given: dict[str, Any] = {
            "method": method,
            "months_with_income": months,
            "ytd_income": income,
            "ytd_withheld": withheld,
        }
        tax = Tax(**{key: value for key, value in given.items() if key in section})
    return Scenario(
        period=Period(int(match[1]), int(match[2])),
        creator=Creator(id=ident, **values),
        mcn=mcn,
        tax=tax,
        source=source,
    )


def _whole(value: object, key: str) -> bool:
    """A whole number from 0 to the count's bound (CORE-INPUT-01), not a boolean."""
    return type(value) is int and 0 <= value <= COUNT_LIMITS[key]


def _amount(value: object) -> Decimal | None:
    """An amount as :meth:`Checker.amount` reads it; None for anything it would refuse."""
    if type(value) is not str or not _AMOUNT.fullmatch(value):
        return None
    number = Decimal(value)
    return number if number < AMOUNT_LIMIT else None


_BASE_KEYS = frozenset(("schema", "period", "creator", "mcn", "tax"))
_CREATOR_KEYS = frozenset(("id", *_CREATOR, "price_card"))
_BANDS = frozenset(PRICE_BANDS)
_TAX_KEYS = frozenset(fields.TAX.names)
#: ASCII digits, matched whole, as :mod:`~creatorpay.core.checks` reads them (CORE-INPUT-01).
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_RATIO = re.compile(r"[0-9]+(?:\.[0-9]{1,4})?")


__all__ = ["COLUMNS", "checked_base", "parse_profile", "scenario_for"]
