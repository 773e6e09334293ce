"""Shared builders for the NetEase tests: a scenario dict with programs, and one engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from creatorpay.core import Engine, Scenario, Statement, Store, load_scenario

ENGINE = Engine()
KEY_2026 = "netease:cash:2025-12-25"
CASH = Decimal("2000000000.00")


def scenario(
    programs: dict[str, Any] | None = None,
    *,
    period: str = "2026-10",
    quality: bool = True,
    original: bool = True,
    **extra: Any,
) -> Scenario:
    """A creator's month with the given ``[programs]`` table (None: no programs section)."""
    data: dict[str, Any] = {
        "schema": 1,
        "period": period,
        "creator": {"id": "me", "followers": 1000, "quality": quality, "original": original},
    }
    if programs is not None:
        data["programs"] = programs
    data.update(extra)
    return load_scenario(data)


def settle(s: Scenario, store: Store | None = None) -> Statement:
    return ENGINE.settle(s, "netease", store=store)


def lines(statement: Statement, rule: str) -> list[Decimal]:
    """The values of the statement's lines under ``rule``."""
    return [line.value for line in statement.lines if line.rule == rule]


def reasons(statement: Statement, rule: str) -> list[str]:
    return [n.reason for n in statement.not_applied if n.rule == rule]
