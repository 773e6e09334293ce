"""The checks of a progressive bracket table's three list parameters (CN-TAX-01, CN-TAX-02): the
``creatorpay_check_rules`` hook runs them on every start, and :mod:`.brackets` (whose classes only a
taxed month builds, docs/performance.md "Start-up") before it makes a table."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from creatorpay.core.plugin import join

from .figures import exact

if TYPE_CHECKING:
    from creatorpay.core.plugin import Checker, RuleVersion

TOPS, RATES, QUICK = "bracket_tops", "bracket_rates", "quick_deductions"


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
