"""The plugin manager: entry points, failures reported not fatal, allow and block lists, fault isolation."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine, load_scenario
from creatorpay.core.hookspecs import hookimpl
from creatorpay.core.plugins import PluginWarning
from tests.core.fakes import fake_platform, raising_orders
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path


def install_fake_distribution(
    root: Path, monkeypatch: pytest.MonkeyPatch, dist: str, modules: dict[str, str], entry_points: dict[str, str]
) -> None:
    """An installed distribution on sys.path: a dist-info with creatorpay entry points, plus modules."""
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n", encoding="utf-8")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[creatorpay]\n{lines}\n", encoding="utf-8")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    for module in modules:
        sys.modules.pop(module, None)


MISSPELLED = """
from creatorpay.core import hookimpl

@hookimpl
def creatorpay_settle_order(ctx):
    pass
"""


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(
        tmp_path,
        monkeypatch,
        "creatorpay-broken",
        {"cp_broken": "raise ImportError('no such sdk')", "cp_typo": MISSPELLED},
        {"broken": "cp_broken", "typo": "cp_typo"},
    )
    with pytest.warns(PluginWarning) as caught:  # one warning per failed plugin
        engine = Engine()
    assert sorted(str(w.message).split()[2] for w in caught) == ["'broken'", "'typo'"]
    reports = {r.name: r for r in engine.reports}
    assert reports["broken"].status == "failed"
    assert reports["broken"].distribution == "creatorpay_broken" and reports["broken"].version == "1.2.3"
    assert "ImportError: no such sdk" in (reports["broken"].error or "")
    assert reports["typo"].status == "failed"
    assert "creatorpay_settle_order" in (reports["typo"].error or "")
    assert reports["wechat_channels"].status == "loaded"
    assert "wechat_channels" in engine.platforms


def test_block_and_allow_lists_from_arguments_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "wechat_channels" not in Engine(disable=["wechat_channels"]).platforms
    assert Engine(load=["wechat_channels"]).platforms == ["wechat_channels"]
    monkeypatch.setenv("CREATORPAY_DISABLE_PLUGINS", "wechat_channels")
    blocked = {r.name: r for r in Engine().reports}["wechat_channels"]
    assert blocked.status == "blocked" and "block list" in (blocked.error or "")
    monkeypatch.delenv("CREATORPAY_DISABLE_PLUGINS")
    monkeypatch.setenv("CREATORPAY_LOAD_PLUGINS", "")
    assert Engine().platforms == []  # set but empty: none
    monkeypatch.setenv("CREATORPAY_LOAD_PLUGINS", "wechat_channels")
    assert Engine().platforms == ["wechat_channels"]


def test_a_plugin_raising_mid_settle_breaks_only_its_platform(tmp_path: Path) -> None:
    good = fake_platform(tmp_path, "good")
    bad = fake_platform(tmp_path, "bad", creatorpay_settle_orders=raising_orders)
    engine = Engine(plugins={"good": good, "bad": bad}, entry_points=False)
    report = engine.compare(load_scenario(scenario_dict(tips={"yuan": "10.00"})))
    assert [(s.platform, s.status) for s in report.results] == [("bad", "error"), ("good", "ok")]
    assert report.result("bad").error == "RuntimeError: boom in orders"
    assert str(report.result("good").net) == "8.00"


def test_broken_registrations_are_reported(tmp_path: Path) -> None:
    wrong_name = fake_platform(tmp_path, "other")
    bad_rules = fake_platform(tmp_path, "badrules")
    (tmp_path / "badrules.toml").write_text("[rules.X]\n", encoding="utf-8")
    with pytest.warns(PluginWarning) as caught:  # one warning per failed plugin
        engine = Engine(plugins={"misnamed": wrong_name, "badrules": bad_rules}, entry_points=False)
    assert sorted(str(w.message).split()[2] for w in caught) == ["'badrules'", "'misnamed'"]
    reports = {r.name: r for r in engine.reports}
    assert "must match" in (reports["misnamed"].error or "")
    assert "badrules.toml" in (reports["badrules"].error or "")
    assert engine.platforms == []


def test_plugin_order_does_not_change_results(tmp_path: Path) -> None:
    a, b = fake_platform(tmp_path, "alpha"), fake_platform(tmp_path, "beta")
    scenario = load_scenario(scenario_dict(tips={"yuan": "10.00"}, mcn={"name": "M", "share": "0.1"}))
    one = Engine(plugins={"alpha": a, "beta": b}, entry_points=False).compare(scenario).to_dict()
    two = Engine(plugins={"beta": b, "alpha": a}, entry_points=False).compare(scenario).to_dict()
    assert one == two


def test_unknown_platform_is_an_input_error(tmp_path: Path) -> None:
    from creatorpay.core import InputError

    engine = Engine(plugins={"good": fake_platform(tmp_path, "good")}, entry_points=False)
    with pytest.raises(InputError, match=r"unknown platform 'nope'; loaded: good"):
        engine.compare(load_scenario(scenario_dict()), ["nope"])
    with pytest.raises(InputError, match=r"platform\.nope: unknown platform"):
        engine.compare(load_scenario(scenario_dict(platform={"nope": {"followers": 1}})))


EXT_CHECKED: list[str] = []


@hookimpl
def check_ext(section: dict[str, object], checker: object, path: str) -> None:
    from creatorpay.core.checks import Checker

    assert isinstance(checker, Checker)
    EXT_CHECKED.append(path)
    checker.unknown_keys(section, ("streams",), path)


def test_ext_sections_are_checked_by_their_plugin_or_reported_ignored(tmp_path: Path) -> None:
    from creatorpay.core import InputError

    plugin = fake_platform(tmp_path, "good", creatorpay_check_ext=check_ext)
    engine = Engine(plugins={"good": plugin}, entry_points=False)
    report = engine.compare(load_scenario(scenario_dict(ext={"good": {"streams": 3}, "other": {"x": 1}})))
    assert EXT_CHECKED == ["ext.good"]
    assert report.notices == ("[ext.other] ignored: no plugin 'other' is loaded",)
    with pytest.raises(InputError, match=r"ext\.good\.color: unknown key"):
        engine.compare(load_scenario(scenario_dict(ext={"good": {"color": 3}})))


def test_an_engine_of_every_installed_plugin_builds_one_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed plugins' fields come from the engine's own manager when it loads them all (a
    second manager cost each command about 10 ms, issue 20); with a block list, from a second one."""
    from creatorpay.core import engine as engine_module
    from creatorpay.core import plugins

    made: list[object] = []
    real = plugins.make_plugin_manager

    def counting(**kwargs: object) -> object:
        made.append(kwargs)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "make_plugin_manager", counting)
    monkeypatch.setattr(plugins, "make_plugin_manager", counting)
    monkeypatch.delenv("CREATORPAY_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("CREATORPAY_DISABLE_PLUGINS", raising=False)
    plugins.installed_fields.cache_clear()
    try:
        every = Engine()
        assert len(made) == 1
        blocked = Engine(disable=["netease"])
        assert len(made) == 3
    finally:
        plugins.installed_fields.cache_clear()
    assert every.schema == blocked.schema  # a disabled platform's keys still load
    assert every.schema == Engine(disable=["netease"]).schema


def test_the_manager_finds_what_pluggy_finds() -> None:
    """plugins._Manager reads a module plugin's namespace itself (issue 20): for every name of every
    built-in plugin module, and of a class and an instance, its answer is pluggy's."""
    import pluggy

    import creatorpay.core.mcn
    from creatorpay.core import hookspecs, plugins
    from creatorpay.plugins import cn_tax, netease, wechat_channels, xingtu

    class Holder:
        @hookimpl
        def creatorpay_platform(self) -> None: ...

        @staticmethod
        @hookimpl
        def creatorpay_adjustment() -> None: ...

    ours, pluggys = plugins._Manager(hookspecs.PROJECT), pluggy.PluginManager(hookspecs.PROJECT)
    for plugin in (cn_tax, netease, wechat_channels, xingtu, creatorpay.core.mcn, Holder, Holder()):
        for name in dir(plugin):
            assert ours.parse_hookimpl_opts(plugin, name) == pluggys.parse_hookimpl_opts(plugin, name), name
    assert ours.parse_hookimpl_opts(xingtu, "creatorpay_platform") is not None
