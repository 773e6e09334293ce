"""Constraints declared in rule files (min, max, positive, increasing, length, above) and the
``creatorpay_check_rules`` hook: checked when a rule file loads and on every version an override
changes, so an override that would break settling is refused up front (issue 15, CORE-INPUT-01)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, PluginError, RuleFileError, hookimpl
from creatorpay.core.checks import Checker, parse_toml
from creatorpay.core.plugins import PluginWarning
from creatorpay.core.rules import RuleVersion, parse_rule_book
from tests.core.fakes import fake_platform

if TYPE_CHECKING:
    from pathlib import Path

RULES = """
[rules."FK-TAB-01"]
title = "A fake table"
label = "source"
source = "a test"
params.per = { type = "count", min = 1, max = 100 }
params.share = { type = "ratio", positive = true }
params.low = { type = "amount" }
params.high = { type = "amount", above = "low" }
params.tops = { type = "amounts", positive = true, increasing = true }
params.rates = { type = "ratios", increasing = true, length = { of = "tops", plus = 1 } }
[[rules."FK-TAB-01".versions]]
effective_from = 2022-01-01
effective_to = 2023-12-31
per = 10
share = "0.5"
low = "10.00"
high = "20.00"
tops = ["100.00"]
rates = ["0.10", "0.20"]
[[rules."FK-TAB-01".versions]]
effective_from = 2024-01-01
per = 10
share = "0.5"
low = "10.00"
high = "30.00"
tops = ["100.00", "200.00"]
rates = ["0.10", "0.20", "0.30"]
"""


def book(text: str = RULES) -> None:
    parse_rule_book(parse_toml(text, "fake.toml"), "fake", "fake.toml")


def problems(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        book(text)
    return str(caught.value)


def test_a_rule_file_meeting_its_constraints_loads() -> None:
    book()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("per = 10\nshare", "per = 0\nshare", "versions[0].per: expected a value of at least 1, found 0"),
        ("per = 10\nshare", "per = 101\nshare", "versions[0].per: expected a value of at most 100, found 101"),
        (
            'share = "0.5"\nlow = "10.00"\nhigh = "20.00"',
            'share = "0"\nlow = "10.00"\nhigh = "20.00"',
            "versions[0].share: expected a value above 0, found 0",
        ),
        ('tops = ["100.00"]\n', 'tops = ["0.00"]\n', "versions[0].tops[0]: expected a value above 0, found 0.00"),
        (
            'tops = ["100.00", "200.00"]',
            'tops = ["200.00", "200.00"]',
            "versions[1].tops[1]: expected each item above the one before, found 200.00 after 200.00",
        ),
        (
            'rates = ["0.10", "0.20"]\n',
            'rates = ["0.10"]\n',
            "versions[0].rates: expected 2 items (1 more than the 1 of tops), found 1",
        ),
        ('high = "30.00"', 'high = "10.00"', "versions[1].high: expected a value above low (10.00), found 10.00"),
    ],
)
def test_a_value_breaking_a_declared_constraint_is_a_rule_file_error(old: str, new: str, message: str) -> None:
    assert old in RULES
    assert f'fake.toml: rules."FK-TAB-01".{message}' in problems(RULES.replace(old, new, 1))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ('{ type = "text", min = 1 }', "params.x.min: applies only to the types amount, ratio"),
        ('{ type = "count", increasing = true }', "params.x.increasing: applies only to the types amounts, ratios"),
        ('{ type = "amounts", length = { of = "nothing" } }', "params.x.length: of = 'nothing' is not a list"),
        ('{ type = "count", above = "high" }', "params.x.above: 'high' is not a count parameter"),
        ('{ type = "count", min = "one" }', "params.x.min: expected a whole number or a decimal string"),
        ('{ type = "amounts", length = { plus = 1 } }', "params.x.length.of: required key is missing"),
    ],
)
def test_a_misdeclared_constraint_is_a_rule_file_error(spec: str, message: str) -> None:
    text = RULES.replace("params.per =", f"params.x = {spec}\nparams.per =", 1)
    assert f'rules."FK-TAB-01".{message}' in problems(text)


def engine(tmp_path: Path, rules: dict[str, Any], **hooks: Any) -> Engine:
    plugin = fake_platform(tmp_path, **hooks)
    (tmp_path / "fake.toml").write_text(RULES, encoding="utf-8")
    return Engine(plugins={"fake": plugin}, entry_points=False, rules=rules)


def test_an_override_is_checked_on_every_version_it_changes(tmp_path: Path) -> None:
    """``rates`` of three items fits the 2024 version's two tops, not the 2022 version's one."""
    with pytest.raises(RuleFileError) as caught:
        engine(tmp_path, {"fake": {"FK-TAB-01": {"rates": ["0.10", "0.20", "0.30"]}}})
    assert str(caught.value) == (
        '<rules>: fake."FK-TAB-01".rates: expected 2 items (1 more than the 1 of tops) '
        "in the version from 2022-01-01, found 3"
    )


def test_an_override_breaking_a_bound_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=re.escape('fake."FK-TAB-01".per: expected a value of at least 1')):
        engine(tmp_path, {"fake": {"FK-TAB-01": {"per": 0}}})


def _sum_at_most_one(version: RuleVersion, checker: Checker, path: str) -> None:
    if version.id == "FK-TAB-01" and version.decimal("share") + version.decimals("rates")[-1] > 1:
        checker.fail(path + ".share", "expected share + the top rate at most 1")


def test_the_check_rules_hook_runs_on_the_file_and_on_overrides(tmp_path: Path) -> None:
    """What data cannot say: the plugin's creatorpay_check_rules, on every version, with overrides."""
    check = hookimpl(_sum_at_most_one)
    fine = engine(tmp_path, {"fake": {"FK-TAB-01": {"share": "0.7"}}}, creatorpay_check_rules=check)
    assert fine.rulebooks["fake"].rules["FK-TAB-01"].versions[1].decimal("share") == Decimal("0.7")
    with pytest.raises(RuleFileError) as caught:
        engine(tmp_path, {"fake": {"FK-TAB-01": {"share": "0.8"}}}, creatorpay_check_rules=check)
    assert str(caught.value) == ('<rules>: fake."FK-TAB-01".share: expected share + the top rate at most 1')


