"""What plugins register and what their hooks receive: :class:`Platform`, :class:`Adjustment`,
and the :class:`Settlement` context of one platform's statement for one scenario."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import attrs

from .rules import RuleSet, RuleVersion
from .scenario import Order, Scenario
from .statement import StatementBuilder
from .store import Store

#: The scenario activities a platform can offer (RULES.md's table of what each platform offers).
ACTIVITIES = ("orders", "tips", "programs", "merchant_live")


@attrs.frozen
class Platform:
    """A platform plugin's registration (returned by ``creatorpay_platform``).

    ``offers`` lists the scenario activities the platform settles; any other activity present in a
    scenario is reported *not offered*, with the reason from ``not_offered`` (or a generic one).
    """

    name: str
    title: str
    rules: Path
    offers: tuple[str, ...] = ()
    not_offered: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Adjustment:
    """A cross-platform plugin's registration (``creatorpay_adjustment``): e.g. tax, applied to
    every platform's statement, with its own rule file."""

    name: str
    title: str
    rules: Path


@attrs.define
class Settlement:
    """One platform's statement in the making: the hooks' single argument.

    ``scenario`` is the platform's view (``[platform.<name>]`` values applied); ``rules`` the
    platform's rules in force on the period's first day; ``rulebooks`` every loaded rule set by name
    (``core``, each platform, each adjustment); ``statement`` the builder every phase appends to.
    """

    scenario: Scenario
    platform: Platform
    rules: RuleSet
    rulebooks: Mapping[str, RuleSet]
    store: Store
    statement: StatementBuilder

    @property
    def creator(self) -> str:
        """The scenario creator's id: lines are signed from their view."""
        return self.scenario.creator.id

    def rule(self, rule_id: str, book: str | None = None) -> RuleVersion | None:
        """The version of ``rule_id`` in force, or None after reporting it *not applied* with why.

        ``book`` names another rule set than the platform's (``"core"``, ``"cn_tax"``).
        """
        rules = self.rulebooks[book] if book else self.rules
        version = rules.get(rule_id)
        if version is None:
            self.statement.skip(rule_id, rules.not_in_force[rule_id])
        return version

    def rejected(self, order_id: str) -> bool:
        """Whether a violation rejected the order: it settles nothing."""
        return self.statement.is_rejected(order_id)

    def orders_to_settle(self) -> Iterator[Order]:
        """The orders that pay or end this month, not rejected; the others are reported *pending*.

        CORE-ORD-02: an order neither published/settled nor terminated pays nothing this month; a
        ``settled`` order was paid in an earlier month. Terminated orders are yielded (CORE-ORD-01):
        the platform decides what ending at that stage costs.
        """
        for order in self.scenario.orders:
            if self.rejected(order.id):
                continue
            if order.termination is not None or order.stage == "published":
                yield order
            elif order.stage == "settled":
                self.statement.pend(order.id, "settled: paid in an earlier month, nothing is paid now "
                                              "(CORE-ORD-02)")
            else:
                self.statement.pend(order.id, f"at stage {order.stage}: nothing is paid until published "
                                              f"(CORE-ORD-02)")

    def own_platform_income(self) -> Decimal:
        """CORE-INCOME-01 from the lines so far: the base of the MCN share and of tax."""
        return self.statement.own_platform_income()
