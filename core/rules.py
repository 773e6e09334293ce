"""Rule files: each rule's parameters, versions by effective date, label and source.

A plugin ships one TOML rule file; a user's override file changes parameters without code. Both are
data, never code. Settling a month uses the versions in force on its first day (CORE-DATE-01).

Rule file shape::

    [sources]                                # short key -> the full citation a reader can look up
    wechat-2022 = 'WeChat Channels (视频号) creator conference, "..." (2022-01-06)'

    [rules."WC-TIP-03"]
    title = "Commission-free threshold"
    label = "interpretation"                 # source | interpretation | unverified | operator-set
    source = "{wechat-2022}, incentive plan"  # {key}: replaced by the [sources] citation when loaded
    params.threshold = { type = "amount" }
    params.mode = { type = "choice", choices = ["cliff", "marginal"] }

    [[rules."WC-TIP-03".versions]]
    effective_from = 2022-02-01             # optional effective_to, the last day in force
    threshold = "5000.00"
    mode = "cliff"

A rule's ``source`` is text in which each ``{key}`` names an entry of the file's ``[sources]``
table; loading replaces it by the full citation (publisher, document, date), so ``rules show``,
``explain`` and docs/rules.md print a title a reader can find. Every entry must be cited.

A version may carry its own ``label`` when it is weaker than the rule's (a figure continued past what
its source covers is ``unverified``). A parameter declared but absent from a version is *unset*
(operator-set figures no source gives).
Types: amount, ratio, decimal (strings), count, bool, choice (with ``choices``), text, date, the
lists amounts and ratios (arrays of decimal strings, e.g. a tax table's brackets), and texts (an
array of strings, each non-empty and given once, e.g. the apps a rule allows).

Constraints a value must meet, declared beside the type and checked when a rule file or an override
file loads, so a value that would break settling is refused up front (``creatorpay rules validate``)::

    params.beans = { type = "count", min = 1 }            # min, max: bounds (inclusive); of each item of a list
    params.tops = { type = "amounts", positive = true, increasing = true }   # above 0; each above the last
    params.rates = { type = "ratios", length = { of = "tops", plus = 1 } }   # one item more than tops
    params.high = { type = "count", above = "low" }       # above another parameter of the same version

What data cannot say (e.g. a tax table's quick deductions against its rates) a plugin checks in its
``creatorpay_check_rules`` hook, called on every version of its rules as they load and after overrides.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from .cache import built, parse_rules, read_rules
from .checks import Checker, describe, join
from .errors import PluginError, RuleFileError
from .model import attrs_repr
from .statement import LABELS, Label, is_label, weakest

if TYPE_CHECKING:
    from .files import StrPath

PARAM_TYPES = ("amount", "ratio", "decimal", "count", "bool", "choice", "text", "date", "amounts", "ratios", "texts")
_NUMBERS = ("amount", "ratio", "decimal", "count", "amounts", "ratios")
_LISTS = ("amounts", "ratios")
_SPEC_KEYS = ("type", "choices", "label", "doc", "min", "max", "positive", "increasing", "length", "above")
# The patterns below are texts, compiled by re on first use and kept in its cache: they check rule
# files, and a warm start builds its rule books from checked records without them (compiling the four
# at import was 0.4% of a ``creatorpay compare``, docs/performance.md).
#: A rule ID, e.g. ``XT-CC-02``.
RULE_ID = r"[A-Z]+-[A-Z]+-[0-9]{2}\Z"
#: A key of a rule file's [sources] table, e.g. ``xingtu-cocreation`` or ``sat-2018-61``.
SOURCE_KEY = r"[a-z0-9]+(-[a-z0-9]+)*\Z"
#: A citation in a rule's source text: ``{key}``.
_CITE = r"\{([^{}]*)\}"
#: A decimal in ASCII digits only, nothing around it (CORE-INPUT-01: "１.５" or a trailing newline is refused).
_DECIMAL = r"[0-9]+(\.[0-9]+)?\Z"
_T = TypeVar("_T")

#: A check of one rule version beyond what its parameters declare: records problems on the checker,
#: each under ``path`` (the version's place in the rule file, or its rule in an override file).
VersionCheck = Callable[["RuleVersion", Checker, str], None]


@attrs.frozen
class ParamSpec:
    """A parameter's declared type, and its own label when it differs from the rule's."""

    __repr__ = attrs_repr

    name: str
    type: str
    choices: tuple[str, ...] = ()
    label: Label | None = None
    doc: str = ""
    #: Bounds (inclusive) of a number, or of each item of a list.
    min: Decimal | None = None
    max: Decimal | None = None
    #: Above zero (of each item of a list).
    positive: bool = False
    #: A list whose items each are above the one before.
    increasing: bool = False
    #: A list with as many items as the list parameter ``length_of``, plus ``length_plus``.
    length_of: str | None = None
    length_plus: int = 0
    #: Above this other parameter of the same version, when both are set.
    above: str | None = None

    def read(self, checker: Checker, value: object, path: str) -> object:
        """Check ``value`` against the declared type and bounds; returns the typed value or None."""
        typed = self._typed(checker, value, path)
        if typed is None:
            return None
        if isinstance(typed, tuple) and self.type != "texts":  # a list of numbers (_LISTS): bounds and order
            ok = all([self._bounded(checker, item, join(path, index)) for index, item in enumerate(typed)])
            if self.increasing:
                for index, (before, after) in enumerate(itertools.pairwise(typed), 1):
                    if after <= before:
                        checker.fail(
                            join(path, index),
                            f"expected each item above the one before{self._why()}, found {after} after {before}",
                        )
                        ok = False
                        break
            return typed if ok else None
        if self.type in _NUMBERS and isinstance(typed, Decimal | int):
            return typed if self._bounded(checker, typed, path) else None
        return typed

    def _bounded(self, checker: Checker, value: Decimal | int, path: str) -> bool:
        """Whether ``value`` meets ``min``, ``max`` and ``positive``; records the problem if not."""
        if self.positive and value <= 0:
            checker.fail(path, f"expected a value above 0{self._why()}, found {value}")
            return False
        if self.min is not None and value < self.min:
            checker.fail(path, f"expected a value of at least {self.min}{self._why()}, found {value}")
            return False
        if self.max is not None and value > self.max:
            checker.fail(path, f"expected a value of at most {self.max}{self._why()}, found {value}")
            return False
        return True

    def _why(self) -> str:
        return f" ({self.doc})" if self.doc else ""

    def _typed(self, checker: Checker, value: object, path: str) -> object:
        """``value`` read as the declared type, or None after recording a problem."""
        if self.type in _LISTS:  # a list, e.g. a tax table's bracket limits
            if not isinstance(value, list) or not value:
                checker.fail(path, f"expected a non-empty list of decimal strings, found {describe(value)}")
                return None
            read = checker.amount if self.type == "amounts" else checker.ratio
            items = [read(item, join(path, index)) for index, item in enumerate(value)]
            return None if any(item is None for item in items) else tuple(items)
        if self.type == "amount":
            return checker.amount(value, path)
        if self.type == "ratio":
            return checker.ratio(value, path)
        if self.type == "decimal":
            if isinstance(value, str) and re.match(_DECIMAL, value):
                return Decimal(value)
            checker.fail(path, f'expected a decimal string such as "1.5", found {describe(value)}')
            return None
        if self.type == "count":
            return checker.count(value, path)
        if self.type == "bool":
            return checker.boolean(value, path)
        if self.type == "date":
            return checker.date(value, path)
        if self.type == "choice":
            if value in self.choices:
                return value
            checker.fail(path, f"expected one of {', '.join(self.choices)}, found {describe(value)}")
            return None
        # text, or texts: a list of strings, e.g. the apps a rule allows
        return _texts(checker, value, path) if self.type == "texts" else checker.text(value, path, limit=500)


@attrs.frozen
class RuleVersion:
    """One version of a rule, in force from ``effective_from`` to ``effective_to`` (inclusive)."""

    __repr__ = attrs_repr

    rule: Rule = attrs.field(repr=False)
    effective_from: dt.date
    effective_to: dt.date | None
    params: Mapping[str, Any]
    #: Parameters whose value came from a user's override file.
    overridden: frozenset[str] = frozenset()
    #: The version's own label when it is weaker than the rule's (e.g. NetEase's program continued
    #: past its announced year as ``unverified``); None: the rule's.
    version_label: Label | None = None
    #: Values derived from this version and memoised: by compute function (:meth:`derived`) and by
    #: tuple of parameter names (:meth:`label_for`). A version never changes, so they stay valid;
    #: ``attrs.evolve`` starts the copy with an empty memo.
    _memo: dict[object, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def label(self) -> Label:
        """The version's label: its own when the rule file gives one, else the rule's."""
        return self.rule.label if self.version_label is None else weakest(self.rule.label, self.version_label)

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def is_set(self, name: str) -> bool:
        """Whether the parameter has a value (an operator-set figure may have none)."""
        return self.params.get(name) is not None

    def __getitem__(self, name: str) -> Any:
        """The value of a parameter; KeyError names the rule when it is undeclared or unset."""
        value = self.params.get(name)
        if value is None:  # only declared parameters ever have a value
            if name not in self.rule.params:
                raise KeyError(f"{self.id} declares no parameter {name!r}")
            raise KeyError(f"{self.id}.{name} is unset (operator-set)")
        return value

    def decimal(self, name: str) -> Decimal:
        """An ``amount``, ``ratio`` or ``decimal`` parameter; PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not Decimal:
            raise self._wrong_type(name, "a decimal (amount, ratio or decimal)")
        return value

    def count(self, name: str) -> int:
        """A ``count`` parameter; PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not int:  # not a bool either: the bool type is read with [name]
            raise self._wrong_type(name, "a count")
        return value

    def text(self, name: str) -> str:
        """A ``text`` or ``choice`` parameter; PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not str:
            raise self._wrong_type(name, "text (text or choice)")
        return value

    def decimals(self, name: str) -> tuple[Decimal, ...]:
        """A list parameter (``amounts`` or ``ratios``); PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not tuple or not all(type(item) is Decimal for item in value):
            raise self._wrong_type(name, "a list (amounts or ratios)")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A list of strings (``texts``); PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not tuple or not all(type(item) is str for item in value):
            raise self._wrong_type(name, "a list of strings (texts)")
        return value

    def date(self, name: str) -> dt.date:
        """A ``date`` parameter; PluginError if it is declared otherwise."""
        value = self[name]
        if type(value) is not dt.date:
            raise self._wrong_type(name, "a date")
        return value

    def _wrong_type(self, name: str, wanted: str) -> PluginError:
        """The plugin reads a parameter as a type its rule file does not declare: a real check, not an
        ``assert`` (which ``python -O`` drops, letting a wrong value through into the money)."""
        declared = self.rule.params[name].type
        where = f"{self.rule.file}: " if self.rule.file else ""
        return PluginError(
            f'{where}rules."{self.id}".params.{name}: {self.id} declares {name} as {declared}, '
            f"but the {self.rule.platform} plugin reads it as {wanted}"
        )

    def derived(self, compute: Callable[[RuleVersion], _T]) -> _T:
        """``compute(self)``, computed once per version and then reused (e.g. a parsed tax table).

        ``compute`` must depend on the version only; it is the memo's key. An exception is not
        memoised: it is raised again on the next call. Two threads may compute the same value at once;
        both store equal values, so sharing an engine across threads stays safe.
        """
        try:
            return cast("_T", self._memo[compute])
        except KeyError:
            value = self._memo[compute] = compute(self)
            return value

    def label_for(self, *names: str) -> Label:
        """The label of a line computed from these parameters: the weakest of the rule's and theirs.

        A figure the user set in an override file is ``operator-set`` unless the rule is weaker.
        Memoised per version and names: every line asks for its label.
        """
        found = self._memo.get(names)
        if found is None:
            found = self._memo[names] = self._label_for(names)
        return cast("Label", found)

    def _label_for(self, names: tuple[str, ...]) -> Label:
        """:meth:`label_for` without the memo."""
        # A version's own label is about its figures: a line whose figures an operator all set loses it.
        own = self.rule.label if names and self.overridden.issuperset(names) else self.label
        labels: list[Label] = [own]
        for name in names:
            spec = self.rule.params[name]
            if name in self.overridden:
                labels.append("operator-set")
            elif spec.label is not None:
                labels.append(spec.label)
        return weakest(*labels)

    def unset_reason(self, *names: str) -> str | None:
        """Why the rule cannot apply when a needed operator-set parameter is unset, else None."""
        missing = [n for n in names if not self.is_set(n)]
        if not missing:
            return None
        keys = ", ".join(missing)
        return f'operator-set and unset: set {keys} under [{self.rule.platform}."{self.id}"] in a rules file (--rules)'


@attrs.frozen
class Rule:
    """A rule of the rulebook as one platform's rule file declares it."""

    __repr__ = attrs_repr

    id: str
    platform: str
    title: str
    label: Label
    #: The source with each ``{key}`` replaced by its full citation from the rule file's [sources].
    source: str
    params: Mapping[str, ParamSpec]
    versions: tuple[RuleVersion, ...] = ()
    #: The [sources] keys the source cites, in order.
    cites: tuple[str, ...] = ()
    #: The rule file it was loaded from, for messages ("" when built from data in memory).
    file: str = attrs.field(default="", eq=False)

    def at(self, day: dt.date) -> RuleVersion | None:
        """The version in force on ``day`` (the latest that started by then and has not ended)."""
        found = [v for v in self.versions if v.in_force(day)]
        return max(found, key=lambda v: v.effective_from) if found else None

    def why_not(self, day: dt.date) -> str:
        """Why no version is in force on ``day`` (CORE-DATE-01)."""
        later = [v.effective_from for v in self.versions if v.effective_from > day]
        if later:
            return f"not in force until {min(later).isoformat()}"
        ended = [v.effective_to for v in self.versions if v.effective_to is not None]
        if ended:
            return f"not in force since {(max(ended) + dt.timedelta(days=1)).isoformat()}"
        return "no version of the rule is defined"


