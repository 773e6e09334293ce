"""Chinese tax on a creator's own platform income (CN-TAX-01..03, CN-VAT-01), rules from ``rules.toml``.

A cross-platform adjustment: on every platform's statement, after the platform's own phases, the
platform withholds income tax and VAT on what it paid (CORE-INCOME-01). Selected by the scenario's
``[tax] method`` (``[platform.<name>.tax]`` applied): ``none`` adds nothing; ``platform`` applies the
income-tax rule in force (CN-TAX-01 to 2025-09, CN-TAX-02 from 2025-10, by their effective dates) on
income excluding VAT (CN-TAX-03), and CN-VAT-01 on VAT-inclusive income.
"""

from __future__ import annotations

if __name__ != "creatorpay.plugins.cn_tax":  # the folder imported by its path, not its installed name
    raise ImportError(
        f"import creatorpay.plugins.cn_tax, not {__name__}: the plugins/cn_tax/ folder is installed "
        "under that name (pip install -e .), and importing it by its path loads a second copy of every class"
    )

import os
from typing import TYPE_CHECKING

from creatorpay.core.plugin import Adjustment, Kind, Settlement, hookimpl, weakest

from .bracket_rules import TOPS, check_table
from .figures import exact, money

if TYPE_CHECKING:
    from collections.abc import Callable
    from decimal import Decimal

    from creatorpay.core.plugin import Checker, RuleVersion

    from .vat import Vat
    from .withholding import Withholding

NAME = "cn_tax"
RULES = os.path.join(os.path.dirname(__file__), "rules.toml")


@hookimpl
def creatorpay_adjustment() -> Adjustment:
    return Adjustment(name=NAME, title="Chinese tax", rules=RULES, applies=applies)


def applies(ctx: Settlement) -> bool:
    """Whether :func:`creatorpay_adjust` adds anything: only a month the platform taxes does."""
    return ctx.scenario.tax.method == "platform"


@hookimpl
def creatorpay_check_rules(version: RuleVersion, checker: Checker, path: str) -> None:
    """CN-TAX-01/02: a bracket table whose quick deductions are those its brackets imply (the rule
    file declares the rest: lengths, order), so no override can make a table that settling refuses."""
    if TOPS in version.rule.params:
        check_table(version, checker, path)


@hookimpl
def creatorpay_adjust(ctx: Settlement) -> None:
    """Income tax by the withholding rule in force on income excluding VAT (CN-TAX-03), then VAT, on
    the month's own platform income. The VAT is computed first; its line follows the tax lines.

    Both income-tax rules are asked for: the one not in force is reported *not applied* with its date.
    """
    if ctx.scenario.tax.method != "platform":
        return
    income = ctx.own_platform_income()
    in_force = ctx.rulebooks[NAME].get("CN-VAT-01")  # reported below, after the income tax
    from .vat import small_taxpayer_vat  # here: only a month taxed by the platform needs vat and withholding

    vat = small_taxpayer_vat(in_force, income, ctx.platform.name) if in_force is not None and income > 0 else None
    taxed, how, how_label = _excluding_vat(ctx, income, vat)
    for rule_id, method in _INCOME_TAX.items():
        version = ctx.rule(rule_id, book=NAME)
        if version is None or not _has_income(ctx, rule_id, income):
            continue
        withholding = method(ctx, version, taxed)
        if withholding is not None:
            label = _label(version) if how_label is None else weakest(_label(version), how_label)
            ctx.statement.line(
                rule_id,
                Kind.TAX,
                payer=ctx.creator,
                payee=ctx.platform.name,
                base=exact(withholding.base),
                rate=withholding.bracket.rate,
                value=withholding.tax,
                label=label,
                note=how + withholding.note,
            )
    vat_rule = ctx.rule("CN-VAT-01", book=NAME)
    if vat_rule is not None and _has_income(ctx, "CN-VAT-01", income) and vat is not None:
        ctx.statement.line(
            "CN-VAT-01",
            Kind.VAT,
            payer=ctx.creator,
            payee=ctx.platform.name,
            base=vat.base,
            rate=vat.rate,
            value=vat.value,
            label=_label(vat_rule),
            note=vat.note,
        )


def _excluding_vat(ctx: Settlement, income: Decimal, vat: Vat | None) -> tuple[Decimal, str, str | None]:
    """CN-TAX-03: the income the income tax is computed on (the month's income less the VAT charged on
    it), the words the tax note starts with, and CN-TAX-03's label (None when no VAT was charged)."""
    if vat is None or vat.value == 0:
        return income, "", None
    rule = ctx.rule("CN-TAX-03", book=NAME)
    if rule is None:
        return income, "", None
    taxed = income - vat.value
    return (
        taxed,
        (f"income excluding VAT (CN-TAX-03): {money(income)} − VAT {money(vat.value)} (CN-VAT-01) = {money(taxed)}; "),
        rule.label_for(),
    )


def _per_payment(ctx: Settlement, version: RuleVersion, income: Decimal) -> Withholding:
    """CN-TAX-01: the month's income as one payment; year-to-date figures do not enter."""
    from .withholding import per_payment

    return per_payment(version, income, ctx.platform.name)


def _cumulative(ctx: Settlement, version: RuleVersion, income: Decimal) -> Withholding | None:
    """CN-TAX-02 with this platform's year-to-date figures; not applied without months_with_income."""
    tax = ctx.scenario.tax
    if tax.months_with_income is None:
        ctx.statement.skip(
            "CN-TAX-02",
            f"[tax] months_with_income is not given for {ctx.platform.name}: it is "
            f'required with method = "platform" from 2025-10 (docs/scenario.md)',
        )
        return None
    from .withholding import cumulative

    return cumulative(
        version,
        income,
        ytd_income=tax.ytd_income,
        ytd_withheld=tax.ytd_withheld,
        months=tax.months_with_income,
        platform=ctx.platform.name,
    )


#: The income-tax withholding rules; their effective dates, not code, decide which is in force.
_INCOME_TAX: dict[str, Callable[[Settlement, RuleVersion, Decimal], Withholding | None]] = {
    "CN-TAX-01": _per_payment,
    "CN-TAX-02": _cumulative,
}


def _has_income(ctx: Settlement, rule_id: str, income: Decimal) -> bool:
    """Income ≤ 0 is taxed nothing: reported *not applied* with the figure."""
    if income > 0:
        return True
    ctx.statement.skip(
        rule_id,
        f"no own platform income on {ctx.platform.name} this month (CORE-INCOME-01 "
        f"is {money(income)}): nothing to withhold",
    )
    return False


def _label(version: RuleVersion) -> str:
    """The weakest label of the rule and every figure it used (an overridden one is operator-set)."""
    return version.label_for(*version.rule.params)
