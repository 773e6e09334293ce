"""The plugin boundary (issue 15): a mistake in one plugin cannot reach another platform's statement.

Each platform settles its own copy of the scenario and reaches the store under its own key prefix; an
adjustment reads the lines and adds only its own, citing only its own or core's rules; any exception
but KeyboardInterrupt fails only its platform or adjustment; an ``error`` statement's store calls are
rolled back; a distribution cannot take a built-in's name.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Adjustment, Engine, Kind, MemoryStore, Platform, Settlement, hookimpl, load_scenario
from creatorpay.core.cli import main
from creatorpay.core.plugins import PluginWarning
from creatorpay.core.sqlite_store import SQLiteStore
from creatorpay.core.store import StoreView
from creatorpay.testing.checks import load_failure
from tests.core.fakes import fake_platform
from tests.core.test_plugins import install_fake_distribution
from tests.helpers import EXAMPLES, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

    from creatorpay.core.checks import Checker

TIPS = scenario_dict(tips={"yuan": "10.00"})


def own_rules(tmp: Path, name: str, rule: str) -> Path:
    """A rule file with the one rule ``rule``, in force since 2020."""
    path = tmp / f"{name}.toml"
    path.write_text(
        f'[rules."{rule}"]\ntitle = "{rule}"\nlabel = "source"\nsource = "a test"\n'
        f'[[rules."{rule}".versions]]\neffective_from = 2020-01-01\n',
        encoding="utf-8",
    )
    return path


def plugin(**hooks: Any) -> object:
    """A hashable plugin object with these hook implementations (like a module)."""
    return type("plugin", (), {name: staticmethod(hookimpl(function)) for name, function in hooks.items()})()


def adjustment(tmp: Path, name: str, adjust: Any, rule: str = "AD-ONE-01") -> object:
    """A cross-platform adjustment plugin named ``name`` whose creatorpay_adjust is ``adjust``."""
    rules = own_rules(tmp, name, rule)
    return plugin(
        creatorpay_adjustment=lambda: Adjustment(name=name, title=name, rules=rules), creatorpay_adjust=adjust
    )


def engine(**plugins: object) -> Engine:
    return Engine(plugins=plugins, entry_points=False)


# -- the store -------------------------------------------------------------------------------------


def drawing(name: str, key: str) -> Any:
    """A phase that draws 100.00 from ``key`` (capacity 100.00) and reports what it got as a fact."""

    def settle_incentives(ctx: Settlement) -> None:
        ctx.statement.facts["drawn"] = str(ctx.store.draw(key, Decimal(100), Decimal(100)))
        ctx.store.reserve(key + ":slots", "o-1", limit=1)

    return settle_incentives


def test_a_plugin_cannot_draw_or_reserve_under_another_platforms_key(tmp_path: Path) -> None:
    """'thief' settles first and asks for 'victim:pot' by name: it gets its own 'thief:victim:pot'."""
    thief = fake_platform(tmp_path, "thief", creatorpay_settle_incentives=hookimpl(drawing("thief", "victim:pot")))
    victim = fake_platform(tmp_path, "victim", creatorpay_settle_incentives=hookimpl(drawing("victim", "pot")))
    store = MemoryStore()
    report = engine(thief=thief, victim=victim).compare(load_scenario(TIPS), store=store)
    assert report.result("thief").facts["drawn"] == "100"
    assert report.result("victim").facts["drawn"] == "100"  # drew 0 when keys were not namespaced
    assert store.remaining("thief:victim:pot", Decimal(100)) == 0
    assert store.remaining("victim:pot", Decimal(100)) == 0
    assert store.used("victim:pot:slots") == 1 and store.used("thief:victim:pot:slots") == 1


def test_a_name_with_the_namespace_separator_is_refused(tmp_path: Path) -> None:
    """'netease:cash' would own the prefix 'netease:cash:', NetEase's budget keys (NE-BUDGET-01)."""
    rules = own_rules(tmp_path, "sneaky", "SN-ONE-01")
    sneaky = plugin(creatorpay_adjustment=lambda: Adjustment(name="netease:cash", title="x", rules=rules))
    with pytest.warns(PluginWarning, match="the plugin 'sneaky' failed to load"):
        report = {r.name: r for r in engine(sneaky=sneaky).reports}["sneaky"]
    assert report.status == "failed" and "no ':'" in (report.error or "")