@attrs.frozen
class RuleSet:
    """The rules of one platform in force on a month's first day (CORE-DATE-01)."""

    __repr__ = attrs_repr

    platform: str
    day: dt.date
    in_force: Mapping[str, RuleVersion]
    not_in_force: Mapping[str, str]

    def get(self, rule: str) -> RuleVersion | None:
        """The version of ``rule`` in force, or None when it is not (see :attr:`not_in_force`)."""
        version = self.in_force.get(rule)
        if version is None and rule not in self.not_in_force:
            raise KeyError(f"rule {rule} is not in the {self.platform} rule file")
        return version

    def __iter__(self) -> Iterator[RuleVersion]:
        return iter(self.in_force.values())


@attrs.frozen
class RuleBook:
    """All rules of one platform from its rule file, with any user overrides applied."""

    __repr__ = attrs_repr

    platform: str
    rules: Mapping[str, Rule]
    source: str = ""
    #: The plugin's check of what the data cannot say, run on every version as it loads and after
    #: overrides (the ``creatorpay_check_rules`` hook); None: none.
    check: VersionCheck | None = attrs.field(default=None, eq=False, repr=False)
    #: The rule file's [sources] table: short key -> full citation.
    sources: Mapping[str, str] = MappingProxyType({})

    def at(self, day: dt.date) -> RuleSet:
        """The rule set in force on ``day``."""
        in_force: dict[str, RuleVersion] = {}
        missing: dict[str, str] = {}
        for rule_id, rule in self.rules.items():
            version = rule.at(day)
            if version is None:
                missing[rule_id] = rule.why_not(day)
            else:
                in_force[rule_id] = version
        return RuleSet(self.platform, day, MappingProxyType(in_force), MappingProxyType(missing))

    def with_overrides(self, table: Mapping[str, Any], checker: Checker, path: str) -> RuleBook:
        """A copy with the override file's values (``[<platform>."<RULE-ID>"] key = value``).

        Unknown rules or parameters, wrongly typed values and values breaking a declared constraint
        or the book's :attr:`check` are recorded on ``checker``: every version of an overridden rule
        is checked with its new values, so an override accepted here settles like the rule file's.
        The key ``effective_to`` ends a rule at a date (e.g. an operator ending WC-TIP-02's program).
        """
        rules = dict(self.rules)
        for rule_id, values in table.items():
            where = join(path, f'"{rule_id}"')
            rule = self.rules.get(rule_id)
            if rule is None:
                checker.fail(where, f"unknown rule for {self.platform}; its rules are: {', '.join(sorted(self.rules))}")
                continue
            section = checker.table(values, where)
            if section is None:
                continue
            changes: dict[str, Any] = {}
            end: dt.date | None = None
            for key, value in section.items():
                if key == "effective_to":
                    end = checker.date(value, join(where, key))
                elif key not in rule.params:
                    checker.fail(
                        join(where, key),
                        f"unknown parameter of {rule_id}; its parameters are: "
                        f"{', '.join(sorted(rule.params)) or 'none'}",
                    )
                else:
                    changes[key] = rule.params[key].read(checker, value, join(where, key))
            versions = tuple(
                attrs.evolve(
                    v,
                    params=MappingProxyType({**v.params, **changes}),
                    overridden=v.overridden | frozenset(changes),
                    effective_to=min(end, v.effective_to) if end and v.effective_to else end or v.effective_to,
                )
                for v in rule.versions
            )
            made = _with_versions(rule, versions)
            if all(value is not None for value in changes.values()):  # else already reported
                before = len(checker.problems)
                for version in made.versions:
                    check_version(checker, version, where, self.check, overridden=True)
                # A plugin's check does not know which version it saw: say a problem once.
                checker.problems[before:] = list(dict.fromkeys(checker.problems[before:]))
            rules[rule_id] = made
        return attrs.evolve(self, rules=MappingProxyType(rules))


