"""The engine: settle one platform's statement, compare many; one platform's failure is its own.

An :class:`Engine` is built once (plugins loaded, rule files and overrides checked) and is
immutable afterwards, so one instance is safe to share across threads. Each call starts from a fresh
in-memory store unless the caller passes one.

The boundary between plugins (docs/writing-a-plugin.md): each third-party platform settles its own
copy of the scenario (creatorpay's own plugins, tested never to edit it, share the caller's); each
platform reaches the store only under its own key prefix and cites only its own, ``core``'s or its
adjustments' rules; each adjustment writes to its own part of a statement, kept only if it succeeds.
Any exception but ``KeyboardInterrupt`` in a hook fails only its platform or adjustment, and the
store calls of a statement that ends in ``error`` are rolled back.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import fields
from .checks import Checker, join
from .context import Settlement, own_copy, settlement
from .errors import CreatorpayError, InputError, PluginError, RuleFileError
from .hookspecs import PHASES
from .model import attrs_repr
from .plugins import (
    BUILTIN_DISTRIBUTION,
    DISABLE_ENV,
    LOAD_ENV,
    PluginReport,
    declared_fields,
    did_you_mean,
    env_list,
    installed_fields,
    make_plugin_manager,
    tracing,
    warn_unloaded,
)
from .rules import RuleBook, RuleSet, RuleVersion, VersionCheck, load_overrides, load_rule_file
from .statement import AdjustmentBuilder, Statement, StatementBuilder, statement_builder
from .store import MemoryStore, Store, StoreView, statement_view
from .types import ACTIVITIES, Adjustment, Platform

if TYPE_CHECKING:
    import datetime as dt
    from concurrent.futures import Executor
    from decimal import Decimal

    import pluggy

    from .files import StrPath
    from .scenario import Period, Scenario

#: A platform's own phases, then the one that runs after them, one adjustment at a time
#: (``creatorpay_adjust``): the order the contract defines (hookspecs.PHASES).
_OWN_PHASES, _ADJUST = PHASES[:-1], PHASES[-1]
_NOTHING: Mapping[str, str] = MappingProxyType({})
_T = TypeVar("_T")


def describe(exc: BaseException) -> str:
    """How a plugin's exception is reported: its type and message."""
    return f"{type(exc).__name__}: {exc}"


def document_header(scenario: Scenario) -> dict[str, Any]:
    """The keys that open every output document (docs/output.md): schema, scenario, period, currency."""
    return {
        "schema": 1,
        "scenario": {"name": scenario.name, "source": scenario.source, "creator": scenario.creator.id},
        "period": str(scenario.period),
        "currency": "CNY",
    }


@attrs.frozen
class Report:
    """One scenario compared on several platforms: the document of docs/output.md."""

    __repr__ = attrs_repr

    scenario: Scenario
    results: tuple[Statement, ...]
    #: Things the engine noticed but did not settle (e.g. an ``[ext.x]`` section with no plugin x).
    notices: tuple[str, ...] = ()

    def result(self, platform: str) -> Statement:
        """The statement of ``platform``; KeyError naming the platforms there are if it has none."""
        for statement in self.results:
            if statement.platform == platform:
                return statement
        there = ", ".join(s.platform for s in self.results) or "none"
        raise KeyError(f"no statement for platform {platform!r} in this report; platforms: {there}")

    def to_dict(self, cpm: Decimal | None = None) -> dict[str, Any]:
        return {
            **document_header(self.scenario),
            "results": [s.to_dict(cpm) for s in self.results],
            "notices": list(self.notices),
        }

    def to_json(self, cpm: Decimal | None = None) -> str:
        return json.dumps(self.to_dict(cpm), ensure_ascii=False, indent=2)


class _Adjuster:
    """One plugin's ``creatorpay_adjust`` on a platform's statement: its name (store prefix and
    ``incomplete`` key), its implementations and the rule IDs it may not cite.

    A plain class, as :class:`_Registered`: a private record never compared or printed, for which
    attrs would build a class at every start (about 1M instructions each, docs/performance.md)."""

    __slots__ = ("applies", "builtin", "calls", "foreign", "name")

    def __init__(
        self,
        name: str,
        calls: tuple[Callable[[Settlement], object], ...],
        foreign: Mapping[str, str],
        builtin: bool = False,
        applies: Callable[[Settlement], bool] | None = None,
    ) -> None:
        self.name = name
        self.calls = calls
        self.foreign = foreign
        #: Shipped with creatorpay (the core's MCN share, cn_tax): trusted not to edit the scenario.
        self.builtin = builtin
        #: Its registration's test (``Adjustment.applies``): False, the statement needs no call.
        self.applies = applies


