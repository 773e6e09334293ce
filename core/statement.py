"""The output model: a platform's statement is a list of line items, each citing its rule.

``net`` is the sum of the lines' ``amount`` (docs/output.md); ``totals`` group the same amounts by kind.
A :class:`StatementBuilder` only appends: no phase edits a line another phase wrote. An adjustment
writes to its own :class:`AdjustmentBuilder`, which reads the platform's lines and adds only its own.
"""

from __future__ import annotations

import enum
import sys
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeGuard, get_args

import attrs

from .errors import PluginError
from .money import FEN, ZERO, fmt, round_fen

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from fractions import Fraction

    from .rules import RuleSet, RuleVersion
    from .statement_rare import Pending, Traffic, Violation

#: A provenance label (docs/rules.md): where a figure comes from.
Label = Literal["source", "interpretation", "operator-set", "unverified"]
#: The labels, strongest first: a line computed from several figures carries the weakest among them.
LABELS: tuple[Label, ...] = get_args(Label)
#: A statement's status (docs/output.md): settled; a plugin failed (``error`` says why); or no rule
#: of the platform is in force in the month (CORE-DATE-01).
Status = Literal["ok", "error", "no_rules"]
STATUSES: tuple[Status, ...] = get_args(Status)
TOTALS = ("income", "fees", "transfers", "compensation", "incentives", "mcn", "tax")


def is_label(text: object) -> TypeGuard[Label]:
    """Whether ``text`` is one of :data:`LABELS` (a plugin's label is checked before a line carries it)."""
    return text in LABELS


def _is_fraction(rate: object) -> TypeGuard[Fraction]:
    """Whether ``rate`` is a :class:`~fractions.Fraction`. Read from ``sys.modules``: a Fraction exists
    only once :mod:`fractions` is imported, and importing it costs 1% of a ``creatorpay compare``."""
    fractions = sys.modules.get("fractions")
    return fractions is not None and isinstance(rate, fractions.Fraction)


def weakest(*labels: str) -> Label:
    """The weakest of several provenance labels: ``weakest("source", "unverified")`` is unverified.
    ValueError if one is not a label."""
    found = max(labels, key=LABELS.index)
    assert is_label(found)  # LABELS.index raised for any other text
    return found


class Kind(enum.Enum):
    """What a line is. Each kind adds to one of :data:`TOTALS`, and some count as own platform
    income (CORE-INCOME-01), the base of the MCN share and of tax."""

    ORDER_PAYMENT = ("order_payment", "income", True)
    TIPS = ("tips", "income", True)
    SALES = ("sales", "income", True)
    FEE = ("fee", "fees", True)
    COMMISSION = ("commission", "fees", True)
    PROGRAM_INCOME = ("program_income", "incentives", True)
    TOP_UP = ("top_up", "incentives", True)
    INCENTIVE = ("incentive", "incentives", True)
    #: Counts as own platform income only when passed on; received, it is a transfer between
    #: creators (CORE-INCOME-01).
    TRANSFER = ("transfer", "transfers", True)
    #: Compensation a client pays through the platform: platform income.
    COMPENSATION = ("compensation", "compensation", True)
    #: Compensation one creator pays another: not platform income (CORE-INCOME-01).
    CREATOR_COMPENSATION = ("creator_compensation", "compensation", False)
    MCN_SHARE = ("mcn_share", "mcn", False)
    TAX = ("tax", "tax", False)
    VAT = ("vat", "tax", False)

    def __init__(self, code: str, total: str, platform_income: bool) -> None:
        self.code = code
        self.total = total
        self.platform_income = platform_income

    def __str__(self) -> str:
        return self.code


#: Read once: on Python 3.11 every look-up on an enum class goes through EnumType.__getattr__ (about a
#: thousand instructions).
_TRANSFER = Kind.TRANSFER


class LineKey(NamedTuple):
    """What identifies a line across statements of one unit: the rule, the kind's code, the order and
    who pays whom. A sweep compares two statements' lines by it; a ledger adjustment diffs by it."""

    rule: str
    kind: str
    order: str | None
    payer: str
    payee: str


