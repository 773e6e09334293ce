"""Everything a plugin needs, in one import: ``from creatorpay.core.plugin import hookimpl, Settlement, ...``.

The facade for plugin authors (the built-in plugins use nothing else besides ``creatorpay.core``), so
that the modules behind it can move without breaking a plugin. What it exports:

- the hooks: :data:`hookimpl`, and :data:`PHASES`, the order the engine calls a statement's phases in;
- registration: :class:`Platform`, :class:`Adjustment`, and :data:`ACTIVITIES` a platform may offer;
- settling: the :class:`Settlement` each hook receives, the :class:`StatementBuilder` it appends to,
  :class:`Kind` of line, :class:`Line`, :class:`Statement`, line labels (:data:`LABELS`, :func:`weakest`);
- rules: :class:`RuleVersion` (a rule's parameters in force), :class:`RuleSet`;
- checks: :class:`Checker`, :func:`join` and :func:`choice` for ``creatorpay_check_rules`` and ``creatorpay_check_ext``;
- scenario fields for ``creatorpay_scenario_fields``: :class:`ScenarioFields`, :class:`Field`,
  :class:`Section`, :class:`Choice`, :class:`EventKind`, :class:`Pricing`;
- money: :data:`ZERO`, :data:`FEN`, :func:`round_fen`, :func:`percent_of`, :func:`allocate`,
  :func:`grouped`, :func:`fmt` (exact Decimal arithmetic, never float);
- the scenario's types, for annotations: :class:`Scenario`, :class:`Period`, :class:`Creator`,
  :class:`Order`, :class:`Participant`, :class:`Mcn`, and the :class:`Store` behind ``ctx.store``;
- errors: :class:`CreatorpayError`, :class:`InputError`, :class:`RuleFileError`, :class:`PluginError`,
  :class:`Problem`.

Example::

    from creatorpay.core.plugin import Kind, Platform, RuleVersion, Settlement, hookimpl, round_fen
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checks import Checker, choice, join
from .context import Settlement
from .errors import CreatorpayError, InputError, PluginError, RuleFileError
from .fields import Choice, EventKind, Field, Pricing, ScenarioFields, Section
from .hookspecs import PHASES, hookimpl
from .money import FEN, ZERO, allocate, fmt, grouped, percent_of, round_fen
from .rules import RuleSet, RuleVersion
from .scenario import Creator, Mcn, Order, Participant, Period, Scenario
from .statement import LABELS, Kind, Line, Statement, StatementBuilder, weakest
from .store import Store
from .types import ACTIVITIES, Adjustment, Platform

if TYPE_CHECKING:
    from .problem import Problem

__all__ = [
    "ACTIVITIES",
    "FEN",
    "LABELS",
    "PHASES",
    "ZERO",
    "Adjustment",
    "Checker",
    "Choice",
    "Creator",
    "CreatorpayError",
    "EventKind",
    "Field",
    "InputError",
    "Kind",
    "Line",
    "Mcn",
    "Order",
    "Participant",
    "Period",
    "Platform",
    "PluginError",
    "Pricing",
    "Problem",
    "RuleFileError",
    "RuleSet",
    "RuleVersion",
    "Scenario",
    "ScenarioFields",
    "Section",
    "Settlement",
    "Statement",
    "StatementBuilder",
    "Store",
    "allocate",
    "choice",
    "fmt",
    "grouped",
    "hookimpl",
    "join",
    "percent_of",
    "round_fen",
    "weakest",
]


def __getattr__(name: str) -> Any:
    """``Problem``, built on first use (:mod:`.problem`, PEP 562): a valid run makes none."""
    if name == "Problem":
        from .problem import Problem

        return Problem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with ``Problem``, built on first use."""
    return sorted({*globals(), "Problem"})