def test_a_key_already_in_the_platforms_namespace_keeps_its_name(tmp_path: Path) -> None:
    """The built-ins' keys (``xingtu:co_creation:...``, XT-CC-06) are the same as in existing ledgers."""
    view = StoreView(MemoryStore(), "xingtu")
    assert view._key("xingtu:co_creation:me:2026-10") == "xingtu:co_creation:me:2026-10"
    assert view._key("netease:cash:2026-01-01") == "xingtu:netease:cash:2026-01-01"
    with SQLiteStore(tmp_path / "s.db") as store:
        Engine(load=["xingtu"]).settle(load_scenario(EXAMPLES / "food-vlogger.toml"), "xingtu", store=store)
        keys = [row[0] for row in store.connection.execute("SELECT key FROM quotas")]
    assert "xingtu:co_creation:me:2026-10" in keys and all(k.startswith("xingtu:") for k in keys)


# -- the scenario ----------------------------------------------------------------------------------


def mutate(ctx: Settlement) -> None:
    """Edit the frozen scenario in place, the way ``object.__setattr__`` allows."""
    tips = ctx.scenario.tips
    assert tips is not None
    object.__setattr__(tips, "yuan", Decimal("1000000.00"))
    object.__setattr__(ctx.scenario.creator, "id", "someone-else")
    object.__setattr__(ctx.scenario, "mcn", None)


def test_a_plugin_mutating_its_scenario_changes_only_its_own_statement(tmp_path: Path) -> None:
    scenario = load_scenario(scenario_dict(tips={"yuan": "10.00"}, mcn={"name": "m", "share": "0.10"}))
    before = repr(scenario)
    alone = engine(other=fake_platform(tmp_path, "other")).compare(scenario).result("other").to_dict()
    mutator = fake_platform(tmp_path, "mutator", creatorpay_validate=hookimpl(mutate))
    report = engine(mutator=mutator, other=fake_platform(tmp_path, "other")).compare(scenario)
    assert report.result("other").to_dict() == alone
    assert str(report.result("mutator").net) != str(report.result("other").net)  # its own copy changed
    assert repr(scenario) == before  # the caller's scenario too is untouched


def test_an_adjustment_mutating_the_scenario_does_not_change_another_adjustment(tmp_path: Path) -> None:
    """CORE-MCN-01 reads ``[mcn]``: an adjustment clearing it on its copy leaves the MCN line."""
    scenario = load_scenario(scenario_dict(tips={"yuan": "10.00"}, mcn={"name": "m", "share": "0.10"}))
    for name in ("aaa", "zzz"):  # before and after core in the adjustments' order
        plugins = {"fake": fake_platform(tmp_path), name: adjustment(tmp_path, name, mutate)}
        statement = engine(**plugins).settle(scenario, "fake")
        assert [x.rule for x in statement.lines] == ["FK-TIP-01", "CORE-MCN-01"], name


# -- adjustments -----------------------------------------------------------------------------------


def wipe(ctx: Settlement) -> None:
    ctx.statement.lines.clear()  # type: ignore[attr-defined]  # what a buggy adjustment might do


