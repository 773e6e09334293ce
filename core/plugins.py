"""The plugin manager factory: entry points loaded one by one, each failure reported, never fatal.

Built-in platforms are entry points of this distribution, so they load exactly like third-party
ones; a name is taken by the first distribution that declares it, the built-ins before any other, and
a later one declaring the same name is refused and reported (a warning and ``creatorpay plugins``),
never silently loaded instead. Allow and block lists come from the caller or from
``CREATORPAY_LOAD_PLUGINS`` (comma list; empty loads none) and ``CREATORPAY_DISABLE_PLUGINS``; a name
in either that no installed plugin has is an input error (a typo would otherwise load nothing, or
block nothing, in silence). A plugin that failed or was refused is logged (logger
``creatorpay.plugins``) and warned about (:class:`PluginWarning`), naming it and why.
"""

from __future__ import annotations

import functools
import os
import warnings
from types import FunctionType, MappingProxyType, MethodType, ModuleType
from typing import TYPE_CHECKING, Literal

import attrs
import pluggy

from . import fields, hookspecs
from .entrypoints import EntryPoint
from .entrypoints import entry_points as find_entry_points
from .errors import InputError
from .model import attrs_repr

if TYPE_CHECKING:
    import logging
    from collections.abc import Collection, Iterable, Mapping

GROUP = "creatorpay"
LOAD_ENV = "CREATORPAY_LOAD_PLUGINS"
DISABLE_ENV = "CREATORPAY_DISABLE_PLUGINS"
#: Set (to anything but ``""`` or ``0``): every settlement hook is called through pluggy's caller, and
#: pluggy's tracing writes each call to standard error (docs/writing-a-plugin.md, "Tracing hook calls").
TRACE_ENV = "CREATORPAY_TRACE_PLUGINS"
#: The distribution whose entry points are the built-in plugins.
BUILTIN_DISTRIBUTION = "creatorpay"
#: Where plugin load failures are logged; silent unless the application configures logging.
LOGGER = "creatorpay.plugins"


