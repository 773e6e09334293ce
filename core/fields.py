"""The input fields, declared once: every key of a scenario (schema 1) and of a batch's event and
creator rows, with its type, default, bounds, values (each with its meaning), rules and meaning.

The loaders take their key lists, choices and bounds from here, and ``creatorpay schema`` makes the
JSON Schema and docs/scenario.md from here, so the code, the schema and the reference page agree.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from .checks import PLAIN_AMOUNT, RATIO, Checker, choice, count_to
from .model import attrs_repr

#: The field types: how a value is written (CORE-INPUT-01).
TYPES: Mapping[str, str] = MappingProxyType(
    {
        "amount": 'a decimal string of CNY with at most two decimal places, "0.00" ≤ x < "1000000000000" '
        "(ASCII digits, no sign, spaces or exponent)",
        "ratio": 'a decimal string from "0" to "1" with at most four decimal places',
        "count": "a whole number ≥ 0, with a bound per field (so nothing derived from it grows without end)",
        "id": "a string of 1–128 printable characters (no control characters)",
        "text": "a string (at most 200 characters)",
        "bool": "true or false",
        "choice": "one of the listed strings",
        "integer": "a whole number",
        "period": 'a real month written "YYYY-MM"',
        "date": 'a real day written "YYYY-MM-DD"',
        "table": "a table of the keys listed for it",
        "tables": "a list of tables",
        "map": "a table whose keys are the listed values",
    }
)


@attrs.frozen
class Choice:
    """One value of an enumeration and what it means."""

    __repr__ = attrs_repr

    value: str
    meaning: str


@attrs.frozen
class Field:
    """One input key: its type and what a value must be, what it means and the rules that read it."""

    __repr__ = attrs_repr

    name: str
    type: str
    meaning: str
    required: bool = False
    #: The default as the docs write it (``"0.00"``, ``false``), or None for none.
    default: str | None = None
    rules: tuple[str, ...] = ()
    #: For ``choice``: the values; for ``map``: the keys.
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    #: For ``table`` and ``tables`` (and a ``map`` of tables): the section of its keys.
    section: Section | None = None
    #: For ``map``: the type of each value.
    value: str | None = None
    #: When the requirement or bound depends on other keys, in words (the schema cannot say it).
    note: str = ""
    #: For ``map``: what a key stands for in a field path (``price_card.BAND``, ``platform.NAME``).
    key: str = "KEY"
    #: For a ``map`` of amounts in ``[creator]``: the prefix of its flat creator-row columns, one per
    #: key (``price`` → ``price_s1_20``), and what a value is before its key's meaning (``the price of``).
    flat: tuple[str, str] | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The enumeration's values (or a map's keys), in order."""
        return tuple(c.value for c in self.choices)


@attrs.frozen
class Section:
    """A table of the input (``[creator]``, ``[[orders]]``, an event row, ...) and its keys."""

    __repr__ = attrs_repr

    name: str
    heading: str
    meaning: str
    fields: tuple[Field, ...]
    #: Pairs of keys that may not both be given.
    exclusive: tuple[tuple[str, str], ...] = ()
    #: More to say, in words, after the table of keys.
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, meaning) for value, meaning in pairs)


def _flag(name: str, default: str, meaning: str, *rules: str) -> Field:
    return Field(name, "bool", meaning, default=default, rules=rules)


def _amount(name: str, meaning: str, *rules: str, default: str | None = '"0.00"', required: bool = False) -> Field:
    return Field(name, "amount", meaning, required=required, default=None if required else default, rules=rules)


# -- enumerations -----------------------------------------------------------------------------------

