"""The input model: one creator's month of work, loaded and checked per docs/scenario.md (schema 1).

Every class is frozen and slotted; :func:`load_scenario` is the only way in from untrusted data and
raises :class:`~creatorpay.core.errors.InputError` naming the file, the 0-based field path and what
was expected (CORE-INPUT-01).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, overload

import attrs

from . import fields
from .checks import Checker, choice, count_to, describe, join, parse_text, read_document
from .errors import InputError
from .money import ZERO

STAGES = fields.ORDER["stage"].values
TASKS = fields.ORDER["task"].values
APPS = fields.ORDER["app"].values
ROLES = fields.PARTICIPANT["role"].values
GROWTH_STAGES = fields.CREATOR["growth_stage"].values
TAX_METHODS = fields.TAX["method"].values
PRICE_BANDS = fields.CREATOR["price_card"].values
SCENES = fields.PROGRAMS["plays_by_scene"].values
#: The largest value of each count (CORE-INPUT-01; why each: :mod:`~creatorpay.core.fields`), so that
#: nothing derived from one grows without end. ``months_with_income`` is bounded by the period instead.
COUNT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        f.name: f.maximum
        for section in (fields.CREATOR, fields.TIPS, fields.ORDER, fields.MERCHANT_LIVE)
        for f in section.fields
        if f.type == "count" and f.maximum is not None
    }
)
#: CN-TAX-02 needs ``months_with_income`` from this month on.
CUMULATIVE_TAX_FROM = dt.date(2025, 10, 1)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_COUNT = {key: count_to(limit) for key, limit in COUNT_LIMITS.items()}


@attrs.frozen(order=True)
class Period:
    """A calendar month; settled under the rules in force on its first day (CORE-DATE-01)."""

    year: int
    month: int

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """``Period.parse("2026-10")``; raises ValueError for anything but a real month."""
        found = Checker("period").period(text, "period")
        if found is None:
            raise ValueError(f"not a month YYYY-MM: {text!r}")
        return cls(*found)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@attrs.frozen
class Creator:
    """``[creator]``: the creator whose statement this is."""

    id: str
    followers: int
    original: bool = True
    harmful: bool = False
    quality: bool = False
    xingtu_beta: bool = False
    xingtu_registered: bool = False
    growth_stage: str | None = None
    co_creations_this_month: int = 0
    new_anchor: bool = False
    polaris: bool = False
    price_card: Mapping[str, Decimal] = _EMPTY


@attrs.frozen
class Mcn:
    """``[mcn]``: the MCN agreement of CORE-MCN-01."""

    name: str
    share: Decimal


@attrs.frozen
class Tax:
    """``[tax]``: the tax profile used by the cn_tax plugin (CN-TAX-*, CN-VAT-01)."""

    method: str = "none"
    months_with_income: int | None = None
    ytd_income: Decimal = ZERO
    ytd_withheld: Decimal = ZERO


@attrs.frozen
class Participant:
    """One creator in an order, with the amount agreed among the participants (XT-ORD-02)."""

    creator: str
    role: str
    agreed: Decimal
    xingtu_beta: bool | None = None
    xingtu_registered: bool | None = None


@attrs.frozen
class Termination:
    """Who ended an order early (a participant's id or ``client``) and why (CORE-ORD-01)."""

    by: str
    reason: str = ""


@attrs.frozen
class Order:
    """``[[orders]]``: a brand order. ``amount`` is resolved from the price card when absent."""

    id: str
    amount: Decimal
    stage: str
    task: str = "assigned"
    video_seconds: int | None = None
    co_creation: bool = False
    app: str = "douyin"
    off_platform: bool = False
    review_failed: bool = False
    termination: Termination | None = None
    participants: tuple[Participant, ...] = ()
    #: The price-card band that gave the amount (XT-PRICE-01), or None when the amount was given.
    priced_band: str | None = None

    @property
    def main(self) -> Participant | None:
        """The first participant with role ``main``."""
        return next((p for p in self.participants if p.role == "main"), None)

    @property
    def co_creators(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role == "co_creator")

    def participant(self, creator: str) -> Participant | None:
        return next((p for p in self.participants if p.creator == creator), None)

    @property
    def paid_now(self) -> bool:
        """Published and not terminated: the order pays this month (CORE-ORD-02)."""
        return self.stage == "published" and self.termination is None


@attrs.frozen
class Tips:
    """``[tips]``: live tipping received in the month, gross (WC-TIP-01)."""

    yuan: Decimal = ZERO
    beans_android: int = 0
    beans_ios: int = 0


@attrs.frozen
class Programs:
    """``[programs]``: creator-program income (NE-BASE-02). ``plays`` is the sum over scenes."""

    campaign: Decimal = ZERO
    leaderboard: Decimal = ZERO
    plays: Decimal = ZERO
    plays_by_scene: Mapping[str, Decimal] = _EMPTY


@attrs.frozen
class MerchantLive:
    """``[merchant_live]``: the creator's own merchant live streams (WC-MERCH-01, WC-PRIV-01)."""

    sales: Decimal = ZERO
    private_users: int = 0


@attrs.frozen
class PlatformValues:
    """``[platform.<name>]``: creator keys and tax keys that differ on one platform."""

    creator: Mapping[str, Any] = _EMPTY
    tax: Mapping[str, Any] = _EMPTY


@attrs.frozen
class Scenario:
    """One creator's month, settled on every platform (docs/scenario.md, schema 1)."""

    period: Period
    creator: Creator
    schema: int = 1
    name: str | None = None
    mcn: Mcn | None = None
    tax: Tax = Tax()
    orders: tuple[Order, ...] = ()
    tips: Tips | None = None
    programs: Programs | None = None
    merchant_live: MerchantLive | None = None
    platform: Mapping[str, PlatformValues] = _EMPTY
    ext: Mapping[str, Mapping[str, Any]] = _EMPTY
    #: Where the scenario came from, for reports and error messages.
    source: str = "<scenario>"

    def for_platform(self, name: str) -> Scenario:
        """This scenario as one platform sees it, with its ``[platform.<name>]`` values applied."""
        values = self.platform.get(name)
        if values is None:
            return self
        return attrs.evolve(
            self,
            creator=attrs.evolve(self.creator, **values.creator),
            tax=attrs.evolve(self.tax, **values.tax),
        )

    def to_dict(self) -> dict[str, Any]:
        """The scenario as SCENARIO.md writes it (amounts as decimal strings, so it prints as JSON or
        TOML): ``load_scenario(s.to_dict(), source=s.source) == s``. An order priced from the price
        card (XT-PRICE-01) is written without its amount, so it is priced again."""
        data: dict[str, Any] = {"schema": self.schema}
        if self.name is not None:
            data["name"] = self.name
        data["period"] = str(self.period)
        data["creator"] = {"id": self.creator.id, **_creator_dict(attrs.asdict(self.creator, recurse=False))}
        if self.mcn is not None:
            data["mcn"] = {"name": self.mcn.name, "share": str(self.mcn.share)}
        data["tax"] = _tax_dict(attrs.asdict(self.tax, recurse=False))
        if self.orders:
            data["orders"] = [_order_dict(order) for order in self.orders]
        if self.tips is not None:
            data["tips"] = {
                "yuan": str(self.tips.yuan),
                "beans_android": self.tips.beans_android,
                "beans_ios": self.tips.beans_ios,
            }
        if self.programs is not None:
            programs = self.programs
            data["programs"] = {"campaign": str(programs.campaign), "leaderboard": str(programs.leaderboard)}
            if programs.plays_by_scene:
                data["programs"]["plays_by_scene"] = {k: str(v) for k, v in programs.plays_by_scene.items()}
            else:
                data["programs"]["plays"] = str(programs.plays)
        if self.merchant_live is not None:
            data["merchant_live"] = {
                "sales": str(self.merchant_live.sales),
                "private_users": self.merchant_live.private_users,
            }
        if self.platform:
            data["platform"] = {
                name: {**_creator_dict(values.creator), **({"tax": _tax_dict(values.tax)} if values.tax else {})}
                for name, values in self.platform.items()
            }
        if self.ext:
            data["ext"] = {name: dict(section) for name, section in self.ext.items()}
        return data

    @property
    def activities(self) -> tuple[str, ...]:
        """The activities present, as named in the rulebook's activity table: orders, tips, programs, ..."""
        present = {
            "orders": bool(self.orders),
            "tips": self.tips is not None,
            "programs": self.programs is not None,
            "merchant_live": self.merchant_live is not None,
        }
        return tuple(name for name, here in present.items() if here)


def _creator_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    """``[creator]`` keys (or a platform's) as written: amounts as text, ``None`` left out, no ``id``."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if key == "id" or value is None:
            continue
        found[key] = {band: str(price) for band, price in value.items()} if key == "price_card" else value
    return found


def _tax_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    """``[tax]`` keys as written: amounts as text, ``None`` left out."""
    return {
        key: str(value) if isinstance(value, Decimal) else value for key, value in values.items() if value is not None
    }


def _order_dict(order: Order) -> dict[str, Any]:
    """One ``[[orders]]`` table as written; a priced order gives its video length, not its amount."""
    found: dict[str, Any] = {"id": order.id}
    if order.priced_band is None:
        found["amount"] = str(order.amount)
    if order.video_seconds is not None:
        found["video_seconds"] = order.video_seconds
    found.update(
        task=order.task,
        stage=order.stage,
        co_creation=order.co_creation,
        app=order.app,
        off_platform=order.off_platform,
        review_failed=order.review_failed,
    )
    if order.termination is not None:
        found["termination"] = {"by": order.termination.by, "reason": order.termination.reason}
    if order.participants:
        found["participants"] = [
            {
                "creator": p.creator,
                "role": p.role,
                "agreed": str(p.agreed),
                **{
                    k: v
                    for k, v in (("xingtu_beta", p.xingtu_beta), ("xingtu_registered", p.xingtu_registered))
                    if v is not None
                },
            }
            for p in order.participants
        ]
    return found


# -- loading ---------------------------------------------------------------------------------------

_TOP = fields.SCENARIO.names
_CREATOR = fields.CREATOR.names
_TAX = fields.TAX.names
_ORDER = fields.ORDER.names
_PARTICIPANT = fields.PARTICIPANT.names
_ORDER_FLAGS = fields.names(fields.ORDER, "bool")
#: The defaults the loader gives a key left out, from the definitions.
_ORDER_DEFAULTS = fields.defaults(fields.ORDER)
_TIPS_DEFAULTS = fields.defaults(fields.TIPS)
_PROGRAMS_DEFAULTS = fields.defaults(fields.PROGRAMS)
_MERCHANT_DEFAULTS = fields.defaults(fields.MERCHANT_LIVE)
_TERMINATION_DEFAULTS = fields.defaults(fields.TERMINATION)
#: XT-PRICE-01's bands start at 1 s.
_SHORTEST = fields.ORDER["video_seconds"].minimum or 1
#: The readers of the plain ``[creator]`` keys (flags, counts, growth stage), from their definitions.
_CREATOR_READERS: Mapping[str, Callable[[Checker, object, str], object]] = MappingProxyType(
    {f.name: fields.reader(f) for f in fields.CREATOR.fields if f.type in ("bool", "count", "choice")}
)


@overload
def load_scenario(data: str | Path | Mapping[str, Any], *, source: str | None = None) -> Scenario: ...


@overload
def load_scenario(*, text: str, format: Literal["toml", "json"], source: str | None = None) -> Scenario: ...


def load_scenario(
    data: str | Path | Mapping[str, Any] | None = None,
    *,
    text: str | None = None,
    format: Literal["toml", "json"] | None = None,
    source: str | None = None,
) -> Scenario:
    """Load and check a scenario: ``load_scenario(path_or_mapping)`` or ``load_scenario(text=..., format=...)``.

    ``data`` is a path (a ``str`` is always a path, never guessed to be text; TOML unless it ends in
    ``.json``) or an already parsed mapping, whose amounts may also be ``Decimal`` or ``int`` (not
    float or bool), as :meth:`Scenario.to_dict` and Python code write them. ``text`` is a TOML or
    JSON document, read exactly as a file of that format (amounts as decimal strings). ``source``
    names the input in error messages. Raises :class:`InputError` naming each field at fault
    (CORE-INPUT-01); TypeError or ValueError for a call that gives neither or both.

    >>> load_scenario({"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 0}}).period
    Period(year=2026, month=10)
    """
    if text is not None or format is not None:
        if data is not None:
            raise TypeError("load_scenario takes a path or mapping, or text= with format=, not both")
        if not isinstance(text, str):
            raise TypeError(f"load_scenario(text=...) takes a str, not {type(text).__name__}")
        if format not in ("toml", "json"):
            raise ValueError(f'load_scenario(text=...) needs format="toml" or format="json", not {format!r}')
        name = source or f"<{format} text>"
        return _build(_parse_text(text, format, name), name)
    if isinstance(data, str | Path):
        path = Path(data)
        return _build(read_document(path), source or str(path))
    if not isinstance(data, Mapping):
        raise TypeError(f"load_scenario takes a path, a mapping or text=, not {type(data).__name__}")
    name = source or "<scenario>"
    try:
        return _build(data, name)
    except InputError:
        plain = _amounts_as_text(data)  # only now: the files' and batch's string amounts pay nothing
        if plain == data:
            raise
    return _build(plain, name)


def _parse_text(text: str, format: str, source: str) -> Mapping[str, Any]:
    """A TOML or JSON document given as text, parsed as :func:`read_document` parses a file."""
    from .files import MAX_DOCUMENT  # here: files imports tempfile, which a mapping never needs

    if len(text) > MAX_DOCUMENT:
        raise InputError.one(source, "", f"longer than {MAX_DOCUMENT:,} characters, the limit of a document")
    return parse_text(text, format, source)


#: Keys whose value is an amount or ratio, and tables whose every value is an amount.
_AMOUNT_KEYS = frozenset(
    {"amount", "agreed", "ytd_income", "ytd_withheld", "yuan", "campaign", "leaderboard", "plays", "sales", "share"}
)
_AMOUNT_TABLES = frozenset({"price_card", "plays_by_scene"})


def _amounts_as_text(value: Any, amount: bool = False) -> Any:
    """A Python mapping's ``Decimal`` and ``int`` amounts as the decimal strings the checks read;
    a float, a bool or an inexact value is left for the checks to refuse. ``[ext]`` is the plugins'."""
    if isinstance(value, Mapping):
        table: dict[Any, Any] = {}
        for key, item in value.items():
            if key == "ext":
                table[key] = item
            elif key in _AMOUNT_TABLES and isinstance(item, Mapping):
                table[key] = {band: _amounts_as_text(price, True) for band, price in item.items()}
            else:
                table[key] = _amounts_as_text(item, key in _AMOUNT_KEYS)
        return table
    if isinstance(value, list | tuple):
        return [_amounts_as_text(item) for item in value]
    if amount and isinstance(value, Decimal) and value.is_finite() and int(value.as_tuple().exponent) >= -2:
        return f"{value:f}"
    if amount and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _build(data: Mapping[str, Any], source: str) -> Scenario:
    c = Checker(source)
    top = c.table(data, "")
    c.raise_if_any()
    assert top is not None
    c.unknown_keys(top, _TOP, "")
    schema = c.get(top, "schema", "", Checker.count, required=True)
    if schema is not None and schema != 1:
        c.fail("schema", f"expected 1 (the only schema this version reads), found {describe(schema)}")
    name = c.get(top, "name", "", Checker.text)
    found = c.get(top, "period", "", Checker.period, required=True)
    period = Period(*found) if found else None

    creator_table = c.get(top, "creator", "", Checker.table, required=True)
    creator = _creator(c, creator_table, "creator") if creator_table is not None else None
    mcn = _mcn(c, top["mcn"]) if "mcn" in top else None
    tax = _tax(c, top.get("tax", {}), "tax", period)
    orders = _orders(c, top.get("orders", []), creator, source)
    tips = _tips(c, top["tips"]) if "tips" in top else None
    programs = _programs(c, top["programs"]) if "programs" in top else None
    merchant = _merchant(c, top["merchant_live"]) if "merchant_live" in top else None
    platform = _platform_values(c, top.get("platform", {}), period, tax)
    ext: Mapping[str, Mapping[str, Any]] = _EMPTY
    if "ext" in top:
        ext_table = c.table(top["ext"], "ext") or {}
        ext = MappingProxyType({k: v for k, v in ext_table.items() if c.table(v, join("ext", k)) is not None})
    c.raise_if_any()
    assert period is not None and creator is not None and tax is not None
    return Scenario(
        period=period,
        creator=creator,
        schema=1,
        name=name,
        mcn=mcn,
        tax=tax,
        orders=orders,
        tips=tips,
        programs=programs,
        merchant_live=merchant,
        platform=platform,
        ext=ext,
        source=source,
    )


def _creator_values(c: Checker, table: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The ``[creator]`` keys present in ``table`` (but ``id``), checked; shared with overrides."""
    values: dict[str, Any] = {}
    for key, read in _CREATOR_READERS.items():
        if key in table:
            values[key] = read(c, table[key], join(path, key))
    if "price_card" in table:
        card = c.table(table["price_card"], join(path, "price_card"))
        if card is not None:
            c.unknown_keys(card, PRICE_BANDS, join(path, "price_card"))
            values["price_card"] = MappingProxyType(
                {band: c.amount(card[band], join(path, f"price_card.{band}")) for band in PRICE_BANDS if band in card}
            )
    return values


def _creator(c: Checker, table: Mapping[str, Any], path: str) -> Creator | None:
    c.unknown_keys(table, _CREATOR, path)
    ident = c.get(table, "id", path, Checker.ident, required=True)
    if "followers" not in table:
        c.fail(join(path, "followers"), "required key is missing")
    values = _creator_values(c, table, path)
    if ident is None or any(v is None for v in values.values()) or "followers" not in values:
        return None
    return Creator(id=ident, **values)


def _mcn(c: Checker, raw: object) -> Mcn | None:
    table = c.table(raw, "mcn")
    if table is None:
        return None
    c.unknown_keys(table, fields.MCN.names, "mcn")
    name = c.get(table, "name", "mcn", Checker.text, required=True)
    share = c.get(table, "share", "mcn", Checker.ratio, required=True)
    return Mcn(name, share) if name is not None and share is not None else None


def _tax_values(c: Checker, table: Mapping[str, Any], path: str, period: Period | None) -> dict[str, Any]:
    """The ``[tax]`` keys present in ``table``, checked; ``months_with_income`` counts this month,
    so it is from 1 to the period's month number (CORE-INPUT-01: 10 in 2025-10)."""
    readers: dict[str, Callable[[Checker, object, str], object]] = {
        "method": choice(*TAX_METHODS),
        "ytd_income": Checker.amount,
        "ytd_withheld": Checker.amount,
        "months_with_income": Checker.count,
    }
    values = {key: read(c, table[key], join(path, key)) for key, read in readers.items() if key in table}
    months = values.get("months_with_income")
    last = period.month if period is not None else 12
    if isinstance(months, int) and not 1 <= months <= last:
        why = f" (it counts this month, and the period is {period})" if period is not None else ""
        c.fail(
            join(path, "months_with_income"),
            f"expected a count from 1 to {last}{why}, found "
            f"{describe(months).removeprefix('the number ')} (CORE-INPUT-01)",
        )
    return values


def _tax(c: Checker, raw: object, path: str, period: Period | None) -> Tax | None:
    table = c.table(raw, path)
    if table is None:
        return None
    c.unknown_keys(table, _TAX, path)
    values = _tax_values(c, table, path, period)
    if any(v is None for v in values.values()):
        return None
    tax = Tax(**values)
    _cumulative(c, tax, path, period)
    return tax


def _cumulative(c: Checker, tax: Tax, path: str, period: Period | None) -> None:
    """CN-TAX-02: the platform's withholding needs ``months_with_income`` from 2025-10."""
    if (
        tax.method == "platform"
        and tax.months_with_income is None
        and period is not None
        and period.first_day >= CUMULATIVE_TAX_FROM
    ):
        c.fail(
            join(path, "months_with_income"),
            f'required with method = "platform" from 2025-10 (CN-TAX-02), period is {period}',
        )


def _orders(c: Checker, raw: object, creator: Creator | None, source: str) -> tuple[Order, ...]:
    if not isinstance(raw, list):
        c.fail("orders", "expected a list of tables ([[orders]])")
        return ()
    orders: list[Order] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = join("orders", index)
        order = _order(c, item, path, creator)
        if order is None:
            continue
        if order.id in seen:
            c.fail(join(path, "id"), f"expected an id unique in the scenario, {order.id!r} is repeated")
        seen.add(order.id)
        orders.append(order)
    return tuple(orders)


def _order(c: Checker, raw: object, path: str, creator: Creator | None) -> Order | None:
    table = c.table(raw, path)
    if table is None:
        return None
    before = len(c.problems)
    c.unknown_keys(table, _ORDER, path)
    ident = c.get(table, "id", path, Checker.ident, required=True)
    amount = c.get(table, "amount", path, Checker.amount)
    seconds = c.get(table, "video_seconds", path, _COUNT["video_seconds"])
    if seconds is not None and seconds < _SHORTEST:
        c.fail(join(path, "video_seconds"), f"expected a whole number >= {_SHORTEST}, found {seconds}")
    stage = c.get(table, "stage", path, choice(*STAGES), required=True)
    task = c.get(table, "task", path, choice(*TASKS), _ORDER_DEFAULTS["task"])
    app = c.get(table, "app", path, choice(*APPS), _ORDER_DEFAULTS["app"])
    flags = {key: c.get(table, key, path, Checker.boolean, _ORDER_DEFAULTS[key]) for key in _ORDER_FLAGS}
    termination = _termination(c, table["termination"], join(path, "termination")) if "termination" in table else None
    band = None
    if amount is None and "amount" not in table:
        band, amount = _priced(c, seconds, creator, path)
    participants: tuple[Participant, ...] = ()
    if "participants" in table:
        participants = _participants(c, table["participants"], join(path, "participants"))
    elif creator is not None and amount is not None:
        participants = (Participant(creator.id, "main", amount),)
    if termination is not None and stage == "settled":
        c.fail(join(path, "termination"), "a settled order cannot be terminated (CORE-ORD-02)")
    if (
        termination is not None
        and termination.by != "client"
        and participants
        and all(p.creator != termination.by for p in participants)
    ):
        c.fail(join(path, "termination.by"), f'expected "client" or a participant\'s id, found {termination.by!r}')
    if len(c.problems) > before:
        return None
    assert ident is not None and amount is not None and stage is not None
    return Order(
        id=ident,
        amount=amount,
        stage=stage,
        task=task or "assigned",
        video_seconds=seconds,
        app=app or "douyin",
        termination=termination,
        participants=participants,
        priced_band=band,
        **{k: bool(v) for k, v in flags.items()},
    )


def _priced(c: Checker, seconds: int | None, creator: Creator | None, path: str) -> tuple[str | None, Decimal | None]:
    """XT-PRICE-01: the price of the order's video-length band from the creator's price card."""
    if seconds is None:
        c.fail(
            join(path, "amount"),
            "required key is missing (or give video_seconds and a [creator] price_card band, XT-PRICE-01)",
        )
        return None, None
    band = price_band(seconds)
    price = creator.price_card.get(band) if creator is not None else None
    if price is None:
        c.fail(
            join(path, "amount"), f"no amount and no creator.price_card.{band} for a {seconds} s video (XT-PRICE-01)"
        )
        return None, None
    return band, price


def price_band(seconds: int) -> str:
    """The XT-PRICE-01 band of a video length: 1-20 s, 21-60 s, over 60 s."""
    if seconds <= 20:
        return "s1_20"
    return "s21_60" if seconds <= 60 else "s60_plus"


def _termination(c: Checker, raw: object, path: str) -> Termination | None:
    table = c.table(raw, path)
    if table is None:
        return None
    c.unknown_keys(table, fields.TERMINATION.names, path)
    by = c.get(table, "by", path, Checker.ident, required=True)
    reason = c.get(table, "reason", path, Checker.text, _TERMINATION_DEFAULTS["reason"])
    return Termination(by, reason or "") if by is not None else None


def _participants(c: Checker, raw: object, path: str) -> tuple[Participant, ...]:
    if not isinstance(raw, list) or not raw:
        c.fail(path, "expected a non-empty list of participant tables")
        return ()
    found: list[Participant] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = join(path, index)
        table = c.table(item, where)
        if table is None:
            continue
        c.unknown_keys(table, _PARTICIPANT, where)
        creator = c.get(table, "creator", where, Checker.ident, required=True)
        role = c.get(table, "role", where, choice(*ROLES), required=True)
        agreed = c.get(table, "agreed", where, Checker.amount, required=True)
        beta = c.get(table, "xingtu_beta", where, Checker.boolean)
        registered = c.get(table, "xingtu_registered", where, Checker.boolean)
        if creator in seen:
            c.fail(join(where, "creator"), f"expected each creator once per order, {creator!r} is repeated")
        if creator is not None and role is not None and agreed is not None:
            seen.add(creator)
            found.append(Participant(creator, role, agreed, beta, registered))
    return tuple(found)


def _tips(c: Checker, raw: object) -> Tips | None:
    table = c.table(raw, "tips")
    if table is None:
        return None
    c.unknown_keys(table, fields.TIPS.names, "tips")
    yuan = c.get(table, "yuan", "tips", Checker.amount, _TIPS_DEFAULTS["yuan"])
    android = c.get(table, "beans_android", "tips", _COUNT["beans_android"], _TIPS_DEFAULTS["beans_android"])
    ios = c.get(table, "beans_ios", "tips", _COUNT["beans_ios"], _TIPS_DEFAULTS["beans_ios"])
    if yuan is None or android is None or ios is None:
        return None
    return Tips(yuan, android, ios)


def _programs(c: Checker, raw: object) -> Programs | None:
    table = c.table(raw, "programs")
    if table is None:
        return None
    c.unknown_keys(table, fields.PROGRAMS.names, "programs")
    campaign = c.get(table, "campaign", "programs", Checker.amount, _PROGRAMS_DEFAULTS["campaign"])
    leaderboard = c.get(table, "leaderboard", "programs", Checker.amount, _PROGRAMS_DEFAULTS["leaderboard"])
    plays = c.get(table, "plays", "programs", Checker.amount, _PROGRAMS_DEFAULTS["plays"])
    scenes: Mapping[str, Decimal] = _EMPTY
    if "plays_by_scene" in table:
        if "plays" in table:
            c.fail("programs.plays_by_scene", "give either plays or plays_by_scene, not both")
        by_scene = c.table(table["plays_by_scene"], "programs.plays_by_scene") or {}
        for scene in by_scene:
            if scene not in SCENES:
                c.fail(
                    f"programs.plays_by_scene.{scene}",
                    f"unknown scene; the nine NetEase scenes (NE-DIST-01) are: {', '.join(SCENES)}",
                )
        read = {s: c.amount(v, f"programs.plays_by_scene.{s}") for s, v in by_scene.items()}
        if all(v is not None for v in read.values()) and set(read) <= set(SCENES):
            scenes = MappingProxyType({s: v for s, v in read.items() if v is not None})
            plays = sum(scenes.values(), ZERO)
    if campaign is None or leaderboard is None or plays is None:
        return None
    return Programs(campaign, leaderboard, plays, scenes)


def _merchant(c: Checker, raw: object) -> MerchantLive | None:
    table = c.table(raw, "merchant_live")
    if table is None:
        return None
    c.unknown_keys(table, fields.MERCHANT_LIVE.names, "merchant_live")
    sales = c.get(table, "sales", "merchant_live", Checker.amount, _MERCHANT_DEFAULTS["sales"])
    users = c.get(table, "private_users", "merchant_live", _COUNT["private_users"], _MERCHANT_DEFAULTS["private_users"])
    return MerchantLive(sales, users) if sales is not None and users is not None else None


def _platform_values(c: Checker, raw: object, period: Period | None, top: Tax | None) -> Mapping[str, PlatformValues]:
    """``[platform.<name>]`` tables; each platform's tax (``[tax]`` with its own keys over it) is
    checked as ``[tax]`` is (CN-TAX-02, CORE-INPUT-01)."""
    table = c.table(raw, "platform")
    if table is None:
        return _EMPTY
    result: dict[str, PlatformValues] = {}
    for name, section in table.items():
        path = join("platform", name)
        values = c.table(section, path)
        if values is None:
            continue
        c.unknown_keys(values, fields.PLATFORM.names, path)
        creator = _creator_values(c, values, path)
        tax: dict[str, Any] = {}
        if "tax" in values:
            tax_table = c.table(values["tax"], join(path, "tax"))
            if tax_table is not None:
                c.unknown_keys(tax_table, _TAX, join(path, "tax"))
                tax = _tax_values(c, tax_table, join(path, "tax"), period)
                if top is not None and all(v is not None for v in tax.values()):
                    _cumulative(c, attrs.evolve(top, **tax), join(path, "tax"), period)
        result[name] = PlatformValues(MappingProxyType(creator), MappingProxyType(tax))
    return MappingProxyType(result)


__all__ = [
    "COUNT_LIMITS",
    "Creator",
    "InputError",
    "Mcn",
    "MerchantLive",
    "Order",
    "Participant",
    "Period",
    "PlatformValues",
    "Programs",
    "Scenario",
    "Tax",
    "Termination",
    "Tips",
    "load_scenario",
    "price_band",
]
