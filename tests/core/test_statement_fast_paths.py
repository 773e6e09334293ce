"""Speed tricks of a statement guarded (issue 20): each gives what the general form gives.

- ``Scenario.activities`` builds its tuple directly when there are no plugin tables;
- ``StatementBuilder.build`` passes the statement's parts by position;
- ``StatementBuilder.line`` checks a rate's type before Fraction's abc check, rounds inline;
- the income sums loop without a call per line (CORE-INCOME-01);
- ``StatementBuilder.add_lines`` (a compiled plugin's lines by position) is ``line`` once per row,
  and ``build``'s statement is attrs' (both made without attrs' ``__init__``);
- a statement settled without a store makes its MemoryStore only when a plugin calls the store;
- the builder makes its other parts (violations, not applied, ...) on first use, and sums the
  transfers received only when a TRANSFER line was added; ``add_lines`` sums without adding the first
  value to 0.00; the engine's store view is made without the class call (``statement_view``).
"""

from __future__ import annotations

import pickle
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs
from hypothesis import example, given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, Kind, Statement, load_scenario
from creatorpay.core.context import Settlement, settlement
from creatorpay.core.errors import PluginError
from creatorpay.core.money import FEN
from creatorpay.core.scenario import MerchantLive, Scenario, Tips
from creatorpay.core.statement import AdjustmentBuilder, NotApplied, StatementBuilder, statement_builder
from creatorpay.core.store import MemoryStore, StoreView, statement_view
from tests.helpers import examples

if TYPE_CHECKING:
    from collections.abc import Callable

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS = load_scenario(EXAMPLES / "food-vlogger.toml").orders


def general_activities(scenario: Scenario) -> tuple[str, ...]:
    """``Scenario.activities`` as written before its fast path: one dict, in the activity table's order."""
    present = {
        "orders": bool(scenario.orders),
        "tips": scenario.tips is not None,
        **dict.fromkeys(scenario.tables, True),
        "merchant_live": scenario.merchant_live is not None,
    }
    return tuple(name for name, here in present.items() if here)


@settings(max_examples=examples(60))
@given(
    orders=st.booleans(),
    tips=st.booleans(),
    live=st.booleans(),
    tables=st.lists(st.sampled_from(["programs", "plays", "extra_table"]), unique=True, max_size=2),
)
def test_activities_fast_path_is_the_general_form(orders: bool, tips: bool, live: bool, tables: list[str]) -> None:
    """The activities (the rulebook's activity table: what a platform does not offer is reported) are
    the same names in the same order with or without plugin tables."""
    base = load_scenario({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 10}})
    scenario = attrs.evolve(
        base,
        orders=ORDERS if orders else (),
        tips=Tips() if tips else None,
        merchant_live=MerchantLive() if live else None,
        tables=MappingProxyType({name: MappingProxyType({}) for name in tables}),
    )
    assert scenario.activities == general_activities(scenario)


def test_build_puts_each_part_in_its_own_field() -> None:
    """``build`` passes the parts by position: each lands in the field a keyword would put it in."""
    builder = StatementBuilder("fake", "Fake", "me")
    builder.line("FK-TIP-01", Kind.TIPS, payer="fake", payee="me", base=Decimal(7), rate=Fraction(1, 7), note="n")
    builder.violation("FK-ORD-01", "broken", order="o1")
    builder.skip("FK-X-01", "unset")
    builder.not_offer("orders", "not here")
    builder.pend("o2", "at stage draft")
    builder.add_traffic("FK-TR-01", impressions=5)
    builder.fact("stage", "growing")
    built = builder.build({"cn_tax": "ValueError: x"})
    keywords = Statement(
        platform="fake",
        title="Fake",
        status="ok",
        error=None,
        lines=tuple(builder.lines),
        violations=tuple(builder.violations),
        not_applied=tuple(builder.not_applied),
        not_offered=tuple(builder.not_offered),
        pending=tuple(builder.pending),
        traffic_items=tuple(builder.traffic),
        facts={"stage": "growing"},
        incomplete={"cn_tax": "ValueError: x"},
    )
    assert built == keywords
    assert built.to_dict() == keywords.to_dict()
    # made without attrs' __init__ (_StatementFields): the same class, fields in the same order
    assert type(built) is Statement and _state(built) == _state(keywords)
    assert pickle.loads(pickle.dumps(built)) == keywords and repr(built) == repr(keywords)  # noqa: S301 - our own
    assert builder.build().incomplete == {}
    # skip's NotApplied made without attrs' __init__ (_NotAppliedFields): the same as attrs' own
    skipped, general = built.not_applied[0], NotApplied("FK-X-01", "unset")
    assert type(skipped) is NotApplied and _state(skipped) == _state(general)
    assert skipped == general and hash(skipped) == hash(general) and repr(skipped) == repr(general)
    assert pickle.loads(pickle.dumps(skipped)) == general  # noqa: S301 - our own


