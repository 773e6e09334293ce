"""Sweeps: one scenario settled at each value of one numeric field, on each platform, by one Engine.

A sweep finds what a single comparison cannot show: the **crossovers** (values where the best
platform changes) and the **cliffs** (values where a platform's net falls while the input rises, such
as WC-TIP-03 in ``cliff`` mode at 5,000.00), each with the rules responsible. Every varied scenario is
built by changing the parsed scenario and loading it again with :func:`load_scenario`, so each value is
checked exactly like input (CORE-INPUT-01); that costs about a fifth of a settlement (see
``bench/sweep.py`` and docs/sweep.md).

>>> vary = parse_vary("tips.yuan=0:10000:50")
>>> result = sweep(Engine(), "examples/food-vlogger.toml", vary)
>>> [(c.platform, str(c.value)) for c in result.cliffs]
[('wechat_channels', '5000.00')]
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from . import fields
from .checks import read_document
from .engine import Engine, document_header
from .errors import InputError
from .money import AMOUNT_LIMIT, ZERO, allocate, fmt, grouped, round_fen
from .problem import Problem
from .scenario import Order, Scenario, count_limits, load_scenario

if TYPE_CHECKING:
    from .statement import LineKey, Statement

#: The most values one sweep settles (each value is settled on every platform asked for).
MAX_VALUES = 100_000
OPTION = "--vary"

# -- the fields a sweep can vary ----------------------------------------------------------------------

_INDEX = "[N]"


@attrs.frozen
class _Slot:
    """A path token that is a name from a set (a price band, a scene) or, with ``allowed`` None, any."""

    shown: str
    allowed: tuple[str, ...] | None = None

    def matches(self, token: str | int) -> bool:
        return isinstance(token, str) and (self.allowed is None or token in self.allowed)


_Token = str | _Slot
#: Decimal places each type takes in the scenario format.
_PLACES = {"amount": 2, "ratio": 4, "count": 0}


def _numbers(section: fields.Section, prefix: tuple[_Token, ...]) -> Iterator[tuple[tuple[_Token, ...], str]]:
    """The numeric fields of a section and of the tables in it, as token patterns, from their definitions."""
    for f in section.fields:
        if f.type in _PLACES:
            yield (*prefix, f.name), f.type
        elif f.section is not None and f.type in ("table", "tables", "map"):
            more: tuple[_Token, ...] = (_Slot(f.key),) if f.type == "map" else (_INDEX,) if f.type == "tables" else ()
            yield from _numbers(f.section, (*prefix, f.name, *more))
        elif f.type == "map" and f.value in _PLACES:
            yield (*prefix, f.name, _Slot(f.key, f.values)), f.value


_Fields = tuple[tuple[tuple[_Token, ...], str], ...]


def numeric_fields(schema: fields.Schema | None = None) -> _Fields:
    """Every numeric field of docs/scenario.md a sweep can vary (with ``schema``'s plugins' fields; by
    default the installed plugins'), as a token pattern and its type."""
    return _numeric_fields(fields.installed() if schema is None else schema)


@functools.lru_cache(maxsize=16)
def _numeric_fields(schema: fields.Schema) -> _Fields:
    return tuple(_numbers(schema.scenario, ()))


def slots(schema: fields.Schema | None = None) -> Mapping[str, tuple[str, ...]]:
    """The names a path token stands for (``BAND``: the price bands; ``NAME``: any, a platform), for completion."""
    return {
        token.shown: token.allowed or ()
        for pattern, _ in numeric_fields(schema)
        for token in pattern
        if isinstance(token, _Slot)
    }


_ARTICLE = {"amount": "an", "ratio": "a", "count": "a"}
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$")
#: ASCII digits, matched whole (``\d`` takes "١٠٠٠" and ``$`` a final newline; CORE-INPUT-01).
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def field_forms(schema: fields.Schema | None = None) -> list[str]:
    """The field paths a sweep accepts, written as in docs/scenario.md (``orders[N].amount``)."""
    forms = []
    for pattern, _kind in numeric_fields(schema):
        text = ""
        for token in pattern:
            if token == _INDEX:
                text += _INDEX
            else:
                name = token.shown if isinstance(token, _Slot) else token
                text += f".{name}" if text else name
        forms.append(text)
    return forms


def _tokens(field: str) -> tuple[str | int, ...] | None:
    """``orders[0].participants[1].agreed`` as ``("orders", 0, "participants", 1, "agreed")``."""
    found: list[str | int] = []
    for segment in field.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            return None
        found.append(match[1])
        found.extend(int(index) for index in re.findall(r"\[(\d+)\]", match[2]))
    return tuple(found)


def _kind_of(path: tuple[str | int, ...], schema: fields.Schema | None) -> str | None:
    for pattern, kind in numeric_fields(schema):
        if len(pattern) == len(path) and all(
            isinstance(token, int)
            if want == _INDEX
            else want.matches(token)
            if isinstance(want, _Slot)
            else token == want
            for want, token in zip(pattern, path, strict=True)
        ):
            return kind
    return None


# -- --vary FIELD=START:STOP:STEP ---------------------------------------------------------------------


def _fail(message: str) -> InputError:
    return InputError.one(OPTION, "", message)


@attrs.frozen
class Vary:
    """One field and its values: ``START, START+STEP, ...`` up to and including ``STOP``.

    STOP is included when it lies on that grid (``0:10000:50`` ends at 10,000.00; ``0:10:3`` at 9).
    """

    field: str
    path: tuple[str | int, ...]
    kind: str
    start: Decimal
    stop: Decimal
    step: Decimal

    @property
    def count(self) -> int:
        return int((self.stop - self.start) // self.step) + 1

    @property
    def values(self) -> tuple[Decimal, ...]:
        """The grid, exact: each value is START + k×STEP computed in Decimal, never accumulated."""
        quantum = Decimal(1).scaleb(-_PLACES[self.kind])
        return tuple((self.start + self.step * k).quantize(quantum) for k in range(self.count))

    def raw(self, value: Decimal) -> str | int:
        """The value as the scenario format writes it: a string for an amount or ratio, an integer count."""
        if self.kind == "count":
            return int(value)
        fixed = value.quantize(Decimal(1).scaleb(-_PLACES[self.kind]))
        return f"{fixed:f}" if self.kind == "amount" else f"{fixed.normalize():f}"

    def shown(self, value: Decimal) -> str:
        """The value for people: ``5,000.00`` for an amount, ``12,000`` for a count, ``0.2`` for a ratio."""
        if self.kind == "amount":
            return grouped(value)
        if self.kind == "count":
            return f"{int(value):,}"
        return f"{value.normalize():f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "type": self.kind,
            "start": self.raw(self.start),
            "stop": self.raw(self.stop),
            "step": self.raw(self.step),
            "count": self.count,
        }


def parse_vary(text: str, schema: fields.Schema | None = None) -> Vary:
    """Parse ``FIELD=START:STOP:STEP``; anything unusable is an :class:`InputError` naming ``--vary``."""
    field, equals, span = text.partition("=")
    field = field.strip()
    parts = span.split(":")  # values as written: no space around them, as in the scenario (CORE-INPUT-01)
    if not equals or not field or len(parts) != 3:
        raise _fail(f"expected FIELD=START:STOP:STEP such as tips.yuan=0:10000:50, found {text!r}")
    path = _tokens(field)
    kind = _kind_of(path, schema) if path is not None else None
    if path is None or kind is None:
        raise _fail(
            f"{field!r} is not a numeric scenario field a sweep can vary; fields: {', '.join(field_forms(schema))}"
        )
    numbers: list[Decimal] = []
    places = _PLACES[kind]
    for name, part in zip(("START", "STOP", "STEP"), parts, strict=True):
        if not _NUMBER.fullmatch(part):
            raise _fail(f"{name} of {field}: expected a number >= 0 such as 50 or 12.5, found {part!r}")
        number = Decimal(part)
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            what = "a whole number" if places == 0 else f"at most {places} decimal places"
            raise _fail(f"{name} of {field}: {field} is {_ARTICLE[kind]} {kind}, so {name} takes {what}, found {part}")
        numbers.append(number)
    start, stop, step = numbers
    if step <= 0:
        raise _fail(f"STEP of {field}: expected a step above 0, found {parts[2]}")
    if stop < start:
        raise _fail(f"STOP of {field} ({parts[1]}) is below START ({parts[0]}); a sweep rises")
    if kind == "amount" and stop >= AMOUNT_LIMIT:
        raise _fail(f"STOP of {field}: expected an amount below 1000000000000, found {parts[1]}")
    if kind == "ratio" and stop > 1:
        raise _fail(f"STOP of {field}: {field} is a ratio from 0 to 1, found {parts[1]}")
    limit = count_limits(schema).get(str(path[-1]))  # months_with_income: the loader checks it by the period
    if kind == "count" and limit is not None and stop > limit:
        raise _fail(f"STOP of {field}: expected a whole number from 0 to {limit:,}, found {parts[1]}")
    vary = Vary(field, path, kind, start, stop, step)
    if vary.count > MAX_VALUES:
        raise _fail(f"{text} gives {vary.count:,} values; at most {MAX_VALUES:,} per sweep")
    return vary


# -- building each varied scenario --------------------------------------------------------------------


def scale_agreed(order: Order, amount: Decimal) -> list[Decimal]:
    """Participants' agreed amounts scaled with a new order amount, conserving to the fen.

    Their total keeps its proportion to the amount (it equals the amount when the agreement adds up,
    XT-ORD-02) and is split by largest remainder over the original agreed amounts (CORE-MONEY-02).
    """
    agreed = [p.agreed for p in order.participants]
    whole = sum(agreed, ZERO)
    scaled = order.amount in (whole, 0)
    total = amount if scaled else round_fen(whole * amount / order.amount)
    weights = agreed if whole else [Decimal(1)] * len(agreed)
    return allocate(total, weights)


def _with(node: object, path: Sequence[str | int], value: object) -> object:
    """A copy of ``node`` with the value at ``path`` replaced; only the tables on the path are copied
    (the parsed scenario is never changed). A missing table on the path is created."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        assert isinstance(node, list)
        items = list(node)
        items[head] = _with(items[head], rest, value)
        return items
    table = dict(node) if isinstance(node, Mapping) else {}
    table[head] = _with(table.get(head), rest, value)
    return table


def check_field(data: Mapping[str, Any], vary: Vary) -> None:
    """The lists the field path indexes must exist in the scenario (tables are created when missing)."""
    node: object = data
    walked = ""
    for token in vary.path:
        if isinstance(token, int):
            size = len(node) if isinstance(node, list) else 0
            if token >= size:
                raise _fail(
                    f"{vary.field}: {walked} has {size} item{'s' if size != 1 else ''} in the "
                    f"scenario, so there is no {walked}[{token}] (indexes start at 0)"
                )
            node = node[token] if isinstance(node, list) else None
            walked += f"[{token}]"
        else:
            node = node.get(token) if isinstance(node, Mapping) else None
            walked += f".{token}" if walked else token


def scenario_at(
    data: Mapping[str, Any], vary: Vary, value: Decimal, base: Scenario, schema: fields.Schema | None = None
) -> Scenario:
    """The scenario with ``vary.field`` set to ``value``, loaded and checked like any input (by ``schema``).

    ``orders[N].amount`` also scales that order's participants' agreed amounts (:func:`scale_agreed`).
    ``base`` is the unvaried scenario, already loaded (its order amounts and agreements).
    """
    changed = _with(data, vary.path, vary.raw(value))
    path = vary.path
    if len(path) == 3 and path[0] == "orders" and path[2] == "amount":
        index = path[1]
        assert isinstance(index, int) and isinstance(changed, dict)
        raw_order = changed["orders"][index]
        if isinstance(raw_order, Mapping) and isinstance(raw_order.get("participants"), list):
            parts = scale_agreed(base.orders[index], value)
            for position, agreed in enumerate(parts):
                changed = _with(changed, ("orders", index, "participants", position, "agreed"), f"{agreed:f}")
    assert isinstance(changed, dict)
    try:
        return load_scenario(changed, source=base.source, schema=schema)
    except InputError as exc:
        raise _invalid(vary, value, exc) from None


def _invalid(vary: Vary, value: Decimal, exc: InputError) -> InputError:
    return InputError(
        Problem(OPTION, "", f"{vary.field} = {vary.shown(value)} makes the scenario invalid: {p}") for p in exc.problems
    )


# -- the result -----------------------------------------------------------------------------------------


@attrs.frozen
class Point:
    """One value of the field and each platform's statement there; ``fictional`` platforms
    (``Platform.fictional``) are never among the best."""

    value: Decimal
    statements: tuple[Statement, ...]
    fictional: frozenset[str] = frozenset()

    def statement(self, platform: str) -> Statement:
        return next(s for s in self.statements if s.platform == platform)

    def net(self, platform: str) -> Decimal | None:
        """The platform's net, or None when it did not settle (status ``error`` or ``no_rules``)."""
        found = self.statement(platform)
        return found.net if found.status == "ok" else None

    @property
    def best(self) -> tuple[str, ...]:
        """The platforms sharing the highest net (several when tied), among the real ones that settled."""
        nets = {s.platform: s.net for s in self.statements if s.status == "ok" and s.platform not in self.fictional}
        if not nets:
            return ()
        top = max(nets.values())
        return tuple(name for name, net in nets.items() if net == top)


@attrs.frozen
class RuleChange:
    """How one rule's lines on one platform changed between two values of the field.

    ``how``: ``appeared`` / ``disappeared`` (its lines were absent before / after), ``changed`` (amounts
    or values moved), ``violated`` / ``no longer violated`` (a violation of it appeared / went away).
    ``change`` is the effect on the creator's net.
    """

    platform: str
    rule: str
    how: str
    change: Decimal

    @property
    def structural(self) -> bool:
        return self.how != "changed"

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "rule": self.rule, "how": self.how, "change": fmt(self.change)}

    def __str__(self) -> str:
        sign = "+" if self.change > 0 else ""
        amount = f" {sign}{grouped(self.change)}" if self.change else ""
        return f"{self.rule} {self.how}{amount}"


