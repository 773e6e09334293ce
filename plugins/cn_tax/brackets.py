"""Progressive bracket tables (CN-TAX-01's and CN-TAX-02's), read strictly from a rule's text params.

A table is three list parameters: ``bracket_tops`` (inclusive upper limits of every bracket but the
last), ``bracket_rates`` and ``quick_deductions`` (one per bracket); the rule file types each item.
A table whose lists do not fit together is a rule-file error naming the parameter.
"""

from __future__ import annotations

import functools
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, cast

import attrs

from creatorpay.core.plugin import Checker, RuleFileError, join

from .figures import exact, money, percent

if TYPE_CHECKING:
    from creatorpay.core.plugin import RuleVersion

TOPS, RATES, QUICK = "bracket_tops", "bracket_rates", "quick_deductions"


@attrs.frozen
class Bracket:
    """One bracket: taxable amounts above ``floor`` up to ``top`` (None: no limit) pay
    ``taxable × rate − quick_deduction``."""

    floor: Decimal
    top: Decimal | None
    rate: Decimal
    quick_deduction: Decimal

    def describe(self) -> str:
        """The bracket as a person reads it, e.g. ``above 36,000.00 up to 144,000.00 at 10%``."""
        if self.top is None:
            where = f"above {money(self.floor)}"
        elif self.floor == 0:
            where = f"up to {money(self.top)}"
        else:
            where = f"above {money(self.floor)} up to {money(self.top)}"
        return f"{where} at {percent(self.rate)}"

    # The texts notes repeat are computed once per bracket: a table is read once per rule version.

    @functools.cached_property
    def rate_text(self) -> str:
        """The rate as a note writes it, e.g. ``10%``."""
        return percent(self.rate)

    @functools.cached_property
    def quick_deduction_text(self) -> str:
        """The quick deduction as a note writes it, e.g. ``2,520.00``."""
        return money(self.quick_deduction)

    @functools.cached_property
    def summary(self) -> str:
        """The bracket and its quick deduction, e.g. ``bracket up to 36,000.00 at 3% less quick
        deduction 0.00``."""
        return f"bracket {self.describe()} less quick deduction {self.quick_deduction_text}"


@attrs.frozen
class BracketTable:
    """A progressive table; :meth:`find` gives the bracket of a taxable amount."""

    brackets: tuple[Bracket, ...]

    def find(self, taxable: Decimal) -> Bracket:
        """The bracket holding ``taxable``; a top is inclusive (不超过), a non-positive amount is
        in the first bracket."""
        for bracket in self.brackets:
            if bracket.top is None or taxable <= bracket.top:
                return bracket
        raise AssertionError("the last bracket has no top")  # pragma: no cover - guaranteed by parse


def read_table(version: RuleVersion) -> BracketTable:
    """The bracket table of ``version`` (params ``bracket_tops``, ``bracket_rates``,
    ``quick_deductions``); raises :class:`RuleFileError` naming each problem.

    Parsed and checked once per version (:meth:`RuleVersion.derived`), not on every statement; a
    bad table is not memoised, so it raises every time.
    """
    return version.derived(_parse_table)


def _parse_table(version: RuleVersion) -> BracketTable:
    """:func:`read_table` without the memo."""
    checker = Checker(f"{version.rule.platform} rules", RuleFileError)
    check_table(version, checker, f'{version.rule.platform}."{version.id}"')
    checker.raise_if_any()
    tops, rates, quick = (list(version.decimals(name)) for name in (TOPS, RATES, QUICK))
    floors = [Decimal(0), *tops]
    limits: list[Decimal | None] = [*tops, None]
    return BracketTable(tuple(Bracket(f, t, r, q) for f, t, r, q in zip(floors, limits, rates, quick, strict=True)))


def check_table(version: RuleVersion, checker: Checker, where: str) -> None:
    """Record on ``checker`` under ``where`` everything that keeps ``version``'s lists from being a
    table: lengths, order (also declared in rules.toml, checked here again for any rule file) and
    the quick deductions the brackets imply. The ``creatorpay_check_rules`` hook of the plugin."""
    found = [version.params.get(name) for name in (TOPS, RATES, QUICK)]
    if not all(isinstance(items, tuple) for items in found):
        checker.fail(where, f"expected the three lists {TOPS}, {RATES} and {QUICK} of a bracket table")
        return
    tops, rates, quick = (list(cast("tuple[Decimal, ...]", items)) for items in found)
    before = len(checker.problems)
    if len(rates) != len(tops) + 1:
        checker.fail(
            join(where, RATES),
            f"expected {len(tops) + 1} rates (one more than the {len(tops)} bracket tops), found {len(rates)}",
        )
    if len(quick) != len(rates):
        checker.fail(join(where, QUICK), f"expected one quick deduction per rate ({len(rates)}), found {len(quick)}")
    if any(b <= a for a, b in itertools.pairwise(tops)) or (tops and tops[0] <= 0):
        checker.fail(join(where, TOPS), "expected bracket tops above zero, each above the one before")
    if any(r > 1 for r in rates) or any(b <= a for a, b in itertools.pairwise(rates)):
        checker.fail(join(where, RATES), "expected rates from 0 to 1, each above the one before")
    if len(checker.problems) == before:
        _check_continuous(checker, tops, rates, quick, join(where, QUICK))


def _check_continuous(
    checker: Checker, tops: list[Decimal], rates: list[Decimal], quick: list[Decimal], path: str
) -> None:
    """Each quick deduction is what makes the tax continuous at the bracket's floor:
    ``q[i] = q[i-1] + top[i-1] × (rate[i] − rate[i-1])``, starting from ``q[0] = 0``."""
    expected = Decimal(0)
    for index, given in enumerate(quick):
        if index:
            expected += tops[index - 1] * (rates[index] - rates[index - 1])
        if given != expected:
            checker.fail(path, f"quick deduction {index + 1} is {given}, the brackets imply {exact(expected):f}")
            return
