"""Hypothesis strategies for scenario dicts (docs/scenario.md, schema 1), and hand-written samples.

:func:`scenario_dicts` draws scenarios that :func:`~creatorpay.core.load_scenario` accepts: every
activity, edge amounts (zero, one fen, half-up ties, near the 1e12 limit), every enumeration, order
stages and terminations; ``messy=True`` adds loadable nonsense (agreed amounts that do not add up, no
main contributor or two, too many co-creators, orders led by someone else). :func:`broken_scenario_dicts`
damages one to three fields with junk, which must give an InputError, never a crash.

All values are plain str/int/bool/list/dict, so a drawn scenario prints as JSON or TOML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from creatorpay.core import fields
from creatorpay.core.scenario import STAGES, TASKS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hypothesis.strategies import SearchStrategy

ScenarioDict = dict[str, Any]

#: The scenario creator's id in generated scenarios; co-creators are c1, c2, ...; another lead is "lead".
CREATOR = "me"
#: Fen values at edges: zero, one fen, half-up ties after a 30% or 5% cut, round yuan.
_EDGE_FEN = (0, 1, 5, 10, 50, 99, 100, 150, 333, 500_000, 499_999, 500_001, 1_000_000, 10**14 - 1)
_EDGE_COUNTS = (0, 1, 6, 7, 9, 10, 999, 1000, 1001, 9999, 10_000, 10_001, 999_999, 1_000_000, 1_000_001)
#: Seconds in each price-card band (XT-PRICE-01).


def mostly(usual: Any, *others: Any) -> SearchStrategy[Any]:
    """``usual`` three times in four, else one of ``others``: generated input mostly on the happy path."""
    return st.integers(0, 3).flatmap(lambda n: st.sampled_from(others or (usual,)) if n == 0 else st.just(usual))


def fen_text(fen: int, short: bool = False) -> str:
    """A fen count as an amount string: ``12050`` -> ``"120.50"`` (``short``: ``"120.5"``, ``"120"``)."""
    yuan, cents = divmod(fen, 100)
    if short and cents == 0:
        return str(yuan)
    if short and cents % 10 == 0:
        return f"{yuan}.{cents // 10}"
    return f"{yuan}.{cents:02d}"


def fen(max_yuan: int = 200_000) -> SearchStrategy[int]:
    """Amounts in fen: mostly up to ``max_yuan``, with edge values and now and then a huge one."""
    return st.one_of(st.integers(0, max_yuan * 100), st.sampled_from(_EDGE_FEN), st.integers(0, 10**14 - 1))


def amounts(max_yuan: int = 200_000) -> SearchStrategy[str]:
    """Amount strings as docs/scenario.md writes them (``"1200.50"``, ``"3"``, ``"0.5"``), below 1e12."""
    return st.builds(fen_text, fen(max_yuan), st.booleans())


def ratios() -> SearchStrategy[str]:
    """Ratio strings from ``"0"`` to ``"1"`` with at most four places."""
    exact = st.integers(0, 10_000).map(lambda n: f"{n // 10_000}.{n % 10_000:04d}")
    return st.one_of(exact, st.sampled_from(("0", "1", "0.2", "0.5", "0.05", "0.3333")))


def counts(limit: int = 2_000_000) -> SearchStrategy[int]:
    """Whole numbers >= 0 with the follower thresholds of the rulebook among them."""
    return st.one_of(st.integers(0, limit), st.sampled_from(_EDGE_COUNTS))


def periods(first: str = "2019-01", last: str = "2030-12") -> SearchStrategy[str]:
    """Months ``"YYYY-MM"`` from ``first`` to ``last`` inclusive."""
    lo, hi = _month_index(first), _month_index(last)
    return st.integers(lo, max(lo, hi)).map(lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}")


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def creators(messy: bool = False) -> SearchStrategy[dict[str, Any]]:
    """A ``[creator]`` table for :data:`CREATOR`: followers, flags, growth stage, price card."""
    optional: dict[str, SearchStrategy[Any]] = {flag: st.booleans() for flag in _creator_flags()}
    if not messy:
        optional.update(original=mostly(True, False))
        optional.update({flag: mostly(False, True) for flag in _plugin_flags()})
    optional.update(_plugin_values(messy))
    pricing = fields.installed().pricing
    if pricing is not None:  # the card an order may be priced from (Xingtu's price card)
        keys = tuple(key for key, _, _ in pricing.ranges)
        optional[pricing.card] = st.dictionaries(st.sampled_from(keys), amounts(50_000), max_size=len(keys))
    return st.fixed_dictionaries({"id": st.just(CREATOR), "followers": counts()}, optional=optional)


@st.composite
def _participants(draw: st.DrawFn, total_fen: int, messy: bool) -> list[dict[str, Any]]:
    """Participants of an order: the creator as main with co-creators whose agreed amounts add up
    to the order amount; messy: any shape the loader accepts."""
    others = draw(st.integers(0, 7 if messy else 5))
    names = [CREATOR, *(f"c{i}" for i in range(1, others + 1))]
    if messy and draw(st.booleans()):
        names[0] = "lead"
        names.append(CREATOR)
    if messy and draw(st.booleans()):
        parts = [draw(fen(50_000)) for _ in names]
    else:
        cuts = sorted(draw(st.lists(st.integers(0, total_fen), min_size=len(names) - 1, max_size=len(names) - 1)))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total_fen], strict=True)]
    roles = ["main"] + ["co_creator"] * (len(names) - 1)
    if messy:
        roles = [draw(st.sampled_from(("main", "co_creator"))) for _ in names]
    found = []
    for name, role, part in zip(names, roles, parts, strict=True):
        person: dict[str, Any] = {"creator": name, "role": role, "agreed": fen_text(part)}
        for flag in _participant_flags():
            if draw(st.booleans()):
                person[flag] = draw(st.booleans() if messy else mostly(True, False))
        found.append(person)
    return found


@st.composite
def orders(draw: st.DrawFn, index: int = 1, card: Sequence[str] = (), messy: bool = False) -> dict[str, Any]:
    """One ``[[orders]]`` table with id ``o-<index>``: amount or a price-card band, stage, task, app,
    co-creation with participants, a termination (never of a settled order)."""
    order: dict[str, Any] = {"id": f"o-{index}", "stage": draw(mostly("published", *STAGES))}
    total = draw(fen(100_000))
    pricing = fields.installed().pricing
    if pricing is not None and len(card) > 0 and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(card)))
        first, last = next((first, last) for k, first, last in pricing.ranges if k == key)
        order[pricing.by] = draw(st.integers(first, min(last, first + 3600)))
        total = -1  # the amount comes from the price card: agreed amounts cannot be made to add up
    else:
        order["amount"] = fen_text(total, draw(st.booleans()))
    for key, values in (("task", TASKS), *_order_choices()):
        if draw(st.booleans()):
            order[key] = draw(st.sampled_from(values) if messy else mostly(*values))
    flags = _order_flags()
    for flag in flags:
        if draw(st.booleans()):
            order[flag] = draw(st.booleans()) if flag == flags[0] else draw(st.integers(0, 3)) == 0
    people = [CREATOR]
    if any(order.get(flag) for flag in flags[:1]) or draw(st.integers(0, 3)) == 0:
        participants = draw(_participants(max(total, 0), messy or total < 0))
        order["participants"] = participants
        people = [p["creator"] for p in participants]
    if order["stage"] != "settled" and draw(st.integers(0, 3)) == 0:
        order["termination"] = {"by": draw(st.sampled_from(["client", *people]))}
        if draw(st.booleans()):
            order["termination"]["reason"] = draw(st.sampled_from(("", "changed plans", "未按约定")))
    return order


def tips() -> SearchStrategy[dict[str, Any]]:
    """``[tips]``: CNY and beans bought on Android and iOS."""
    return st.fixed_dictionaries(
        {}, optional={"yuan": amounts(), "beans_android": counts(10**8), "beans_ios": counts(10**8)}
    )


def _creator_flags() -> tuple[str, ...]:
    """The flags of ``[creator]``, the installed plugins' included (NetEase's ``quality``)."""
    return fields.names(fields.installed()["creator"], "bool")


def _plugin_flags() -> tuple[str, ...]:
    """The installed plugins' ``[creator]`` flags (WeChat Channels' ``new_anchor``, ...): false unless given."""
    schema = fields.installed()
    return tuple(f.name for f in schema["creator"].fields if f.type == "bool" and f.name in schema.extra["creator"])


def _order_choices() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The installed plugins' ``[[orders]]`` choices and their values (Xingtu's ``app``)."""
    schema = fields.installed()
    return tuple(
        (f.name, f.values) for f in schema["orders"].fields if f.type == "choice" and f.name in schema.extra["orders"]
    )


