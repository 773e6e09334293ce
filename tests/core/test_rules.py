"""Rule files, versions by date (CORE-DATE-01) and user overrides with their errors."""

from __future__ import annotations

import datetime as dt
import pathlib
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine, RuleFileError, load_scenario
from creatorpay.core.checks import parse_toml
from creatorpay.core.rules import load_rule_file, parse_rule_book
from tests.core.fakes import RULES, fake_platform
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path


def engine(tmp_path: Path, **options: object) -> Engine:
    return Engine(plugins={"fake": fake_platform(tmp_path)}, entry_points=False, **options)  # type: ignore[arg-type]


def settle(e: Engine, period: str) -> tuple[str, Decimal, list[str]]:
    s = e.settle(load_scenario(scenario_dict(period=period, tips={"yuan": "100.00"})), "fake")
    return s.status, s.net, [f"{n.rule}: {n.reason}" for n in s.not_applied]


def test_version_in_force_on_the_first_day_core_date_01(tmp_path: Path) -> None:
    e = engine(tmp_path)
    # FK-TIP-01 starts 2022-01-15: January is not settled under it, February is.
    assert settle(e, "2022-01") == ("no_rules", Decimal(0), [])
    assert settle(e, "2022-02")[:2] == ("ok", Decimal("50.00"))
    assert settle(e, "2023-12")[1] == Decimal("50.00")
    assert settle(e, "2024-01")[1] == Decimal("80.00")  # the later version supersedes


def test_a_rule_not_in_force_is_reported_not_applied_core_date_01(tmp_path: Path) -> None:
    assert settle(engine(tmp_path), "2025-03")[2] == ["FK-NEW-01: not in force until 2025-03-02"]
    assert settle(engine(tmp_path), "2025-04")[2] == []


def test_no_rule_in_force_gives_status_no_rules_core_date_01(tmp_path: Path) -> None:
    s = engine(tmp_path).settle(load_scenario(scenario_dict(period="2021-06")), "fake")
    assert s.status == "no_rules" and "CORE-DATE-01" in (s.error or "")


def test_an_ended_rule_says_since_when(tmp_path: Path) -> None:
    e = engine(tmp_path, rules={"fake": {"FK-TIP-01": {"effective_to": "2024-05-31"}}})
    assert settle(e, "2024-06")[0] == "no_rules"  # FK-NEW-01 starts only in 2025
    assert "FK-TIP-01: not in force since 2024-06-01" in settle(e, "2025-06")[2]
    assert settle(e, "2024-05")[1] == Decimal("80.00")


def test_override_changes_a_parameter_without_code(tmp_path: Path) -> None:
    path = tmp_path / "over.toml"
    path.write_text('[fake."FK-TIP-01"]\nshare = "0.90"\n', encoding="utf-8")
    e = engine(tmp_path, rules=path)
    s = e.settle(load_scenario(scenario_dict(tips={"yuan": "100.00"})), "fake")
    assert s.net == Decimal("90.00")
    assert s.lines[0].label == "operator-set"  # a figure the user set is labelled so


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[nope."FK-TIP-01"]\nshare = "0.1"\n', "nope: unknown platform or plugin"),
        ('[fake."FK-XX-01"]\nshare = "0.1"\n', 'fake."FK-XX-01": unknown rule for fake'),
        ('[fake."FK-TIP-01"]\nrate = "0.1"\n', 'fake."FK-TIP-01".rate: unknown parameter of FK-TIP-01'),
        ('[fake."FK-TIP-01"]\nshare = 0.1\n', 'fake."FK-TIP-01".share: expected a ratio'),
        ('[fake."FK-TIP-01"]\nsize = "big"\n', 'fake."FK-TIP-01".size: expected a whole number'),
        ('[fake."FK-TIP-01"]\neffective_to = "soon"\n', "expected a date"),
        ("[fake\n", "not valid TOML"),
    ],
)
def test_override_errors_name_the_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "over.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        engine(tmp_path, rules=path)
    assert str(path) in str(caught.value) and fragment in str(caught.value)


def test_rule_file_checks(tmp_path: Path) -> None:
    book = parse_rule_book(parse_toml(RULES, "fake.toml"), "fake", "fake.toml")
    version = book.at(dt.date(2022, 2, 1)).in_force["FK-TIP-01"]
    assert version.decimal("share") == Decimal("0.50") and not version.is_set("size")
    assert "operator-set and unset: set size" in (version.unset_reason("size") or "")
    with pytest.raises(KeyError, match="unset"):
        version["size"]
    bad = {
        'label = "guess"': "expected one of source, interpretation",
        'effective_to = 2025-01-01\n[[rules."X-Y-01".versions]]\neffective_from = 2024-06-01': "versions overlap",
        "share = 5": "expected a ratio",
        "effective_to = 2000-01-01": "ends 2000-01-01 before it starts",
        'color = "red"': "unknown key",
    }
    for snippet, message in bad.items():
        head, _, tail = snippet.partition("\n")
        where = (
            '[rules."X-Y-01"]\nsource = "t"\n'
            if snippet.startswith("label")
            else '[rules."X-Y-01"]\nlabel = "source"\nsource = "t"\nparams.share = { type = "ratio" }\n'
        )
        text = (
            where
            + (head + "\n" if snippet.startswith("label") else "")
            + '[[rules."X-Y-01".versions]]\neffective_from = 2024-01-01\n'
            + ("" if snippet.startswith("label") else head + "\n" + tail)
        )
        path = tmp_path / "r.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RuleFileError, match=message):
            load_rule_file(path, "x")


@pytest.mark.parametrize("book", ["core", "wechat_channels"])
def test_shipped_rule_files_are_valid(book: str) -> None:
    assert Engine().rulebooks[book].rules


@pytest.mark.parametrize("value", ["１.５", "١", "1.5\n", " 1.5", "1.5 "])
def test_override_decimals_are_ascii_digits_only_core_input_01(value: str) -> None:
    """CORE-INPUT-01: a rules override's decimal is ASCII digits, nothing around it (a fullwidth or
    Arabic-Indic digit, or a trailing newline, was accepted)."""
    with pytest.raises(RuleFileError, match="WC-TIP-02"):
        Engine(load=["wechat_channels"], rules={"wechat_channels": {"WC-TIP-02": {"creator_share": value}}})


def test_each_version_of_a_loaded_rule_points_back_at_it() -> None:
    """A rule takes its versions in place when loaded (issue 20's start-up): each version's ``rule`` is
    the very rule holding it, and a book loaded again from the same file is the same (its repr: a rule
    and its versions point at each other, so two loads are not compared with ==)."""
    engine = Engine()
    for book in engine._books.values():
        for rule in book.rules.values():
            assert rule.versions
            assert all(version.rule is rule for version in rule.versions)
        again = load_rule_file(pathlib.Path(book.source), book.platform, book.check)
        assert repr(again.rules) == repr(book.rules)
