"""One thing wrong with an input, built on first use: a run whose inputs are all valid makes none, and
attrs builds a class in Python (docs/performance.md, "Start-up"). Named as :mod:`.errors`'s, through
that module's ``__getattr__``."""

from __future__ import annotations

import attrs

from .model import attrs_repr


@attrs.frozen
class Problem:
    """One thing wrong with an input: where it is and what was expected (CORE-INPUT-01)."""

    __module__ = "creatorpay.core.errors"
    __repr__ = attrs_repr

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"