STAGES = _choices(
    ("negotiating", "the order is being negotiated; nothing is confirmed yet. Pending: pays nothing this month"),
    ("script_confirmed", "the client confirmed the script with the creator. Pending: pays nothing this month"),
    ("video_produced", "the video is shot and edited. Pending: pays nothing this month"),
    ("client_confirmed", "the client confirmed the video. Pending: pays nothing this month"),
    ("published", "the video went live this month: the order is paid this month"),
    (
        "settled",
        "paid in an earlier month: pays nothing now and is not pending (give `published` for an order "
        "paid this month); cannot be terminated",
    ),
)
TASKS = _choices(
    ("assigned", "指派: the client assigned the order to the creator"),
    ("submission", "投稿: an open submission the creator entered"),
    ("recruitment", "招募: a recruitment task the creator was chosen for"),
)
ROLES = _choices(
    ("main", "the main contributor: the order is placed with and paid to them"),
    ("co_creator", "a co-creator, paid their agreed amount by the main contributor"),
)
TAX_METHODS = _choices(
    ("none", "no tax is computed"),
    (
        "platform",
        "the platform withholds income tax (CN-TAX-01 until 2025-09, CN-TAX-02 from "
        "2025-10, by the period) and VAT (CN-VAT-01)",
    ),
)
#: The largest value of each count (CORE-INPUT-01), so that nothing derived from one grows without
#: end. Beans are the only count converted to money (WC-TIP-01: a whole number of beans per CNY, 10 on
#: Android and 7 on iOS, at least 1 whatever an operator sets), so below 10^12 beans their CNY stays
#: below the amount limit at any rate. Followers and private-domain users are people: 10^10 is above
#: the world's population.
PEOPLE, BEANS = 10**10, 10**12 - 1

# -- the scenario -----------------------------------------------------------------------------------