def test_a_rule_file_the_check_rules_hook_refuses_fails_its_plugin(tmp_path: Path) -> None:
    """The hook also checks the plugin's own file: a plugin shipping a bad table is reported failed."""
    check = hookimpl(_sum_at_most_one)
    plugin = fake_platform(tmp_path, creatorpay_check_rules=check)
    (tmp_path / "fake.toml").write_text(RULES.replace('share = "0.5"', 'share = "0.9"'), encoding="utf-8")
    with pytest.warns(PluginWarning, match="the plugin 'fake' failed to load: RuleFileError"):
        loaded = Engine(plugins={"fake": plugin}, entry_points=False)
    report = next(r for r in loaded.reports if r.name == "fake")
    assert report.status == "failed"
    assert 'rules."FK-TAB-01".versions[0].share: expected share + the top rate at most 1' in (report.error or "")


def test_a_problem_the_hook_finds_in_every_version_is_said_once(tmp_path: Path) -> None:
    @hookimpl
    def creatorpay_check_rules(version: RuleVersion, checker: Checker, path: str) -> None:
        if version.decimal("share") > Decimal("0.6"):
            checker.fail(path + ".share", "expected a share at most 0.6")

    with pytest.raises(RuleFileError) as caught:
        engine(tmp_path, {"fake": {"FK-TAB-01": {"share": "0.7"}}}, creatorpay_check_rules=creatorpay_check_rules)
    assert str(caught.value) == '<rules>: fake."FK-TAB-01".share: expected a share at most 0.6'


TEXTS = """
[rules."FK-APP-01"]
title = "Apps a submission may come from"
label = "source"
source = "a test"
params.apps = { type = "texts" }
params.note = { type = "text" }
[[rules."FK-APP-01".versions]]
effective_from = 2022-01-01
apps = APPS
note = "x"
"""


def test_a_texts_parameter_is_a_list_of_strings_read_as_a_tuple() -> None:
    """The list-of-strings type (issue 18: XT-CC-09's apps were comma text parsed in the plugin)."""
    rules = parse_rule_book(parse_toml(TEXTS.replace("APPS", '["douyin", "douyin_pad"]'), "fake.toml"), "fake", "")
    [version] = rules.rules["FK-APP-01"].versions
    assert version.texts("apps") == ("douyin", "douyin_pad")
    with pytest.raises(PluginError, match=r"FK-APP-01.*note.*a list of strings \(texts\)"):
        version.texts("note")
    older = parse_rule_book(parse_toml(TEXTS.replace("APPS", '"douyin, douyin_pad"'), "fake.toml"), "fake", "")
    assert older.rules["FK-APP-01"].versions[0].texts("apps") == (
        "douyin",
        "douyin_pad",
    )  # comma text reads as its items


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('""', "apps: expected a non-empty list of strings, found "),
        ('"douyin, douyin"', "apps[1]: expected each item once, found 'douyin' again"),
        ("[]", "apps: expected a non-empty list of strings, found "),
        ('["douyin", 1]', "apps[1]: expected a string of at most 200 characters, found "),
        ('["douyin", ""]', "apps[1]: expected a non-empty string, found an empty one"),
        ('["douyin", "douyin_pad", "douyin"]', "apps[2]: expected each item once, found 'douyin' again"),
    ],
)
def test_a_texts_value_breaking_its_constraints_is_a_rule_file_error(value: str, message: str) -> None:
    assert f'fake.toml: rules."FK-APP-01".versions[0].{message}' in problems(TEXTS.replace("APPS", value))


@pytest.mark.parametrize("constraint", ["min = 1", "positive = true", "increasing = true"])
def test_number_and_order_constraints_do_not_apply_to_texts(constraint: str) -> None:
    text = TEXTS.replace("APPS", '["douyin"]').replace('{ type = "texts" }', f'{{ type = "texts", {constraint} }}')
    assert "applies only to the types" in problems(text)
