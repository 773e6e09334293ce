"""Demo Platform passes creatorpay's conformance suite: registration, rule file, conservation and
rounding, rule citations, determinism, bad input and JSON, on hand-written and generated scenarios.

The plugin reads its own scenario inputs, ``[ext.demo_platform]``, so the suite is told how to draw
valid ones; it draws junk ones by itself (they must be input errors, never crashes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from creatorpay.testing import PlatformConformance
from hypothesis import strategies as st

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


class TestDemoPlatformConformance(PlatformConformance):
    platform = "demo_platform"

    def ext_strategy(self) -> SearchStrategy[Any]:
        return st.fixed_dictionaries({}, optional={"streams": st.integers(0, 40)})