@attrs.frozen(weakref_slot=False)
class Line:
    """One line item: ``value`` moves from ``payer`` to ``payee`` under ``rule``.

    ``amount`` is its effect on the scenario creator's cash: +value as payee, -value as payer, 0.00
    for a line between others. Slotted, without a ``__weakref__`` slot: a field is read about six
    times faster than from a ``__dict__`` (the ledger reads every field of every line), and the
    engine makes a line without attrs' ``__init__`` (:class:`_LineFields`), so slots cost it nothing.
    """

    rule: str
    kind: Kind
    payer: str
    payee: str
    base: Decimal
    rate: Decimal
    value: Decimal
    amount: Decimal
    label: Label
    note: str = ""
    order: str | None = None
    #: ``rate``'s exact form when the plugin gave it as a fraction (1/7 CNY per iOS bean), for people:
    #: ``explain`` prints ``70,000 ÷ 7``. Display only: not compared, not stored, not in the JSON,
    #: whose ``rate`` stays the decimal (docs/output.md).
    fraction: Fraction | None = attrs.field(default=None, eq=False)

    @property
    def key(self) -> LineKey:
        """The line's identity across statements (:class:`LineKey`)."""
        return LineKey(self.rule, self.kind.code, self.order, self.payer, self.payee)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind.code,
            "order": self.order,
            "payer": self.payer,
            "payee": self.payee,
            "base": _plain(self.base),
            "rate": _plain(self.rate),
            "value": fmt(self.value),
            "amount": fmt(self.amount),
            "label": self.label,
            "note": self.note,
        }


@attrs.frozen(weakref_slot=False)  # built on statements, slotted as Line
class NotApplied:
    """A rule that did not apply, and why (not in force, operator-set and unset, not eligible)."""

    rule: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "reason": self.reason}


@attrs.frozen(slots=False)  # built on statements: see Line
class NotOffered:
    """An activity of the scenario that the platform does not offer, and why."""

    activity: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"activity": self.activity, "reason": self.reason}