CREATOR = Section(
    "creator",
    "[creator]",
    "the creator whose statement this is",
    (
        Field("id", "id", "the creator's id; a participant with this id is this creator", required=True),
        Field(
            "followers",
            "count",
            "followers on the platform",
            required=True,
            maximum=PEOPLE,
            rules=("WC-MUTUAL-01", "WC-TIER-01", "WC-NOVICE-01"),
        ),
        _flag("original", "true", "false = carried or copied content", "NE-ORIG-01", "WC-QUAL-01"),
    ),
)
MCN = Section(
    "mcn",
    "[mcn]",
    "the MCN agreement: the MCN takes its share of own platform income, before tax",
    (
        Field("name", "text", "the MCN's name", required=True),
        Field("share", "ratio", "the MCN's share", required=True, rules=("CORE-MCN-01",)),
    ),
)
TAX = Section(
    "tax",
    "[tax]",
    "the tax profile",
    (
        Field(
            "method",
            "choice",
            "how tax is computed",
            default='"none"',
            choices=TAX_METHODS,
            rules=("CN-TAX-01", "CN-TAX-02", "CN-VAT-01"),
        ),
        Field(
            "months_with_income",
            "count",
            "months with income on the platform this year, this month included",
            minimum=1,
            maximum=12,
            rules=("CN-TAX-02",),
            note='from 1 to the period\'s month number; required with method = "platform" from 2025-10',
        ),
        _amount("ytd_income", "own platform income earlier this year on that platform, VAT excluded", "CN-TAX-03"),
        _amount("ytd_withheld", "tax that platform already withheld this year", "CN-TAX-02"),
    ),
)
PARTICIPANT = Section(
    "participant",
    "[[orders]] participants",
    "one creator in an order, with the amount agreed among the participants",
    (
        Field("creator", "id", "the participant's creator id", required=True),
        Field("role", "choice", "the participant's role", required=True, choices=ROLES, rules=("XT-ORD-02",)),
        _amount(
            "agreed",
            "the participant's agreed amount; the agreed amounts add up to the order amount",
            "XT-ORD-02",
            required=True,
        ),
    ),
    note="Each creator appears once per order. A flag missing on the participant falls back to `[creator]` "
    "when the participant is the scenario's creator, else to false.",
)
TERMINATION = Section(
    "termination",
    "[[orders]] termination",
    "who ended an order early, and why: the order ended at its `stage`",
    (
        Field("by", "id", 'a participant\'s id, or "client"', required=True, rules=("XT-COMP-01",)),
        Field("reason", "text", "free text for reports", default='""'),
    ),
)
ORDER = Section(
    "orders",
    "[[orders]]",
    "a brand order",
    (
        Field("id", "id", "the order's id, unique in the scenario", required=True),
        _amount("amount", "the order amount the client pays", default=None),
        Field("task", "choice", "the task type", default='"assigned"', choices=TASKS, rules=("XT-ORD-01",)),
        Field(
            "stage",
            "choice",
            "how far the order got (or where it was terminated)",
            required=True,
            choices=STAGES,
            rules=("CORE-ORD-01", "CORE-ORD-02"),
        ),
        Field(
            "termination",
            "table",
            "the order was ended early",
            section=TERMINATION,
            rules=("XT-COMP-01", "CORE-ORD-02"),
        ),
        Field(
            "participants",
            "tables",
            "the creators of the order (non-empty)",
            section=PARTICIPANT,
            minimum=1,
            default="the scenario creator alone as `main` with `agreed = amount`",
            rules=("XT-ORD-02",),
        ),
    ),
    note="`amount` is required.",
)
TIPS = Section(
    "tips",
    "[tips]",
    "live tipping received in the month, gross",
    (
        _amount("yuan", "tips given in CNY", "WC-TIP-01"),
        Field(
            "beans_android",
            "count",
            "WeChat beans bought on Android (10 = 1 CNY)",
            default="0",
            maximum=BEANS,
            rules=("WC-TIP-01",),
        ),
        Field(
            "beans_ios",
            "count",
            "WeChat beans bought on iOS (7 = 1 CNY)",
            default="0",
            maximum=BEANS,
            rules=("WC-TIP-01",),
        ),
    ),
)
MERCHANT_LIVE = Section(
    "merchant_live",
    "[merchant_live]",
    "the creator's own merchant live streams",
    (
        _amount(
            "sales",
            "the month's sales, settled to the creator less the technical service fee that WC-MERCH-01 waives",
            "WC-MERCH-01",
        ),
        Field(
            "private_users",
            "count",
            "private-domain users brought in",
            default="0",
            maximum=PEOPLE,
            rules=("WC-PRIV-01",),
        ),
    ),
)
PLATFORM = Section(
    "platform",
    "[platform.<name>]",
    "values that differ on one platform, applying to that platform only",
    (
        *(attrs.evolve(f, required=False, default=None) for f in CREATOR.fields[1:]),
        Field("tax", "table", "`[tax]` keys for that platform", section=TAX),
    ),
    note="`<name>` must be a loaded platform. A key not given takes its `[creator]` value; each platform's tax "
    "(`[tax]` with these keys over it) is checked as `[tax]` is.",
)
SCENARIO = Section(
    "scenario",
    "top level",
    "one creator's month of work, settled on every platform",
    (
        Field("schema", "integer", "the format version", required=True, minimum=1, maximum=1),
        Field("name", "text", "a title for reports"),
        Field("period", "period", "the month settled", required=True, rules=("CORE-DATE-01",)),
        Field("creator", "table", "the creator whose statement this is", required=True, section=CREATOR),
        Field("mcn", "table", "the MCN agreement", section=MCN, rules=("CORE-MCN-01",)),
        Field(
            "tax",
            "table",
            "the tax profile",
            section=TAX,
            default='method = "none"',
            rules=("CN-TAX-01", "CN-TAX-02", "CN-VAT-01"),
        ),
        Field("orders", "tables", "brand orders", section=ORDER, rules=("XT-ORD-01", "WC-MUTUAL-01")),
        Field("tips", "table", "live tipping received in the month", section=TIPS, rules=("WC-TIP-01",)),
        Field(
            "merchant_live",
            "table",
            "the creator's own merchant live streams",
            section=MERCHANT_LIVE,
            rules=("WC-MERCH-01", "WC-PRIV-01"),
        ),
        Field(
            "platform", "map", "per platform name: values that differ on that platform", section=PLATFORM, key="NAME"
        ),
        Field(
            "ext",
            "map",
            "per plugin name: a table of inputs for a third-party plugin, validated by that "
            "plugin; a section for a plugin that is not loaded is reported as ignored",
        ),
    ),
)
#: Every table of a scenario, in the order of the reference page.
SECTIONS = (SCENARIO, CREATOR, MCN, TAX, ORDER, PARTICIPANT, TERMINATION, TIPS, MERCHANT_LIVE, PLATFORM)

# -- batch rows -------------------------------------------------------------------------------------

