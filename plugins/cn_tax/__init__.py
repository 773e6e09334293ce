"""Chinese tax on a creator's own platform income (CN-TAX-01/02, CN-VAT-01), rules from ``rules.toml``.

A cross-platform adjustment: on every platform's statement, after the platform's own phases, the
platform withholds income tax and VAT on what it paid (CORE-INCOME-01). Selected by the scenario's
``[tax] method`` (``[platform.<name>.tax]`` applied): ``none`` adds nothing; ``platform`` applies the
income-tax rule in force (CN-TAX-01 to 2025-09, CN-TAX-02 from 2025-10, by their effective dates) and
CN-VAT-01.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from creatorpay.core import Adjustment, Kind, Settlement, hookimpl
from creatorpay.core.checks import Checker
from creatorpay.core.rules import RuleVersion

from .brackets import TOPS, check_table
from .figures import exact, money
from .vat import small_taxpayer_vat
from .withholding import Withholding, cumulative, per_payment

NAME = "cn_tax"
RULES = Path(__file__).with_name("rules.toml")


@hookimpl
def creatorpay_adjustment() -> Adjustment:
    return Adjustment(name=NAME, title="Chinese tax", rules=RULES)


@hookimpl
def creatorpay_check_rules(version: RuleVersion, checker: Checker, path: str) -> None:
    """CN-TAX-01/02: a bracket table whose quick deductions are those its brackets imply (the rule
    file declares the rest: lengths, order), so no override can make a table that settling refuses."""
    if TOPS in version.rule.params:
        check_table(version, checker, path)


@hookimpl
def creatorpay_adjust(ctx: Settlement) -> None:
    """Income tax by the withholding rule in force, then VAT, each on the month's own platform income.

    Both income-tax rules are asked for: the one not in force is reported *not applied* with its date.
    """
    if ctx.scenario.tax.method != "platform":
        return
    income = ctx.own_platform_income()
    for rule_id, method in _INCOME_TAX.items():
        version = ctx.rule(rule_id, book=NAME)
        if version is None or not _has_income(ctx, rule_id, income):
            continue
        withholding = method(ctx, version, income)
        if withholding is not None:
            ctx.statement.line(
                rule_id, Kind.TAX, payer=ctx.creator, payee=ctx.platform.name, base=exact(withholding.base),
                rate=withholding.bracket.rate, value=withholding.tax, label=_label(version),
                note=withholding.note)
    version = ctx.rule("CN-VAT-01", book=NAME)
    if version is not None and _has_income(ctx, "CN-VAT-01", income):
        vat = small_taxpayer_vat(version, income, ctx.platform.name)
        ctx.statement.line("CN-VAT-01", Kind.VAT, payer=ctx.creator, payee=ctx.platform.name, base=vat.base,
                           rate=vat.rate, value=vat.value, label=_label(version), note=vat.note)


def _per_payment(ctx: Settlement, version: RuleVersion, income: Decimal) -> Withholding:
    """CN-TAX-01: the month's income as one payment; year-to-date figures do not enter."""
    return per_payment(version, income, ctx.platform.name)


def _cumulative(ctx: Settlement, version: RuleVersion, income: Decimal) -> Withholding | None:
    """CN-TAX-02 with this platform's year-to-date figures; not applied without months_with_income."""
    tax = ctx.scenario.tax
    if tax.months_with_income is None:
        ctx.statement.skip("CN-TAX-02", f"[tax] months_with_income is not given for {ctx.platform.name}: it is "
                                        f"required with method = \"platform\" from 2025-10 (SCENARIO.md)")
        return None
    return cumulative(version, income, ytd_income=tax.ytd_income, ytd_withheld=tax.ytd_withheld,
                      months=tax.months_with_income, platform=ctx.platform.name)


#: The income-tax withholding rules; their effective dates, not code, decide which is in force.
_INCOME_TAX: dict[str, Callable[[Settlement, RuleVersion, Decimal], Withholding | None]] = {
    "CN-TAX-01": _per_payment,
    "CN-TAX-02": _cumulative,
}


def _has_income(ctx: Settlement, rule_id: str, income: Decimal) -> bool:
    """Income ≤ 0 is taxed nothing: reported *not applied* with the figure."""
    if income > 0:
        return True
    ctx.statement.skip(rule_id, f"no own platform income on {ctx.platform.name} this month (CORE-INCOME-01 "
                                f"is {money(income)}): nothing to withhold")
    return False


def _label(version: RuleVersion) -> str:
    """The weakest label of the rule and every figure it used (an overridden one is operator-set)."""
    return version.label_for(*version.rule.params)