def test_an_adjustment_sees_lines_read_only_and_a_failed_one_leaves_the_statement_incomplete(tmp_path: Path) -> None:
    plugins = {
        "a": fake_platform(tmp_path, "a"),
        "b": fake_platform(tmp_path, "b"),
        "wiper": adjustment(tmp_path, "wiper", wipe),
    }
    report = engine(**plugins).compare(load_scenario(TIPS))
    for statement in report.results:
        assert statement.status == "ok"
        assert [x.rule for x in statement.lines] == ["FK-TIP-01"] and str(statement.net) == "8.00"
        assert list(statement.incomplete) == ["wiper"]
        assert "AttributeError" in statement.incomplete["wiper"]
        assert statement.to_dict()["incomplete"] == [{"adjustment": "wiper", "error": statement.incomplete["wiper"]}]
    assert "incomplete" not in engine(a=plugins["a"]).settle(load_scenario(TIPS), "a").to_dict()


def cite(rule: str, kind: Kind = Kind.TAX) -> Any:
    def write(ctx: Settlement) -> None:
        ctx.statement.line(rule, kind, payer=ctx.creator, payee=ctx.platform.name, base=Decimal(1), rate=Decimal(1))

    return write


def test_a_line_citing_another_books_rule_is_refused(tmp_path: Path) -> None:
    """Rule IDs belong to the book of whoever adds them: the platform's, core's or the adjustment's."""
    rules = own_rules(tmp_path, "rogue", "RG-ONE-01")
    rogue = plugin(
        creatorpay_platform=lambda: Platform(name="rogue", title="Rogue", rules=rules),
        creatorpay_settle_orders=cite("FK-TIP-01", Kind.ORDER_PAYMENT),
    )
    plugins = {
        "fake": fake_platform(tmp_path),
        "rogue": rogue,
        "taxer": adjustment(tmp_path, "taxer", cite("FK-TIP-01"), rule="TX-ONE-01"),
        "honest": adjustment(tmp_path, "honest", cite("AD-ONE-01")),
    }
    report = engine(**plugins).compare(load_scenario(TIPS))
    assert report.result("rogue").status == "error"
    assert "FK-TIP-01 belongs to the fake rule book" in (report.result("rogue").error or "")
    fake = report.result("fake")
    assert [x.rule for x in fake.lines] == ["FK-TIP-01", "AD-ONE-01"]  # honest cites its own rule
    assert list(fake.incomplete) == ["taxer"] and "PluginError" in fake.incomplete["taxer"]


# -- exceptions ------------------------------------------------------------------------------------


def exits(*args: object, **kwargs: object) -> None:
    raise SystemExit(3)


def test_system_exit_in_a_platform_phase_fails_only_that_platform(tmp_path: Path) -> None:
    plugins = {
        "bad": fake_platform(tmp_path, "bad", creatorpay_settle_orders=hookimpl(exits)),
        "good": fake_platform(tmp_path, "good"),
    }
    report = engine(**plugins).compare(load_scenario(TIPS))
    assert [(s.platform, s.status, s.error) for s in report.results] == [
        ("bad", "error", "SystemExit: 3"),
        ("good", "ok", None),
    ]


def test_system_exit_in_check_ext_fails_only_that_plugins_platform(tmp_path: Path) -> None:
    def check_ext(section: Any, checker: Checker, path: str) -> None:
        raise SystemExit(3)

    plugins = {
        "bad": fake_platform(tmp_path, "bad", creatorpay_check_ext=hookimpl(check_ext)),
        "good": fake_platform(tmp_path, "good"),
    }
    report = engine(**plugins).compare(load_scenario(scenario_dict(tips={"yuan": "10.00"}, ext={"bad": {"x": 1}})))
    assert [(s.platform, s.status) for s in report.results] == [("bad", "error"), ("good", "ok")]
    assert "creatorpay_check_ext of bad failed: SystemExit: 3" in (report.result("bad").error or "")
    assert any("SystemExit" in notice for notice in report.notices)


def test_system_exit_in_check_ext_of_an_adjustment_leaves_statements_incomplete(tmp_path: Path) -> None:
    exiter = adjustment(tmp_path, "exiter", lambda ctx: None)
    type(exiter).creatorpay_check_ext = staticmethod(hookimpl(exits))  # type: ignore[attr-defined]
    report = engine(good=fake_platform(tmp_path, "good"), exiter=exiter).compare(
        load_scenario(scenario_dict(tips={"yuan": "10.00"}, ext={"exiter": {}}))
    )
    assert report.result("good").status == "ok" and "SystemExit" in report.result("good").incomplete["exiter"]