KINDS = _choices(
    ("tips", "tips received: `[tips]`, summed over the month"),
    ("merchant_live", "merchant live-stream sales: `[merchant_live]`, summed"),
    ("order", "an order's state: the latest event of an order id gives the order for the month"),
)
EVENT = Section(
    "event",
    "event row",
    "one fact of the month in a batch's events file",
    (
        Field("id", "id", "the event's idempotency key: unique for all time in the ledger", required=True),
        Field("platform", "id", "a loaded platform", required=True),
        Field(
            "creator", "id", "the creator whose month it is; must have a profile in the creators file", required=True
        ),
        Field("date", "date", "the day; its month is the month it is settled in", required=True),
        Field("kind", "choice", "what the event is", required=True, choices=KINDS),
    ),
    note="In CSV, counts and flags are written as text, `termination` and `participants` as JSON text, and an "
    "empty cell is an absent field.",
)
#: Each kind's fields, beside :data:`EVENT`'s.
EVENT_KINDS: Mapping[str, tuple[Field, ...]] = MappingProxyType(
    {
        "tips": TIPS.fields,
        "merchant_live": MERCHANT_LIVE.fields,
        "order": (Field("order_id", "id", "the order's id (default: the event id)"), *ORDER.fields[1:]),
    }
)
#: Creator-row columns written flat in CSV: column → (scenario table, key).
FLAT_COLUMNS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "mcn_name": ("mcn", "name"),
        "mcn_share": ("mcn", "share"),
        **{f"tax_{key}": ("tax", key) for key in TAX.names},
    }
)


def _flat(column: str, table: str, key: str) -> Field:
    """The field of a flat creator-row column: the scenario key it stands for, under the column's name."""
    source = MCN[key] if table == "mcn" else TAX[key]
    return attrs.evolve(source, name=column, required=False, meaning=f"`[{table}] {key}`: {source.meaning}")


def flat_columns(creator: Section) -> Mapping[str, tuple[str, str]]:
    """The creator row's flat columns, column → (scenario table, key): the core's and one per key of
    each ``[creator]`` map a plugin gives flat (Xingtu's ``price_s1_20``: ``price_card.s1_20``)."""
    found = dict(FLAT_COLUMNS)
    for f in creator.fields:
        if f.flat is not None:
            found.update({f"{f.flat[0]}_{c.value}": (f.name, c.value) for c in f.choices})
    return MappingProxyType(found)


def _flat_key(f: Field, choice: Choice) -> Field:
    """The flat creator-row column of one key of a ``[creator]`` map (:attr:`Field.flat`)."""
    assert f.flat is not None
    meaning = f"`[creator] {f.name}.{choice.value}`: {f.flat[1]} {choice.meaning}"
    return Field(f"{f.flat[0]}_{choice.value}", f.value or "amount", meaning, rules=f.rules)


def creator_row(creator: Section, platform: Section) -> Section:
    """The creator row of a ``[creator]`` section (the core's, or with the plugins' keys added)."""
    flat = tuple(f for f in creator.fields if f.flat is not None)
    nested = "".join(f"`{f.name}` and " for f in flat)
    return Section(
        "creator_row",
        "creator row",
        "one creator's profile in a batch's creators file: `[creator]`, `[mcn]`, "
        f"`[tax]` (and, nested in JSON Lines, {nested}`[platform.<name>]`)",
        (
            *(f for f in creator.fields if f.flat is None),
            *(_flat(column, table, key) for column, (table, key) in FLAT_COLUMNS.items()),
            *(_flat_key(f, choice) for f in flat for choice in f.choices),
            Field("mcn", "table", "`[mcn]`, nested (JSON Lines only)", section=MCN),
            Field("tax", "table", "`[tax]`, nested (JSON Lines only)", section=TAX),
            *(attrs.evolve(f, meaning=f"`[creator] {f.name}`, nested (JSON Lines only)") for f in flat),
            Field("platform", "map", "`[platform.<name>]`, nested (JSON Lines only)", section=platform),
        ),
        note="Values are checked when a month is settled: a bad profile rejects that creator's events with the "
        "loader's message.",
    )


CREATOR_ROW = creator_row(CREATOR, PLATFORM)


# -- plugins' fields ---------------------------------------------------------------------------------


@attrs.frozen
class ScenarioFields:
    """A plugin's own scenario fields (hook ``creatorpay_scenario_fields``), checked by the loader, in
    the JSON Schema and on the reference page as the core's are: keys of ``[creator]`` (and so of
    ``[platform.<name>]``), of each ``[[orders]]`` table, of each participant, and top-level tables of
    its own (``table`` fields with their :class:`Section`). Loaded values are in ``creator.extra``,
    ``order.extra``, ``participant.extra`` and ``scenario.tables``."""

    __repr__ = attrs_repr

    creator: tuple[Field, ...] = ()
    orders: tuple[Field, ...] = ()
    participants: tuple[Field, ...] = ()
    tables: tuple[Field, ...] = ()
    #: Batch event kinds that sum into its tables.
    kinds: tuple[EventKind, ...] = ()
    #: How an ``[[orders]]`` entry given without an amount is priced (one plugin at most).
    pricing: Pricing | None = None


