"""Creator profiles for batch settlement: the ``[creator]``, ``[mcn]``, ``[tax]`` and ``[platform]``
parts of each month's scenario, one row per creator (docs/batch.md).

A row is flat (the CSV columns: ``followers``, the flags, ``mcn_name``, ``mcn_share``, ``tax_method``,
…); a JSON Lines row may instead nest ``mcn``, ``tax``, ``price_card`` and ``platform`` tables as in
SCENARIO.md. Rows are only shaped here; the scenario loader checks every value when a month is
settled (CORE-INPUT-01), so a bad profile rejects that creator's events with the loader's message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .checks import describe
from .scenario import PRICE_BANDS

_FLAGS = ("original", "harmful", "quality", "xingtu_beta", "xingtu_registered", "new_anchor", "polaris")
_COUNTS = ("followers", "co_creations_this_month")
_CREATOR = (*_FLAGS, *_COUNTS, "growth_stage")
_FLAT = {"mcn_name": ("mcn", "name"), "mcn_share": ("mcn", "share"),
         "tax_method": ("tax", "method"), "tax_months_with_income": ("tax", "months_with_income"),
         "tax_ytd_income": ("tax", "ytd_income"), "tax_ytd_withheld": ("tax", "ytd_withheld"),
         **{f"price_{band}": ("price_card", band) for band in PRICE_BANDS}}
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
    if not isinstance(ident, str) or not 1 <= len(ident) <= 128:
        problems.append(f"id: expected an id: a string of 1-128 characters, found {describe(ident)}")
    creator: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for key, value in row.items():
        if key == "id":
            continue
        if key in _CREATOR:
            creator[key] = _typed(key, value) if text else value
        elif key in _FLAT:
            section, name = _FLAT[key]
            converted = int(value) if text and name == "months_with_income" and value.isdigit() else value
            parts.setdefault(section, {})[name] = converted
        elif key in _NESTED and not text:
            if not isinstance(value, dict):
                problems.append(f"{key}: expected a table, found {describe(value)}")
                continue
            parts.setdefault(key, {}).update(value)
        else:
            problems.append(f"{key}: unknown column; expected one of: {', '.join(COLUMNS)}"
                            + (", or the tables mcn, tax, price_card, platform" if not text else ""))
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
    if key in _COUNTS and value.isdigit():
        return int(value)
    return value


def scenario_for(profile: str, creator: str, month: str, sections: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario mapping of one creator's month: the profile plus the month's activity sections."""
    data: dict[str, Any] = json.loads(profile)
    data["creator"]["id"] = creator
    data.update(sections)
    data["schema"] = 1
    data["period"] = month
    return data


__all__ = ["COLUMNS", "parse_profile", "scenario_for"]