class _Registered:
    """A platform with its rule book, the hook callers that reach only its plugins, the adjustments
    that run on its statements, and the rule IDs (of other books) its lines may not cite. A plain
    class: see :class:`_Adjuster`."""

    __slots__ = ("adjusters", "book", "copies", "foreign", "offers_all", "phases", "platform", "prefix", "trusted")

    def __init__(
        self,
        platform: Platform,
        book: RuleBook,
        phases: tuple[Callable[[Settlement], object], ...],
        adjusters: tuple[_Adjuster, ...],
        foreign: Mapping[str, str],
        *,
        copies: bool = True,
        trusted: bool = False,
        offers_all: bool = False,
    ) -> None:
        self.platform = platform
        self.book = book
        self.phases = phases
        self.adjusters = adjusters
        self.foreign = foreign
        #: Whether its phases settle their own copy of the scenario: a third-party platform.
        self.copies = copies
        #: Whether every adjustment on its statements is built-in (they run in place under one mark).
        self.trusted = trusted
        #: Whether it offers every core activity (ACTIVITIES): a scenario without plugin tables then
        #: has no activity to report *not offered*, and the statement asks none.
        self.offers_all = offers_all
        #: Its store namespace, ``<name>:`` (StoreView's prefix), made once.
        self.prefix = platform.name + ":"