def check_version(
    checker: Checker, version: RuleVersion, path: str, check: VersionCheck | None = None, *, overridden: bool = False
) -> None:
    """The constraints across a version's parameters (``length``, ``above``), then ``check``.

    ``path`` is where the version is written (in an override file: its rule, so the message names
    the version when the rule has several).
    """
    rule = version.rule
    before = len(checker.problems)
    which = (
        f" in the version from {version.effective_from.isoformat()}" if overridden and len(rule.versions) > 1 else ""
    )
    for name, spec in rule.params.items():
        value = version.params.get(name)
        if value is None:
            continue
        if spec.length_of is not None and (other := version.params.get(spec.length_of)) is not None:
            wanted = len(other) + spec.length_plus
            if len(value) != wanted:
                more = f"{spec.length_plus} more than" if spec.length_plus else "as many as"
                checker.fail(
                    join(path, name),
                    f"expected {wanted} items ({more} the {len(other)} of {spec.length_of}){which}, found {len(value)}",
                )
        if spec.above is not None and (other := version.params.get(spec.above)) is not None and value <= other:
            checker.fail(join(path, name), f"expected a value above {spec.above} ({other}){which}, found {value}")
    if check is not None and len(checker.problems) == before:
        check(version, checker, path)


def _with_versions(rule: Rule, versions: tuple[RuleVersion, ...]) -> Rule:
    """``rule`` holding ``versions``, each pointing back at the new rule object."""
    made = attrs.evolve(rule, versions=())
    object.__setattr__(made, "versions", tuple(attrs.evolve(v, rule=made) for v in versions))
    return made


