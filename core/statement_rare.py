"""The statement's parts most months lack (violations, pending orders, traffic), built on first use:
attrs builds each class in Python, so defining them at import cost every command whose statements
have none (docs/performance.md, "Start-up"). Imported and named as :mod:`creatorpay.core.statement`'s
classes (their ``__module__``, for reprs and pickles), through that module's ``__getattr__``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .statement import Label


@attrs.frozen(slots=False)  # built on statements: see statement.Line
class Violation:
    """A rule the scenario breaks; an order with a violation is rejected and adds nothing."""

    __module__ = "creatorpay.core.statement"

    rule: str
    message: str
    order: str | None = None
    participant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "order": self.order, "participant": self.participant, "message": self.message}


@attrs.frozen(slots=False)  # built on statements: see statement.Line
class Pending:
    """An order that pays nothing this month (CORE-ORD-02)."""

    __module__ = "creatorpay.core.statement"

    order: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"order": self.order, "reason": self.reason}


@attrs.frozen(slots=False)  # built on statements: see statement.Line
class Traffic:
    """A traffic benefit in impressions or matched users: never cash (CORE-TRAFFIC-01)."""

    __module__ = "creatorpay.core.statement"

    rule: str
    impressions: int = 0
    matched_users: int = 0
    label: Label = "source"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "impressions": self.impressions,
            "matched_users": self.matched_users,
            "label": self.label,
            "note": self.note,
        }
