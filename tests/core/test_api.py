"""The Python API as a service calls it (issue 17): load_scenario's signature, to_dict, Report.result,
the engine's own words for errors, SQLiteStore's export and the async entry points."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings

from creatorpay.core import Engine, InputError, Report, Scenario, SQLiteStore, load_scenario
from creatorpay.plugins.netease.fields import programs
from creatorpay.plugins.xingtu.fields import price_card
from creatorpay.testing.strategies import scenario_dicts
from tests.helpers import EXAMPLES, examples, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

TOML = 'schema = 1\nperiod = "2026-10"\n[creator]\nid = "me"\nfollowers = 100\n[tips]\nyuan = "10.00"\n'


def test_mapping_amounts_may_be_decimal_or_int_as_load_scenario_returns_them() -> None:
    """CORE-INPUT-01 for Python callers: Decimal and int amounts (the loader's own output type) load."""
    s = load_scenario(
        scenario_dict(
            tips={"yuan": Decimal("10.00")},
            mcn={"name": "m", "share": Decimal("0.3")},
            creator={"id": "me", "followers": 1, "price_card": {"s1_20": 500}},
            orders=[
                {
                    "id": "o",
                    "amount": 10,
                    "stage": "published",
                    "participants": [{"creator": "me", "role": "main", "agreed": Decimal("10")}],
                }
            ],
            programs={"plays_by_scene": {"news": Decimal("1.5")}},
            tax={"ytd_income": 3},
        )
    )
    assert s.tips is not None and s.tips.yuan == Decimal("10.00")
    assert s.orders[0].amount == 10 and s.orders[0].participants[0].agreed == 10
    assert price_card(s.creator)["s1_20"] == 500
    found = programs(s)
    assert found is not None and found.plays == Decimal("1.5")
    assert s.tax.ytd_income == 3 and s.mcn is not None and s.mcn.share == Decimal("0.3")
    assert load_scenario(scenario_dict(tips={"yuan": s.tips.yuan})) == load_scenario(
        scenario_dict(tips={"yuan": "10.00"})
    )


@pytest.mark.parametrize("value", [10.5, True, Decimal("1.001"), Decimal("-1"), Decimal("NaN"), -3])
def test_mapping_amounts_refuse_float_bool_and_inexact_values(value: object) -> None:
    """CORE-INPUT-01: a float is not exact money, a bool is not a number; the field is named."""
    with pytest.raises(InputError) as caught:
        load_scenario(scenario_dict(tips={"yuan": value}))
    assert [p.path for p in caught.value.problems] == ["tips.yuan"]


def test_int_amounts_in_a_file_are_still_refused(tmp_path: Path) -> None:
    """A file keeps SCENARIO.md's format: amounts are decimal strings (CORE-INPUT-01)."""
    path = tmp_path / "s.toml"
    path.write_text(TOML.replace('"10.00"', "10"), encoding="utf-8")
    with pytest.raises(InputError, match=r"tips\.yuan"):
        load_scenario(path)
    with pytest.raises(InputError, match=r"tips\.yuan"):
        load_scenario(text=TOML.replace('"10.00"', "10"), format="toml")


def test_text_is_read_as_toml_or_json_and_a_str_is_always_a_path(tmp_path: Path) -> None:
    from_toml = load_scenario(text=TOML, format="toml")
    as_json = json.dumps(from_toml.to_dict())
    assert load_scenario(text=as_json, format="json", source=from_toml.source) == from_toml
    assert from_toml.source == "<toml text>"
    with pytest.raises(InputError) as caught:
        load_scenario(TOML)  # a str is a path, never guessed to be a document
    assert "schema = 1" in str(caught.value) and "Traceback" not in str(caught.value)
    with pytest.raises(InputError, match="not valid JSON"):
        load_scenario(text=TOML, format="json")
    with pytest.raises(InputError, match=r"<json text>: creator\.followers"):
        load_scenario(
            text='{"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": -1}}', format="json"
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda: load_scenario(text=TOML),  # type: ignore[call-overload]
        lambda: load_scenario(text=TOML, format="yaml"),  # type: ignore[call-overload]
        lambda: load_scenario({}, text=TOML, format="toml"),  # type: ignore[call-overload]
        lambda: load_scenario(42),  # type: ignore[call-overload]
    ],
    ids=["text-without-format", "unknown-format", "data-and-text", "not-a-path"],
)
def test_a_call_that_is_not_one_of_the_two_forms_is_a_programming_error(call: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        call()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_to_dict_of_every_example_round_trips_through_json(example: Path) -> None:
    s = load_scenario(example)
    assert load_scenario(json.loads(json.dumps(s.to_dict())), source=s.source) == s


@settings(max_examples=examples(60))
@given(scenario_dicts("xingtu", messy=True))
def test_to_dict_round_trips_any_scenario_the_kit_draws(data: dict[str, Any]) -> None:
    """``load_scenario(s.to_dict()) == s`` for the conformance kit's scenarios (orders priced from the
    price card, XT-PRICE-01, stay priced; ``[platform.<name>]`` values stay per platform)."""
    s = load_scenario(data)
    assert load_scenario(s.to_dict()) == s
    assert load_scenario(json.loads(json.dumps(s.to_dict()))) == s


def test_report_result_of_a_missing_platform_is_a_key_error_naming_those_there() -> None:
    report = Engine().compare(load_scenario(EXAMPLES / "live-anchor.toml"), ["wechat_channels", "xingtu"])
    assert report.result("xingtu").platform == "xingtu"
    with pytest.raises(KeyError, match=r"'nope'.*platforms: wechat_channels, xingtu"):
        report.result("nope")
    with pytest.raises(KeyError, match="platforms: none"):
        Report(report.scenario, ()).result("xingtu")


@pytest.mark.parametrize("call", ["settle", "compare"])
def test_an_unknown_platform_is_reported_under_platform_not_a_cli_option(call: str) -> None:
    engine = Engine()
    s = load_scenario(EXAMPLES / "live-anchor.toml")
    with pytest.raises(InputError) as caught:
        engine.settle(s, "wechat") if call == "settle" else engine.compare(s, ["wechat"])
    (problem,) = caught.value.problems
    assert problem.source == "platform" and "--platform" not in str(caught.value)
    assert "unknown platform 'wechat'" in problem.message and "wechat_channels" in problem.message


def test_sqlite_store_is_exported_and_typed() -> None:
    from creatorpay import core
    from creatorpay.core.sqlite_store import SQLiteStore as Inner

    assert SQLiteStore is Inner and "SQLiteStore" in core.__all__ and "SQLiteStore" in dir(core)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        core.Nope  # noqa: B018


def _scenario() -> Scenario:
    return load_scenario(EXAMPLES / "live-anchor.toml")


def test_async_entry_points_give_what_the_sync_ones_give_off_the_event_loop() -> None:
    engine = Engine()
    s = _scenario()
    loop_threads: set[int] = set()

    async def main() -> tuple[Report, list[Any]]:
        loop_threads.add(threading.get_ident())
        report = await engine.acompare(s)
        many = await asyncio.gather(*(engine.asettle(s, name) for name in engine.platforms * 3))
        return report, many

    report, many = asyncio.run(main())
    assert report.to_dict() == engine.compare(s).to_dict()
    assert [x.to_dict() for x in many] == [engine.settle(s, name).to_dict() for name in engine.platforms * 3]


def test_async_entry_points_run_in_the_given_executor_and_raise_input_errors() -> None:
    engine = Engine()
    s = _scenario()
    used: list[str] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            used.append("submit")
            return super().submit(fn, *args, **kwargs)

    async def main(pool: ThreadPoolExecutor) -> Report:
        statement = await engine.asettle(s, "wechat_channels", executor=pool)
        assert statement.status == "ok"
        with pytest.raises(InputError, match="unknown platform"):
            await engine.acompare(s, ["wechat"], executor=pool)
        return await engine.acompare(s, ["xingtu"], executor=pool, store=SQLiteStore())

    with Counting(max_workers=2) as pool:
        report = asyncio.run(main(pool))
    assert len(used) == 3 and [x.platform for x in report.results] == ["xingtu"]