def test_system_exit_in_an_adjustment_leaves_every_statement_incomplete_not_error(tmp_path: Path) -> None:
    plugins = {
        "a": fake_platform(tmp_path, "a"),
        "b": fake_platform(tmp_path, "b"),
        "exiter": adjustment(tmp_path, "exiter", exits),
    }
    report = engine(**plugins).compare(load_scenario(TIPS))
    assert [(s.platform, s.status, dict(s.incomplete)) for s in report.results] == [
        ("a", "ok", {"exiter": "SystemExit: 3"}),
        ("b", "ok", {"exiter": "SystemExit: 3"}),
    ]
    assert [str(s.net) for s in report.results] == ["8.00", "8.00"]


def test_keyboard_interrupt_is_not_contained(tmp_path: Path) -> None:
    def interrupt(ctx: Settlement) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine(bad=fake_platform(tmp_path, "bad", creatorpay_settle_orders=hookimpl(interrupt))).settle(
            load_scenario(TIPS), "bad"
        )


# -- rollback --------------------------------------------------------------------------------------


def reserve_then_fail(ctx: Settlement) -> None:
    assert ctx.store.reserve("bad:slots", "o-1", limit=5)  # the key as stored: the same before issue 15
    ctx.store.draw("bad:pot", Decimal(30), Decimal(100))
    raise RuntimeError("after reserving")


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_statement_that_ends_in_error_keeps_no_quota_slot_or_draw(tmp_path: Path, kind: str) -> None:
    """Through the public API: Engine.settle(..., store=SQLiteStore(path)) rolls the failed calls back."""
    bad = fake_platform(tmp_path, "bad", creatorpay_settle_orders=hookimpl(reserve_then_fail))
    store = SQLiteStore(tmp_path / "store.db") if kind == "sqlite" else MemoryStore()
    statement = engine(bad=bad).settle(load_scenario(TIPS), "bad", store=store)
    assert statement.status == "error"
    assert store.used("bad:slots") == 0
    assert store.remaining("bad:pot", Decimal(100)) == 100
    if isinstance(store, SQLiteStore):
        assert not store.connection.in_transaction
        store.close()


def test_a_good_statement_keeps_its_calls_and_a_failed_adjustment_loses_only_its_own(tmp_path: Path) -> None:
    def adjust(ctx: Settlement) -> None:
        ctx.store.draw("pot", Decimal(5), Decimal(100))
        raise ValueError("adjustment broke")

    good = fake_platform(tmp_path, "good", creatorpay_settle_incentives=hookimpl(drawing("good", "pot")))
    with SQLiteStore(tmp_path / "store.db") as store:
        statement = engine(good=good, adj=adjustment(tmp_path, "adj", adjust)).settle(
            load_scenario(TIPS), "good", store=store
        )
        assert statement.status == "ok" and list(statement.incomplete) == ["adj"]
        assert store.remaining("good:pot", Decimal(100)) == 0 and store.used("good:pot:slots") == 1
        assert store.remaining("adj:pot", Decimal(100)) == 100


def test_memory_store_transactions_undo_in_order_and_nest() -> None:
    store = MemoryStore()
    store.reserve("k", "a", limit=3, baseline=1)
    with store.transaction():
        store.reserve("k", "b", limit=3)
        store.confirm("k", "a")
        with pytest.raises(ValueError, match="roll back"), store.transaction():  # noqa: PT012 - the failing transaction
            store.release("k", "a")
            store.draw("p", Decimal(2), Decimal(5))
            raise ValueError("roll back")
        assert store.used("k") == 3 and store.remaining("p", Decimal(5)) == 5
    with pytest.raises(ValueError, match="roll back"), store.transaction():  # noqa: PT012 - the failing transaction
        store.release("k", "b")
        store.reserve("new", "x", limit=1, baseline=0)
        raise ValueError("roll back")
    assert store.used("k") == 3 and store.used("new", baseline=1) == 1  # "new" is seen afresh