@settings(max_examples=examples(60))
@given(
    base=st.integers(0, 10**9).map(lambda fen: Decimal(fen).scaleb(-2)),
    numerator=st.integers(1, 50),
    denominator=st.integers(1, 50),
    as_fraction=st.booleans(),
)
def test_line_fast_rate_check_values_as_before(
    base: Decimal, numerator: int, denominator: int, as_fraction: bool
) -> None:
    """CORE-MONEY-01: a Fraction rate is the decimal numerator / denominator and kept for display when
    not whole; the value is base × rate rounded once, half-up, whichever type the rate has."""
    builder = StatementBuilder("fake", "Fake", "me")
    exact = Fraction(numerator, denominator)
    decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
    line = builder.line(
        "FK-TIP-01", Kind.TIPS, payer="fake", payee="me", base=base, rate=exact if as_fraction else decimal
    )
    assert line.rate == decimal
    assert line.fraction == (exact if as_fraction and exact.denominator != 1 else None)
    want = base * exact.numerator / exact.denominator if as_fraction else base * decimal
    assert line.value == want.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert line.amount == line.value


def test_income_sums_count_a_received_transfer_apart() -> None:
    """CORE-INCOME-01: a transfer received is not own platform income; one passed on lowers it."""
    builder = StatementBuilder("fake", "Fake", "me")
    builder.line("FK-TIP-01", Kind.TIPS, payer="fake", payee="me", base=Decimal(100), rate=Decimal(1))
    builder.line("FK-TR-01", Kind.TRANSFER, payer="other", payee="me", base=Decimal(30), rate=Decimal(1))
    builder.line("FK-TR-02", Kind.TRANSFER, payer="me", payee="third", base=Decimal(20), rate=Decimal(1))
    builder.line("FK-MCN-01", Kind.MCN_SHARE, payer="me", payee="mcn", base=Decimal(10), rate=Decimal(1))
    assert builder.own_platform_income() == Decimal("80.00")
    assert builder.transfers_received() == Decimal("30.00")


def _state(made: attrs.AttrsInstance) -> list[tuple[str, object]]:
    """Every field (slot) of a line, statement or not-applied item with its value, in order: a slot the
    engine's fast path left unset raises AttributeError here."""
    return [(field.name, getattr(made, field.name)) for field in attrs.fields(type(made))]


def _outcome(make: Callable[[StatementBuilder], object]) -> tuple[str, ...]:
    """What a builder holds after ``make``, or the error it raised (type and message)."""
    builder = StatementBuilder("fake", "Fake", "me", {"OT-TIP-01": "other"})
    try:
        make(builder)
    except (ValueError, PluginError) as exc:
        return (type(exc).__name__, str(exc))
    # each line's class and fields in order (add_lines makes a Line without attrs' __init__), pickled too
    return tuple(
        repr((type(x), _state(x), pickle.loads(pickle.dumps(x)) == x))  # noqa: S301 - our own
        for x in builder.lines
    )


