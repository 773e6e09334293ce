"""Shared test constants and builders: the repo's paths and minimal scenario dicts."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The bundled plugins, for CREATORPAY_LOAD_PLUGINS (another plugin may be installed beside them).
BUILT_IN_PLUGINS = "cn_tax,netease,wechat_channels,xingtu"

#: The smallest valid scenario: a creator with no activities.
MINIMAL: dict[str, Any] = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 100}}


#: The variables that give the CLI defaults (docs/cli.md); a test of the CLI runs without the user's.
DEFAULT_VARIABLES = ("CREATORPAY_RULES", "CREATORPAY_PLATFORM", "CREATORPAY_FORMAT", "CREATORPAY_CPM")


def without_user_defaults(monkeypatch: pytest.MonkeyPatch, config: Path) -> None:
    """An empty user config folder ``config`` (click.get_app_dir reads XDG_CONFIG_HOME) and none of
    :data:`DEFAULT_VARIABLES`: the CLI then runs on its own defaults, whoever runs the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    for name in DEFAULT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def scenario_dict(**sections: Any) -> dict[str, Any]:
    """A minimal scenario dict with the given top-level sections replaced or added."""
    data = copy.deepcopy(MINIMAL)
    data.update(copy.deepcopy(sections))
    return data


def examples(bound: int) -> int:
    """A property test's own ``max_examples`` (sized to take seconds), twenty times that under the
    ``deep`` hypothesis profile (``HYPOTHESIS_PROFILE=deep``, for hunting a bug by hand)."""
    return bound * 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else bound
