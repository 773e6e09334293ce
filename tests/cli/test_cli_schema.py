"""``creatorpay schema``: the JSON Schema and the reference page made from core/fields.py, checked
against the loader (CORE-INPUT-01): what it accepts validates; what it refuses for a type, an
enumeration value or an unknown key, the schema refuses too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core import InputError, load_scenario
from creatorpay.core.checks import read_document
from creatorpay.core.cli import cli, main
from creatorpay.core.cli.schema import json_schema, markdown
from creatorpay.core.events import parse_event
from creatorpay.core.profiles import parse_profile
from creatorpay.testing.strategies import broken_scenario_dicts, junk, sample_scenarios, scenario_dicts
from tests.core.test_scenario import BAD, BAD_IDS
from tests.helpers import EXAMPLES, ROOT, examples, scenario_dict

SHARED_EXAMPLES = Path("/work/shared/examples")
PLATFORMS = ("xingtu", "wechat_channels", "netease", "cn_tax")
REGENERATE = "creatorpay schema scenario --format markdown -o docs/scenario.md"


def validator(kind: str = "scenario") -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema(kind))


SCENARIO = validator()
EVENT = validator("event")
CREATOR = validator("creator")


def errors(data: Any, check: jsonschema.Draft202012Validator = SCENARIO) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(data)]


@pytest.mark.parametrize("kind", ["scenario", "event", "creator"])
def test_schema_command_prints_a_draft_2020_12_schema(kind: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schema", kind], catch_exceptions=False)
    assert result.exit_code == 0
    printed = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    out = tmp_path / "s.json"
    assert CliRunner().invoke(cli, ["schema", kind, "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == printed


def test_schema_defaults_to_the_scenario_and_refuses_an_unknown_kind() -> None:
    assert json.loads(CliRunner().invoke(cli, ["schema"]).output)["title"].startswith("creatorpay scenario")
    result = CliRunner().invoke(cli, ["schema", "orders"])
    assert result.exit_code == 2 and "orders" in result.output


def test_schema_to_a_missing_folder_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["schema", "-o", str(tmp_path / "no" / "s.json")])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "s.json: cannot write the file" in err and "Traceback" not in err


def test_schema_shape_core_input_01() -> None:
    """Amounts are strings with a pattern, counts bounded, enumerations described, no unknown key."""
    schema = json_schema()
    defs = schema["$defs"]
    assert schema["additionalProperties"] is False and defs["orders"]["additionalProperties"] is False
    assert schema["properties"]["ext"]["additionalProperties"] == {"type": "object"}
    amount = defs["orders"]["properties"]["amount"]
    assert amount["type"] == "string" and "pattern" in amount
    assert defs["tips"]["properties"]["beans_ios"]["maximum"] == 10**12 - 1
    assert defs["orders"]["properties"]["video_seconds"]["minimum"] == 1
    stage = defs["orders"]["properties"]["stage"]
    settled = next(c for c in stage["oneOf"] if c["const"] == "settled")
    assert "earlier month" in settled["description"]  # CORE-ORD-02


@pytest.mark.parametrize("value", ["1.00\n", "1.001", "-1.00", "1e3", "１２", " 1", "1000000000000", "1,000"])
def test_amount_pattern_refuses_what_the_loader_refuses(value: str) -> None:
    assert errors(scenario_dict(tips={"yuan": value}))
    with pytest.raises(InputError):
        load_scenario(scenario_dict(tips={"yuan": value}))


@pytest.mark.parametrize("value", ["0", "0.00", "000012.5", "999999999999.99", "0000000000000"])
def test_amount_pattern_accepts_what_the_loader_accepts(value: str) -> None:
    load_scenario(scenario_dict(tips={"yuan": value}))
    assert not errors(scenario_dict(tips={"yuan": value}))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("1", True),
        ("0.2", True),
        ("0.1234", True),
        ("1.0000", True),
        ("00.5", True),
        ("1.0001", False),
        ("2", False),
        (".5", False),
        ("0.12345", False),
    ],
)
def test_ratio_pattern_matches_the_loader(value: str, ok: bool) -> None:
    data = scenario_dict(mcn={"name": "M", "share": value})
    assert (errors(data) == []) == ok
    if not ok:
        with pytest.raises(InputError):
            load_scenario(data)


def _examples() -> list[Path]:
    found = sorted(EXAMPLES.glob("*.toml"))
    return found + (sorted(SHARED_EXAMPLES.glob("*.toml")) if SHARED_EXAMPLES.is_dir() else [])


@pytest.mark.parametrize(
    "path", _examples(), ids=lambda p: f"{'shared' if p.is_relative_to(SHARED_EXAMPLES) else 'examples'}/{p.name}"
)
def test_every_example_validates(path: Path) -> None:
    """examples/*.toml (the golden files' scenarios, tests/cli/golden) and the shared examples."""
    assert errors(read_document(path)) == []


def test_golden_files_are_of_the_examples() -> None:
    stems = {p.name.split(".")[0] for p in (ROOT / "tests" / "cli" / "golden").iterdir()}
    assert stems <= {p.stem for p in EXAMPLES.glob("*.toml")}


def test_sample_scenarios_validate() -> None:
    for sample in sample_scenarios():
        assert errors(sample) == []


# Loader problems a JSON Schema can say: a type, a bound, an enumeration, a required or unknown key.
# Not: a bound that depends on the period (months_with_income), a unique id, a termination by a
# non-participant, CN-TAX-02's requirement, a price-card band, unprintable text other than controls.
_EXPRESSIBLE = re.compile(
    r"unknown key|expected a table|expected a list|non-empty list|expected true or false|"
    r"expected one of|expected an amount|expected a ratio|expected a whole number|"
    r"expected a string|expected a month|required key is missing$|expected 1|not both|"
    r"unknown scene|expected an id: .*found (?!\")"
)
_NOT = re.compile(r"it counts this month|XT-PRICE-01|whole number.*found the number -?[0-9]+\.0$")


def _expressible(message: str) -> bool:
    return bool(_EXPRESSIBLE.search(message)) and not _NOT.search(message)


@pytest.mark.parametrize(("sections", "path", "expected"), BAD, ids=BAD_IDS)
def test_what_the_loader_refuses_the_schema_refuses_core_input_01(
    sections: dict[str, Any], path: str, expected: str
) -> None:
    data = scenario_dict(**sections)
    with pytest.raises(InputError) as caught:
        load_scenario(data)
    if all(_expressible(p.message) for p in caught.value.problems):
        assert errors(data), f"the schema accepts what the loader refuses: {caught.value}"


_QUICK = settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])


@_QUICK
@given(st.sampled_from(PLATFORMS).flatmap(lambda name: scenario_dicts(name, messy=True)))
def test_a_scenario_the_loader_accepts_validates(data: dict[str, Any]) -> None:
    load_scenario(data)
    assert errors(data) == []


@_QUICK
@given(st.sampled_from(PLATFORMS).flatmap(broken_scenario_dicts))
def test_a_scenario_refused_for_a_type_enumeration_or_unknown_key_is_refused_by_the_schema(
    data: dict[str, Any],
) -> None:
    refused: InputError | None = None
    try:
        load_scenario(data)
    except InputError as exc:
        refused = exc
    if refused is None:
        assert errors(data) == [], "the schema refuses what the loader accepts"
    elif all(_expressible(p.message) for p in refused.problems):
        assert errors(data), f"the schema accepts what the loader refuses: {refused}"


EVENTS: list[dict[str, Any]] = [
    {
        "id": "e1",
        "platform": "wechat_channels",
        "creator": "c7",
        "date": "2026-10-03",
        "kind": "tips",
        "beans_android": 30000,
    },
    {
        "id": "e2",
        "platform": "netease",
        "creator": "c7",
        "date": "2026-10-09",
        "kind": "programs",
        "plays": "120.50",
        "scene": "news",
    },
    {
        "id": "e3",
        "platform": "xingtu",
        "creator": "c7",
        "date": "2026-10-20",
        "kind": "order",
        "amount": "8000.00",
        "stage": "published",
    },
    {
        "id": "e4",
        "platform": "xingtu",
        "creator": "c7",
        "date": "2026-10-21",
        "kind": "order",
        "order_id": "o9",
        "amount": "600.00",
        "stage": "video_produced",
        "co_creation": True,
        "termination": {"by": "client"},
        "participants": [{"creator": "c7", "role": "main", "agreed": "600.00"}],
    },
    {
        "id": "e5",
        "platform": "wechat_channels",
        "creator": "c7",
        "date": "2026-10-22",
        "kind": "merchant_live",
        "sales": "88000.00",
        "private_users": 300,
    },
]


@pytest.mark.parametrize("row", EVENTS, ids=lambda r: r["id"])
def test_event_rows_the_batch_accepts_validate(row: dict[str, Any]) -> None:
    assert not isinstance(parse_event(row, platforms=PLATFORMS), str)
    assert errors(row, EVENT) == []


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "refund"},
        {"stage": "shipped"},
        {"scene": "weibo"},
        {"yuan": 1},
        {"yuan": "1.001"},
        {"date": "2026-10"},
        {"beans_ios": -1},
        {"amount": 12},
        {"id": ""},
    ],
)
def test_event_rows_the_batch_refuses_are_refused(change: dict[str, Any]) -> None:
    row = {**EVENTS[0], **change} if "stage" not in change and "amount" not in change else {**EVENTS[2], **change}
    assert isinstance(parse_event(row, platforms=PLATFORMS), str)
    assert errors(row, EVENT)


def test_creator_rows_validate_as_the_profiles_read_them() -> None:
    flat = {
        "id": "c7",
        "followers": 52000,
        "xingtu_beta": True,
        "mcn_name": "M",
        "mcn_share": "0.2",
        "tax_method": "platform",
        "tax_months_with_income": 10,
        "price_s1_20": "800.00",
    }
    nested = {
        "id": "c8",
        "followers": 0,
        "tax": {"method": "none"},
        "price_card": {"s60_plus": "9.00"},
        "platform": {"xingtu": {"tax": {"ytd_income": "5.00"}}},
    }
    for row in (flat, nested):
        assert not isinstance(parse_profile(row), str)
        assert errors(row, CREATOR) == []
    assert isinstance(parse_profile({**flat, "nickname": "x"}), str)
    assert errors({**flat, "nickname": "x"}, CREATOR)
    assert errors({**flat, "mcn_share": "1.5"}, CREATOR)


def test_docs_scenario_md_is_generated_from_the_definitions() -> None:
    page = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    assert page == markdown("scenario"), f"docs/scenario.md is stale: regenerate it with `{REGENERATE}`"


def test_reference_page_stands_alone_and_names_every_value() -> None:
    page = markdown("scenario")
    assert "../shared" not in page and "SCENARIO.md" not in page and "RULES.md" not in page
    schema = json.dumps(json_schema())
    for value in re.findall(r'"const": "([a-z_0-9]+)"', schema):
        assert f"| `{value}` |" in page, value
    for kind in ("event", "creator"):
        assert markdown(kind).startswith("# The ")


_EVENT_NOT = re.compile(
    r"unknown platform|participant's id|XT-PRICE-01|unique|once per order|"
    r"expected an id: [^;]*found \"[^\"]|whole number[^;]*found the number -?[0-9]+\.0(;|$)|"
    r"expected a date YYYY-MM-DD, found \"[0-9]{4}-[0-9]{2}-[0-9]{2}\""
)


@st.composite
def event_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event row with one or two fields replaced by another row's value or junk, dropped, or
    an unknown key added."""
    row = dict(draw(st.sampled_from(EVENTS)))
    keys = sorted({key for event in EVENTS for key in event})
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from([*keys, "extra"]))
        action = draw(st.integers(0, 2))
        if action == 0:
            row.pop(key, None)
        elif action == 1:
            row[key] = draw(st.sampled_from([event[key] for event in EVENTS if key in event] or [1]))
        else:
            row[key] = draw(junk())
    return row


@_QUICK
@given(event_rows())
def test_an_event_row_the_batch_refuses_for_a_type_or_key_is_refused_by_the_schema(row: dict[str, Any]) -> None:
    parsed = parse_event(row, platforms=PLATFORMS)
    if not isinstance(parsed, str):
        assert errors(row, EVENT) == [], "the schema refuses an event row the batch accepts"
    elif not _EVENT_NOT.search(parsed):
        assert errors(row, EVENT), f"the schema accepts an event row the batch refuses: {parsed}"
