"""Values derived from a rule version are memoised on it (labels, parsed tables) and stay correct."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from creatorpay.core.checks import parse_toml
from creatorpay.core.rules import RuleSet, RuleVersion, parse_rule_book
from tests.core.fakes import RULES


def _rules(day: dt.date = dt.date(2024, 2, 1)) -> RuleSet:
    return parse_rule_book(parse_toml(RULES, "fake.toml"), "fake", "fake.toml").at(day)


def test_derived_is_computed_once_per_version() -> None:
    version = _rules().in_force["FK-TIP-01"]
    calls: list[RuleVersion] = []

    def double_share(v: RuleVersion) -> Decimal:
        calls.append(v)
        return v.decimal("share") * 2

    first = version.derived(double_share)
    assert first == Decimal("1.60")
    assert version.derived(double_share) is first
    assert calls == [version]


def test_derived_does_not_memoise_an_exception() -> None:
    """A bad value raises on every call (e.g. a broken tax table is an error on every statement)."""
    version = _rules().in_force["FK-TIP-01"]
    calls = 0

    def unset_size(v: RuleVersion) -> int:
        nonlocal calls
        calls += 1
        return v.count("size")

    for _ in range(2):
        with pytest.raises(KeyError, match="unset"):
            version.derived(unset_size)
    assert calls == 2


def test_an_evolved_version_starts_with_an_empty_memo() -> None:
    """Overrides make new versions with ``attrs.evolve``: they must not see the old version's values."""
    version = _rules().in_force["FK-TIP-01"]
    assert version.derived(_share) == Decimal("0.80")
    assert version.label_for("share") == "source"
    changed = attrs.evolve(
        version, params={**version.params, "share": Decimal("0.60")}, overridden=frozenset({"share"})
    )
    assert changed.derived(_share) == Decimal("0.60")
    assert changed.label_for("share") == "operator-set"
    assert version.label_for("share") == "source"
    assert changed == attrs.evolve(changed)  # the memo takes no part in equality


def _share(v: RuleVersion) -> Decimal:
    return v.decimal("share")


def test_label_for_is_memoised_per_names_and_still_the_weakest() -> None:
    version = _rules().in_force["FK-TIP-01"]
    assert version.label_for() == "source"
    assert version.label_for("size") == "operator-set"  # the parameter's own label
    assert version.label_for("size") is version.label_for("size")
    assert version.label_for("share") == "source"


def test_get_still_raises_for_a_rule_not_in_the_file() -> None:
    rules = _rules()
    assert rules.get("FK-NEW-01") is None and rules.get("FK-TIP-01") is not None
    with pytest.raises(KeyError, match="is not in the fake rule file"):
        rules.get("FK-XYZ-01")
