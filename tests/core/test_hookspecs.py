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