# -- entry points and the command line -------------------------------------------------------------

IMPOSTOR = """
from pathlib import Path
from creatorpay.core import Platform, hookimpl

@hookimpl
def creatorpay_platform():
    return Platform(name="xingtu", title="Impostor", rules=Path(__file__).with_name("impostor.toml"))
"""


def test_a_distribution_registering_a_builtin_name_is_refused_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    own_rules(tmp_path, "impostor", "IM-ONE-01")
    install_fake_distribution(
        tmp_path, monkeypatch, "creatorpay-impostor", {"cp_impostor": IMPOSTOR}, {"xingtu": "cp_impostor"}
    )
    with pytest.warns(PluginWarning, match="creatorpay_impostor registers 'xingtu'"):
        built = Engine()
    assert built.platform("xingtu").title != "Impostor"
    refused = [r for r in built.reports if r.status == "refused"]
    assert [(r.name, r.distribution) for r in refused] == [("xingtu", "creatorpay_impostor")]
    assert "is refused" in (load_failure(built, "xingtu") or "")  # the conformance kit says why
    with pytest.raises(SystemExit):
        main(["plugins"])
    out, err = capsys.readouterr()
    assert "refused" in out and "creatorpay_impostor" in out
    assert "warning: the plugin 'xingtu' (creatorpay_impostor 1.2.3) was refused: creatorpay_impostor registers" in err


def test_disable_plugin_option_blocks_plugins_for_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREATORPAY_DISABLE_PLUGINS", raising=False)
    with pytest.raises(SystemExit) as done:
        main(["--disable-plugin", "netease", "--disable-plugin", "cn_tax", "plugins", "--format", "json"])
    assert done.value.code == 0
    status = {r["name"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert status["netease"] == status["cn_tax"] == "blocked" and status["xingtu"] == "loaded"
    with pytest.raises(SystemExit):
        main(["--disable-plugin", "netease", "compare", str(EXAMPLES / "food-vlogger.toml"), "--format", "json"])
    platforms = [r["platform"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert "netease" not in platforms and "xingtu" in platforms
    import os

    assert "CREATORPAY_DISABLE_PLUGINS" not in os.environ  # restored when the command ends


def test_a_failing_builtin_adjustment_leaves_the_others_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-ins (core, cn_tax) run in place under one mark; when cn_tax raises (here its VAT
    step, patched to fail: a malformed override is refused before settling), the statement keeps
    CORE-MCN-01 and is marked incomplete with cn_tax only."""
    from creatorpay.plugins.cn_tax import vat  # imported by the adjust hook when it runs

    def broken(*_: object) -> None:
        raise RuntimeError("VAT table unreadable")

    monkeypatch.setattr(vat, "small_taxpayer_vat", broken)
    built = Engine(load=["wechat_channels", "cn_tax"])
    assert built._registered["wechat_channels"].trusted
    scenario = load_scenario(
        scenario_dict(
            period="2026-10",
            tips={"yuan": "3000.00"},
            mcn={"name": "m", "share": "0.10"},
            tax={"method": "platform", "months_with_income": 1},
        )
    )
    statement = built.settle(scenario, "wechat_channels")
    assert statement.status == "ok" and list(statement.incomplete) == ["cn_tax"]
    assert "CORE-MCN-01" in [x.rule for x in statement.lines]
    assert not [x for x in statement.lines if x.rule.startswith("CN-")]
    assert not [x for x in statement.not_applied if x.rule.startswith("CN-")]
    monkeypatch.undo()
    whole = Engine(load=["wechat_channels", "cn_tax"]).settle(scenario, "wechat_channels")
    assert [x.rule for x in whole.lines if not x.rule.startswith("CN-")] == [x.rule for x in statement.lines]
