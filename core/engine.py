"""The engine: settle one platform's statement, compare many; one platform's failure is its own.

An :class:`Engine` is built once (plugins loaded, rule files and overrides checked) and is
immutable afterwards, so one instance is safe to share across threads. Each call starts from a fresh
in-memory store unless the caller passes one.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pluggy

from .checks import Checker, join
from .context import Adjustment, Platform, Settlement
from .errors import InputError, PluginError, RuleFileError
from .plugins import DISABLE_ENV, LOAD_ENV, PluginReport, env_list, make_plugin_manager
from .rules import RuleBook, RuleSet, RuleVersion, VersionCheck, load_overrides, load_rule_file
from .scenario import Scenario
from .statement import Statement, StatementBuilder
from .store import MemoryStore, Store

_PHASES = ("creatorpay_validate", "creatorpay_settle_orders", "creatorpay_settle_incentives",
           "creatorpay_settle_revenue_share", "creatorpay_adjust")


def document_header(scenario: Scenario) -> dict[str, Any]:
    """The keys that open every output document (OUTPUT.md): schema, scenario, period, currency."""
    return {
        "schema": 1,
        "scenario": {"name": scenario.name, "source": scenario.source, "creator": scenario.creator.id},
        "period": str(scenario.period),
        "currency": "CNY",
    }


@attrs.frozen
class Report:
    """One scenario compared on several platforms: the document of OUTPUT.md."""

    scenario: Scenario
    results: tuple[Statement, ...]
    #: Things the engine noticed but did not settle (e.g. an ``[ext.x]`` section with no plugin x).
    notices: tuple[str, ...] = ()

    def result(self, platform: str) -> Statement:
        return next(s for s in self.results if s.platform == platform)

    def to_dict(self, cpm: Decimal | None = None) -> dict[str, Any]:
        return {
            **document_header(self.scenario),
            "results": [s.to_dict(cpm) for s in self.results],
            "notices": list(self.notices),
        }

    def to_json(self, cpm: Decimal | None = None) -> str:
        return json.dumps(self.to_dict(cpm), ensure_ascii=False, indent=2)


@attrs.frozen
class _Registered:
    """A platform with its rule book and the hook callers that reach only its plugins."""

    platform: Platform
    book: RuleBook
    phases: tuple[Callable[[Settlement], object], ...]


class Engine:
    """Settles scenarios with the loaded plugins and rules.

    ``load``/``disable``: allow and block lists of plugin names (default: the environment variables
    ``CREATORPAY_LOAD_PLUGINS`` and ``CREATORPAY_DISABLE_PLUGINS``, else all). ``plugins``: extra
    plugin objects by name, as if installed. ``rules``: an override file path or parsed mapping.

    >>> engine = Engine()
    >>> statement = engine.settle(load_scenario("examples/live-anchor.toml"), "wechat_channels")
    """

    def __init__(
        self,
        *,
        load: Iterable[str] | None = None,
        disable: Iterable[str] | None = None,
        plugins: Mapping[str, object] | None = None,
        rules: str | Path | Mapping[str, Any] | None = None,
        entry_points: bool = True,
    ) -> None:
        allow = list(load) if load is not None else env_list(LOAD_ENV)
        block = list(disable) if disable is not None else env_list(DISABLE_ENV) or []
        self._pm, reports = make_plugin_manager(load=allow, disable=block, plugins=plugins,
                                                entry_points=entry_points)
        self._reports = reports
        books, self._platforms, self._adjustments = self._register(reports)
        self._books = self._apply_overrides(books, rules)
        self._rulesets: dict[dt.date, Mapping[str, RuleSet]] = {}
        self._registered = {
            name: _Registered(platform, self._books[name], self._callers(name))
            for name, platform in self._platforms.items()
        }

    # -- building -----------------------------------------------------------------------------------

    def _register(self, reports: list[PluginReport]) -> tuple[
            dict[str, RuleBook], dict[str, Platform], dict[str, Adjustment]]:
        """Ask each plugin what it registers and load its rule file; a broken one is reported failed."""
        books: dict[str, RuleBook] = {}
        platforms: dict[str, Platform] = {}
        adjustments: dict[str, Adjustment] = {}
        for plugin_name, plugin in list(self._pm.list_name_plugin()):
            if plugin is None:
                continue
            try:
                made = self._registration(plugin_name)
                check = self._rules_check(plugin_name)
                loaded = {item.name: load_rule_file(item.rules, item.name, check) for item in made}
                clash = sorted(set(loaded) & set(books))
                if clash:
                    raise PluginError(f"{', '.join(clash)} already registered by another plugin")
            except Exception as exc:  # a broken plugin is reported, the others still load
                self._fail(plugin_name, plugin, exc, reports)
                continue
            books.update(loaded)
            for item in made:
                if isinstance(item, Platform):
                    platforms[item.name] = item
                else:
                    adjustments[item.name] = item
        return books, platforms, adjustments

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
            if isinstance(item, Platform) and item.name != plugin_name:
                raise PluginError(f"registers platform {item.name!r} under the entry point {plugin_name!r}; "
                                  "the names must match")
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

    def _fail(self, name: str, plugin: object, exc: Exception, reports: list[PluginReport]) -> None:
        self._pm.unregister(plugin)
        message = f"{type(exc).__name__}: {exc}"
        for index, report in enumerate(reports):
            if report.name == name:
                reports[index] = attrs.evolve(report, status="failed", error=message, hooks=())

    def _apply_overrides(self, books: dict[str, RuleBook],
                         rules: str | Path | Mapping[str, Any] | None) -> dict[str, RuleBook]:
        if rules is None:
            return books
        source = str(rules) if not isinstance(rules, Mapping) else "<rules>"
        data = load_overrides(rules) if not isinstance(rules, Mapping) else rules
        checker = Checker(source, RuleFileError)
        result = dict(books)
        for name, section in data.items():
            if name not in books:
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
        caller, so wrappers still work.
        """
        others = [self._pm.get_plugin(name) for name in self._platforms if name != platform]
        calls: list[Callable[[Settlement], object]] = []
        for hook in _PHASES:
            caller = self._pm.subset_hook_caller(hook, [p for p in others if p is not None])
            impls = caller.get_hookimpls()
            if any(impl.hookwrapper or impl.wrapper for impl in impls):
                calls.append(functools.partial(_call_hook, caller))
                continue
            for impl in reversed(impls):  # pluggy calls the last registered first
                calls.append(impl.function if impl.argnames else functools.partial(_call_bare, impl.function))
        return tuple(calls)

    # -- queries ------------------------------------------------------------------------------------

    @property
    def platforms(self) -> list[str]:
        """Names of the platforms loaded, sorted."""
        return sorted(self._platforms)

    def platform(self, name: str) -> Platform:
        return self._require(name).platform

    @property
    def reports(self) -> tuple[PluginReport, ...]:
        """How each plugin fared at load time (``creatorpay plugins``)."""
        return tuple(self._reports)

    @property
    def rulebooks(self) -> Mapping[str, RuleBook]:
        """Every loaded rule book by name, overrides applied: ``core``, platforms, adjustments."""
        return dict(self._books)

    def rules_at(self, day: dt.date) -> Mapping[str, RuleSet]:
        """Every rule book's rules in force on ``day`` (CORE-DATE-01), memoised per day.

        The books never change after construction, so the memo is safe to share across threads: two
        threads may compute the same day at once and store equal values.
        """
        found = self._rulesets.get(day)
        if found is None:
            if len(self._rulesets) >= 1024:
                self._rulesets.clear()
            found = MappingProxyType({name: book.at(day) for name, book in self._books.items()})
            self._rulesets[day] = found
        return found

    def _require(self, name: str) -> _Registered:
        found = self._registered.get(name)
        if found is None:
            raise InputError.one("--platform", "", f"unknown platform {name!r}; loaded: "
                                                   f"{', '.join(self.platforms) or 'none'}")
        return found

    # -- settling -----------------------------------------------------------------------------------

    def check(self, scenario: Scenario) -> tuple[str, ...]:
        """Checks that need the loaded plugins: ``[platform.<name>]`` names and ``[ext.<plugin>]``.

        Raises InputError for problems; returns notices (e.g. an ext section nobody reads).
        """
        if not scenario.platform and not scenario.ext:
            return ()
        checker = Checker(scenario.source)
        for name in scenario.platform:
            if name not in self._platforms:
                checker.fail(join("platform", name),
                             f"unknown platform; loaded: {', '.join(self.platforms) or 'none'}")
        notices: list[str] = []
        for name, section in scenario.ext.items():
            plugin = self._pm.get_plugin(name)
            if plugin is None:
                notices.append(f"[ext.{name}] ignored: no plugin {name!r} is loaded")
                continue
            impls = [i for i in self._pm.hook.creatorpay_check_ext.get_hookimpls() if i.plugin is plugin]
            for impl in impls:
                impl.function(section=section, checker=checker, path=join("ext", name))
        checker.raise_if_any()
        return tuple(notices)

    def settle(self, scenario: Scenario, platform: str, *, store: Store | None = None) -> Statement:
        """One platform's statement for the scenario. A plugin that raises gives status ``error``."""
        registered = self._require(platform)
        self.check(scenario)
        return self._settle(scenario, registered, store or MemoryStore(), self.rules_at(scenario.period.first_day))

    def compare(self, scenario: Scenario, platforms: Sequence[str] | None = None, *,
                store: Store | None = None) -> Report:
        """Statements on each platform asked for (default: every loaded one, in name order)."""
        names = list(platforms) if platforms else self.platforms
        chosen = [self._require(name) for name in names]
        notices = self.check(scenario)
        rulesets = self.rules_at(scenario.period.first_day)
        shared = store or MemoryStore()
        results = tuple(self._settle(scenario, item, shared, rulesets) for item in chosen)
        return Report(scenario, results, notices)

    def _settle(self, scenario: Scenario, registered: _Registered, store: Store,
                rulesets: Mapping[str, RuleSet]) -> Statement:
        platform = registered.platform
        rules = rulesets[platform.name]
        if not rules.in_force:
            return Statement(platform.name, platform.title, status="no_rules",
                             error=f"no rule of {platform.name} is in force on {rules.day} (CORE-DATE-01)")
        view = scenario.for_platform(platform.name)
        builder = StatementBuilder(platform.name, platform.title, view.creator.id)
        ctx = Settlement(view, platform, rules, rulesets, store, builder)
        for activity in view.activities:
            if activity not in platform.offers:
                reason = platform.not_offered.get(activity, f"{platform.title} does not offer {activity}")
                builder.not_offer(activity, reason)
        try:
            for phase in registered.phases:
                phase(ctx)
        except Exception as exc:  # a broken plugin breaks only its own platform's result
            return Statement(platform.name, platform.title, status="error",
                             error=f"{type(exc).__name__}: {exc}")
        return builder.build()


def _call_hook(caller: pluggy.HookCaller, ctx: Settlement) -> object:
    return caller(ctx=ctx)


def _call_bare(function: Callable[[], object], ctx: Settlement) -> object:
    """An implementation may take fewer arguments than its spec (pluggy allows it): here, none."""
    return function()