def load_rule_file(path: StrPath, platform: str, check: VersionCheck | None = None) -> RuleBook:
    """Load and check a plugin's rule file; every problem names the file and key.

    A file whose bytes passed these checks before, under the same checking code (:func:`checking_code`),
    is built from the cache's record of its rules (core/cache.py) rather than checked again: the same
    book. The plugin's ``check`` still runs on every version of it (the plugin's code may have changed).
    """
    source = str(path)

    def make(raw: bytes) -> tuple[RuleBook, object]:
        book = parse_rule_book(parse_rules(raw, path, RuleFileError), platform, source, check)
        return book, _record(book)

    def build(record: Any) -> RuleBook:
        book = _from_record(record, platform, source, check)
        if check is not None:
            c = Checker(source, RuleFileError)
            for rule_id, rule in book.rules.items():
                for index, version in enumerate(rule.versions):
                    check(version, c, join(join(join("rules", f'"{rule_id}"'), "versions"), index))
            c.raise_if_any()
        return book

    return built(path, RuleFileError, checking_code(), build, make)


@functools.cache
def checking_code() -> str | None:
    """The identity of the code that checks a rule file and builds its book: the path, size and time
    of each of its modules' files (these rules, the checks, the money limit, the labels). Changed code
    never reads a book recorded by other code; None (no record kept) when a module has no file."""
    from . import checks, money, statement

    parts = []
    for module in (sys.modules[__name__], checks, money, statement):
        try:
            found = os.stat(module.__file__ or "")
        except (OSError, AttributeError, TypeError):
            return None
        parts.append(f"{module.__file__}:{found.st_size}:{found.st_mtime_ns}")
    return "|".join(parts)