def _order_flags() -> tuple[str, ...]:
    """The installed plugins' ``[[orders]]`` flags. The first declared is an order's type (Xingtu's
    co-creation, which has participants): drawn half the time; the others, rarer, one time in four."""
    schema = fields.installed()
    return tuple(f.name for f in schema["orders"].fields if f.type == "bool" and f.name in schema.extra["orders"])


def _participant_flags() -> tuple[str, ...]:
    """The installed plugins' participant flags (Xingtu's): each also a ``[creator]`` flag it falls back to."""
    schema = fields.installed()
    return tuple(
        f.name for f in schema["participant"].fields if f.type == "bool" and f.name in schema.extra["participant"]
    )


def _plugin_values(messy: bool) -> dict[str, SearchStrategy[Any]]:
    """The installed plugins' ``[creator]`` choices and counts (Xingtu's growth stage, ...): any value,
    a count a month's figure (to 4, or 12 when messy, about a monthly cap such as XT-CC-06's)."""
    schema = fields.installed()
    found: dict[str, SearchStrategy[Any]] = {}
    for f in schema["creator"].fields:
        if f.name not in schema.extra["creator"]:
            continue
        if f.type == "choice":
            found[f.name] = st.sampled_from(f.values)
        elif f.type == "count":
            found[f.name] = st.integers(0, min(12 if messy else 4, f.maximum or 12))
    return found


