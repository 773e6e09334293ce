"""An override the rules accept settles (issue 15): validation refuses every value settling cannot use.

The property: any override file that ``Engine(rules=...)`` (so ``creatorpay rules validate``) accepts
settles every example scenario on every platform without an ``error`` status, and any generated
scenario the rule files settle without one. Overrides are drawn for every parameter of every loaded
rule file (core/rules.toml, plugins/*/rules.toml) from its type, edge values first, and for the tax
tables (CN-TAX-01/02) as whole tables, consistent or not. Each example is also settled at 2024-06
with ``[tax] method = "platform"``, so CN-TAX-01 is exercised too.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, RuleFileError, load_scenario
from creatorpay.core.checks import read_document
from creatorpay.testing.strategies import scenario_dicts
from tests.helpers import EXAMPLES, examples

if TYPE_CHECKING:
    from creatorpay.core.rules import ParamSpec
    from creatorpay.core.scenario import Scenario

BASE = Engine()
#: Every overridable parameter: (book, rule, parameter, its spec).
PARAMS = [
    (book, rule.id, name, spec)
    for book, rules in sorted(BASE.rulebooks.items())
    for rule in rules.rules.values()
    for name, spec in rule.params.items()
]
TABLES = [
    (book, rule.id)
    for book, rules in sorted(BASE.rulebooks.items())
    for rule in rules.rules.values()
    if {"bracket_tops", "bracket_rates", "quick_deductions"} <= set(rule.params)
]


def _scenarios() -> list[Scenario]:
    """The examples as they are, and each at 2024-06 with per-payment withholding (CN-TAX-01)."""
    found: list[Scenario] = []
    for path in sorted(EXAMPLES.glob("*.toml")):
        data = read_document(path)
        found.append(load_scenario(data, source=str(path)))
        earlier = copy.deepcopy(dict(data))
        earlier["period"] = "2024-06"
        earlier["tax"] = {"method": "platform"}
        earlier.pop("platform", None)
        found.append(load_scenario(earlier, source=f"{path} at 2024-06"))
    return found


SCENARIOS = _scenarios()

_fen = st.one_of(st.sampled_from([0, 1, 100, 500_000, 10**13 - 1]), st.integers(0, 10**14 - 1))
_amounts = _fen.map(lambda fen: f"{Decimal(fen) / 100:.2f}")
_ratios = st.one_of(
    st.sampled_from(["0", "1", "0.5", "1.0000"]), st.integers(0, 10_000).map(lambda n: f"{Decimal(n) / 10_000:.4f}")
)
_counts = st.one_of(st.sampled_from([0, 1, 2, 5, 10**9]), st.integers(0, 2**63 - 1))
_decimals = st.one_of(
    st.sampled_from(["0", "1", "0.5", "1000000"]),
    st.decimals(min_value=0, max_value=10**9, places=3).map(lambda d: f"{d:f}"),
)


def _value(spec: ParamSpec) -> st.SearchStrategy[Any]:
    """Values of ``spec``'s type, the edges first (0, 1, the limits); lists of 1-8 items."""
    if spec.type == "amount":
        return _amounts
    if spec.type == "ratio":
        return _ratios
    if spec.type == "decimal":
        return _decimals
    if spec.type == "count":
        return _counts
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    if spec.type == "date":
        return st.dates(dt.date(1970, 1, 1), dt.date(2100, 12, 31))
    if spec.type in ("amounts", "ratios"):
        items = _amounts if spec.type == "amounts" else _ratios
        return st.lists(items, min_size=1, max_size=8).flatmap(
            lambda xs: st.sampled_from([xs, sorted(xs, key=Decimal)])
        )
    if spec.type == "texts":
        return st.lists(st.sampled_from(["", "douyin", "douyin_pad", "x", " "]), max_size=4)
    return st.sampled_from(["", "douyin", "douyin, douyin_pad", "x, y", " , "])


