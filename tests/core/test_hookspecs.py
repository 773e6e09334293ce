"""Meta-tests: every hook of the contract is documented with an example and exercised by the engine."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, hookimpl, hookspecs, load_scenario
from tests.core.fakes import fake_platform
from tests.helpers import ROOT, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

SPECS = sorted(name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("creatorpay_"))


def test_the_contract_has_the_hooks_the_issue_names() -> None:
    assert {
        "creatorpay_platform",
        "creatorpay_adjustment",
        "creatorpay_check_ext",
        "creatorpay_validate",
        "creatorpay_settle_orders",
        "creatorpay_settle_incentives",
        "creatorpay_settle_revenue_share",
        "creatorpay_adjust",
    } <= set(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_documented(name: str) -> None:
    function = getattr(hookspecs, name)
    doc = inspect.getdoc(function) or ""
    assert len(doc.splitlines()) >= 3 and "Example::" in doc, f"{name} needs a docstring with an example"
    assert all(p.annotation is not inspect.Parameter.empty for p in inspect.signature(function).parameters.values())
    guide = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert name in guide, f"{name} is missing from docs/architecture.md"


def test_every_hook_is_called_by_the_engine(tmp_path: Path) -> None:
    called: list[str] = []

    def recorder(name: str) -> Any:
        spec = getattr(hookspecs, name)
        params = list(inspect.signature(spec).parameters)

        def record(**kwargs: Any) -> None:
            called.append(name)

        record.__signature__ = inspect.signature(spec)  # type: ignore[attr-defined]
        record.__name__ = name
        assert params == list(inspect.signature(record).parameters)
        return hookimpl(record)

    hooks = {name: recorder(name) for name in SPECS if name not in ("creatorpay_platform", "creatorpay_adjustment")}
    platform = fake_platform(tmp_path, "fake", **hooks)
    engine = Engine(plugins={"fake": platform}, entry_points=False)
    engine.compare(load_scenario(scenario_dict(ext={"fake": {}})))
    # registration hooks are called while building the engine: fake registered, core's adjustment too
    assert engine.platforms == ["fake"] and "core" in engine.rulebooks
    assert sorted(set(called)) == sorted(hooks)


def test_phases_are_the_settlement_specs_in_the_order_the_contract_defines_them() -> None:
    """hookspecs.PHASES is the contract's one list of phases: every spec taking the Settlement, in source order."""
    specs = [f for _, f in inspect.getmembers(hookspecs, inspect.isfunction) if f.__name__.startswith("creatorpay_")]
    in_order = sorted(specs, key=lambda f: f.__code__.co_firstlineno)
    assert tuple(f.__name__ for f in in_order if list(inspect.signature(f).parameters) == ["ctx"]) == hookspecs.PHASES


def test_the_engine_calls_the_phases_in_the_order_of_phases(tmp_path: Path) -> None:
    """One statement runs PHASES in order, the platform's own then ``creatorpay_adjust``."""
    called: list[str] = []

    def recorder(name: str) -> Any:
        def record(ctx: Any) -> None:
            called.append(name)

        record.__name__ = name
        return hookimpl(record)

    platform = fake_platform(tmp_path, "fake", **{name: recorder(name) for name in hookspecs.PHASES})
    Engine(plugins={"fake": platform}, entry_points=False).settle(load_scenario(scenario_dict()), "fake")
    assert called == list(hookspecs.PHASES)


def test_the_engine_reads_the_phase_order_from_the_contract() -> None:
    """The engine names no phase itself: a phase added to or reordered in PHASES is what it runs."""
    source = (ROOT / "core" / "engine.py").read_text(encoding="utf-8")
    assert not [name for name in hookspecs.PHASES if f'"{name}"' in source]
    assert "PHASES" in source
