"""Shared fixtures: minimal scenarios, engines with chosen plugins, the bundled examples."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: The smallest valid scenario: a creator with no activities.
MINIMAL: dict[str, Any] = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 100}}


def scenario_dict(**sections: Any) -> dict[str, Any]:
    """A minimal scenario dict with the given top-level sections replaced or added."""
    data = copy.deepcopy(MINIMAL)
    data.update(copy.deepcopy(sections))
    return data


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