def _plugin_choices() -> frozenset[str]:
    """The installed plugins' ``[creator]`` choices, which ``[platform.<name>]`` may set too."""
    schema = fields.installed()
    return frozenset(f.name for f in schema["creator"].fields if f.type == "choice") & schema.extra["creator"]


def plugin_tables() -> tuple[fields.Section, ...]:
    """The top-level tables the installed plugins declare (NetEase's ``[programs]``)."""
    schema = fields.installed()
    return tuple(f.section for f in schema.scenario.fields if f.name in schema.extra["scenario"] and f.section)


def _value(field: fields.Field) -> SearchStrategy[Any] | None:
    """Values of a plain field of a plugin's table, from its definition; None for another type."""
    if field.type == "amount":
        return amounts(20_000)
    if field.type == "count":
        return counts(min(field.maximum or 10**8, 10**8))
    if field.type == "bool":
        return st.booleans()
    if field.type == "choice":
        return st.sampled_from(field.values)
    if field.type == "map" and field.value == "amount" and field.choices:
        return st.dictionaries(st.sampled_from(field.values), amounts(5_000), max_size=4)
    return None


@st.composite
def plugin_table(draw: st.DrawFn, section: fields.Section) -> dict[str, Any]:
    """A plugin's table, drawn from its definition: any of its keys, of two that may not be given
    together one or neither (``[programs]``: ``plays`` or ``plays_by_scene``)."""
    left_out = {pair[draw(st.integers(0, 1))] for pair in section.exclusive}
    table: dict[str, Any] = {}
    for f in section.fields:
        strategy = _value(f)
        if strategy is not None and f.name not in left_out and draw(st.booleans()):
            table[f.name] = draw(strategy)
    return table


def merchant_live() -> SearchStrategy[dict[str, Any]]:
    """``[merchant_live]``: sales and private-domain users."""
    return st.fixed_dictionaries({}, optional={"sales": amounts(), "private_users": counts(100_000)})


def mcn() -> SearchStrategy[dict[str, Any]]:
    """``[mcn]``: an MCN and its share (CORE-MCN-01)."""
    return st.fixed_dictionaries({"name": st.sampled_from(("Sunrise MCN", "M")), "share": ratios()})