@attrs.frozen
class Pricing:
    """An order's amount taken from a ``[creator]`` map of amounts when the order gives none: an
    ``[[orders]]`` count picks the map's key by the ranges (Xingtu's ``video_seconds`` picks a band of
    ``price_card``, XT-PRICE-01). The loader prices; the order's ``priced_band`` is the key."""

    __repr__ = attrs_repr

    #: The ``[creator]`` map and the ``[[orders]]`` count that picks its key.
    card: str
    by: str
    #: ``(key, first, last)``: the values of ``by`` that pick each key.
    ranges: tuple[tuple[str, int, int], ...]
    #: The problem when an order gives neither an amount nor ``by``; when the card has no price for
    #: the key (``{key}`` and ``{value}`` filled in).
    missing: str
    unpriced: str
    #: Said of ``[[orders]]`` on the reference page; the rules an order's amount then follows.
    note: str = ""
    rules: tuple[str, ...] = ()

    def key(self, value: int) -> str | None:
        """The key of the card a value of ``by`` picks, or None for none."""
        return next((key for key, first, last in self.ranges if first <= value <= last), None)


@attrs.frozen
class EventKind:
    """A batch event kind a plugin declares for one of its tables: its events are summed over the
    month into that table (amounts and counts added), as ``[tips]`` is from ``tips`` events."""

    __repr__ = attrs_repr

    #: The table's name, which is the kind's name too.
    table: str
    meaning: str
    #: Keys of the table an event does not carry (a map filled through ``keyed``).
    skip: tuple[str, ...] = ()
    #: The event's fields besides the table's own.
    extra: tuple[Field, ...] = ()
    #: ``(choice, amount, map)``: an event giving ``choice`` adds its ``amount`` to ``map[choice]``
    #: instead of to ``amount`` (NetEase's ``plays`` with a ``scene`` go to ``plays_by_scene``).
    keyed: tuple[str, str, str] | None = None


