"""The field definitions (core/fields.py) are what the loaders read: keys, defaults, bounds, choices."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from creatorpay.core import events, fields, load_scenario, profiles, scenario
from creatorpay.plugins.netease import fields as netease
from tests.helpers import ROOT, scenario_dict


def _all_fields() -> list[fields.Field]:
    found = [f for section in (*fields.SECTIONS, fields.EVENT, fields.CREATOR_ROW) for f in section.fields]
    return found + [f for kind in fields.EVENT_KINDS.values() for f in kind]


def test_every_rule_cited_is_in_a_rule_file() -> None:
    known: set[str] = set()
    for path in [ROOT / "core" / "rules.toml", *sorted((ROOT / "plugins").glob("*/rules.toml"))]:
        known |= set(re.findall(r'^\[rules\."([A-Z0-9-]+)"\]', path.read_text(encoding="utf-8"), re.M))
    cited = {rule for f in _all_fields() for rule in f.rules}
    assert cited and cited <= known, sorted(cited - known)


def test_every_enumeration_value_has_a_meaning_core_input_01() -> None:
    for f in _all_fields():
        assert (f.type in ("choice", "map")) or not f.choices, f.name
        for c in f.choices:
            assert c.meaning.strip(), f"{f.name} = {c.value} has no meaning"
        assert f.meaning.strip() or f.type == "amount", f.name


def test_the_settled_stage_says_it_pays_nothing_now_core_ord_02() -> None:
    """The meaning a user who wrote stage = "settled" for this month's payment needed (issue 16)."""
    meaning = {c.value: c.meaning for c in fields.ORDER["stage"].choices}
    assert list(meaning) == list(scenario.STAGES)
    assert "earlier month" in meaning["settled"] and "pays nothing now" in meaning["settled"]
    assert "paid this month" in meaning["published"]


def test_the_loader_takes_its_keys_and_choices_from_the_definitions() -> None:
    assert fields.ORDER["stage"].values == scenario.STAGES
    assert netease.PROGRAMS["plays_by_scene"].values == netease.SCENES
    schema = fields.installed()  # the kinds and creator keys of the installed plugins too
    known = events._kinds(schema)
    assert schema.event.names == events.COMMON and schema.event["kind"].values == known.kinds
    for kind, defined in schema.kinds.items():
        assert tuple(known.fields[kind]) == tuple(f.name for f in defined)
    assert set(profiles.columns(schema)) == {
        f.name for f in schema.creator_row.fields if f.name not in ("mcn", "tax", "price_card", "platform")
    }


def test_count_limits_are_the_definitions_bounds_core_input_01() -> None:
    assert dict(scenario.count_limits()) == {
        "followers": 10**10,
        "private_users": 10**10,
        "beans_android": 10**12 - 1,
        "beans_ios": 10**12 - 1,
        "video_seconds": 10**7,
        "co_creations_this_month": 10**6,
    }


def _loaded(section: str, key: str, table: dict[str, Any]) -> Any:
    """The value the loader gives ``key`` of ``section`` when it is left out of ``table``."""
    loaded: object
    if section == "orders":
        loaded = load_scenario(scenario_dict(orders=[table])).orders[0]
    elif section == "creator":
        loaded = load_scenario(scenario_dict(creator=table)).creator
    else:
        found = load_scenario(scenario_dict(**{section: table}))
        loaded = found.tables[section] if section in found.tables else getattr(found, section)
    if isinstance(loaded, Mapping):  # a plugin's table
        return loaded[key]
    return loaded.extra[key] if key in getattr(loaded, "extra", {}) else getattr(loaded, key)


@pytest.mark.parametrize(
    ("section", "base"),
    [
        ("creator", {"id": "me", "followers": 1}),
        ("tax", {}),
        ("tips", {}),
        ("programs", {}),
        ("merchant_live", {}),
        ("orders", {"id": "o", "amount": "1.00", "stage": "published"}),
    ],
)
def test_defaults_are_what_the_loader_gives(section: str, base: dict[str, Any]) -> None:
    defined = next(s for s in fields.installed().sections if s.name == section)
    checked = 0
    for f in defined.fields:
        if f.default is None or f.required:
            continue
        try:
            default = json.loads(f.default)
        except ValueError:
            continue  # a default in words
        value = _loaded(section, f.name, base)
        assert str(value) == str(default) or value == default, f"{section}.{f.name}: {value!r} != {default!r}"
        checked += 1
    assert checked