@st.composite
def tax(draw: st.DrawFn) -> dict[str, Any]:
    """``[tax]``: none, or platform withholding with the months and year-to-date figures it needs."""
    if draw(st.booleans()):
        return {"method": "none"} if draw(st.booleans()) else {}
    table: dict[str, Any] = {"method": "platform", "months_with_income": draw(st.integers(1, 12))}
    for key in ("ytd_income", "ytd_withheld"):
        if draw(st.booleans()):
            table[key] = draw(amounts(500_000))
    return table


def platform_values() -> SearchStrategy[dict[str, Any]]:
    """``[platform.<name>]``: creator keys (not id) and a tax table that apply on one platform."""
    optional: dict[str, SearchStrategy[Any]] = {flag: st.booleans() for flag in _creator_flags()}
    optional.update(
        followers=counts(),
        **{name: strategy for name, strategy in _plugin_values(False).items() if name in _plugin_choices()},
        tax=st.fixed_dictionaries(
            {}, optional={"method": st.sampled_from(("none", "platform")), "months_with_income": st.integers(1, 12)}
        ),
    )
    return st.fixed_dictionaries({}, optional=optional)


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    platform: str | None = None,
    *,
    first: str = "2019-01",
    last: str = "2030-12",
    usual_first: str | None = None,
    ext: SearchStrategy[Any] | None = None,
    messy: bool = False,
) -> ScenarioDict:
    """A scenario dict :func:`~creatorpay.core.load_scenario` accepts.

    The period is from ``first`` to ``last``, three times in four from ``usual_first`` on (the months
    a platform's rules are in force). ``platform`` may get a ``[platform.<name>]`` section; ``ext``
    draws its ``[ext.<platform>]`` table (the plugin's own inputs, valid ones); ``messy`` allows
    loadable nonsense in orders and creators.
    """
    period = periods(usual_first, last) if usual_first and draw(st.integers(0, 3)) else periods(first, last)
    data: ScenarioDict = {"schema": 1, "period": draw(period), "creator": draw(creators(messy))}
    if draw(st.integers(0, 4)) == 0:
        data["name"] = draw(st.sampled_from(("A month", "一个月", "")))
    pricing = fields.installed().pricing
    card = tuple(data["creator"].get(pricing.card, {})) if pricing is not None else ()
    count = draw(st.integers(0, 3))
    if count:
        data["orders"] = [draw(orders(i + 1, card, messy)) for i in range(count)]
    for key, strategy in (
        ("tips", tips()),
        *((section.name, plugin_table(section)) for section in plugin_tables()),
        ("merchant_live", merchant_live()),
        ("mcn", mcn()),
        ("tax", tax()),
    ):
        if draw(st.booleans()):
            data[key] = draw(strategy)
    if platform and draw(st.integers(0, 3)) == 0:
        data["platform"] = {platform: draw(platform_values())}
    if platform and ext is not None and draw(st.integers(0, 3)) > 0:
        data["ext"] = {platform: draw(ext)}
    _months_in_calendar(data)
    return data


def _months_in_calendar(data: ScenarioDict) -> None:
    """``months_with_income`` at most the period's month (CORE-INPUT-01), and given with a platform's
    own ``method = "platform"`` when ``[tax]`` does not give it (CN-TAX-02)."""
    month = int(data["period"][5:])
    top = data.get("tax", {})
    tables = [top, *(values.get("tax", {}) for values in data.get("platform", {}).values())]
    for table in tables:
        if "months_with_income" in table:
            table["months_with_income"] = min(table["months_with_income"], month)
        elif table is not top and table.get("method") == "platform" and "months_with_income" not in top:
            table["months_with_income"] = month