@attrs.frozen(weakref_slot=False)
class Statement:
    """One platform's result for one scenario (docs/output.md ``results[]``). Slotted as :class:`Line`
    and made as its lines are (:class:`_StatementFields`)."""

    platform: str
    title: str
    status: Status = "ok"
    error: str | None = None
    lines: tuple[Line, ...] = ()
    violations: tuple[Violation, ...] = ()
    not_applied: tuple[NotApplied, ...] = ()
    not_offered: tuple[NotOffered, ...] = ()
    pending: tuple[Pending, ...] = ()
    traffic_items: tuple[Traffic, ...] = ()
    #: Facts a plugin reports without a cash effect (e.g. the creator's growth stage, XT-GROW-01).
    facts: Mapping[str, str] = attrs.field(factory=dict)
    #: Adjustments that failed on this statement, with why: it was computed without them.
    incomplete: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def net(self) -> Decimal:
        """The sum of the lines' amounts: the creator's cash for the month on this platform."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        """Line amounts grouped by :data:`TOTALS`; they add up to :attr:`net`."""
        sums = dict.fromkeys(TOTALS, ZERO)
        for line in self.lines:
            sums[line.kind.total] += line.amount
        return sums

    @property
    def impressions(self) -> int:
        return sum(t.impressions for t in self.traffic_items)

    @property
    def matched_users(self) -> int:
        return sum(t.matched_users for t in self.traffic_items)

    def to_dict(self, cpm: Decimal | None = None) -> dict[str, Any]:
        """The statement as docs/output.md writes it; ``cpm`` adds ``traffic_cny`` (CORE-TRAFFIC-01)."""
        result: dict[str, Any] = {
            "platform": self.platform,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "net": fmt(self.net),
            "totals": {k: fmt(v) for k, v in self.totals.items()},
            "traffic": {"impressions": self.impressions, "matched_users": self.matched_users},
        }
        if cpm is not None:
            result["traffic_cny"] = fmt(round_fen(Decimal(self.impressions) * cpm / 1000))
        result.update(
            lines=[x.to_dict() for x in self.lines],
            violations=[x.to_dict() for x in self.violations],
            not_applied=[x.to_dict() for x in self.not_applied],
            not_offered=[x.to_dict() for x in self.not_offered],
            pending=[x.to_dict() for x in self.pending],
            traffic_items=[x.to_dict() for x in self.traffic_items],
            facts=dict(self.facts),
        )
        if self.incomplete:
            result["incomplete"] = [{"adjustment": name, "error": error} for name, error in self.incomplete.items()]
        return result


class StatementBuilder:
    """Collects a statement's parts while the phases run; appends only.

    ``creator`` is the scenario creator: a line's ``amount`` is signed from their view. ``foreign``
    maps the rule IDs the writer does not own to the rule book they belong to (another platform's, or
    an adjustment's): a line citing one is refused.
    """

    def __init__(
        self,
        platform: str,
        title: str,
        creator: str,
        foreign: Mapping[str, str] | None = None,
        rules: Mapping[str, RuleSet] | None = None,
    ) -> None:
        self.platform = platform
        self.title = title
        self.creator = creator
        self.foreign: Mapping[str, str] = foreign or {}
        #: Every rule book's rules in force, by book: where a line without a label finds its rule's.
        self.rules: Mapping[str, RuleSet] = rules or {}
        self._lines: list[Line] = []
        # The other parts are made on first use (most statements have none): read them through the
        # properties (violations, not_applied, ...), which make an empty one; build() gives () for none.
        self._violations: list[Violation] | None = None
        self._not_applied: list[NotApplied] | None = None
        self._not_offered: list[NotOffered] | None = None
        self._pending: list[Pending] | None = None
        self._traffic: list[Traffic] | None = None
        self._facts: dict[str, str] | None = None
        #: Whether a TRANSFER line may be among the lines (transfers_received has nothing to sum if not).
        self._transfers = False
        # Indexes of the appended lists, brought up to date on each query from where they stopped:
        # a query per order must not rescan every violation or skip so far (issue 15: quadratic).
        # Made on first use too.
        self._rejected: set[str] | None = None
        self._violations_seen = 0
        self._skipped: set[tuple[str, str]] | None = None
        self._skips_seen = 0

    @property
    def violations(self) -> list[Violation]:
        """The violations so far (append with :meth:`violation`)."""
        found = self._violations
        if found is None:
            found = self._violations = []
        return found

    @property
    def not_applied(self) -> list[NotApplied]:
        """The rules not applied so far (append with :meth:`skip`)."""
        found = self._not_applied
        if found is None:
            found = self._not_applied = []
        return found

    @property
    def not_offered(self) -> list[NotOffered]:
        """The activities not offered so far (append with :meth:`not_offer`)."""
        found = self._not_offered
        if found is None:
            found = self._not_offered = []
        return found

    @property
    def pending(self) -> list[Pending]:
        """The pending orders so far (append with :meth:`pend`)."""
        found = self._pending
        if found is None:
            found = self._pending = []
        return found

    @property
    def traffic(self) -> list[Traffic]:
        """The traffic benefits so far (append with :meth:`add_traffic`)."""
        found = self._traffic
        if found is None:
            found = self._traffic = []
        return found

    @property
    def facts(self) -> dict[str, str]:
        """The facts so far (write with :meth:`fact`)."""
        found = self._facts
        if found is None:
            found = self._facts = {}
        return found

    def line(
        self,
        rule: str,
        kind: Kind,
        *,
        payer: str,
        payee: str,
        base: Decimal,
        rate: Decimal | Fraction,
        value: Decimal | None = None,
        label: str | RuleVersion | None = None,
        note: str = "",
        order: str | None = None,
    ) -> Line:
        """Append a line. ``value`` defaults to ``base × rate`` rounded once, half-up (CORE-MONEY-01).

        ``label``: the line's provenance label (docs/rules.md), or a :class:`RuleVersion`, whose label
        it carries (``operator-set`` if a user overrode any of its figures); left out, the label of
        ``rule``'s version in force, or ``unverified`` (the weakest) when the statement knows no such
        rule. ``version.label_for("name", ...)`` labels a line by the figures it is computed from.

        A ``rate`` given as a :class:`~fractions.Fraction` (``Fraction(1, 7)``) is kept for display
        (``Line.fraction``) and is the decimal ``numerator / denominator`` everywhere else; its default
        value is ``base × numerator / denominator``, rounded once."""
        fraction = None
        if type(rate) is not Decimal and _is_fraction(rate):  # type() first: Fraction's check is abc's
            exact = rate
            fraction = exact if exact.denominator != 1 else None
            rate = Decimal(exact.numerator) / Decimal(exact.denominator)
            if value is None:
                value = base * exact.numerator / exact.denominator
        # A Fraction is a Decimal by now (a TypeGuard narrows only where it holds, so mypy is told).
        decimal: Decimal = rate  # type: ignore[assignment]
        if label is None:
            label = self._label_of(rule)
        elif not isinstance(label, str):
            label = label.label_for(*sorted(label.overridden))
        # add_lines checks the rule, the label, the value (rounded there once, half-up: CORE-MONEY-01)
        # and the parties, in that order, and makes the Line without attrs' __init__.
        row = (base, decimal, base * decimal if value is None else value, note, fraction)
        self.add_lines(rule, kind, label, payer, payee, [row], order=order)
        return self._lines[-1]

    def add_lines(
        self,
        rule: str,
        kind: Kind,
        label: str,
        payer: str,
        payee: str,
        rows: Sequence[tuple[Decimal, Decimal, Decimal, str, Fraction | None]],
        *,
        in_fen: bool = False,
        order: str | None = None,
    ) -> Decimal:
        """Append one line per row ``(base, rate, value, note, fraction)``, all under ``rule``, of
        ``kind`` and ``label``, from ``payer`` to ``payee``; returns the sum of their values.

        The same lines, checks and errors as :meth:`line` called once per row with ``rate`` a Decimal,
        ``fraction`` its exact form or None, and ``value`` given (rounded here, half-up, CORE-MONEY-01):
        the rule and label are checked once per call, not per line. For a plugin's compiled rules
        (the rows made by position from terms read once per rule version); see :meth:`line` otherwise.

        ``in_fen``: the caller made every value already rounded, a Decimal of exponent -2 that is not
        negative (``FEN * n`` of an int ``n >= 0``, rounded in integers): it is neither rounded nor
        checked again (a quantize and a comparison less per line). ``order``: the lines' order, if any."""
        if not rows:
            return ZERO
        if rule in self.foreign:
            raise PluginError(
                f"{rule} belongs to the {self.foreign[rule]} rule book: a line on "
                f"{self.platform}'s statement cites only its own rules, core's or its adjustment's"
            )
        if label not in LABELS:  # is_label, inline: a plugin's own text, checked, not only typed
            raise ValueError(f"unknown label {label!r}; expected one of {LABELS}")
        creator, append, same = self.creator, self._lines.append, payer == payee
        if kind is _TRANSFER:
            self._transfers = True
        sign = 1 if payee == creator else -1 if payer == creator else 0
        total: Decimal | None = None
        for base, rate, exact, note, fraction in rows:
            if in_fen:  # rounded and not negative already (the caller's integers)
                value = exact
            else:
                value = exact.quantize(FEN, ROUND_HALF_UP)
                if value < ZERO:  # a Decimal: no int to convert for the comparison
                    raise ValueError(f"{rule}: a line's value is never negative ({value}); swap payer and payee")
            if same:
                raise ValueError(f"{rule}: payer and payee are both {payer!r}")
            # The Line attrs' __init__ would make, its fields set in field order on a plain instance of
            # the same layout that then becomes a Line: half the cost of attrs' one call per field.
            # One store a statement: a tuple of four to unpack costs more than four stores.
            made = _LineFields()
            made.rule = rule
            made.kind = kind
            made.payer = payer
            made.payee = payee
            made.base = base
            made.rate = rate
            made.value = value
            made.amount = value if sign == 1 else -value if sign else ZERO
            made.label = label
            made.note = note
            made.order = order
            made.fraction = fraction
            made.__class__ = Line  # type: ignore[assignment]
            append(made)  # type: ignore[arg-type]
            # The running sum from 0.00, without the first addition: a value in fen is its own sum with
            # 0.00 (the same digits and exponent), but a zero of either sign sums to 0.00.
            total = (value if value else ZERO) if total is None else total + value
        assert total is not None  # rows is not empty
        return total

    def _label_of(self, rule: str) -> Label:
        """The label of ``rule``'s version in force in any rule book given, else ``unverified``."""
        for book in (self.platform, "core", *self.rules):
            found = self.rules.get(book)
            version = found.in_force.get(rule) if found is not None else None
            if version is not None:
                return version.label_for()
        return LABELS[-1]

    @property
    def lines(self) -> Sequence[Line]:
        """The lines so far, read-only: a phase adds lines with :meth:`line`, never edits or drops one."""
        return tuple(self._lines)

    def violation(self, rule: str, message: str, *, order: str | None = None, participant: str | None = None) -> None:
        from .statement_rare import Violation  # built on first use: most statements have none

        self.violations.append(Violation(rule, message, order, participant))

    def skip(self, rule: str, reason: str) -> None:
        """Report ``rule`` as not applied, with the reason (never silently skipped); once per reason."""
        not_applied = self._not_applied
        if not_applied is None:  # the first rule skipped: no earlier one to compare with
            not_applied = self._not_applied = []
        elif self._skipped_before(rule, reason, not_applied):
            return
        # The NotApplied attrs' __init__ would make, made as add_lines makes a Line (_NotAppliedFields).
        made = _NotAppliedFields()
        made.rule, made.reason = rule, reason
        made.__class__ = NotApplied  # type: ignore[assignment]
        not_applied.append(made)  # type: ignore[arg-type]

    def _skipped_before(self, rule: str, reason: str, not_applied: list[NotApplied]) -> bool:
        """Whether ``rule`` was already skipped for ``reason``: the index brought up to date first."""
        skipped = self._skipped
        if skipped is None:
            skipped = self._skipped = set()
        if self._skips_seen < len(not_applied):
            skipped.update((n.rule, n.reason) for n in not_applied[self._skips_seen :])
            self._skips_seen = len(not_applied)
        return (rule, reason) in skipped

    def not_offer(self, activity: str, reason: str) -> None:
        self.not_offered.append(NotOffered(activity, reason))

    def pend(self, order: str, reason: str) -> None:
        from .statement_rare import Pending  # built on first use: most statements have none

        self.pending.append(Pending(order, reason))

    def fact(self, key: str, text: str) -> None:
        """Report a fact with no cash effect (e.g. the growth stage, a budget left): the one way a
        hook writes ``facts``. A later fact under the same key replaces the earlier one."""
        self.facts[key] = text

    def add_traffic(
        self, rule: str, *, impressions: int = 0, matched_users: int = 0, label: Label = "source", note: str = ""
    ) -> None:
        from .statement_rare import Traffic  # built on first use: most statements have none

        self.traffic.append(Traffic(rule, impressions, matched_users, label, note))

    def rejected_orders(self) -> set[str]:
        """Orders with at least one violation: they settle nothing (a copy: see :meth:`is_rejected`)."""
        return {v.order for v in self._violations or () if v.order is not None}

    def is_rejected(self, order: str) -> bool:
        """Whether ``order`` has a violation; amortised constant time, for a question asked per order."""
        violations = self._violations
        if not violations:  # no violation yet: no order rejected
            return False
        rejected = self._rejected
        if rejected is None:
            rejected = self._rejected = set()
        if self._violations_seen < len(violations):
            rejected.update(v.order for v in violations[self._violations_seen :] if v.order is not None)
            self._violations_seen = len(violations)
        return order in rejected

    def own_platform_income(self) -> Decimal:
        """CORE-INCOME-01: the amounts so far of lines that count as own platform income.

        A transfer counts only as passed on (it lowers the main contributor's income): a co-creator's
        share received from the main contributor is a transfer between creators, not platform income.
        """
        total, transfer = ZERO, _TRANSFER
        for x in self._lines:
            if x.kind.platform_income and not (x.kind is transfer and x.amount > 0):
                total += x.amount
        return total

    def transfers_received(self) -> Decimal:
        """CORE-INCOME-01: what the scenario creator received this month as a co-creator's share from
        a main contributor (XT-ORD-03): theirs to declare, outside MCN share and withholding."""
        total, transfer = ZERO, _TRANSFER  # every statement asks (the core's notice of transfers)
        if not self._transfers:  # no TRANSFER line was added: nothing to sum (the lines are not read)
            return total
        for x in self._lines:
            if x.kind is transfer and x.amount > 0:
                total += x.amount
        return total

    def mark(self) -> tuple[tuple[int, ...], dict[str, str]]:
        """Where the statement stands: :meth:`rollback` cuts it back to here."""
        sizes = (
            len(self._lines),
            len(self.violations),
            len(self.not_applied),
            len(self.not_offered),
            len(self.pending),
            len(self.traffic),
        )
        return sizes, self.facts.copy()

    def rollback(self, mark: tuple[tuple[int, ...], dict[str, str]]) -> None:
        """Drop every part added since :meth:`mark` (a built-in adjustment that raised)."""
        sizes, facts = mark
        parts: tuple[list[Any], ...] = (
            self._lines,
            self.violations,
            self.not_applied,
            self.not_offered,
            self.pending,
            self.traffic,
        )
        for part, size in zip(parts, sizes, strict=True):
            del part[size:]
        self._rejected = None  # the indexes are rebuilt from the lists on the next query
        self._violations_seen = 0
        self._skipped = None
        self._skips_seen = 0
        self.facts.clear()
        self.facts.update(facts)

    def build(self, incomplete: Mapping[str, str] | None = None) -> Statement:
        # The Statement attrs' __init__ would make, made as add_lines makes a Line (_StatementFields).
        made = _StatementFields()
        made.platform = self.platform
        made.title = self.title
        made.status = "ok"
        made.error = None
        # A part never made is the empty tuple (dict) that tuple() (dict()) of an empty one gives.
        violations, not_applied, not_offered = self._violations, self._not_applied, self._not_offered
        pending, traffic, facts = self._pending, self._traffic, self._facts
        made.lines = tuple(self._lines)
        made.violations = tuple(violations) if violations else ()
        made.not_applied = tuple(not_applied) if not_applied else ()
        made.not_offered = tuple(not_offered) if not_offered else ()
        made.pending = tuple(pending) if pending else ()
        made.traffic_items = tuple(traffic) if traffic else ()
        made.facts = dict(facts) if facts else {}
        made.incomplete = dict(incomplete) if incomplete else {}
        made.__class__ = Statement  # type: ignore[assignment]
        return made  # type: ignore[return-value]


def statement_builder(
    platform: str, title: str, creator: str, foreign: Mapping[str, str], rules: Mapping[str, RuleSet]
) -> StatementBuilder:
    """``StatementBuilder(platform, title, creator, foreign, rules)``, made without the class call (the
    engine's, for every statement): the same attributes in the same order, set one by one (tested)."""
    made: StatementBuilder = _new(StatementBuilder)
    made.platform = platform
    made.title = title
    made.creator = creator
    made.foreign = foreign
    made.rules = rules
    made._lines = []
    made._violations = None
    made._not_applied = None
    made._not_offered = None
    made._pending = None
    made._traffic = None
    made._facts = None
    made._transfers = False
    made._rejected = None
    made._violations_seen = 0
    made._skipped = None
    made._skips_seen = 0
    return made


class AdjustmentBuilder(StatementBuilder):
    """What one adjustment (``creatorpay_adjust``) writes to a platform's statement: it reads the
    platform's lines, violations and income, and adds only its own parts, which :meth:`merge` appends
    when the adjustment succeeded (a failed one leaves the statement as it was)."""

    def __init__(self, base: StatementBuilder, foreign: Mapping[str, str] | None = None) -> None:
        super().__init__(base.platform, base.title, base.creator, foreign, base.rules)
        self._base = base

    @property
    def lines(self) -> Sequence[Line]:
        """The platform's lines and this adjustment's, read-only."""
        return (*self._base._lines, *self._lines)

    def rejected_orders(self) -> set[str]:
        return self._base.rejected_orders()

    def is_rejected(self, order: str) -> bool:
        return self._base.is_rejected(order)

    def own_platform_income(self) -> Decimal:
        """CORE-INCOME-01 from the platform's lines: no adjustment's line changes it."""
        return self._base.own_platform_income()

    def transfers_received(self) -> Decimal:
        """CORE-INCOME-01 from the platform's lines: received transfers, declared by the creator."""
        return self._base.transfers_received()

    def merge(self) -> None:
        """Append this adjustment's parts to the platform's statement."""
        base = self._base
        if self._lines:
            base._lines.extend(self._lines)
            base._transfers = base._transfers or self._transfers
        for item in self._not_applied or ():
            base.skip(item.rule, item.reason)
        if self._violations or self._not_offered or self._pending or self._traffic or self._facts:
            base.violations.extend(self.violations)
            base.not_offered.extend(self.not_offered)
            base.pending.extend(self.pending)
            base.traffic.extend(self.traffic)
            base.facts.update(self.facts)


def _fields_of(cls: type) -> tuple[str, ...]:
    """The field names of an attrs class: its slots, in order (no ``__weakref__`` slot follows them)."""
    return tuple(field.name for field in attrs.fields(cls))


class _LineFields:
    """A :class:`Line` in the making (``line``, ``add_lines``): a plain class with the same slots,
    whose fields are set as plain attributes and whose class then becomes ``Line`` (allowed: the same
    layout, and no ``__weakref__`` slot after the fields). The result is what attrs' ``__init__``
    makes, at a third of its cost (tests/core/test_statement_fast_paths.py)."""

    __slots__ = _fields_of(Line)

    rule: str
    kind: Kind
    payer: str
    payee: str
    base: Decimal
    rate: Decimal
    value: Decimal
    amount: Decimal
    label: str
    note: str
    order: str | None
    fraction: Fraction | None


class _NotAppliedFields:
    """A :class:`NotApplied` in the making (``StatementBuilder.skip``), as :class:`_LineFields` is a Line's."""

    __slots__ = _fields_of(NotApplied)

    rule: str
    reason: str


class _StatementFields:
    """A :class:`Statement` in the making (``StatementBuilder.build``), as :class:`_LineFields` is a Line's."""

    __slots__ = _fields_of(Statement)

    platform: str
    title: str
    status: Status
    error: str | None
    lines: tuple[Line, ...]
    violations: tuple[Violation, ...]
    not_applied: tuple[NotApplied, ...]
    not_offered: tuple[NotOffered, ...]
    pending: tuple[Pending, ...]
    traffic_items: tuple[Traffic, ...]
    facts: Mapping[str, str]
    incomplete: Mapping[str, str]


_new = object.__new__

#: Classes defined in :mod:`.statement_rare`, built when first used (docs/performance.md, "Start-up").
_RARE = ("Pending", "Traffic", "Violation")


def __getattr__(name: str) -> Any:
    """``Pending``, ``Traffic`` and ``Violation``, built on first use (PEP 562)."""
    if name in _RARE:
        from . import statement_rare

        value = globals()[name] = getattr(statement_rare, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with the classes built on first use."""
    return sorted({*globals(), *_RARE})


def _plain(number: Decimal) -> str:
    """A base or rate without exponent notation or trailing zeros beyond what was given."""
    text = f"{number:f}"
    return text


def merge_totals(statements: Iterable[Statement]) -> dict[str, Decimal]:
    """Totals summed over several statements (used by reports that add platforms up)."""
    sums = dict.fromkeys(TOTALS, ZERO)
    for statement in statements:
        for key, value in statement.totals.items():
            sums[key] += value
    return sums