class Engine:
    """Settles scenarios with the loaded plugins and rules.

    ``load``/``disable``: allow and block lists of plugin names (default: the environment variables
    ``CREATORPAY_LOAD_PLUGINS`` and ``CREATORPAY_DISABLE_PLUGINS``, else all); a name no installed
    plugin has raises InputError. A plugin that fails to load is logged and warned about
    (``PluginWarning``); :attr:`reports` says how each fared. ``plugins``: extra
    plugin objects by name, as if installed. ``rules``: an override file path or parsed mapping.
    ``trace``: call every settlement hook through pluggy's caller, so that pluggy's tracing and
    call monitoring see it (default: the ``CREATORPAY_TRACE_PLUGINS`` environment variable, which
    also writes pluggy's trace to standard error); :attr:`plugin_manager` is the manager to trace.

    >>> from creatorpay.core import load_scenario
    >>> engine = Engine()
    >>> statement = engine.settle(load_scenario("examples/live-anchor.toml"), "wechat_channels")
    >>> statement.platform
    'wechat_channels'
    """

    def __init__(
        self,
        *,
        load: Iterable[str] | None = None,
        disable: Iterable[str] | None = None,
        plugins: Mapping[str, object] | None = None,
        rules: StrPath | Mapping[str, Any] | None = None,
        entry_points: bool = True,
        trace: bool | None = None,
    ) -> None:
        allow = list(load) if load is not None else env_list(LOAD_ENV)
        block = list(disable) if disable is not None else env_list(DISABLE_ENV) or []
        sources = (
            "load" if load is not None else LOAD_ENV,
            "disable" if disable is not None else f"{DISABLE_ENV} (or --disable-plugin)",
        )
        self._pm, reports = make_plugin_manager(
            load=allow, disable=block, plugins=plugins, entry_points=entry_points, sources=sources
        )
        self._reports = reports
        self._trace = tracing() if trace is None else trace
        if trace is None and self._trace:
            self._pm.trace.root.setwriter(sys.stderr.write)
            self._pm.enable_tracing()
        #: plugin name -> the names of the platforms and adjustments it registered.
        self._owners: dict[str, tuple[str, ...]] = {}
        #: plugin name -> the scenario fields it declared (creatorpay_scenario_fields).
        self._fields: dict[str, fields.ScenarioFields] = {}
        # A manager of every installed plugin (no list, nothing added) declares the installed fields
        # itself: read before _register unregisters a plugin that fails, rather than from a second one.
        every = entry_points and allow is None and not block and not plugins
        installed = declared_fields(self._pm) if every else None
        books, self._platforms, self._adjustments = self._register(reports, installed)
        self._schema = self._schema_of(entry_points, installed)
        warn_unloaded(reports)
        self._books = self._apply_overrides(books, rules)
        #: day -> every book's rule set in force, and each platform's memo of values derived from its
        #: rule set (Settlement.derived).
        self._rulesets: dict[dt.date, tuple[Mapping[str, RuleSet], Mapping[str, dict[object, Any]]]] = {}
        #: The same by the period's (year, month): a statement makes no date to find them.
        self._periods: dict[tuple[int, int], tuple[Mapping[str, RuleSet], Mapping[str, dict[object, Any]]]] = {}
        builtin = self._builtin()
        self._registered = {
            name: self._registration_of(platform, builtin) for name, platform in self._platforms.items()
        }

    def _registration_of(self, platform: Platform, builtin: set[str]) -> _Registered:
        name = platform.name
        adjusters = self._adjusters(name)
        return _Registered(
            platform,
            self._books[name],
            self._callers(name),
            adjusters,
            self._foreign((name,)),
            copies=name not in builtin,
            trusted=all(a.builtin for a in adjusters),
            offers_all=set(ACTIVITIES) <= set(platform.offers),
        )

    # -- building -----------------------------------------------------------------------------------

    def _register(
        self, reports: list[PluginReport], installed: Mapping[str, fields.ScenarioFields] | None
    ) -> tuple[dict[str, RuleBook], dict[str, Platform], dict[str, Adjustment]]:
        """Ask each plugin what it registers and load its rule file; a broken one is reported failed.
        ``installed``: fields known to fit together (:func:`declared_fields`), or None."""
        books: dict[str, RuleBook] = {}
        platforms: dict[str, Platform] = {}
        adjustments: dict[str, Adjustment] = {}
        for plugin_name, plugin in list(self._pm.list_name_plugin()):
            if plugin is None:
                continue
            try:
                declared = self._scenario_fields(plugin_name, installed)
                made = self._registration(plugin_name)
                check = self._rules_check(plugin_name)
                loaded = {item.name: load_rule_file(item.rules, item.name, check) for item in made}
                clash = sorted(set(loaded) & set(books))
                if clash:
                    raise PluginError(f"{', '.join(clash)} already registered by another plugin")
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a broken plugin (even SystemExit) is reported, the others load
                self._fail(plugin_name, plugin, exc, reports)
                continue
            books.update(loaded)
            if declared is not None:
                self._fields[plugin_name] = declared
            self._owners[plugin_name] = tuple(item.name for item in made)
            for item in made:
                if isinstance(item, Platform):
                    platforms[item.name] = item
                else:
                    adjustments[item.name] = item
        return books, platforms, adjustments

    def _schema_of(
        self, entry_points: bool, installed: Mapping[str, fields.ScenarioFields] | None
    ) -> fields.Schema:
        """The fields of this engine's plugins, and of every installed plugin it does not load (a
        disabled platform's keys still load, as its activity is then settled by none); ``installed``:
        those of every installed plugin when already known (:func:`declared_fields`)."""
        if entry_points:
            try:
                return fields.schema({**(installed_fields() if installed is None else installed), **self._fields})
            except ValueError:  # a plugin given here declares a key of an installed one it replaces
                pass
        return fields.schema(self._fields)

    def _scenario_fields(
        self, plugin_name: str, fit: Mapping[str, fields.ScenarioFields] | None = None
    ) -> fields.ScenarioFields | None:
        """The scenario fields the plugin declares (``creatorpay_scenario_fields``), checked against
        the core's and the other plugins' (a key declared twice fails the plugin); None for none.
        Fields equal to some of ``fit``'s, which fit together, need no check (:func:`declared_fields`)."""
        for impl in self._pm.hook.creatorpay_scenario_fields.get_hookimpls():
            if impl.plugin_name == plugin_name:
                declared = impl.function()
                if declared is None:
                    return None
                if not isinstance(declared, fields.ScenarioFields):
                    raise PluginError(
                        f"creatorpay_scenario_fields returned {type(declared).__name__}, not ScenarioFields"
                    )
                together = {**self._fields, plugin_name: declared}
                if fit is not None and all(fit.get(name) == made for name, made in together.items()):
                    return declared
                try:
                    fields.schema(together)
                except ValueError as exc:
                    raise PluginError(str(exc)) from None
                return declared
        return None

    def _registration(self, plugin_name: str) -> list[Platform | Adjustment]:
        made: list[Platform | Adjustment] = []
        for hook in ("creatorpay_platform", "creatorpay_adjustment"):
            for impl in getattr(self._pm.hook, hook).get_hookimpls():
                if impl.plugin_name == plugin_name:
                    item = impl.function()
                    if not isinstance(item, Platform | Adjustment):
                        raise PluginError(f"{hook} returned {type(item).__name__}, not a registration")
                    made.append(item)
        for item in made:
            if ":" in item.name or ":" in plugin_name:  # the store's namespace separator (StoreView)
                raise PluginError(f"registers {item.name!r}: a plugin or registration name has no ':'")
            if isinstance(item, Platform) and item.name != plugin_name:
                raise PluginError(
                    f"registers platform {item.name!r} under the entry point {plugin_name!r}; the names must match"
                )
        return made

    def _rules_check(self, plugin_name: str) -> VersionCheck | None:
        """The plugin's ``creatorpay_check_rules`` implementations as one check, or None."""
        impls = [i for i in self._pm.hook.creatorpay_check_rules.get_hookimpls() if i.plugin_name == plugin_name]
        if not impls:
            return None

        def check(version: RuleVersion, checker: Checker, path: str) -> None:
            given = {"version": version, "checker": checker, "path": path}
            for impl in impls:
                impl.function(**{name: given[name] for name in impl.argnames})

        return check

    def _fail(self, name: str, plugin: object, exc: BaseException, reports: list[PluginReport]) -> None:
        self._pm.unregister(plugin)
        message = describe(exc)
        for index, report in enumerate(reports):
            if report.name == name and report.status == "loaded":
                reports[index] = attrs.evolve(report, status="failed", error=message, hooks=())

    def _apply_overrides(
        self, books: dict[str, RuleBook], rules: StrPath | Mapping[str, Any] | None
    ) -> dict[str, RuleBook]:
        if rules is None:
            return books
        source = str(rules) if not isinstance(rules, Mapping) else "<rules>"
        data = load_overrides(rules) if not isinstance(rules, Mapping) else rules
        checker = Checker(source, RuleFileError)
        result = dict(books)
        for name, section in data.items():
            if name not in books:
                if self.unloaded(name) is None:  # a plugin not loaded (warned about) may keep its overrides
                    checker.fail(name, f"unknown platform or plugin; loaded: {', '.join(sorted(books))}")
                continue
            table = checker.table(section, name)
            if table is not None:
                result[name] = books[name].with_overrides(table, checker, name)
        checker.raise_if_any()
        return result

    def _callers(self, platform: str) -> tuple[Callable[[Settlement], object], ...]:
        """The platform's settlement phases, in order, reaching only its plugin and cross-platform ones.

        pluggy's ``subset_hook_caller`` does the routing. The implementations it would call are then
        called directly, in pluggy's order: this saves pluggy's per-call machinery (about 3 µs a hook,
        a third of a tipping statement, docs/performance.md). A phase with a hook wrapper keeps pluggy's
        caller, so wrappers still work; so does every phase when tracing (``trace``), so that pluggy's
        tracing and call monitoring see each call.
        """
        others = [self._pm.get_plugin(name) for name in self._platforms if name != platform]
        calls: list[Callable[[Settlement], object]] = []
        for hook in _OWN_PHASES:
            caller = self._pm.subset_hook_caller(hook, [p for p in others if p is not None])
            impls = caller.get_hookimpls()
            if self._trace or any(impl.hookwrapper or impl.wrapper for impl in impls):
                calls.append(functools.partial(_call_hook, caller))
                continue
            calls.extend(_direct(impl) for impl in reversed(impls))  # pluggy calls the last registered first
        return tuple(calls)

    def _adjusters(self, platform: str) -> tuple[_Adjuster, ...]:
        """The ``creatorpay_adjust`` implementations that run on ``platform``'s statements, grouped by
        plugin in pluggy's order: every plugin's but another platform's. Each runs on its own part of
        the statement, so a hook wrapper (which would wrap the others) is not called here. When
        tracing, a plugin's implementations are called through a pluggy caller reaching only them."""
        others = {name for name in self._platforms if name != platform}
        builtin = self._builtin()
        grouped: dict[str, list[Callable[[Settlement], object]]] = {}
        wraps: set[str] = set()
        for impl in reversed(getattr(self._pm.hook, _ADJUST).get_hookimpls()):
            if impl.plugin_name in others:
                continue
            if impl.hookwrapper or impl.wrapper:
                wraps.add(impl.plugin_name)
                continue
            grouped.setdefault(impl.plugin_name, []).append(_direct(impl))
        if self._trace:  # a plugin with a wrapper keeps its direct calls: its wrapper is never called
            for name in set(grouped) - wraps:
                caller = self._pm.subset_hook_caller(_ADJUST, self._plugins_but(name))
                grouped[name] = [functools.partial(_call_hook, caller)]
        return tuple(
            _Adjuster(
                name,
                tuple(calls),
                self._foreign(self._owners.get(name, (name,))),
                name in builtin,
                self._applies(name),
            )
            for name, calls in grouped.items()
        )

    def _applies(self, plugin_name: str) -> Callable[[Settlement], bool] | None:
        """The ``applies`` test of a built-in plugin's adjustment (trusted, as its call, with the
        statement's own context), when it registered one adjustment and no platform; None when
        tracing, so that every call is seen."""
        owned = self._owners.get(plugin_name, ())
        if self._trace or plugin_name not in self._builtin() or len(owned) != 1 or owned[0] not in self._adjustments:
            return None
        return self._adjustments[owned[0]].applies

    def _plugins_but(self, name: str) -> list[object]:
        """Every registered plugin object but the plugin ``name``'s (for a caller reaching only it)."""
        return [plugin for other, plugin in self._pm.list_name_plugin() if other != name and plugin is not None]

    def _builtin(self) -> set[str]:
        """The plugins shipped with creatorpay: the core's and this distribution's entry points. They
        never edit the scenario they are given (tests/core/test_boundary_properties.py holds them to
        it), so they share it instead of settling a copy: a copy costs a third of a statement."""
        return {
            "core",
            *(r.name for r in self._reports if r.status == "loaded" and r.distribution == BUILTIN_DISTRIBUTION),
        }

    def _foreign(self, owned: tuple[str, ...]) -> Mapping[str, str]:
        """The rule IDs of every loaded rule book but ``owned`` and ``core``, each with its book: a
        line citing one is refused (a plugin cannot write another platform's rules)."""
        mine = {"core", *owned}
        own_ids = {rule for name in mine if name in self._books for rule in self._books[name].rules}
        foreign: dict[str, str] = {}
        for name, book in sorted(self._books.items()):
            if name not in mine:
                for rule in book.rules:
                    if rule not in own_ids:
                        foreign.setdefault(rule, name)
        return MappingProxyType(foreign)

    # -- queries ------------------------------------------------------------------------------------

    @property
    def platforms(self) -> list[str]:
        """Names of the platforms loaded, sorted."""
        return sorted(self._platforms)

    def platform(self, name: str) -> Platform:
        return self._require(name).platform

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The pluggy manager the plugins are registered with: with ``trace=True``, its tracing
        (``trace.root.setwriter``, ``enable_tracing``) and call monitoring see every settlement
        hook call. Read it; registering or unregistering plugins on it changes nothing settled."""
        return self._pm

    @property
    def schema(self) -> fields.Schema:
        """The scenario's sections with the fields the loaded plugins declare: ``load_scenario(path,
        schema=engine.schema)`` checks them, ``creatorpay schema`` writes them."""
        return self._schema

    @property
    def reports(self) -> tuple[PluginReport, ...]:
        """How each plugin fared at load time (``creatorpay plugins``)."""
        return tuple(self._reports)

    def unloaded(self, name: str) -> PluginReport | None:
        """The report of the plugin ``name`` when it is installed but not loaded (failed, refused or
        blocked), so that asking for it says why rather than "unknown"; None otherwise."""
        return next((r for r in self._reports if r.name == name and r.status != "loaded"), None)

    @property
    def rulebooks(self) -> Mapping[str, RuleBook]:
        """Every loaded rule book by name, overrides applied: ``core``, platforms, adjustments."""
        return dict(self._books)

    def rules_at(self, day: dt.date) -> Mapping[str, RuleSet]:
        """Every rule book's rules in force on ``day`` (CORE-DATE-01), memoised per day.

        The books never change after construction, so the memo is safe to share across threads: two
        threads may compute the same day at once and store equal values.
        """
        return self._at(day)[0]

    def _at(self, day: dt.date) -> tuple[Mapping[str, RuleSet], Mapping[str, dict[object, Any]]]:
        """:meth:`rules_at`, with each platform's memo of what its plugins derived from its rule set."""
        found = self._rulesets.get(day)
        if found is None:
            if len(self._rulesets) >= 1024:
                self._rulesets.clear()
            rulesets = MappingProxyType({name: book.at(day) for name, book in self._books.items()})
            found = self._rulesets[day] = (rulesets, {name: {} for name in self._platforms})
        return found

    def _at_period(self, period: Period) -> tuple[Mapping[str, RuleSet], Mapping[str, dict[object, Any]]]:
        """:meth:`_at` of the period's first day (CORE-DATE-01), found by its year and month."""
        key = (period.year, period.month)
        found = self._periods.get(key)
        if found is None:
            if len(self._periods) >= 1024:
                self._periods.clear()
            found = self._periods[key] = self._at(period.first_day)
        return found

    def _require(self, name: str) -> _Registered:
        found = self._registered.get(name)
        if found is None:
            raise self.not_loaded("platform", name)
        return found

    def not_loaded(self, source: str, name: str) -> CreatorpayError:
        """The error for asking for the platform ``name``, which is not loaded: PluginError (a
        failure) when its plugin failed to load or was refused, saying why; InputError when it is
        blocked or unknown."""
        report = self.unloaded(name)
        if report is not None and report.status != "blocked":
            return PluginError(f"{source} {name}: {report.why}")
        why = report.why if report is not None else f"unknown platform {name!r}"
        hint = did_you_mean(name, self.platforms) if report is None else ""
        return InputError.one(source, "", f"{why}; {hint}loaded: {', '.join(self.platforms) or 'none'}")

    # -- settling -----------------------------------------------------------------------------------

    def check(self, scenario: Scenario) -> tuple[str, ...]:
        """Checks that need the loaded plugins: ``[platform.<name>]`` names and ``[ext.<plugin>]``.

        Raises InputError for problems; returns notices (e.g. an ext section nobody reads, or a
        plugin whose ``creatorpay_check_ext`` raised).
        """
        return self._check(scenario)[0]

    def _check(self, scenario: Scenario) -> tuple[tuple[str, ...], Mapping[str, str]]:
        """:meth:`check`'s notices, and the platforms and adjustments whose plugin's
        ``creatorpay_check_ext`` raised, with why: they fail, the others settle."""
        if not scenario.platform and not scenario.ext:
            return (), _NOTHING
        checker = Checker(scenario.source)
        notices: list[str] = []
        for name in scenario.platform:
            if name in self._platforms:
                continue
            report = self.unloaded(name)
            if report is not None:  # installed, not loaded: the section is not a typo
                notices.append(f"[platform.{name}] ignored: {report.why}")
            else:
                checker.fail(join("platform", name), f"unknown platform; loaded: {', '.join(self.platforms) or 'none'}")
        failed: dict[str, str] = {}
        for name, section in scenario.ext.items():
            plugin = self._pm.get_plugin(name)
            if plugin is None:
                report = self.unloaded(name)
                notices.append(
                    f"[ext.{name}] ignored: {report.why}"
                    if report is not None
                    else f"[ext.{name}] ignored: no plugin {name!r} is loaded"
                )
                continue
            impls = [i for i in self._pm.hook.creatorpay_check_ext.get_hookimpls() if i.plugin is plugin]
            try:
                for impl in impls:  # its own copy: a check that edits the section changes nothing
                    impl.function(section=own_copy(section), checker=checker, path=join("ext", name))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a broken check fails its plugin's platform or adjustment only
                why = f"creatorpay_check_ext of {name} failed: {describe(exc)}"
                notices.append(why)
                failed.update(dict.fromkeys(self._owners.get(name, (name,)), why))
        checker.raise_if_any()
        return tuple(notices), failed

    def settle(self, scenario: Scenario, platform: str, *, store: Store | None = None) -> Statement:
        """One platform's statement for the scenario. A plugin that raises gives status ``error``."""
        registered = self._registered.get(platform) or self._require(platform)  # _require's look-up first
        failed = self._check(scenario)[1] if scenario.platform or scenario.ext else _NOTHING  # _check's first test
        period = scenario.period  # _at_period's look-up first
        at = self._periods.get((period.year, period.month)) or self._at_period(period)
        # No store given: the statement's views make a MemoryStore on their first call, if any.
        return self._settle(scenario, registered, store, at, failed)

    def compare(
        self, scenario: Scenario, platforms: Sequence[str] | None = None, *, store: Store | None = None
    ) -> Report:
        """Statements on each platform asked for (default: every loaded one, in name order)."""
        names = list(platforms) if platforms else self.platforms
        chosen = [self._require(name) for name in names]
        notices, failed = self._check(scenario)
        rules = self._at_period(scenario.period)
        shared = store or MemoryStore()
        results = tuple(self._settle(scenario, item, shared, rules, failed) for item in chosen)
        return Report(scenario, results, notices)

    async def asettle(
        self, scenario: Scenario, platform: str, *, store: Store | None = None, executor: Executor | None = None
    ) -> Statement:
        """:meth:`settle` for asyncio services: runs in a thread (``executor``, else the loop's
        default pool via :func:`asyncio.to_thread`), so the event loop is not blocked.

        Safe because an Engine is immutable once built and each call settles into its own store
        (a fresh :class:`MemoryStore` unless ``store`` is given; a shared store must be thread-safe,
        as :class:`~creatorpay.core.sqlite_store.SQLiteStore` is).
        """
        call = functools.partial(self.settle, scenario, platform, store=store)
        return await _in_thread(call, executor)

    async def acompare(
        self,
        scenario: Scenario,
        platforms: Sequence[str] | None = None,
        *,
        store: Store | None = None,
        executor: Executor | None = None,
    ) -> Report:
        """:meth:`compare` for asyncio services, in a thread like :meth:`asettle`."""
        call = functools.partial(self.compare, scenario, platforms, store=store)
        return await _in_thread(call, executor)

    def _settle(
        self,
        scenario: Scenario,
        registered: _Registered,
        store: Store | None,
        at: tuple[Mapping[str, RuleSet], Mapping[str, dict[object, Any]]],
        failed: Mapping[str, str] = _NOTHING,
    ) -> Statement:
        """One statement: the platform's phases (a third-party one's on its own copy of the scenario),
        then each adjustment on its own part; the store calls are kept unless it ends in ``error``.
        ``at``: the rule sets in force and the platforms' memos (:meth:`_at`)."""
        platform = registered.platform
        rulesets, memos = at
        rules = rulesets[platform.name]
        if not rules.in_force:
            return Statement(
                platform.name,
                platform.title,
                status="no_rules",
                error=f"no rule of {platform.name} is in force on {rules.day} (CORE-DATE-01)",
            )
        if platform.name in failed:
            return Statement(platform.name, platform.title, status="error", error=failed[platform.name])
        view = scenario.for_platform(platform.name) if scenario.platform else scenario
        if registered.copies:
            view = own_copy(view)
        builder = statement_builder(platform.name, platform.title, view.creator.id, registered.foreign, rulesets)
        own_store = statement_view(store, registered.prefix)  # StoreView(store, platform.name)
        ctx = settlement(view, platform, rules, rulesets, own_store, builder, memos[platform.name])
        if not (registered.offers_all and not view.tables):
            for activity in view.activities:
                if activity not in platform.offers:
                    reason = platform.not_offered.get(activity, f"{platform.title} does not offer {activity}")
                    builder.not_offer(activity, reason)
        try:
            for phase in registered.phases:
                phase(ctx)
            if registered.trusted and not failed and _adjust_trusted(ctx, registered.adjusters, store):
                incomplete: Mapping[str, str] = _NOTHING
            else:
                incomplete = _adjust(ctx, registered.adjusters, store, failed, registered.copies)
        except KeyboardInterrupt:
            own_store.end(keep=False)
            raise
        except BaseException as exc:  # a broken plugin (even SystemExit) breaks only its own platform
            own_store.end(keep=False)
            return Statement(platform.name, platform.title, status="error", error=describe(exc))
        if own_store._open:  # a view that made no store call has nothing to end
            own_store.end(keep=True)
        return builder.build(incomplete)