@settings(max_examples=examples(80))
@given(
    rule=st.sampled_from(["FK-TIP-01", "OT-TIP-01"]),
    label=st.sampled_from(["source", "operator-set", "made-up"]),
    payer=st.sampled_from(["fake", "me", "third"]),
    payee=st.sampled_from(["fake", "me", "mcn"]),
    rows=st.lists(
        st.tuples(
            st.sampled_from([-6000, -5, 0, 5]) | st.integers(-5, 10**7),
            st.sampled_from([1, 7]) | st.integers(1, 12),
            st.sampled_from(["a note", ""]),
        ),
        max_size=3,
    ),
)
@example(rule="FK-TIP-01", label="source", payer="fake", payee="fake", rows=[(-6000, 1, "")])  # which error first
@example(rule="FK-TIP-01", label="source", payer="fake", payee="me", rows=[(-4, 1, "")])  # a value of -0.00
def test_add_lines_is_line_once_per_row(
    rule: str, label: str, payer: str, payee: str, rows: list[tuple[int, int, str]]
) -> None:
    """``add_lines`` (compiled plugins' lines by position) gives what ``line`` gives called once per
    row: the same lines, values rounded once half-up (CORE-MONEY-01), amounts signed from the creator's
    view, and the same error for a foreign rule, an unknown label, a negative value, payer = payee."""
    exact = [(Decimal(milli).scaleb(-3), Fraction(1, per), note) for milli, per, note in rows]

    def by_line(builder: StatementBuilder) -> None:
        for base, rate, note in exact:
            value = base * rate.numerator / rate.denominator
            builder.line(
                rule, Kind.TIPS, payer=payer, payee=payee, base=base, rate=rate, value=value, label=label, note=note
            )

    def by_rows(builder: StatementBuilder) -> None:
        made = [
            (base, Decimal(1) / Decimal(r.denominator), base / r.denominator, note, r if r.denominator != 1 else None)
            for base, r, note in exact
        ]
        total = builder.add_lines(rule, Kind.TIPS, label, payer, payee, made)
        # the sum from 0.00 itself: the same digits, exponent and sign of zero (a -0.00 value sums to 0.00)
        assert str(total) == str(sum((x.value for x in builder.lines), Decimal("0.00")))

    assert _outcome(by_rows) == _outcome(by_line)


@settings(max_examples=examples(60), deadline=None)
@given(
    payee=st.sampled_from(["me", "fake", "other"]),
    rows=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(1, 12), st.sampled_from(["a note", ""])), min_size=1, max_size=3
    ),
)
def test_add_lines_in_fen_is_add_lines(payee: str, rows: list[tuple[int, int, str]]) -> None:
    """``add_lines(..., in_fen=True)``, values the caller rounded in integer fen (half-up, CORE-MONEY-01:
    ``FEN * ((n * 200 + per) // (2 * per))`` for ``n / per`` CNY, as WeChat's compiled beans), gives
    the lines and the sum that rounding the exact quotients gives, to the digit and exponent."""
    exact = [(Decimal(n), Decimal(1) / Decimal(per), Decimal(n) / per, note, None) for n, per, note in rows]
    fen = [
        (base, rate, FEN * ((n * 200 + per) // (2 * per)), note, None)
        for (base, rate, _, note, _), (n, per, _) in zip(exact, rows, strict=True)
    ]
    totals: list[str] = []

    def rounded_here(builder: StatementBuilder) -> None:
        totals.append(str(builder.add_lines("FK-TIP-01", Kind.TIPS, "source", "fake", payee, exact)))

    def given_in_fen(builder: StatementBuilder) -> None:
        totals.append(str(builder.add_lines("FK-TIP-01", Kind.TIPS, "source", "fake", payee, fen, in_fen=True)))

    assert _outcome(given_in_fen) == _outcome(rounded_here)
    assert totals[:1] == totals[1:]
    for _, _, value, _, _ in fen:
        assert value.as_tuple().exponent == -2  # as round_fen gives it: "3000.10", never "3000.1"


def test_a_store_is_made_only_when_called() -> None:
    """``StoreView(None, ...)``: the engine's views when no store is given make one MemoryStore on the
    first call, which an adjustment's view (its child) shares; no call, no store. WC-COLD-01 draws
    from its pool and settles as with a store given."""
    platform = StoreView(None, "wechat_channels")
    adjustment = StoreView(None, "cn_tax", platform)
    assert platform._store is None and adjustment._store is None
    assert adjustment.draw("pool", Decimal(3), Decimal(5)) == Decimal(3)
    assert platform._store is adjustment._store and isinstance(platform._store, MemoryStore)
    assert platform._store.remaining("cn_tax:pool", Decimal(5)) == Decimal(2)
    adjustment.end(keep=True)
    platform.end(keep=True)
    engine = Engine(load=["wechat_channels"])
    data = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 10, "new_anchor": True}}
    new_anchor = load_scenario(data)
    assert engine.settle(new_anchor, "wechat_channels") == engine.settle(
        new_anchor, "wechat_channels", store=MemoryStore()
    )