@st.composite
def _table(draw: st.DrawFn) -> dict[str, list[str]]:
    """A bracket table whose quick deductions are the ones its brackets imply, or one item off."""
    size = draw(st.integers(0, 6))
    tops = sorted(draw(st.lists(st.integers(1, 10**8), min_size=size, max_size=size, unique=True)))
    rates = sorted(draw(st.lists(st.integers(0, 100), min_size=size + 1, max_size=size + 1, unique=True)))
    quick = [Decimal(0)]
    for index in range(1, size + 1):
        quick.append(quick[-1] + Decimal(tops[index - 1]) * Decimal(rates[index] - rates[index - 1]) / 100)
    if size and draw(st.booleans()):
        quick[draw(st.integers(1, size))] += Decimal("0.01")
    return {
        "bracket_tops": [f"{t}.00" for t in tops] or ["1.00"],  # an empty list is not a table
        "bracket_rates": [f"{Decimal(r) / 100:.2f}" for r in rates],
        "quick_deductions": [f"{q:.2f}" for q in quick],
    }


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, dict[str, dict[str, Any]]]:
    """An override file: a few parameters anywhere, and perhaps a whole tax table."""
    data: dict[str, dict[str, dict[str, Any]]] = {}
    for book, rule, name, spec in draw(st.lists(st.sampled_from(PARAMS), min_size=1, max_size=6, unique=True)):
        data.setdefault(book, {}).setdefault(rule, {})[name] = draw(_value(spec))
    if len(TABLES) > 0 and draw(st.booleans()):
        book, rule = draw(st.sampled_from(TABLES))
        data.setdefault(book, {}).setdefault(rule, {}).update(draw(_table()))
    return data


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(overrides())
def test_an_override_validation_accepts_settles_every_example_without_error(
    data: dict[str, dict[str, dict[str, Any]]],
) -> None:
    """CORE-INPUT-01: an accepted override never makes a platform's statement an ``error``."""
    try:
        engine = Engine(rules=data)
    except RuleFileError:
        return  # refused up front, naming the key: what validation is for
    for scenario in SCENARIOS:
        for statement in engine.compare(scenario).results:
            assert statement.status != "error", (scenario.source, statement.platform, statement.error)


@pytest.mark.parametrize(("book", "rule", "name", "spec"), PARAMS, ids=[f"{r}.{n}" for _, r, n, _ in PARAMS])
def test_every_edge_value_of_every_parameter_is_refused_or_settles(
    book: str, rule: str, name: str, spec: ParamSpec
) -> None:
    """Each parameter alone at its edges (0, 1, the type's limits): refused, or settles every example."""
    edges: dict[str, list[Any]] = {
        "amount": ["0.00", "0.01", "999999999999.99"],
        "ratio": ["0", "0.0001", "1"],
        "decimal": ["0", "0.001", "1000000000"],
        "count": [0, 1, 2**63 - 1],
        "bool": [True, False],
        "choice": list(spec.choices),
        "date": [dt.date(1970, 1, 1), dt.date(2100, 12, 31)],
        "amounts": [["0.00"], ["999999999999.99"]],
        "ratios": [["0"], ["1"]],
        "text": ["", "x"],
        "texts": [[], [""], ["x"], ["douyin", "douyin"]],
    }
    for value in edges[spec.type]:
        try:
            engine = Engine(rules={book: {rule: {name: value}}})
        except RuleFileError:
            continue
        for scenario in SCENARIOS:
            for statement in engine.compare(scenario).results:
                assert statement.status != "error", (value, scenario.source, statement.platform, statement.error)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(overrides(), scenario_dicts(messy=True))
def test_an_accepted_override_settles_any_scenario_the_rule_files_settle(
    data: dict[str, dict[str, dict[str, Any]]], scenario: dict[str, Any]
) -> None:
    """Beyond the examples: a generated scenario (loadable nonsense in orders and creators included)
    that settles under the rule files settles without ``error`` under any override accepted."""
    try:
        engine = Engine(rules=data)
    except RuleFileError:
        return
    loaded = load_scenario(scenario)
    before = {s.platform: s.status for s in BASE.compare(loaded).results}
    for statement in engine.compare(loaded).results:
        if before[statement.platform] != "error":
            assert statement.status != "error", (statement.platform, statement.error)