async def _in_thread(call: Callable[[], _T], executor: Executor | None) -> _T:
    """``call()`` in ``executor``, or in the running loop's default thread pool."""
    import asyncio  # here, not at the top: the CLI never needs it, and its import costs tens of ms

    if executor is None:
        return await asyncio.to_thread(call)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


def _adjust(
    ctx: Settlement,
    adjusters: tuple[_Adjuster, ...],
    store: Store | None,
    failed: Mapping[str, str],
    private: bool,
) -> dict[str, str]:
    """Run each adjustment on its own part of the statement (a third-party one on its own copy of
    the scenario), kept only if it succeeds; returns the adjustments that failed, with why (the
    statement is *incomplete* without them). ``private``: the statement's scenario is its own copy.
    (When every adjustment is built-in, :func:`_adjust_trusted` runs them first, all at once.)"""
    parent = ctx.store if isinstance(ctx.store, StoreView) else None
    incomplete: dict[str, str] = {}  # one by one: which failed (a trusted run that raised was undone)
    last = len(adjusters) - 1
    for index, adjuster in enumerate(adjusters):
        if adjuster.name in failed:
            incomplete[adjuster.name] = failed[adjuster.name]
            continue
        part_store = StoreView(store, adjuster.name, parent)
        try:
            if adjuster.builtin:
                if adjuster.applies is None or adjuster.applies(ctx):  # its test raising fails it alone
                    _adjust_in_place(ctx, adjuster, part_store)
            else:
                # Its own copy, so it cannot change what a later adjustment or platform computes;
                # the last one may keep the statement's private copy.
                scenario = ctx.scenario if private and index == last else own_copy(ctx.scenario)
                part = AdjustmentBuilder(ctx.statement, adjuster.foreign)
                own = Settlement(scenario, ctx.platform, ctx.rules, ctx.rulebooks, part_store, part, ctx._memo)
                for call in adjuster.calls:
                    call(own)
                part.merge()
        except KeyboardInterrupt:
            part_store.end(keep=False)
            raise
        except BaseException as exc:  # a broken adjustment leaves the statement without it
            part_store.end(keep=False)
            incomplete[adjuster.name] = describe(exc)
            continue
        part_store.end(keep=True)
    return incomplete


