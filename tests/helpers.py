"""Shared test constants and builders: the repo's paths and minimal scenario dicts."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The bundled plugins, for CREATORPAY_LOAD_PLUGINS (another plugin may be installed beside them).
BUILT_IN_PLUGINS = "cn_tax,netease,wechat_channels,xingtu"

#: The smallest valid scenario: a creator with no activities.
MINIMAL: dict[str, Any] = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 100}}


def scenario_dict(**sections: Any) -> dict[str, Any]:
    """A minimal scenario dict with the given top-level sections replaced or added."""
    data = copy.deepcopy(MINIMAL)
    data.update(copy.deepcopy(sections))
    return data


def examples(bound: int) -> int:
    """A property test's own ``max_examples`` (sized to take seconds), twenty times that under the
    ``deep`` hypothesis profile (``HYPOTHESIS_PROFILE=deep``, for hunting a bug by hand)."""
    return bound * 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else bound
