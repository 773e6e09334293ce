"""A plugin declares its own scenario fields (hook ``creatorpay_scenario_fields``, issue 18): checked by
the loader, written in the JSON Schema and on the reference page, exactly as the core's (CORE-INPUT-01)."""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, InputError, PluginError, hookimpl, load_scenario
from creatorpay.core.cli import common
from creatorpay.core.cli.schema import json_schema, markdown
from creatorpay.core.fields import Choice, Field, ScenarioFields, Section
from creatorpay.core.plugins import PluginWarning, declared_fields, make_plugin_manager
from tests.cli.cli_support import invoke
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

ACME = Section(
    "acme",
    "[acme]",
    "Acme live sessions in the month",
    (
        Field("sessions", "count", "live sessions held", required=True, maximum=999),
        Field("fee", "amount", "the studio fee paid", default='"0.00"'),
    ),
)
DECLARED = ScenarioFields(
    creator=(Field("acme_level", "count", "the Acme creator level", default="0", maximum=9),),
    orders=(
        Field(
            "acme_slot",
            "choice",
            "the Acme ad slot",
            choices=(Choice("feed", "in the feed"), Choice("splash", "on the splash screen")),
        ),
    ),
    participants=(Field("acme_share", "ratio", "the participant's Acme share"),),
    tables=(Field("acme", "table", "Acme live sessions", section=ACME),),
)


class _Acme:
    """A third-party plugin that declares fields and nothing else."""

    @staticmethod
    @hookimpl
    def creatorpay_scenario_fields() -> ScenarioFields:
        return DECLARED


def _engine(**more: object) -> Engine:
    return Engine(plugins={"acme": _Acme(), **more}, entry_points=False)


def _data() -> dict[str, Any]:
    return scenario_dict(
        creator={"id": "me", "followers": 10, "acme_level": 3},
        orders=[
            {
                "id": "o1",
                "amount": "100.00",
                "stage": "published",
                "acme_slot": "feed",
                "participants": [{"creator": "me", "role": "main", "agreed": "100.00", "acme_share": "0.5"}],
            }
        ],
        acme={"sessions": 12, "fee": "30.00"},
        platform={"xingtu": {"acme_level": 5}},
    )


def test_a_plugins_fields_are_loaded_where_it_declares_them_core_input_01() -> None:
    scenario = load_scenario(_data(), schema=_engine().schema)
    assert scenario.creator.extra == {"acme_level": 3}
    assert scenario.orders[0].extra == {"acme_slot": "feed"}
    assert scenario.orders[0].participants[0].extra == {"acme_share": Decimal("0.5")}
    assert scenario.tables["acme"] == {"sessions": 12, "fee": Decimal("30.00")}
    assert scenario.for_platform("xingtu").creator.extra == {"acme_level": 5}
    defaults = load_scenario(scenario_dict(acme={"sessions": 1}), schema=_engine().schema)
    assert defaults.creator.extra == {"acme_level": 0} and defaults.tables["acme"] == {"sessions": 1, "fee": Decimal(0)}
    assert load_scenario(scenario.to_dict(), source=scenario.source, schema=_engine().schema) == scenario


def test_a_bad_value_of_a_plugins_field_names_the_field_core_input_01() -> None:
    data = _data()
    data["creator"]["acme_level"] = 10
    data["acme"] = {"fee": "1.234"}
    data["orders"][0]["acme_slot"] = "banner"
    with pytest.raises(InputError) as error:
        load_scenario(data, schema=_engine().schema)
    paths = {p.path for p in error.value.problems}
    assert paths == {"creator.acme_level", "acme.sessions", "acme.fee", "orders[0].acme_slot"}, paths
    assert "expected a whole number from 0 to 9" in str(error.value)


def test_without_the_plugin_its_fields_are_unknown_keys() -> None:
    with pytest.raises(InputError, match="unknown key"):
        load_scenario(_data())


def test_a_plugins_fields_are_in_the_json_schema_and_the_reference_page() -> None:
    schema = _engine().schema
    found = json_schema("scenario", schema)
    text = str(found)
    for name in ("acme_level", "acme_slot", "acme_share", "sessions", "the Acme creator level"):
        assert name in text, name
    assert "acme" in found["properties"]
    assert "acme" not in str(json_schema("scenario"))
    page = markdown("scenario", schema)
    assert "## [acme]" in page or "[acme]" in page
    assert "acme_level" in page and "splash" in page and "on the splash screen" in page


def test_a_key_declared_twice_fails_the_plugin_not_the_engine() -> None:
    class Clash:
        @staticmethod
        @hookimpl
        def creatorpay_scenario_fields() -> ScenarioFields:
            return ScenarioFields(creator=(Field("followers", "count", "again"),))

    with pytest.warns(PluginWarning, match="clash declares followers in \\[creator\\]"):
        engine = Engine(plugins={"clash": Clash()}, entry_points=False)
    report = next(r for r in engine.reports if r.name == "clash")
    assert report.status == "failed" and "followers" in (report.error or "")
    assert engine.schema.extra["creator"] == frozenset()