@attrs.frozen
class Crossover:
    """The best platform changes between ``previous`` and ``value`` (the first value with the new best)."""

    value: Decimal
    previous: Decimal
    before: tuple[str, ...]
    after: tuple[str, ...]
    rules: tuple[RuleChange, ...]

    def to_dict(self, vary: Vary) -> dict[str, Any]:
        return {
            "value": vary.raw(self.value),
            "previous": vary.raw(self.previous),
            "before": list(self.before),
            "after": list(self.after),
            "rules": [r.to_dict() for r in self.rules],
        }


@attrs.frozen
class Cliff:
    """A platform's net falls while the field rises: from ``previous`` to ``value`` (the first value
    with the lower net), and on without rising again up to ``until`` (a run of falls is one cliff)."""

    platform: str
    value: Decimal
    previous: Decimal
    until: Decimal
    net_before: Decimal
    net_after: Decimal
    rules: tuple[RuleChange, ...]

    @property
    def change(self) -> Decimal:
        return self.net_after - self.net_before

    def to_dict(self, vary: Vary) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "value": vary.raw(self.value),
            "previous": vary.raw(self.previous),
            "until": vary.raw(self.until),
            "net_before": fmt(self.net_before),
            "net_after": fmt(self.net_after),
            "change": fmt(self.change),
            "rules": [r.to_dict() for r in self.rules],
        }


