"""Progressive bracket tables (CN-TAX-01's and CN-TAX-02's), read strictly from a rule's text params.

A table is three list parameters: ``bracket_tops`` (inclusive upper limits of every bracket but the
last), ``bracket_rates`` and ``quick_deductions`` (one per bracket); the rule file types each item.
A table whose lists do not fit together is a rule-file error naming the parameter
(:mod:`.bracket_rules`). Imported only by a month the platform taxes: its classes are built then.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from creatorpay.core.plugin import Checker, RuleFileError

from .bracket_rules import QUICK, RATES, TOPS, check_table
from .figures import money, percent

if TYPE_CHECKING:
    from creatorpay.core.plugin import RuleVersion


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


__all__ = ["QUICK", "RATES", "TOPS", "Bracket", "BracketTable", "check_table", "read_table"]
