"""What hooks receive: the :class:`Settlement` context of one platform's statement for one scenario.

The registration types :class:`Platform` and :class:`Adjustment` live in :mod:`creatorpay.core.types`
and are re-exported here, where they were first defined."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import os
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .types import ACTIVITIES, Adjustment, Platform

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from .rules import RuleSet, RuleVersion
    from .scenario import Order, Scenario
    from .statement import StatementBuilder
    from .store import Store

__all__ = ["ACTIVITIES", "Adjustment", "Platform", "Settlement", "own_copy"]

_T = TypeVar("_T")
#: Immutable values a copy shares with its original.
_LEAVES = frozenset({str, int, float, bool, type(None), bytes, Decimal, dt.date, dt.datetime})


def own_copy(value: _T) -> _T:
    """A deep copy of a scenario (or any part of one) that shares only immutable parts: what one
    platform's plugins receive, so that one mutating it (``object.__setattr__`` on a frozen object
    included) changes nothing another platform sees. Tuples and read-only mappings holding only
    leaves are shared. ``copy.deepcopy`` cannot copy the scenario's read-only mappings, and would be
    several times slower."""
    kind: type = type(value)
    if kind in _LEAVES:
        return value
    result: _T = _copier(kind)(value)
    return result


@functools.cache  # unbounded: keyed by class, and a scenario has a handful of classes
def _copier(kind: type) -> Callable[[Any], Any]:
    """How to copy values of ``kind``: attrs classes field by field, containers item by item (made
    once per class)."""
    if issubclass(kind, enum.Enum) or (issubclass(kind, os.PathLike) and kind.__module__ == "pathlib"):
        return _same  # members, and pathlib's paths: immutable
    if kind is tuple:
        return _copy_tuple
    if kind is list:
        return lambda value: [own_copy(item) for item in value]
    if kind is dict:
        return lambda value: {key: own_copy(item) for key, item in value.items()}
    if kind is MappingProxyType:
        return _copy_proxy
    if attrs.has(kind):
        return _attrs_copier(kind)
    return copy.deepcopy


def _same(value: object) -> object:
    return value


def _copy_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """A tuple of leaves is itself immutable: shared; otherwise its items are copied."""
    leaves = _LEAVES
    for item in value:
        if type(item) not in leaves:
            return tuple([own_copy(item) for item in value])
    return value


def _copy_proxy(value: MappingProxyType[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only mapping of leaves is shared (its dict is out of reach); otherwise copied."""
    leaves = _LEAVES
    for item in value.values():
        if type(item) not in leaves:
            return MappingProxyType({key: own_copy(item) for key, item in value.items()})
    return value


def _attrs_copier(kind: type) -> Callable[[Any], Any]:
    """A function made for ``kind`` that copies each field, sharing leaves without a call."""
    names = [field.name for field in attrs.fields(kind)]
    slotted = all(name in getattr(kind, "__slots__", ()) for name in names)
    body = [f"def copy_{kind.__name__}(value):", "    made = make(kind)"]
    for index, name in enumerate(names):
        body.append(f"    item = value.{name}")
        fresh = "item if type(item) in leaves else own_copy(item)"
        if slotted:
            body.append(f"    set_{index}(made, {fresh})")
        else:
            body.append(f"    put(made, {name!r}, {fresh})")
    body.append("    return made")
    scope: dict[str, Any] = {
        "make": object.__new__,
        "kind": kind,
        "leaves": _LEAVES,
        "own_copy": own_copy,
        "put": object.__setattr__,
    }
    if slotted:
        scope.update({f"set_{index}": _slot(kind, name).__set__ for index, name in enumerate(names)})
    exec("\n".join(body), scope)  # noqa: S102 - generated from the class's own field names
    copier: Callable[[Any], Any] = scope[f"copy_{kind.__name__}"]
    return copier


def _slot(kind: type, name: str) -> Any:
    """The slot descriptor of ``name`` in ``kind``'s MRO."""
    for klass in kind.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(name)