@attrs.frozen
class Sweep:
    """A scenario settled at every value of one field: the grid, its crossovers and its cliffs."""

    scenario: Scenario
    vary: Vary
    platforms: tuple[str, ...]
    points: tuple[Point, ...]
    crossovers: tuple[Crossover, ...]
    cliffs: tuple[Cliff, ...]
    notices: tuple[str, ...] = ()
    #: The platforms whose figures are made up (``Platform.fictional``): labelled, never best.
    fictional: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of docs/sweep.md: amounts as two-place strings, values as the scenario
        format writes them, ``null`` for a platform that did not settle at a value."""
        unsettled = [
            {"value": self.vary.raw(p.value), "platform": s.platform, "status": s.status, "error": s.error}
            for p in self.points
            for s in p.statements
            if s.status != "ok"
        ]
        return {
            **document_header(self.scenario),
            "vary": self.vary.to_dict(),
            "platforms": list(self.platforms),
            "grid": [
                {
                    "value": self.vary.raw(p.value),
                    "net": {name: _net_text(p.net(name)) for name in self.platforms},
                    "best": list(p.best),
                }
                for p in self.points
            ],
            "crossovers": [c.to_dict(self.vary) for c in self.crossovers],
            "cliffs": [c.to_dict(self.vary) for c in self.cliffs],
            "unsettled": unsettled,
            "notices": list(self.notices),
        }


def _net_text(net: Decimal | None) -> str | None:
    return None if net is None else fmt(net)


# -- running and reading a sweep ----------------------------------------------------------------------


def sweep(
    engine: Engine,
    scenario: str | Path | Mapping[str, Any],
    vary: Vary,
    platforms: Sequence[str] | None = None,
    *,
    source: str | None = None,
) -> Sweep:
    """Settle ``scenario`` at each value of ``vary`` on each platform (default: every loaded one).

    ``scenario`` is a file path or a parsed mapping, as for :func:`load_scenario`. The one ``engine``
    settles every value; each value starts from a fresh store, as a single comparison would.
    """
    if isinstance(scenario, str | Path):
        source = source or str(scenario)
        data: Mapping[str, Any] = read_document(Path(scenario))
    else:
        data = scenario
    base = load_scenario(data, source=source, schema=engine.schema)
    check_field(data, vary)
    names = list(platforms) if platforms else engine.platforms
    values = vary.values
    # The ends first: a range that leaves the valid inputs fails before anything is settled.
    for value in dict.fromkeys((values[0], values[-1])):
        _check(engine, scenario_at(data, vary, value, base, engine.schema), vary, value)
    notices = engine.check(base)
    fictional = frozenset(name for name in names if engine.platform(name).fictional)
    points = []
    for value in values:
        varied = scenario_at(data, vary, value, base, engine.schema)
        try:
            report = engine.compare(varied, names)
        except InputError as exc:
            raise _invalid(vary, value, exc) from None
        points.append(Point(value, report.results, fictional))
    found = tuple(points)
    return Sweep(base, vary, tuple(names), found, crossovers(found), cliffs(found, names), notices, fictional)


def _check(engine: Engine, scenario: Scenario, vary: Vary, value: Decimal) -> None:
    try:
        engine.check(scenario)
    except InputError as exc:
        raise _invalid(vary, value, exc) from None


def crossovers(points: Sequence[Point]) -> tuple[Crossover, ...]:
    """Each pair of neighbouring values where the set of best platforms changes (both sets non-empty)."""
    found = []
    for before, after in itertools.pairwise(points):
        if before.best and after.best and before.best != after.best:
            involved = sorted(set(before.best) | set(after.best))
            rules = tuple(
                change for name in involved for change in rule_changes(before.statement(name), after.statement(name))
            )
            found.append(Crossover(after.value, before.value, before.best, after.best, _ordered(rules)))
    return tuple(found)


def cliffs(points: Sequence[Point], platforms: Sequence[str]) -> tuple[Cliff, ...]:
    """Each run of neighbouring values over which a platform's net keeps falling, as one cliff."""
    found = []
    for name in platforms:
        index = 1
        while index < len(points):
            start = points[index - 1]
            first, last = start.net(name), points[index].net(name)
            if first is None or last is None or last >= first:
                index += 1
                continue
            end = index
            while end + 1 < len(points) and _falls(points[end], points[end + 1], name):
                end += 1
            low = points[end]
            net_after = low.net(name)
            assert net_after is not None
            rules = rule_changes(start.statement(name), low.statement(name))
            found.append(Cliff(name, points[index].value, start.value, low.value, first, net_after, rules))
            index = end + 1
    return tuple(sorted(found, key=lambda c: (c.value, c.platform)))