def _record(book: RuleBook) -> object:
    """A checked book as marshal's plain types, for :func:`_from_record`; None when a value is of a type
    the record does not keep (nothing is then recorded)."""
    try:
        rules = [
            (
                rule.id,
                rule.title,
                rule.label,
                rule.source,
                list(rule.cites),
                [
                    (
                        spec.name,
                        spec.type,
                        [_plain(choice) for choice in spec.choices],
                        spec.label,
                        spec.doc,
                        _plain(spec.min),
                        _plain(spec.max),
                        spec.positive,
                        spec.increasing,
                        spec.length_of,
                        spec.length_plus,
                        spec.above,
                    )
                    for spec in rule.params.values()
                ],
                [
                    (
                        _plain(version.effective_from),
                        _plain(version.effective_to),
                        version.version_label,
                        [(name, _plain(value)) for name, value in version.params.items()],
                    )
                    for version in rule.versions
                ],
            )
            for rule in book.rules.values()
        ]
    except ValueError:
        return None
    return (list(book.sources.items()), rules)


def _plain(value: Any) -> object:
    """A checked value as marshal's plain types: a decimal or a date a tagged pair, a tuple a list."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is Decimal:
        return ("decimal", str(value))
    if kind is dt.date:
        return ("date", value.toordinal())
    if kind is tuple:
        return [_plain(item) for item in value]
    raise ValueError(f"not kept in a record: {kind.__name__}")


def _typed(value: Any) -> Any:
    """:func:`_plain` undone; TypeError for anything it does not make."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is list:
        return tuple([_typed(item) for item in value])
    if kind is tuple and len(value) == 2:
        tag, text = value
        if tag == "decimal" and type(text) is str:
            return Decimal(text)
        if tag == "date" and type(text) is int:
            return dt.date.fromordinal(text)
    raise TypeError(f"not a recorded value: {kind.__name__}")