@attrs.define(repr=False)
class Settlement:
    """One platform's statement in the making: the hooks' single argument.

    ``scenario`` is the platform's view (``[platform.<name>]`` values applied); ``rules`` the
    platform's rules in force on the period's first day; ``rulebooks`` every loaded rule set by name
    (``core``, each platform, each adjustment); ``statement`` the builder every phase appends to;
    ``memo`` what :meth:`derived` computed from ``rules`` (the engine's, kept per rule set).
    """

    scenario: Scenario
    platform: Platform
    rules: RuleSet
    rulebooks: Mapping[str, RuleSet]
    store: Store
    statement: StatementBuilder
    _memo: dict[object, Any] = attrs.field(factory=dict)

    @property
    def creator(self) -> str:
        """The scenario creator's id: lines are signed from their view."""
        return self.scenario.creator.id

    def __repr__(self) -> str:
        """Which statement, not everything it holds: pluggy's trace prints it for each hook call."""
        scenario = self.scenario
        return f"<Settlement of {self.platform.name} for {self.creator} in {scenario.period} ({scenario.source})>"

    def derived(self, compute: Callable[[RuleSet], _T]) -> _T:
        """``compute(ctx.rules)``, computed once per rule set and then reused: a platform's rules in
        force compiled into functions (terms, labels and fixed notes bound once), as
        :meth:`RuleVersion.derived <creatorpay.core.rules.RuleVersion.derived>` does for one version.

        The engine keeps the memo per platform and day (its rule set), so ``compute`` must depend on
        the rule set only: never on the scenario, the store or the statement. An exception is not
        memoised. Two threads may compute the same value at once; both store equal values.
        """
        try:
            found: _T = self._memo[compute]  # not typing.cast: a call on every look-up
            return found
        except KeyError:
            value = self._memo[compute] = compute(self.rules)
            return value

    def rule(self, rule_id: str, book: str | None = None) -> RuleVersion | None:
        """The version of ``rule_id`` in force, or None after reporting it *not applied* with why.

        ``book`` names another rule set than the platform's (``"core"``, ``"cn_tax"``).
        """
        rules = self.rulebooks[book] if book else self.rules
        version = rules.in_force.get(rule_id)  # RuleSet.get's look-up, without its call on every line
        if version is None:
            version = rules.get(rule_id)  # KeyError for a rule not in the rule file
            if version is None:
                self.statement.skip(rule_id, rules.not_in_force[rule_id])
        return version

    def rejected(self, order_id: str) -> bool:
        """Whether a violation rejected the order: it settles nothing."""
        return self.statement.is_rejected(order_id)

    def orders_to_settle(self) -> Iterator[Order]:
        """The orders that pay or end this month, not rejected; those not yet published are *pending*.

        CORE-ORD-02: an order neither published/settled nor terminated pays nothing this month and is
        pending; a ``settled`` order was paid in an earlier month and pays nothing now: it is no
        pending order (pending is only for orders not yet published or terminated), so the statement
        says so in its facts. Terminated orders are yielded (CORE-ORD-01): the platform decides what
        ending at that stage costs.
        """
        for order in self.scenario.orders:
            if self.rejected(order.id):
                continue
            if order.termination is not None or order.stage == "published":
                yield order
            elif order.stage == "settled":
                self.statement.fact(
                    f"order {order.id}", "settled: paid in an earlier month, nothing is paid now (CORE-ORD-02)"
                )
            else:
                self.statement.pend(order.id, f"at stage {order.stage}: nothing is paid until published (CORE-ORD-02)")

    def own_platform_income(self) -> Decimal:
        """CORE-INCOME-01 from the lines so far: the base of the MCN share and of tax."""
        return self.statement.own_platform_income()


def settlement(
    scenario: Scenario,
    platform: Platform,
    rules: RuleSet,
    rulebooks: Mapping[str, RuleSet],
    store: Store,
    statement: StatementBuilder,
    memo: dict[object, Any],
) -> Settlement:
    """``Settlement(scenario, platform, rules, rulebooks, store, statement, memo)``, made without the
    class call (the engine's, for every statement): the same slots, set as attrs' ``__init__`` sets them."""
    made: Settlement = _new(Settlement)
    made.scenario = scenario
    made.platform = platform
    made.rules = rules
    made.rulebooks = rulebooks
    made.store = store
    made.statement = statement
    made._memo = memo
    return made


_new = object.__new__