@attrs.frozen(eq=False)  # one per set of declarations (:func:`schema` is memoised): hashed by identity
class Schema:
    """The sections of a scenario with the loaded plugins' fields added: what the loader checks and
    ``creatorpay schema`` writes. :data:`CORE` has the core's alone."""

    __repr__ = attrs_repr

    #: Every table of a scenario, in the order of the reference page.
    sections: tuple[Section, ...]
    #: The plugins' keys of ``[creator]``, ``[[orders]]`` and participants, and their tables' names.
    extra: Mapping[str, frozenset[str]]
    #: A batch's event row, its kinds' fields and its creator row, with the plugins' kinds and keys.
    event: Section = EVENT
    kinds: Mapping[str, tuple[Field, ...]] = EVENT_KINDS
    creator_row: Section = CREATOR_ROW
    #: The tables events are summed into, by kind, and each kind's ``keyed`` (:class:`EventKind`).
    summed: Mapping[str, Section] = MappingProxyType({"tips": TIPS, "merchant_live": MERCHANT_LIVE})
    keyed: Mapping[str, tuple[str, str, str]] = MappingProxyType({})
    #: How an order without an amount is priced (a plugin's :class:`Pricing`), or None: never.
    pricing: Pricing | None = None

    def __getitem__(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

    @property
    def scenario(self) -> Section:
        return self["scenario"]


def _add(section: Section, more: tuple[Field, ...], owner: str) -> Section:
    """A section with a plugin's fields added; a name the section has already is the plugin's error."""
    taken = set(section.names) & {f.name for f in more}
    if taken:
        raise ValueError(f"{owner} declares {', '.join(sorted(taken))} in {section.heading}, a key it already has")
    return attrs.evolve(section, fields=(*section.fields, *more))


def _swap(section: Section, changed: Mapping[str, Section]) -> Section:
    """A section whose tables point at the changed sections (``orders`` at the extended ``[[orders]]``)."""
    found = tuple(
        attrs.evolve(f, section=changed[f.section.name]) if f.section is not None and f.section.name in changed else f
        for f in section.fields
    )
    return attrs.evolve(section, fields=found)


def schema(declared: Mapping[str, ScenarioFields]) -> Schema:
    """The scenario's sections with each plugin's fields (by plugin name) added; a key declared twice
    is a ValueError naming the plugin."""
    return _schema(tuple(sorted(declared.items())))


@functools.lru_cache(maxsize=16)
def _schema(declared: tuple[tuple[str, ScenarioFields], ...]) -> Schema:
    creator, orders, participant, scenario = CREATOR, ORDER, PARTICIPANT, SCENARIO
    tables: list[Section] = []
    kinds: list[EventKind] = []
    pricing: Pricing | None = None
    for owner, more in declared:
        if more.pricing is not None:
            if pricing is not None:
                raise ValueError(f"{owner} declares how an order is priced, which another plugin already does")
            pricing = more.pricing
            amount = attrs.evolve(orders["amount"], rules=(*orders["amount"].rules, *pricing.rules))
            found = tuple(amount if f.name == "amount" else f for f in orders.fields)
            orders = attrs.evolve(orders, fields=found, note=pricing.note or orders.note)
        creator = _add(creator, more.creator, owner)
        orders = _add(orders, more.orders, owner)
        participant = _add(participant, more.participants, owner)
        scenario = _add(scenario, more.tables, owner)
        tables += [f.section for f in more.tables if f.section is not None]
        kinds += more.kinds
    platform = attrs.evolve(
        PLATFORM,
        fields=(
            *PLATFORM.fields,
            *(attrs.evolve(f, required=False, default=None) for f in creator.fields[len(CREATOR.fields) :]),
        ),
    )
    changed = {"creator": creator, "orders": _swap(orders, {"participant": participant}), "participant": participant}
    changed["platform"] = platform
    ext = scenario["ext"]
    top = _swap(attrs.evolve(scenario, fields=(*(f for f in scenario.fields if f.name != "ext"), ext)), changed)
    sections = tuple(changed.get(s.name, top if s.name == "scenario" else s) for s in SECTIONS)
    extra = {
        "creator": frozenset(creator.names) - frozenset(CREATOR.names),
        "orders": frozenset(orders.names) - frozenset(ORDER.names),
        "participant": frozenset(participant.names) - frozenset(PARTICIPANT.names),
        "scenario": frozenset(scenario.names) - frozenset(SCENARIO.names),
    }
    own = {t.name: t for t in tables}
    summed = {"tips": TIPS, "merchant_live": MERCHANT_LIVE, **{k.table: own[k.table] for k in kinds}}
    events = {
        **{name: fields for name, fields in EVENT_KINDS.items() if name != "order"},
        **{k.table: (*(f for f in own[k.table].fields if f.name not in k.skip), *k.extra) for k in kinds},
        # an order event is an [[orders]] entry: with the plugins' order and participant keys
        "order": (EVENT_KINDS["order"][0], *changed["orders"].fields[1:]),
    }
    choices = (*KINDS[:-1], *(Choice(k.table, k.meaning) for k in kinds), KINDS[-1])
    event = attrs.evolve(EVENT, fields=(*EVENT.fields[:-1], attrs.evolve(EVENT["kind"], choices=choices)))
    return Schema(
        (*sections, *tables),
        MappingProxyType(extra),
        event,
        MappingProxyType(events),
        creator_row(creator, platform),
        MappingProxyType(summed),
        MappingProxyType({k.table: k.keyed for k in kinds if k.keyed is not None}),
        pricing,
    )


#: The scenario's sections with no plugin's fields.
CORE = schema({})


def installed() -> Schema:
    """The sections with the fields of every installed plugin (:func:`~creatorpay.core.plugins.installed_fields`):
    what the loader and the batch's readers read by when given no schema, so the built-in platforms'
    inputs (NetEase's ``[programs]``, ...) load without an engine at hand, as they always have."""
    from .plugins import installed_fields  # here: plugins imports this module

    return schema(installed_fields())


# -- readers ----------------------------------------------------------------------------------------

_Reader = Callable[[Checker, object, str], object]
_PLAIN: Mapping[str, _Reader] = MappingProxyType(
    {
        "amount": Checker.amount,
        "ratio": Checker.ratio,
        "id": Checker.ident,
        "text": Checker.text,
        "bool": Checker.boolean,
        "integer": Checker.count,
        "period": Checker.period,
    }
)


def reader(field: Field) -> _Reader:
    """The :class:`Checker` reader of a plain field: its type, its choices, a count's upper bound.

    A count's lower bound above 0 is checked by the loader, with its own message."""
    if field.type == "choice":
        return choice(*field.values)
    if field.type == "count":
        return count_to(field.maximum) if field.maximum is not None else Checker.count
    return _PLAIN[field.type]


#: What a :func:`plain` check returns for a value it does not take as written.
BAD: Any = object()
_Plain = Callable[[object], object]


def _plain_amount(value: object) -> object:
    if type(value) is not str or not PLAIN_AMOUNT.fullmatch(value):
        return BAD
    return Decimal(value)


def _plain_ratio(value: object) -> object:
    if type(value) is not str or not RATIO.fullmatch(value):
        return BAD
    number = Decimal(value)
    return number if number <= 1 else BAD


def _plain_bool(value: object) -> object:
    return value if type(value) is bool else BAD


def _plain_id(value: object) -> object:
    return value if type(value) is str and 0 < len(value) <= 128 and value.isprintable() else BAD


def _plain_text(value: object) -> object:
    return value if type(value) is str and len(value) <= 200 else BAD


def _plain_count(low: int, high: int) -> _Plain:
    def check(value: object) -> object:
        return value if type(value) is int and low <= value <= high else BAD

    return check


def _plain_choice(values: tuple[str, ...]) -> _Plain:
    allowed = frozenset(values)

    def check(value: object) -> object:
        return value if type(value) is str and value in allowed else BAD

    return check


def _plain_map(field: Field) -> _Plain:
    keys, read = frozenset(field.values), plain(Field(field.name, field.value or "amount", ""))

    def check(value: object) -> object:
        if type(value) is not dict or not value.keys() <= keys:
            return BAD
        found = {key: read(value[key]) for key in field.values if key in value}  # in the declared order
        return BAD if any(v is BAD for v in found.values()) else MappingProxyType(found)

    return check


def _never(value: object) -> object:
    return BAD


_PLAINS: Mapping[str, _Plain] = MappingProxyType(
    {"amount": _plain_amount, "ratio": _plain_ratio, "bool": _plain_bool, "id": _plain_id, "text": _plain_text}
)


def plain(field: Field) -> _Plain:
    """The batch fast paths' check of a field, made once per field (never per row): the value as the
    loader reads it (an amount as a Decimal, a map as a read-only table) when it is plainly valid,
    else :data:`BAD`, and the caller runs the loader, which names the problem or takes the value.

    Stricter than :func:`reader` (an amount with a leading zero, or of 13 digits, is left to the loader),
    never looser: what passes here the loader takes, value for value (CORE-INPUT-01)."""
    if field.type == "count":
        return _plain_count(field.minimum or 0, field.maximum if field.maximum is not None else 2**63 - 1)
    if field.type == "choice":
        return _plain_choice(field.values)
    if field.type == "map" and field.section is None:
        return _plain_map(field)
    return _PLAINS.get(field.type, _never)


def plains(section: Section) -> Mapping[str, _Plain]:
    """:func:`plain` of each field of a section, by name."""
    return MappingProxyType({f.name: plain(f) for f in section.fields})


def default(field: Field) -> object:
    """A field's default as the loader reads it (an amount as a Decimal), or None when it has none
    or it is given in words (``participants``: the scenario creator alone)."""
    if field.default is None:
        return None
    try:
        value = json.loads(field.default)
    except ValueError:
        return None
    return Decimal(value) if field.type == "amount" else value


def defaults(section: Section) -> Mapping[str, Any]:
    """The defaults of a section's fields that have one, by name."""
    found = {f.name: default(f) for f in section.fields}
    return MappingProxyType({name: value for name, value in found.items() if value is not None})


def names(section: Section, kind: str) -> tuple[str, ...]:
    """The names of a section's fields of one type, e.g. ``names(CREATOR, "bool")``."""
    return tuple(f.name for f in section.fields if f.type == kind)


__all__ = [
    "BAD",
    "CORE",
    "CREATOR",
    "CREATOR_ROW",
    "EVENT",
    "EVENT_KINDS",
    "FLAT_COLUMNS",
    "KINDS",
    "MCN",
    "MERCHANT_LIVE",
    "ORDER",
    "PARTICIPANT",
    "PLATFORM",
    "SCENARIO",
    "SECTIONS",
    "TAX",
    "TERMINATION",
    "TIPS",
    "TYPES",
    "Choice",
    "EventKind",
    "Field",
    "Pricing",
    "ScenarioFields",
    "Schema",
    "Section",
    "creator_row",
    "default",
    "defaults",
    "flat_columns",
    "installed",
    "names",
    "plain",
    "plains",
    "reader",
    "schema",
]