def _adjust_trusted(ctx: Settlement, adjusters: tuple[_Adjuster, ...], store: Store | None) -> bool:
    """Every adjustment built-in: all run in place under one mark (a tenth of a tipping statement
    less than one by one). False if one raised: then the statement and the store are as before.
    None of them called when none applies (``Adjustment.applies``): most statements."""
    try:
        for adjuster in adjusters:
            if adjuster.applies is None or adjuster.applies(ctx):
                break
        else:
            return True
    except KeyboardInterrupt:
        raise
    except BaseException:  # a test that raises: each adjustment is then run on its own (_adjust)
        return False
    parent = ctx.store if isinstance(ctx.store, StoreView) else None
    builder = ctx.statement
    mark = builder.mark()
    saved_store, saved_foreign = ctx.store, builder.foreign
    views: list[StoreView] = []
    try:
        for adjuster in adjusters:
            if adjuster.applies is not None and not adjuster.applies(ctx):
                continue
            view = StoreView(store, adjuster.name, parent)
            views.append(view)
            ctx.store, builder.foreign = view, adjuster.foreign
            for call in adjuster.calls:
                call(ctx)
    except KeyboardInterrupt:
        _undo(builder, mark, views)
        raise
    except BaseException:
        _undo(builder, mark, views)
        return False
    finally:
        ctx.store, builder.foreign = saved_store, saved_foreign
    for view in views:
        view.end(keep=True)
    return True