def _all_text(*values: object) -> bool:
    """Whether every value is text."""
    return all(type(value) is str for value in values)


def _from_record(record: Any, platform: str, source: str, check: VersionCheck | None) -> RuleBook:
    """The book :func:`_record` recorded, for ``platform`` from the file ``source``: what
    :func:`parse_rule_book` made of it. TypeError or ValueError for a record of anything else."""
    sources_made, rules_made = record
    sources = {key: text for key, text in sources_made if _all_text(key, text)}
    if len(sources) != len(sources_made):
        raise TypeError("a [sources] entry that is not text")
    rules: dict[str, Rule] = {}
    for rule_id, title, label, full, cites, params_made, versions_made in rules_made:
        if not _all_text(rule_id, title, label, full, *cites):
            raise TypeError("a rule's record of another shape")
        params = {}
        for (
            name,
            kind,
            choices,
            spec_label,
            doc,
            low,
            high,
            positive,
            increasing,
            length_of,
            plus,
            above,
        ) in params_made:
            if not (
                _all_text(name, kind, doc, *choices)
                and _all_text(*(x for x in (spec_label, length_of, above) if x is not None))
                and type(positive) is bool
                and type(increasing) is bool
                and type(plus) is int
            ):
                raise TypeError("a parameter's record of another shape")
            params[name] = ParamSpec(
                name,
                kind,
                tuple(choices),
                spec_label,
                doc,
                None if low is None else _typed(low),
                None if high is None else _typed(high),
                positive,
                increasing,
                length_of,
                plus,
                above,
            )
        rule = Rule(rule_id, platform, title, label, full, MappingProxyType(params), cites=tuple(cites), file=source)
        versions = []
        for start, end, own, values in versions_made:
            own_label: Label | None = None
            if own is not None:
                if not is_label(own):
                    raise TypeError("a version's label that is not a label")
                own_label = own
            typed = {name: _typed(value) for name, value in values}
            if not _all_text(*typed):
                raise TypeError("a parameter's name that is not text")
            versions.append(
                RuleVersion(rule, _typed(start), _typed(end), MappingProxyType(typed), version_label=own_label)
            )
        object.__setattr__(rule, "versions", tuple(versions))
        rules[rule_id] = rule
    return RuleBook(platform, MappingProxyType(rules), source, check, MappingProxyType(sources))


def parse_rule_book(data: Mapping[str, Any], platform: str, source: str, check: VersionCheck | None = None) -> RuleBook:
    """Check a parsed rule file: labels, sources, typed parameters and their constraints,
    non-overlapping versions, then ``check`` on each version (kept for overrides)."""
    c = Checker(source, RuleFileError)
    c.unknown_keys(data, ("rules", "platform", "sources"), "")
    sources = _sources(c, c.get(data, "sources", "", Checker.table) or {})
    table = c.get(data, "rules", "", Checker.table, required=True) or {}
    rules: dict[str, Rule] = {}
    for rule_id, raw in table.items():
        where = join("rules", f'"{rule_id}"')
        if not re.match(RULE_ID, rule_id):
            c.fail(where, "expected a rule ID such as XT-CC-02")
        section = c.table(raw, where)
        if section is None:
            continue
        rule = _rule(c, rule_id, platform, section, where, sources)
        if rule is not None:
            rules[rule_id] = rule
    cited = {key for rule in rules.values() for key in rule.cites}
    for key in sources:
        if key not in cited and not c.problems:
            c.fail(join("sources", key), f"cited by no rule: cite it in a rule's source as {{{key}}}, or remove it")
    c.raise_if_any()
    for rule_id, rule in rules.items():
        for index, version in enumerate(rule.versions):
            check_version(c, version, join(join(join("rules", f'"{rule_id}"'), "versions"), index), check)
    c.raise_if_any()
    return RuleBook(platform, MappingProxyType(rules), source, check, MappingProxyType(sources))


