"""One configured key (:mod:`.config`), built on first use: most runs set no ``CREATORPAY_*`` variable
and have no ``creatorpay.toml``, and attrs builds a class in Python (docs/performance.md, "Start-up").
Named as :mod:`.config`'s, through that module's ``__getattr__``."""

from __future__ import annotations

import attrs

from ..model import attrs_repr


@attrs.frozen
class Setting:
    """One key's effective value and where it came from (a variable or a file)."""

    __module__ = "creatorpay.core.cli.config"
    __repr__ = attrs_repr

    key: str
    value: str | tuple[str, ...]
    source: str
