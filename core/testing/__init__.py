"""creatorpay's conformance suite for platform plugins: one subclass gives a plugin every contract check.

::

    from creatorpay.testing import PlatformConformance

    class TestAcmeConformance(PlatformConformance):
        platform = "acme"

Importing this package is free: it is also a pytest plugin (entry point ``pytest11``, module
:mod:`creatorpay.testing.plugin`) loaded by every pytest session where creatorpay is installed, so
the suite, its checks and the hypothesis strategies (:mod:`creatorpay.testing.strategies`) load only
when a test asks for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conformance import PlatformConformance

__all__ = ["PlatformConformance"]


def __getattr__(name: str) -> Any:
    """Load :class:`PlatformConformance` on first use (PEP 562), keeping the pytest plugin cheap."""
    if name == "PlatformConformance":
        return importlib.import_module(".conformance", __name__).PlatformConformance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