def _sources(c: Checker, table: Mapping[str, Any]) -> dict[str, str]:
    """The [sources] table: each key a short name, each value the full citation."""
    found: dict[str, str] = {}
    for key, value in table.items():
        path = join("sources", key)
        if not re.match(SOURCE_KEY, key):
            c.fail(path, "expected a key of lowercase letters, digits and hyphens, such as xingtu-cocreation")
            continue
        text = c.text(value, path, limit=500)
        if text is not None and not text.strip():
            c.fail(path, "expected a citation: publisher, document, date")
        elif text is not None:
            found[key] = text
    return found


def _cite(c: Checker, text: str, sources: Mapping[str, str], path: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with each ``{key}`` replaced by its citation from ``sources``, and the keys cited."""
    cites: list[str] = []

    def full(match: re.Match[str]) -> str:
        key = match.group(1)
        citation = sources.get(key)
        if citation is None:
            known = ", ".join(sorted(sources)) or "none: the rule file has no [sources] table"
            c.fail(path, f"cites {{{key}}}, which is not a key of [sources]; its keys are: {known}")
            return match.group(0)
        if key not in cites:
            cites.append(key)
        return citation

    expanded = re.sub(_CITE, full, text)
    if "{" in re.sub(_CITE, "", text) or "}" in re.sub(_CITE, "", text):
        c.fail(path, "expected each { to close with } around a [sources] key, such as {xingtu-cocreation}")
    return expanded, tuple(cites)


def _rule(
    c: Checker, rule_id: str, platform: str, section: Mapping[str, Any], where: str, sources: Mapping[str, str]
) -> Rule | None:
    c.unknown_keys(section, ("title", "label", "source", "params", "versions"), where)
    title = c.get(section, "title", where, Checker.text, "")
    label: Label | None = c.get(section, "label", where, _label, required=True)
    source = c.get(section, "source", where, Checker.text, required=True)
    params: dict[str, ParamSpec] = {}
    declared: Mapping[str, Any] = c.get(section, "params", where, Checker.table) or {}
    for name, spec in declared.items():
        made = _param(c, name, spec, join(where, f"params.{name}"))
        if made is not None:
            params[name] = made
    for name, spec in params.items():
        _related(c, spec, params, join(where, f"params.{name}"))
    full, cites = _cite(c, source or "", sources, join(where, "source"))
    rule = Rule(
        rule_id, platform, title or "", label or "source", full, MappingProxyType(params), cites=cites, file=c.source
    )
    raw_versions = section.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        c.fail(join(where, "versions"), "expected at least one [[versions]] table")
        return None
    versions: list[RuleVersion] = []
    for index, raw in enumerate(raw_versions):
        path = join(join(where, "versions"), index)
        version = c.table(raw, path)
        if version is None:
            continue
        c.unknown_keys(version, ("effective_from", "effective_to", "label", *params), path)
        start = c.get(version, "effective_from", path, Checker.date, required=True)
        end = c.get(version, "effective_to", path, Checker.date)
        own_label: Label | None = c.get(version, "label", path, _label)
        values = {n: spec.read(c, version[n], join(path, n)) for n, spec in params.items() if n in version}
        if start is None:
            continue
        if end is not None and end < start:
            c.fail(join(path, "effective_to"), f"ends {end} before it starts {start}")
        versions.append(RuleVersion(rule, start, end, MappingProxyType(values), version_label=own_label))
    versions.sort(key=lambda v: v.effective_from)
    for before, after in itertools.pairwise(versions):
        # An open-ended version is superseded by the next (CORE-DATE-01); a dated end must not overlap.
        if before.effective_to is not None and before.effective_to >= after.effective_from:
            c.fail(
                join(where, "versions"),
                f"versions overlap: {before.effective_from}..{before.effective_to} and {after.effective_from}..",
            )
    # The versions already point back at ``rule``, made here and seen by no one yet: it takes them in
    # place (as _with_versions does on its copy) rather than being copied with each version (attrs.evolve
    # of 54 rules and their 186 versions was 1% of a ``creatorpay compare``).
    object.__setattr__(rule, "versions", tuple(versions))
    return rule


def _label(c: Checker, value: object, path: str) -> Label | None:
    if is_label(value):
        return value
    c.fail(path, f"expected one of {', '.join(LABELS)}, found {describe(value)}")
    return None


def _param(c: Checker, name: str, raw: object, path: str) -> ParamSpec | None:
    spec = c.table(raw, path)
    if spec is None:
        return None
    c.unknown_keys(spec, _SPEC_KEYS, path)
    kind = c.get(spec, "type", path, Checker.text, required=True)
    if kind not in PARAM_TYPES:
        c.fail(join(path, "type"), f"expected one of {', '.join(PARAM_TYPES)}, found {describe(kind)}")
        return None
    choices = spec.get("choices", [])
    if kind == "choice" and (not isinstance(choices, list) or not choices):
        c.fail(join(path, "choices"), "expected a non-empty list of strings for a choice")
        return None
    label: Label | None = c.get(spec, "label", path, _label)
    for key, allowed in (
        ("min", _NUMBERS),
        ("max", _NUMBERS),
        ("positive", _NUMBERS),
        ("above", _NUMBERS),
        ("increasing", _LISTS),
        ("length", _LISTS),
    ):
        if key in spec and kind not in allowed:
            c.fail(join(path, key), f"applies only to the types {', '.join(allowed)}, not {kind}")
    length: Mapping[str, Any] = c.get(spec, "length", path, Checker.table) or {}
    c.unknown_keys(length, ("of", "plus"), join(path, "length"))
    return ParamSpec(
        name,
        kind,
        tuple(choices),
        label,
        c.get(spec, "doc", path, Checker.text, "") or "",
        min=c.get(spec, "min", path, _bound),
        max=c.get(spec, "max", path, _bound),
        positive=bool(c.get(spec, "positive", path, Checker.boolean, False)),
        increasing=bool(c.get(spec, "increasing", path, Checker.boolean, False)),
        length_of=c.get(length, "of", join(path, "length"), Checker.text, required=bool(length)),
        length_plus=c.get(length, "plus", join(path, "length"), Checker.count, 0) or 0,
        above=c.get(spec, "above", path, Checker.text),
    )


def _texts(c: Checker, value: object, path: str) -> tuple[str, ...] | None:
    """A ``texts`` value: a non-empty list of non-empty strings, each given once (a repeated item is
    a typo, never a second meaning), or None after recording the problem. Comma text
    (``"douyin, douyin_pad"``, how such lists were written before the type existed) is read as its
    items, so an older override file keeps its meaning."""
    if isinstance(value, str) and value.strip():
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not value:
        c.fail(path, f"expected a non-empty list of strings, found {describe(value)}")
        return None
    items = [c.text(item, join(path, index)) for index, item in enumerate(value)]
    if any(item is None for item in items):
        return None
    for index, item in enumerate(items):
        if not item:
            c.fail(join(path, index), "expected a non-empty string, found an empty one")
            return None
        if item in items[:index]:
            c.fail(join(path, index), f"expected each item once, found {item!r} again")
            return None
    return tuple(item for item in items if item is not None)


def _bound(c: Checker, value: object, path: str) -> Decimal | None:
    """A bound of ``min`` or ``max``: a whole number or a decimal string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and re.match(_DECIMAL, value):
        return Decimal(value)
    c.fail(path, f'expected a whole number or a decimal string such as "1.5", found {describe(value)}')
    return None


def _related(c: Checker, spec: ParamSpec, params: Mapping[str, ParamSpec], path: str) -> None:
    """``length.of`` names a list parameter and ``above`` a number of the same kind, of the same rule."""
    if spec.length_of is not None:
        other = params.get(spec.length_of)
        if other is None or other.type not in _LISTS:
            c.fail(join(path, "length"), f"of = {spec.length_of!r} is not a list parameter of this rule")
    if spec.above is not None:
        other = params.get(spec.above)
        if other is None or other.type != spec.type:
            c.fail(join(path, "above"), f"{spec.above!r} is not a {spec.type} parameter of this rule")


def load_overrides(path: StrPath) -> Mapping[str, Any]:
    """Parse a user's override file; it is checked against the loaded rule books by the Engine."""
    from pathlib import Path  # here: the file named as the commands name it; a compare without one needs none

    data = read_rules(Path(path), RuleFileError)
    c = Checker(str(path), RuleFileError)
    for platform, section in data.items():
        c.table(section, platform)
    c.raise_if_any()
    return data