def _falls(before: Point, after: Point, platform: str) -> bool:
    first, last = before.net(platform), after.net(platform)
    return first is not None and last is not None and last < first


def rule_changes(before: Statement, after: Statement) -> tuple[RuleChange, ...]:
    """The rules whose lines changed between two statements of one platform: amounts or values that
    moved, lines that appeared or disappeared, violations that appeared or went away.

    Ordered for reading: changes of structure first, then by effect on the net, most negative first.
    """
    old, new = _line_sums(before), _line_sums(after)
    by_rule: dict[str, tuple[bool, bool, Decimal, bool]] = {}
    for key in old.keys() | new.keys():
        rule = key[0]
        was, now = old.get(key), new.get(key)
        had, has, change, moved = by_rule.get(rule, (False, False, ZERO, False))
        change += (now[0] if now else ZERO) - (was[0] if was else ZERO)
        moved = moved or was != now
        by_rule[rule] = (had or was is not None, has or now is not None, change, moved)
    changes = []
    for rule, (had, has, change, moved) in by_rule.items():
        if not moved:
            continue
        how = "changed" if had and has else "appeared" if has else "disappeared"
        changes.append(RuleChange(before.platform, rule, how, change))
    old_violations = {v.rule for v in before.violations}
    new_violations = {v.rule for v in after.violations}
    changes.extend(RuleChange(before.platform, rule, "violated", ZERO) for rule in new_violations - old_violations)
    changes.extend(
        RuleChange(before.platform, rule, "no longer violated", ZERO) for rule in old_violations - new_violations
    )
    return _ordered(changes)


def _line_sums(statement: Statement) -> dict[LineKey, tuple[Decimal, Decimal]]:
    """Amount and value summed per line identity (:attr:`Line.key`)."""
    sums: dict[LineKey, tuple[Decimal, Decimal]] = {}
    for line in statement.lines:
        key = line.key
        amount, value = sums.get(key, (ZERO, ZERO))
        sums[key] = (amount + line.amount, value + line.value)
    return sums


def _ordered(changes: Sequence[RuleChange]) -> tuple[RuleChange, ...]:
    return tuple(sorted(changes, key=lambda c: (not c.structural, c.change, c.platform, c.rule)))


__all__ = [
    "MAX_VALUES",
    "Cliff",
    "Crossover",
    "Point",
    "RuleChange",
    "Sweep",
    "Vary",
    "check_field",
    "cliffs",
    "crossovers",
    "field_forms",
    "numeric_fields",
    "parse_vary",
    "rule_changes",
    "scale_agreed",
    "scenario_at",
    "slots",
    "sweep",
]
