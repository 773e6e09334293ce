"""The conformance checks on hand-made faults: each names what is wrong, and passes what is right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core import Engine, Kind, Platform, Statement, load_scenario
from creatorpay.core.engine import Report
from creatorpay.core.rules import parse_rule_book
from creatorpay.core.statement import Line, StatementBuilder
from creatorpay.testing import checks

if TYPE_CHECKING:
    from pathlib import Path

    from creatorpay.core.store import Store

D = Decimal


def rule(**extra: object) -> dict[str, object]:
    return {
        "title": "A rule",
        "label": "source",
        "source": "a test",
        "versions": [{"effective_from": dt.date(2024, 1, 1)}],
        **extra,
    }


def test_rule_file_two_versions_from_one_day_and_unset_figures() -> None:
    assert checks.rule_file_problems(parse_rule_book({"rules": {"FK-A-01": rule()}}, "fake", "f.toml")) == []
    twice = rule(versions=[{"effective_from": dt.date(2024, 1, 1)}, {"effective_from": dt.date(2024, 1, 1)}])
    unset = rule(params={"rate": {"type": "ratio"}, "size": {"type": "count", "label": "operator-set"}})
    problems = checks.rule_file_problems(
        parse_rule_book({"rules": {"FK-A-01": twice, "FK-B-01": unset}}, "fake", "f.toml")
    )
    assert problems == [
        "f.toml: FK-A-01: two versions start on 2024-01-01: which is in force is undefined",
        "f.toml: FK-B-01: rate is unset in the version from 2024-01-01 but not labelled operator-set: give it "
        "a value, or label it operator-set when no source gives one",
    ]


def test_registration_names_unknown_activities_and_a_missing_rule_file(tmp_path: Path) -> None:
    platform = Platform(
        name="fake", title=" ", rules=tmp_path / "none.toml", offers=("tips", "tipping"), not_offered={"tips": "no"}
    )
    assert checks.registration_problems(platform) == [
        "Platform.title is empty: it heads the platform's column in compare",
        "Platform.offers names 'tipping', not an activity; activities are: orders, tips, programs, merchant_live",
        "'tips' is both offered and not offered",
        f"the rule file {tmp_path / 'none.toml'} does not exist: ship it as package data",
    ]


def test_money_checks_sign_places_and_parties() -> None:
    good = Line("FK-A-01", Kind.TIPS, "p", "me", D("1"), D("1"), D("1.00"), D("1.00"), "source")
    wrong_sign = Line("FK-A-01", Kind.FEE, "me", "p", D("1"), D("1"), D("1.00"), D("1.00"), "source")
    three_places = Line("FK-A-01", Kind.TIPS, "p", "me", D("1"), D("1"), D("1.005"), D("1.005"), "source")
    statement = Statement("fake", "Fake", lines=(good, wrong_sign, three_places))
    problems = checks.money_problems(statement, "me")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "amount 1.00 should be -1.00 for the creator 'me'",
        "value and amount must have exactly two decimal places (CORE-MONEY-01)",
    ]
    assert checks.money_problems(Statement("fake", "Fake", lines=(good,)), "me") == []


def test_status_error_and_rejected_orders() -> None:
    assert checks.status_problems(Statement("fake", "Fake", status="error", error="KeyError: 'x'")) == [
        "a hook raised, so the statement has status error: KeyError: 'x'"
    ]
    builder = StatementBuilder("fake", "Fake", "me")
    builder.violation("FK-A-01", "too many", order="o-1")
    builder.line("FK-A-01", Kind.ORDER_PAYMENT, payer="brand", payee="me", base=D("10"), rate=D(1), order="o-1")
    builder.pend("o-2", "not published")
    builder.line("FK-A-01", Kind.ORDER_PAYMENT, payer="brand", payee="me", base=D("0"), rate=D(1), order="o-2")
    assert checks.order_problems(builder.build()) == [
        "line 0 (FK-A-01) moves 10.00 for order o-1, which a violation rejected: a rejected order settles nothing"
    ]


def test_citations_of_rules_not_in_force_unknown_or_labelled_too_strongly() -> None:
    rules = {"FK-A-01": rule(label="unverified"), "FK-B-01": rule(versions=[{"effective_from": dt.date(2027, 1, 1)}])}
    ruleset = parse_rule_book({"rules": rules}, "fake", "f.toml").at(dt.date(2026, 10, 1))
    builder = StatementBuilder("fake", "Fake", "me")
    builder.line("FK-A-01", Kind.TIPS, payer="p", payee="me", base=D("1"), rate=D(1), label="source")  # > unverified
    builder.line("FK-B-01", Kind.TIPS, payer="p", payee="me", base=D("1"), rate=D(1), label="unverified")
    builder.add_traffic("FK-C-01", impressions=5, label="unverified")
    builder.skip("FK-D-01", "why")
    problems = checks.citation_problems(builder.build(), {"fake": ruleset})
    assert problems == [
        "line 0 is labelled 'source' but its rule FK-A-01 is 'unverified': label lines with version.label_for(...)",
        "line 1 cites FK-B-01, which is not in force until 2027-01-01: ask ctx.rule(id), which returns None for a "
        "rule not in force (CORE-DATE-01)",
        "traffic item 0 cites FK-C-01, which is in no loaded rule file (fake): add it to the plugin's rules.toml "
        "with a label and source",
        "not applied names FK-D-01, which is in no loaded rule file (fake)",
    ]


def test_json_round_trip_catches_a_fact_that_is_not_text() -> None:
    scenario = load_scenario({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 1}})
    good = Engine(load=["wechat_channels"]).compare(scenario)
    assert checks.json_problems(good) == []
    bad = Report(scenario, (Statement("fake", "Fake", facts={"share": D("0.5")}),))  # type: ignore[dict-item]
    assert checks.json_problems(bad)[0].startswith("to_json failed: Object of type Decimal is not JSON serializable")


def test_load_failure_messages(tmp_path: Path) -> None:
    engine = Engine(load=["wechat_channels"], disable=())
    assert checks.load_failure(engine, "wechat_channels") is None
    assert "plugin 'netease' (distribution creatorpay" in (checks.load_failure(engine, "netease") or "")
    assert "is blocked: not in the allow list" in (checks.load_failure(engine, "netease") or "")
    assert "no plugin named 'acme' was found" in (checks.load_failure(engine, "acme") or "")


def test_store_contract_names_a_plugin_that_breaks_it() -> None:
    """The contract the scale drivers need (docs/scale.md): a plugin deterministic given the store's
    answers, whose draw may pay less than asked (NE-BUDGET-01's min(amount, left)) without an error."""
    cap = D("100.00")

    def keeps(store: Store) -> Statement:
        paid = store.draw("fake:cash", D("60.00"), cap)
        return Statement("fake", "Fake", facts={"paid": str(paid)})

    assert checks.store_contract_problems(keeps) == []

    asked = iter(range(100))

    def wanders(store: Store) -> Statement:  # asks for more each time: not deterministic
        store.draw("fake:cash", D(next(asked)), cap)
        return Statement("fake", "Fake")

    assert checks.store_contract_problems(wanders)[0] == (
        "with every budget starting at 100% of its capacity: two stores giving the same answers were asked "
        "different calls"
    )

    def insists(store: Store) -> Statement:  # fails unless paid in full
        paid = store.draw("fake:cash", D("60.00"), cap)
        if paid < D("60.00"):
            return Statement("fake", "Fake", status="error", error="AssertionError: short")
        return Statement("fake", "Fake")

    assert checks.store_contract_problems(insists) == [
        "with every budget starting at 50% of its capacity: the statement is an error (AssertionError: short); "
        "a draw may pay less than asked",
        "with every budget starting at 0% of its capacity: the statement is an error (AssertionError: short); "
        "a draw may pay less than asked",
    ]