def test_the_cli_checks_a_plugins_fields_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "Engine", functools.partial(Engine, plugins={"acme": _Acme()}))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_data()), encoding="utf-8")
    bad = tmp_path / "bad.json"
    data = _data()
    data["acme"]["sessions"] = -1
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert invoke("validate", str(good)).exit_code == 0
    result = invoke("validate", str(bad))
    assert result.exit_code == 2
    assert "acme.sessions" in result.output and "Traceback" not in result.output
    assert "acme_level" in invoke("schema", "scenario").output


def test_a_plugins_event_kind_is_checked_summed_and_built_as_the_loader_builds_its_table() -> None:
    """A third-party table with an EventKind is a batch event kind (issue 18): its rows are checked by
    the table's definitions (CORE-INPUT-01), summed over the month, and the fast build of the month
    equals what load_scenario makes of the folded sections, defaults included."""
    from creatorpay.core.events import activities, fold, parse_event
    from creatorpay.core.fields import EventKind

    kind = EventKind("acme", "Acme sessions: `[acme]`, summed")
    engine = Engine(
        plugins={"acme": _Plugin(ScenarioFields(tables=DECLARED.tables, kinds=(kind,)))}, entry_points=False
    )
    schema = engine.schema
    row = {"id": "e1", "platform": "p", "creator": "me", "date": "2026-10-02", "kind": "acme", "sessions": 2}
    assert "acme" in schema.event["kind"].values
    assert isinstance(parse_event(row, platforms={"p"}), str)  # the installed plugins know no kind acme
    bad = parse_event({**row, "sessions": 1000}, platforms={"p"}, schema=schema)
    assert isinstance(bad, str) and "sessions" in bad
    first = parse_event(row, platforms={"p"}, schema=schema)
    second = parse_event({**row, "id": "e2", "fee": "1.50"}, platforms={"p"}, schema=schema)
    assert not isinstance(first, str) and not isinstance(second, str)
    sections = fold([(e.id, e.kind, e.body) for e in (first, second)], schema)
    assert sections == {"acme": {"sessions": 4, "fee": "1.50"}}
    loaded = load_scenario(scenario_dict(**sections), schema=schema)
    built = activities(sections, loaded.creator, schema)
    assert built is not None and built["tables"] == loaded.tables
    assert loaded.tables["acme"] == {"sessions": 4, "fee": Decimal("1.50")}


class _Plugin:
    """A plugin declaring the given fields."""

    def __init__(self, declared: ScenarioFields) -> None:
        self.declared = declared

    @hookimpl
    def creatorpay_scenario_fields(self) -> ScenarioFields:
        return self.declared


def test_the_fields_of_a_manager_leave_out_each_plugin_declaring_a_key_again() -> None:
    """``declared_fields`` checks every plugin's fields together first; when some clash, each plugin
    is checked after those before it, and only the one declaring a key again is left out."""

    class Clash:
        @staticmethod
        @hookimpl
        def creatorpay_scenario_fields() -> ScenarioFields:
            return ScenarioFields(creator=(Field("acme_level", "count", "again"),))

    class Other:
        @staticmethod
        @hookimpl
        def creatorpay_scenario_fields() -> ScenarioFields:
            return ScenarioFields(creator=(Field("other_level", "count", "another key"),))

    pm, _ = make_plugin_manager(plugins={"acme": _Acme(), "other": Other()}, entry_points=False)
    assert dict(declared_fields(pm)) == {"acme": DECLARED, "other": Other.creatorpay_scenario_fields()}
    pm, _ = make_plugin_manager(plugins={"acme": _Acme(), "clash": Clash(), "other": Other()}, entry_points=False)
    assert sorted(declared_fields(pm)) == ["acme", "other"]


def test_fields_known_to_fit_are_not_checked_again_and_others_are() -> None:
    """The engine takes a plugin's fields unchecked only when they equal fields known to fit together
    (those of every installed plugin); anything else is checked (a key declared twice fails the plugin)."""
    engine = _engine()
    again = ScenarioFields(creator=(Field("followers", "count", "again"),))

    class Clash:
        @staticmethod
        @hookimpl
        def creatorpay_scenario_fields() -> ScenarioFields:
            return again

    engine._pm.register(Clash(), name="clash")
    with pytest.raises(PluginError, match="followers"):
        engine._scenario_fields("clash", {"acme": DECLARED})
    with pytest.raises(PluginError, match="followers"):
        engine._scenario_fields("clash", {"acme": DECLARED, "clash": ScenarioFields()})
    assert engine._scenario_fields("acme", {"acme": DECLARED}) == DECLARED