class _Manager(pluggy.PluginManager):
    """pluggy's manager, reading a module plugin's names from its namespace: pluggy looks each name of
    ``dir(plugin)`` up with ``inspect.getattr_static`` (about 200 names for our plugins, imports
    included: a tenth of the engine's build). A module's function is what pluggy finds there, so the
    answer is pluggy's; anything else (a method, a name not in the namespace) is asked of pluggy."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        if isinstance(plugin, ModuleType):
            value = plugin.__dict__.get(name, _ABSENT)
            if isinstance(value, FunctionType):
                opts = getattr(value, f"{self.project_name}_impl", None)
                return opts if isinstance(opts, dict) else None  # type: ignore[return-value]
            if value is not _ABSENT and not isinstance(value, staticmethod | classmethod | MethodType):
                return None  # as pluggy: only functions and methods are hooks
        return super().parse_hookimpl_opts(plugin, name)


_ABSENT = object()


class PluginWarning(UserWarning):
    """A plugin failed to load, or was refused (e.g. a second distribution registering a name already taken)."""


#: How a plugin fared at load time (:class:`PluginReport`).
PluginStatus = Literal["loaded", "blocked", "failed", "refused"]


@attrs.frozen
class PluginReport:
    """How one plugin fared: ``loaded``, ``blocked`` (by an allow or block list), ``failed``, or
    ``refused`` (its name is taken by a built-in or by another distribution found first)."""

    __repr__ = attrs_repr

    name: str
    status: PluginStatus
    distribution: str | None = None
    version: str | None = None
    error: str | None = None
    hooks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": list(self.hooks),
            "error": self.error,
        }

    @property
    def why(self) -> str:
        """Why the plugin is not loaded, as a sentence naming it: e.g. ``the plugin 'kuaishou'
        (creatorpay-kuaishou 0.1.0) failed to load: ImportError: ...``."""
        label = " ".join(part for part in (self.distribution, self.version) if part)
        where = f" ({label})" if label else ""
        if self.status == "blocked":  # error: "blocked by the block list" or "not in the allow list"
            return f"the plugin {self.name!r}{where} is {self.error}"
        verb = {"failed": "failed to load", "refused": "was refused"}.get(self.status, self.status)
        return f"the plugin {self.name!r}{where} {verb}: {self.error}"


def warn_unloaded(reports: Iterable[PluginReport]) -> None:
    """Log and warn about each plugin that failed to load or was refused (a blocked one was asked for)."""
    for report in reports:
        if report.status in ("failed", "refused"):
            _logger().warning("%s", report.why)
            warnings.warn(report.why, PluginWarning, stacklevel=3)


@functools.lru_cache(maxsize=1)
def _logger() -> logging.Logger:
    """The :data:`LOGGER` logger, with a NullHandler (a library's), made when a plugin is first
    reported: importing logging (with traceback and string) cost every command about 3 ms."""
    import logging

    logger = logging.getLogger(LOGGER)
    logger.addHandler(logging.NullHandler())
    return logger


def did_you_mean(name: str, names: Collection[str]) -> str:
    """``did you mean 'x'? `` for the name closest to ``name`` (or the first it begins), else ''."""
    import difflib  # here, as logging in _logger: only a typo needs it, and every command imports this module

    close = (
        difflib.get_close_matches(name, sorted(names), n=1)
        or sorted(n for n in names if name and n.startswith(name))[:1]
    )  # "wechat": wechat_channels
    return f"did you mean {close[0]!r}? " if close else ""


def check_lists(lists: Mapping[str, Collection[str]], installed: Collection[str]) -> None:
    """Every name in an allow or block list (``lists``: where it came from -> names) is an installed
    plugin's; else an InputError naming the list and the name, with "did you mean" when one is close."""
    problems = []
    for source, names in lists.items():
        for name in names:
            if name in installed:
                continue
            from .problem import Problem  # built on first use: most runs name no plugin

            hint = did_you_mean(name, installed)
            problems.append(
                Problem(
                    source,
                    "",
                    f"no installed plugin is named {name!r}; {hint}installed: {', '.join(sorted(installed)) or 'none'}",
                )
            )
    if problems:
        raise InputError(problems)


def env_list(name: str) -> list[str] | None:
    """A comma list from the environment; None when unset, [] when set but empty."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def tracing() -> bool:
    """Whether :data:`TRACE_ENV` asks for hook calls to go through pluggy, traced."""
    return os.environ.get(TRACE_ENV, "").strip() not in ("", "0")


def make_plugin_manager(
    *,
    load: Collection[str] | None = None,
    disable: Collection[str] = (),
    plugins: Mapping[str, object] | None = None,
    entry_points: bool = True,
    sources: tuple[str, str] = ("load", "disable"),
) -> tuple[pluggy.PluginManager, list[PluginReport]]:
    """A new manager with the core's own plugin and every allowed plugin registered.

    ``load`` is an allowlist (None: all), ``disable`` a blocklist; ``plugins`` adds objects by name
    as if they were entry points (for embedding and tests). Returns the manager and a report per
    plugin. Plugins register in name order, so discovery order never changes a result. A name in
    ``load`` or ``disable`` that no plugin found has raises InputError, naming the list by ``sources``.
    """
    from . import mcn

    pm = _Manager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(mcn, name="core")
    found: dict[str, tuple[object, str | None, str | None]] = {}
    refused: list[PluginReport] = []
    if entry_points:
        # The built-ins first, so that no distribution earlier on sys.path can take their names.
        for ep in sorted(find_entry_points(GROUP), key=lambda ep: not _builtin(ep)):
            taken = found.get(ep.name)
            if taken is None:
                found[ep.name] = (ep, ep.distribution, ep.version)
            elif taken[1] != ep.distribution:
                refused.append(_refuse(ep, taken[1]))
    for name, plugin in (plugins or {}).items():
        found[name] = (plugin, None, None)
    check_lists({sources[0]: load or (), sources[1]: disable}, found)
    reports = [_load_one(pm, name, *found[name], load, disable) for name in sorted(found)]
    pm.check_pending()
    return pm, sorted([*reports, *refused], key=lambda r: r.name)


@functools.lru_cache(maxsize=1)
def installed_fields() -> Mapping[str, fields.ScenarioFields]:
    """The scenario fields each installed plugin declares (``creatorpay_scenario_fields``), by plugin
    name, whether or not a command loads it: the input format is every installed platform's, so a
    scenario written for all of them loads with one disabled."""
    pm, _ = make_plugin_manager()
    return declared_fields(pm)


def declared_fields(pm: pluggy.PluginManager) -> Mapping[str, fields.ScenarioFields]:
    """The scenario fields each plugin registered in ``pm`` declares, by plugin name. A plugin that
    fails to declare (or declares a key twice) is left out here; the engine that loads it reports why.
    On a manager of every installed plugin this is :func:`installed_fields`, without a second manager."""
    made: list[tuple[str, fields.ScenarioFields]] = []
    for impl in pm.hook.creatorpay_scenario_fields.get_hookimpls():
        try:
            declared = impl.function()
        except Exception:  # noqa: S112 - a broken plugin breaks only itself, reported by the engine
            continue
        if isinstance(declared, fields.ScenarioFields):
            made.append((impl.plugin_name, declared))
    try:
        # Every plugin's together first: a key declared twice by some of them is declared twice by all
        # of them, so when all fit, each plugin checked after those before it fits too (one schema
        # made, not one per plugin).
        fields.schema(dict(made))
        return MappingProxyType(dict(made))
    except Exception:  # noqa: S110 - some plugin does not fit: each is checked after those before it
        pass
    found: dict[str, fields.ScenarioFields] = {}
    for name, declared in made:
        try:
            fields.schema({**found, name: declared})  # a ValueError for a key declared twice
        except Exception:  # noqa: S112 - a broken plugin breaks only itself, reported by the engine
            continue
        found[name] = declared
    return MappingProxyType(found)


def _builtin(ep: EntryPoint) -> bool:
    return (ep.distribution or "").lower().replace("-", "_").replace(".", "_") == BUILTIN_DISTRIBUTION


def _refuse(ep: EntryPoint, holder: str | None) -> PluginReport:
    """The report (and warning) of an entry point whose name another distribution already took."""
    kind = "the built-in plugin" if holder and holder.lower() == BUILTIN_DISTRIBUTION else "the plugin"
    why = (
        f"{ep.distribution or 'an unknown distribution'} registers {ep.name!r}, the name of {kind} of "
        f"{holder or 'another distribution'}: refused, {ep.name!r} stays {holder}'s"
    )
    return PluginReport(ep.name, "refused", ep.distribution, ep.version, why)


def _load_one(
    pm: pluggy.PluginManager,
    name: str,
    target: object,
    distribution: str | None,
    version: str | None,
    load: Collection[str] | None,
    disable: Collection[str],
) -> PluginReport:
    report = PluginReport(name, "loaded", distribution, version)
    if name in disable or (load is not None and name not in load):
        why = "blocked by the block list" if name in disable else "not in the allow list"
        return attrs.evolve(report, status="blocked", error=why)
    try:
        plugin = target.load() if isinstance(target, EntryPoint) else target
        pm.register(plugin, name=name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a broken plugin (even one calling sys.exit) is reported, never fatal
        return attrs.evolve(report, status="failed", error=f"{type(exc).__name__}: {exc}")
    unknown = _unknown_hooks(pm, plugin)
    if unknown:
        pm.unregister(plugin)
        return attrs.evolve(
            report, status="failed", error=f"implements hooks the core does not define: {', '.join(unknown)}"
        )
    hooks = tuple(sorted(c.name for c in pm.get_hookcallers(plugin) or ()))
    return attrs.evolve(report, hooks=hooks)


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """Hooks of ``plugin`` with no spec (a misspelled hook), which check_pending would reject."""
    return sorted(
        caller.name
        for caller in pm.get_hookcallers(plugin) or ()
        if caller.spec is None
        and any(impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls())
    )


def names(reports: Iterable[PluginReport], status: PluginStatus = "loaded") -> list[str]:
    return [r.name for r in reports if r.status == status]