def junk() -> SearchStrategy[Any]:
    """Values of the wrong type or shape: negative, fractional, three places, NaN, None, lists, tables."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**13), 10**13),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
        st.sampled_from(
            ("-1.00", "1.234", "1e3", "NaN", "Infinity", "", " 1", "1,000", "2026-13", "0x10", "１２", "1000000000000")
        ),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )


def junk_tables() -> SearchStrategy[Any]:
    """What a user might write in a plugin's ``[ext.<plugin>]`` table: junk keys and values, or not a table."""
    keys = st.one_of(st.text(min_size=1, max_size=8), st.sampled_from(("streams", "rate", "amount", "mode")))
    return st.one_of(st.dictionaries(keys, junk(), max_size=4), junk())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into nested dicts and lists."""
    found: list[tuple[Any, ...]] = []
    items: list[tuple[Any, Any]] = (
        list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    )
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


@st.composite
def broken_scenario_dicts(
    draw: st.DrawFn,
    platform: str | None = None,
    *,
    first: str = "2019-01",
    last: str = "2030-12",
    usual_first: str | None = None,
    ext: SearchStrategy[Any] | None = None,
) -> ScenarioDict:
    """A messy scenario with one to three fields replaced by junk, removed, or an unknown key added;
    with ``platform``, sometimes a junk ``[ext.<platform>]`` table. Usually unloadable, sometimes not."""
    data = draw(scenario_dicts(platform, first=first, last=last, usual_first=usual_first, ext=ext, messy=True))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.integers(0, 3))
        if action == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == 1 and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(junk())
        else:
            parent[path[-1]] = draw(junk())
    if platform and draw(st.integers(0, 2)) == 0:
        data["ext"] = {platform: draw(junk_tables())}
    return data


def sample_scenarios(period: str = "2026-10") -> list[ScenarioDict]:
    """Hand-written scenarios, one per activity and a few combinations, for ``period``."""
    base: ScenarioDict = {"schema": 1, "period": period, "creator": {"id": CREATOR, "followers": 52_000}}
    co_creation = {
        "id": "o-2",
        "amount": "20000.00",
        "stage": "published",
        **dict.fromkeys(_order_flags()[:1], True),
        "participants": [
            {"creator": CREATOR, "role": "main", "agreed": "12000.00"},
            {"creator": "c1", "role": "co_creator", "agreed": "5000.00", **dict.fromkeys(_participant_flags(), True)},
            {"creator": "c2", "role": "co_creator", "agreed": "3000.00", **dict.fromkeys(_participant_flags(), True)},
        ],
    }
    samples: list[dict[str, Any]] = [
        {},
        {"tips": {"yuan": "3200.00", "beans_android": 1005, "beans_ios": 703}},
        {
            "tips": {"yuan": "50000.00"},
            "mcn": {"name": "Sunrise MCN", "share": "0.20"},
            "tax": {"method": "platform", "months_with_income": min(10, int(period[5:])), "ytd_income": "90000.00"},
        },
        *(sample for section in plugin_tables() for sample in _table_samples(section)),
        {"merchant_live": {"sales": "88000.00", "private_users": 300}},
        {"orders": [{"id": "o-1", "amount": "8000.00", "stage": "published"}]},
        {
            "creator": {"id": CREATOR, "followers": 52_000, **dict.fromkeys(_participant_flags(), True)},
            "orders": [co_creation],
        },
        {"orders": [{**co_creation, "stage": "video_produced", "termination": {"by": "client"}}]},
        {
            "orders": [
                {"id": "o-3", "amount": "100.00", "stage": "negotiating"},
                {"id": "o-4", "amount": "100.00", "stage": "settled"},
            ]
        },
        {
            "creator": {"id": CREATOR, "followers": 0, "original": False, **dict.fromkeys(_plugin_flags(), True)},
            "tips": {"yuan": "0.01"},
            **{section.name: {} for section in plugin_tables()},
            "merchant_live": {},
        },
    ]
    return [{**base, **sample} for sample in samples]


def _table_samples(section: fields.Section) -> list[ScenarioDict]:
    """Two scenarios with a plugin's table: its amounts given (of two that may not be given together,
    the first), and its maps of amounts given (``[programs]``: plays by scene)."""
    second = {pair[1] for pair in section.exclusive}
    figures = iter(("3000.00", "2000.00", "1500.00", "1000.00", "500.00") * 4)
    amounts_given = {f.name: next(figures) for f in section.fields if f.type == "amount" and f.name not in second}
    maps = {
        f.name: dict(zip(f.values[:2], ("0.01", "10.50"), strict=False))
        for f in section.fields
        if f.type == "map" and f.value == "amount" and f.choices
    }
    return [{section.name: table} for table in (amounts_given, maps) if table]
