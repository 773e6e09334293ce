"""The conformance checks as plain functions: each returns the problems it finds, one sentence each.

:class:`~creatorpay.testing.PlatformConformance` runs them on sample and generated scenarios; a
plugin's own tests may call them on any statement. An empty list means the check passed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, InputError, Kind, Platform, Report, Scenario, Statement, fields
from creatorpay.core.rules import PARAM_TYPES, RULE_ID, ParamSpec, RuleBook, RuleSet, RuleVersion
from creatorpay.core.statement import LABELS, TOTALS
from creatorpay.core.store import MemoryStore
from creatorpay.core.types import ACTIVITIES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from creatorpay.core.store import Store

#: Label strength, weakest first, as the core ranks them (RuleVersion.label_for): a line may carry
#: its rule's label or a weaker one, never a stronger one.
STRENGTH = {"unverified": 0, "operator-set": 1, "interpretation": 2, "source": 3}
_MONEY = re.compile(r"^-?\d+\.\d{2}$")
_STATUSES = ("ok", "no_rules")


def load_failure(engine: Engine, platform: str) -> str | None:
    """Why ``platform`` is not a loaded platform of ``engine`` (the load report's error), or None."""
    refused = next((r for r in engine.reports if r.name == platform and r.status == "refused"), None)
    if refused is not None:  # another distribution already has the name: this plugin never loads
        return f"plugin {platform!r} of {refused.distribution} is refused: {refused.error}"
    report = next((r for r in engine.reports if r.name == platform), None)
    if report is None:
        found = ", ".join(f"{r.name} ({r.status})" for r in engine.reports) or "none"
        return (
            f"no plugin named {platform!r} was found: declare it under [project.entry-points.creatorpay] "
            f"and install the package (pip install -e .), or pass it in the class's plugins mapping; "
            f"plugins found: {found}"
        )
    if report.status != "loaded":
        where = f" (distribution {report.distribution} {report.version})" if report.distribution else ""
        how = "failed to load" if report.status == "failed" else f"is {report.status}"
        return f"plugin {platform!r}{where} {how}: {report.error}"
    if platform not in engine.platforms:
        return (
            f"plugin {platform!r} loaded but registers no platform: implement creatorpay_platform "
            f"returning Platform(name={platform!r}, ...)"
        )
    return None


def registration_problems(platform: Platform) -> list[str]:
    """The registration is usable: a title, known activities offered or not, a rule file that exists."""
    problems: list[str] = []
    if not platform.title.strip():
        problems.append("Platform.title is empty: it heads the platform's column in compare")
    # the plugins' tables are activities too, between tips and merchant_live as Scenario.activities has them
    activities = (*ACTIVITIES[:2], *sorted(fields.installed().extra["scenario"]), *ACTIVITIES[2:])
    known = ", ".join(activities)
    for activity in platform.offers:
        if activity not in activities:
            problems.append(f"Platform.offers names {activity!r}, not an activity; activities are: {known}")
    if len(set(platform.offers)) != len(platform.offers):
        problems.append(f"Platform.offers repeats an activity: {platform.offers}")
    for activity, reason in platform.not_offered.items():
        if activity not in activities:
            problems.append(f"Platform.not_offered names {activity!r}, not an activity; activities are: {known}")
        if activity in platform.offers:
            problems.append(f"{activity!r} is both offered and not offered")
        if not str(reason).strip():
            problems.append(f"Platform.not_offered[{activity!r}] gives no reason")
    if not os.path.isfile(platform.rules):
        problems.append(f"the rule file {platform.rules} does not exist: ship it as package data")
    return problems


def rule_file_problems(book: RuleBook) -> list[str]:
    """Every rule has an ID, title, label and source; typed parameters whose values have their type;
    versions that never overlap; and a parameter left unset only when it is operator-set."""
    problems: list[str] = []
    if not book.rules:
        problems.append(f"{book.source}: the rule file has no rules")
    for rule_id, rule in book.rules.items():
        where = f"{book.source}: {rule_id}"
        if not re.match(RULE_ID, rule_id):
            problems.append(f"{where}: not a rule ID such as ACME-TIP-01")
        if not rule.title.strip():
            problems.append(f"{where}: no title")
        if rule.label not in LABELS:
            problems.append(f"{where}: label {rule.label!r} is not one of {', '.join(LABELS)}")
        if not rule.source.strip():
            problems.append(f"{where}: no source: name the document (or 'fictional') the figures come from")
        for spec in rule.params.values():
            if spec.type not in PARAM_TYPES:
                problems.append(f"{where}: parameter {spec.name} has type {spec.type!r}, not one of {PARAM_TYPES}")
        if not rule.versions:
            problems.append(f"{where}: no version")
        problems.extend(_version_problems(where, rule.label, rule.params, rule.versions))
    return problems


def _version_problems(
    where: str, label: str, params: Mapping[str, ParamSpec], versions: Iterable[RuleVersion]
) -> list[str]:
    problems: list[str] = []
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for before, after in itertools.pairwise(ordered):
        if before.effective_from == after.effective_from:
            problems.append(f"{where}: two versions start on {after.effective_from}: which is in force is undefined")
        elif before.effective_to is not None and before.effective_to >= after.effective_from:
            problems.append(
                f"{where}: versions overlap: {before.effective_from}..{before.effective_to} "
                f"and {after.effective_from}.."
            )
    for version in ordered:
        if version.effective_to is not None and version.effective_to < version.effective_from:
            problems.append(f"{where}: the version from {version.effective_from} ends before it starts")
        for name, spec in params.items():
            value = version.params.get(name)
            if value is None:
                if "operator-set" not in (label, spec.label):
                    problems.append(
                        f"{where}: {name} is unset in the version from {version.effective_from} "
                        f"but not labelled operator-set: give it a value, or label it "
                        f"operator-set when no source gives one"
                    )
            elif not _typed(spec, value):
                problems.append(
                    f"{where}: {name} = {value!r} in the version from {version.effective_from} is not a {spec.type}"
                )
    return problems


def _typed(spec: ParamSpec, value: object) -> bool:
    if spec.type in ("amount", "ratio", "decimal"):
        return isinstance(value, Decimal) and value.is_finite() and value >= 0
    if spec.type == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "date":
        return isinstance(value, dt.date)
    if spec.type == "choice":
        return value in spec.choices
    if spec.type == "texts":
        return isinstance(value, tuple) and bool(value) and all(isinstance(item, str) and item for item in value)
    return isinstance(value, str)


def status_problems(statement: Statement) -> list[str]:
    """The statement was settled: status ``ok`` (or ``no_rules``, with nothing settled), never ``error``."""
    if statement.status == "error":
        return [f"a hook raised, so the statement has status error: {statement.error}"]
    if statement.status not in _STATUSES:
        return [f"unknown status {statement.status!r}"]
    if statement.status == "no_rules" and (statement.lines or statement.violations):
        return ["status no_rules but the statement has lines or violations"]
    return []


def money_problems(statement: Statement, creator: str) -> list[str]:
    """CORE-MONEY-01 and conservation: every value exact to the fen and >= 0, each amount +value
    (creator is payee), -value (payer) or 0.00; net is the sum of the amounts; totals add up to net."""
    problems: list[str] = []
    for index, line in enumerate(statement.lines):
        where = f"line {index} ({line.rule}, {line.payer} -> {line.payee}, value {line.value})"
        if line.value.as_tuple().exponent != -2 or line.amount.as_tuple().exponent != -2:
            problems.append(f"{where}: value and amount must have exactly two decimal places (CORE-MONEY-01)")
        if line.value < 0:
            problems.append(f"{where}: a line's value is never negative; swap payer and payee")
        expected = line.value if line.payee == creator else -line.value if line.payer == creator else 0
        if line.amount != expected:
            problems.append(f"{where}: amount {line.amount} should be {expected} for the creator {creator!r}")
        if not line.payer.strip() or not line.payee.strip() or line.payer == line.payee:
            problems.append(f"{where}: payer and payee must be two different, non-empty parties")
        if line.label not in LABELS:
            problems.append(f"{where}: label {line.label!r} is not one of {', '.join(LABELS)}")
    net = sum((line.amount for line in statement.lines), Decimal("0.00"))
    if statement.net != net:
        problems.append(f"net {statement.net} is not the sum of the line amounts {net}")
    totals = statement.totals
    if set(totals) != set(TOTALS):
        problems.append(f"totals have keys {sorted(totals)}, expected {list(TOTALS)}")
    if sum(totals.values(), Decimal("0.00")) != statement.net:
        problems.append(f"totals add up to {sum(totals.values())}, not to net {statement.net}")
    for traffic in statement.traffic_items:
        if traffic.impressions < 0 or traffic.matched_users < 0:
            problems.append(f"traffic under {traffic.rule} is negative (CORE-TRAFFIC-01)")
    return problems


def order_problems(statement: Statement) -> list[str]:
    """An order with a violation is rejected and settles nothing; a pending order pays nothing now."""
    problems: list[str] = []
    rejected = statement_rejected(statement)
    pending = {p.order for p in statement.pending}
    for index, line in enumerate(statement.lines):
        if line.order is None or not line.value:
            continue
        if line.order in rejected:
            problems.append(
                f"line {index} ({line.rule}) moves {line.value} for order {line.order}, which a "
                f"violation rejected: a rejected order settles nothing"
            )
        if line.order in pending:
            problems.append(
                f"line {index} ({line.rule}) moves {line.value} for order {line.order}, which is "
                f"pending: it pays nothing this month (CORE-ORD-02)"
            )
    return problems


#: The income kinds whose gross a scenario states, with the key that states it.
_STATED_GROSS = ((Kind.TIPS, "tips.yuan"), (Kind.SALES, "merchant_live.sales"))


def gross_problems(statement: Statement, scenario: Scenario) -> list[str]:
    """Income lines carry the gross, as the built-in platforms book it: the tips and merchant sales
    lines add up to at least what the scenario states, and each order payment pays its base whole
    (or nothing); the platform's share is a separate fee or commission line. Otherwise "Gross
    income" means the creator's share on one platform and the gross on another."""
    problems: list[str] = []
    stated = {
        "tips.yuan": scenario.tips.yuan if scenario.tips is not None else None,
        "merchant_live.sales": scenario.merchant_live.sales if scenario.merchant_live is not None else None,
    }
    for kind, key in _STATED_GROSS:
        gross = stated[key]
        lines = [line for line in statement.lines if line.kind is kind]
        if not lines or not gross:
            continue
        booked = sum((line.value for line in lines), Decimal(0))
        if booked < gross:
            problems.append(
                f"the {kind} lines book {booked:.2f} of the {gross:.2f} the scenario states ({key}): "
                f"book the gross as income (Kind.{kind.name}, rate 1) and the platform's share as a "
                f"separate Kind.COMMISSION or Kind.FEE line, as the built-in platforms do"
            )
    for index, line in enumerate(statement.lines):
        if line.kind is Kind.ORDER_PAYMENT and line.value not in (0, line.base):
            order = f" of order {line.order}" if line.order else ""
            problems.append(
                f"line {index} ({line.rule}) pays {line.value:.2f} of the {line.base:.2f} payment{order}: "
                f"pay the base whole (rate 1) and book the platform's fee as a separate Kind.FEE "
                f"line, as the built-in platforms do"
            )
    return problems


class AnsweringStore(MemoryStore):
    """A store whose budgets start at ``share`` of their capacity (1: full, 0: empty) and that
    records every call with its answer: two of them with one share answer the same calls alike."""

    def __init__(self, share: Decimal) -> None:
        super().__init__()
        self.share = share
        self.calls: list[tuple[str, tuple[Any, ...], Any]] = []

    def _start(self, key: str, capacity: Decimal) -> None:
        if key not in self._budgets:
            self._budgets[key] = capacity * self.share

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        self._start(key, capacity)
        found = super().draw(key, amount, capacity)
        self.calls.append(("draw", (key, amount, capacity), found))
        return found

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        self._start(key, capacity)
        found = super().remaining(key, capacity)
        self.calls.append(("remaining", (key, capacity), found))
        return found

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        found = super().reserve(key, holder, limit, baseline)
        self.calls.append(("reserve", (key, holder, limit, baseline), found))
        return found

    def used(self, key: str, baseline: int = 0) -> int:
        found = super().used(key, baseline)
        self.calls.append(("used", (key, baseline), found))
        return found


#: The budgets' starting shares the store contract is checked with: full, half drawn, empty.
SHARES = (Decimal(1), Decimal("0.5"), Decimal(0))


def store_contract_problems(settle: Callable[[Store], Statement]) -> list[str]:
    """The plugin contract that lets a distributed driver resolve shared budgets in unit order
    (docs/writing-a-plugin.md, docs/scale.md): settled twice against stores giving the same answers
    (budgets full, half drawn, empty), the same store calls and the same statement; a draw paying
    less than asked, or nothing, is never an error (a draw pays ``min(amount, left)``)."""
    problems: list[str] = []
    for share in SHARES:
        first, second = AnsweringStore(share), AnsweringStore(share)
        one, two = settle(first), settle(second)
        where = f"with every budget starting at {share:.0%} of its capacity"
        if first.calls != second.calls:
            problems.append(f"{where}: two stores giving the same answers were asked different calls")
        elif one.to_dict() != two.to_dict():
            problems.append(f"{where}: the statement differs between two stores giving the same answers")
        if one.status == "error":
            problems.append(f"{where}: the statement is an error ({one.error}); a draw may pay less than asked")
    return problems


def statement_rejected(statement: Statement) -> set[str]:
    return {v.order for v in statement.violations if v.order is not None}


def citation_problems(statement: Statement, rulesets: Mapping[str, RuleSet]) -> list[str]:
    """Every line, violation and traffic item cites a rule in force in one of ``rulesets`` (the
    platform's and the cross-platform ones), with a label no stronger than its rule's; every rule
    reported not applied is in one of them."""
    problems: list[str] = []
    books = ", ".join(sorted(rulesets))
    cited: list[tuple[str, str, str | None]] = [
        *((f"line {i}", line.rule, line.label) for i, line in enumerate(statement.lines)),
        *((f"violation {i}", v.rule, None) for i, v in enumerate(statement.violations)),
        *((f"traffic item {i}", t.rule, t.label) for i, t in enumerate(statement.traffic_items)),
    ]
    for where, rule_id, label in cited:
        version = next((rs.in_force[rule_id] for rs in rulesets.values() if rule_id in rs.in_force), None)
        if version is None:
            reason = next((rs.not_in_force[rule_id] for rs in rulesets.values() if rule_id in rs.not_in_force), None)
            if reason is not None:
                problems.append(
                    f"{where} cites {rule_id}, which is {reason}: ask ctx.rule(id), which "
                    f"returns None for a rule not in force (CORE-DATE-01)"
                )
            else:
                problems.append(
                    f"{where} cites {rule_id}, which is in no loaded rule file ({books}): "
                    f"add it to the plugin's rules.toml with a label and source"
                )
            continue
        if label is not None and STRENGTH.get(label, 0) > STRENGTH[version.label]:
            problems.append(
                f"{where} is labelled {label!r} but its rule {rule_id} is {version.label!r}: "
                f"label lines with version.label_for(...)"
            )
    for skipped in statement.not_applied:
        if not any(skipped.rule in rs.in_force or skipped.rule in rs.not_in_force for rs in rulesets.values()):
            problems.append(f"not applied names {skipped.rule}, which is in no loaded rule file ({books})")
        if not skipped.reason.strip():
            problems.append(f"not applied {skipped.rule} gives no reason")
    for key, value in statement.facts.items():
        if not isinstance(key, str) or not isinstance(value, str):
            problems.append(f"fact {key!r} = {value!r}: facts are text (str -> str)")
    return problems


def json_problems(report: Report) -> list[str]:
    """``to_json`` then ``json.loads`` gives ``to_dict``; amounts are two-place strings."""
    try:
        text = report.to_json()
    except (TypeError, ValueError) as exc:
        return [f"to_json failed: {exc} (a fact or note that is not text?)"]
    document = report.to_dict()
    if json.loads(text) != document:
        return ["json.loads(to_json()) differs from to_dict()"]
    problems: list[str] = []
    for result in document["results"]:
        money: list[tuple[str, Any]] = [("net", result["net"]), *result["totals"].items()]
        money += [
            (f"line {i} {key}", line[key]) for i, line in enumerate(result["lines"]) for key in ("value", "amount")
        ]
        for where, value in money:
            if not isinstance(value, str) or not _MONEY.match(value) or value == "-0.00":
                problems.append(f"{result['platform']}: {where} is {value!r}, not a two-place amount string")
    return problems


def input_error_problems(error: InputError) -> list[str]:
    """An input error names at least one problem, each with a message."""
    if not error.problems:
        return ["InputError with no problem in it"]
    return [f"an input problem at {p.path!r} has no message" for p in error.problems if not p.message.strip()]
