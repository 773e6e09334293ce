"""Shared builders for the WeChat Channels tests: a scenario dict in, one statement out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, Kind, Statement, Store, load_scenario

if TYPE_CHECKING:
    from collections.abc import Mapping

PLATFORM = "wechat_channels"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def engine(rules: Mapping[str, Mapping[str, Any]] | None = None) -> Engine:
    """An engine with only this plugin (and the core's MCN), with rule overrides for it."""
    return Engine(load=[PLATFORM], rules={PLATFORM: dict(rules)} if rules else None)


def scenario(*, period: str = "2026-10", followers: int = 52000, **sections: Any) -> dict[str, Any]:
    """A scenario dict; ``creator`` entries are merged into the default creator ``me``."""
    creator = {"id": "me", "followers": followers, **sections.pop("creator", {})}
    return {"schema": 1, "period": period, "creator": creator, **sections}


def settle(
    data: Mapping[str, Any], rules: Mapping[str, Mapping[str, Any]] | None = None, store: Store | None = None
) -> Statement:
    statement = engine(rules).settle(load_scenario(data), PLATFORM, store=store)
    assert statement.status == "ok", statement.error
    return statement


def example(name: str) -> Statement:
    statement = engine().settle(load_scenario(EXAMPLES / name), PLATFORM)
    assert statement.status == "ok", statement.error
    return statement


def total(statement: Statement, kind: Kind, rule: str | None = None) -> Decimal:
    """The sum of line values of one kind (and rule)."""
    return sum((x.value for x in statement.lines if x.kind is kind and (rule is None or x.rule == rule)), Decimal(0))


def reasons(statement: Statement, rule: str) -> list[str]:
    """The not-applied reasons recorded for ``rule``."""
    return [n.reason for n in statement.not_applied if n.rule == rule]


def impressions(statement: Statement, rule: str) -> int:
    return sum(t.impressions for t in statement.traffic_items if t.rule == rule)


def own_income(statement: Statement) -> Decimal:
    """CORE-INCOME-01 as the statement shows it: the lines that count as own platform income."""
    return sum((x.amount for x in statement.lines if x.kind.platform_income), Decimal(0))
