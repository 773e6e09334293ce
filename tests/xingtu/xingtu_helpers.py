"""Helpers for the Xingtu tests: scenario builders, a cached engine per override, line finders."""

from __future__ import annotations

import copy
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, Kind, Line, Statement, Store, load_scenario
from creatorpay.core.money import ZERO

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = Decimal

#: The three-party order of the compensation tests: me main 15,000, li 9,000, zhao 6,000.
TRIO = [("me", "main", "15000.00"), ("li", "co_creator", "9000.00"), ("zhao", "co_creator", "6000.00")]
#: Six co-creators: breaks XT-CC-02 and XT-CC-03.
SIX_SPEC = [("me", "main", "6000.00")] + [(f"c{i}", "co_creator", "1000.00") for i in range(1, 7)]


def participants(spec: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Participant tables from (creator, role, agreed); mains whitelisted, co-creators registered."""
    made: list[dict[str, Any]] = []
    for creator, role, agreed in spec:
        entry: dict[str, Any] = {"creator": creator, "role": role, "agreed": agreed}
        entry["xingtu_beta" if role == "main" else "xingtu_registered"] = True
        made.append(entry)
    return made


def co_order(ident: str, spec: Sequence[tuple[str, str, str]] = TRIO, **values: Any) -> dict[str, Any]:
    """A valid published co-creation order whose amount is the sum of the agreed amounts."""
    amount = sum((D(a) for _, _, a in spec), ZERO)
    order: dict[str, Any] = {
        "id": ident,
        "amount": f"{amount:.2f}",
        "stage": "published",
        "co_creation": True,
        "participants": participants(spec),
    }
    order.update(values)
    return order


def scenario(
    orders: Sequence[Mapping[str, Any]] = (), *, period: str = "2026-10", creator: str = "me", **creator_values: Any
) -> dict[str, Any]:
    """A scenario dict for ``creator`` (whitelisted and registered unless told) with these orders."""
    table: dict[str, Any] = {"id": creator, "followers": 1000, "xingtu_beta": True, "xingtu_registered": True}
    table.update(creator_values)
    return {"schema": 1, "period": period, "creator": table, "orders": copy.deepcopy(list(orders))}


@functools.cache
def _engine(rules: str | None) -> Engine:
    return Engine(load=["xingtu"], rules=json.loads(rules) if rules else None)


def engine(rules: Mapping[str, Any] | None = None) -> Engine:
    """An engine with only the Xingtu plugin (and the core's MCN), with a ``xingtu`` override table."""
    return _engine(json.dumps({"xingtu": rules}) if rules else None)


def settle(data: Mapping[str, Any], *, rules: Mapping[str, Any] | None = None, store: Store | None = None) -> Statement:
    """The Xingtu statement of a scenario dict."""
    statement = engine(rules).settle(load_scenario(data), "xingtu", store=store)
    assert statement.status == "ok", statement.error
    return statement


def lines(st: Statement, rule: str | None = None, kind: Kind | None = None, order: str | None = None) -> list[Line]:
    return [
        x
        for x in st.lines
        if (rule is None or x.rule == rule) and (kind is None or x.kind is kind) and (order is None or x.order == order)
    ]


def moves(st: Statement, rule: str | None = None) -> list[tuple[str, str, str, Decimal]]:
    """(rule, payer, payee, value) of each line, for comparing with hand-computed figures."""
    return [(x.rule, x.payer, x.payee, x.value) for x in lines(st, rule)]


def violated(st: Statement, order: str | None = None) -> list[str]:
    """The rule IDs violated (by ``order`` if given), in the order recorded."""
    return [v.rule for v in st.violations if order is None or v.order == order]


def reasons(st: Statement, rule: str) -> list[str]:
    return [n.reason for n in st.not_applied if n.rule == rule]


def pending(st: Statement) -> dict[str, str]:
    return {p.order: p.reason for p in st.pending}


def own_income(st: Statement) -> Decimal:
    """CORE-INCOME-01 from the statement's lines: a transfer received from a main contributor is not
    platform income."""
    return sum(
        (x.amount for x in st.lines if x.kind.platform_income and not (x.kind is Kind.TRANSFER and x.amount > 0)), ZERO
    )