def test_a_statement_without_other_parts_is_attrs_own() -> None:
    """The parts a builder makes on first use: none made, the statement has attrs' defaults (the
    empty tuple, fresh dicts); each made through its property lands in its field."""
    builder = StatementBuilder("fake", "Fake", "me")
    built, again = builder.build(), builder.build()
    general = Statement("fake", "Fake")
    assert built == general and _state(built) == _state(general)
    assert built.facts is not again.facts and built.incomplete is not again.incomplete
    builder.facts["stage"] = "growing"  # written through the property, as a hook wrapper in the tests does
    builder.pend("o1", "at stage draft")
    assert builder.pending is builder.pending  # made once
    built = builder.build()
    assert built.facts == {"stage": "growing"} and [p.order for p in built.pending] == ["o1"]
    assert builder.is_rejected("o1") is False and builder.rejected_orders() == set()
    builder.violation("FK-ORD-01", "broken", order="o1")
    assert builder.is_rejected("o1") and builder.rejected_orders() == {"o1"}


_KINDS = [Kind.TIPS, Kind.TRANSFER, Kind.MCN_SHARE]


@settings(max_examples=examples(60))
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["line", "add_lines", "adjustment", "mark", "rollback"]),
            st.sampled_from(_KINDS),
            st.sampled_from([("other", "me"), ("me", "third"), ("fake", "me")]),
            st.integers(0, 5000),
        ),
        max_size=8,
    )
)
def test_transfers_received_is_the_sum_over_the_lines(steps: list[tuple[str, Kind, tuple[str, str], int]]) -> None:
    """CORE-INCOME-01: the transfers received (summed only once a TRANSFER line was added, whichever
    way: ``line``, ``add_lines``, an adjustment's merged part, after a rollback) are the sum of the
    TRANSFER lines' positive amounts, as the loop over every line gives."""
    builder = StatementBuilder("fake", "Fake", "me")
    mark = builder.mark()
    for step, kind, (payer, payee), fen in steps:
        value = Decimal(fen).scaleb(-2)
        if step == "line":
            builder.line("FK-TR-01", kind, payer=payer, payee=payee, base=value, rate=Decimal(1))
        elif step == "add_lines":
            builder.add_lines("FK-TR-01", kind, "source", payer, payee, [(value, Decimal(1), value, "", None)])
        elif step == "adjustment":
            part = AdjustmentBuilder(builder)
            part.line("FK-TR-01", kind, payer=payer, payee=payee, base=value, rate=Decimal(1))
            part.merge()
        elif step == "mark":
            mark = builder.mark()
        else:
            builder.rollback(mark)
        general = sum((x.amount for x in builder.lines if x.kind is Kind.TRANSFER and x.amount > 0), Decimal("0.00"))
        assert str(builder.transfers_received()) == str(general)


def test_the_statement_view_is_a_store_view() -> None:
    """``statement_view(store, owner + ":")`` is ``StoreView(store, owner)``: the same class and slots."""
    for store in (None, MemoryStore()):
        made, general = statement_view(store, "wechat_channels:"), StoreView(store, "wechat_channels")
        assert type(made) is StoreView
        assert all(getattr(made, slot) == getattr(general, slot) for slot in StoreView.__slots__)
    made = statement_view(None, "wechat_channels:")
    assert made.draw("pool", Decimal(3), Decimal(5)) == Decimal(3)
    assert made._store is not None and made._store.remaining("wechat_channels:pool", Decimal(5)) == Decimal(2)


def test_the_engine_s_builder_and_context_are_the_class_s() -> None:
    """``statement_builder`` and ``settlement`` (made without the class call) are what the classes'
    ``__init__`` make: the same attributes (slots) with the same values, in the same order."""
    scenario = load_scenario({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 10}})
    engine = Engine(load=["wechat_channels"])
    platform = engine._registered["wechat_channels"].platform
    rules = engine._at_period(scenario.period)[0]
    args = ("wechat_channels", "WeChat Channels", "me", {"CN-TAX-01": "cn_tax"}, rules)
    made, general = statement_builder(*args), StatementBuilder(*args)
    assert type(made) is StatementBuilder and list(vars(made).items()) == list(vars(general).items())
    memo: dict[object, object] = {}
    parts = (scenario, platform, rules["wechat_channels"], rules, StoreView(None, "wechat_channels"), made, memo)
    ctx, general_ctx = settlement(*parts), Settlement(*parts)
    assert type(ctx) is Settlement
    assert [getattr(ctx, s) for s in Settlement.__slots__ if s != "__weakref__"] == [
        getattr(general_ctx, s) for s in Settlement.__slots__ if s != "__weakref__"
    ]