def _undo(builder: StatementBuilder, mark: tuple[tuple[int, ...], dict[str, str]], views: list[StoreView]) -> None:
    builder.rollback(mark)
    for view in reversed(views):
        view.end(keep=False)


def _adjust_in_place(ctx: Settlement, adjuster: _Adjuster, store: StoreView) -> None:
    """A built-in adjustment, trusted to only append: it writes to the statement directly (under its
    own store namespace and rule books), which is cut back to where it was if it raises. Saves an
    :class:`AdjustmentBuilder` and a context per adjustment (a tenth of a tipping statement)."""
    builder = ctx.statement
    mark = builder.mark()
    saved_store, saved_foreign = ctx.store, builder.foreign
    ctx.store, builder.foreign = store, adjuster.foreign
    try:
        for call in adjuster.calls:
            call(ctx)
    except BaseException:
        builder.rollback(mark)
        raise
    finally:
        ctx.store, builder.foreign = saved_store, saved_foreign


def _direct(impl: pluggy.HookImpl) -> Callable[[Settlement], object]:
    """An implementation called directly with the context (or with nothing, if it takes nothing)."""
    function: Callable[..., object] = impl.function
    return function if impl.argnames else functools.partial(_call_bare, function)


def _call_hook(caller: pluggy.HookCaller, ctx: Settlement) -> object:
    return caller(ctx=ctx)


def _call_bare(function: Callable[[], object], ctx: Settlement) -> object:
    """An implementation may take fewer arguments than its spec (pluggy allows it): here, none."""
    return function()
