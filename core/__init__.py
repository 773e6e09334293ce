"""creatorpay: what creators earn on Chinese creator platforms, line by line.

The public API for services::

    from creatorpay.core import Engine, load_scenario
    report = Engine().compare(load_scenario("examples/food-vlogger.toml"))
    print(report.to_json())
"""

if __name__ != "creatorpay.core":  # the folder imported by its path, not its installed name
    raise ImportError(
        f"import creatorpay.core, not {__name__}: the core/ folder is installed "
        "under that name (pip install -e .), and importing it by its path loads a second copy of every class"
    )

from . import collector as _collector

# The collector is paused while the package's modules are imported (core/collector.py).
_collecting = _collector.pause()
try:
    from typing import TYPE_CHECKING  # typing (and re) first imported here: 7 collections of its own

    from .codecache import install

    install()  # before any class is built: attrs' generated methods from the user's cache folder
    from .context import Settlement
    from .engine import Engine, Report
    from .errors import CreatorpayError, InputError, PluginError, RuleFileError
    from .hookspecs import hookimpl
    from .scenario import Period, Scenario, load_scenario
    from .statement import Kind, Line, Statement
    from .store import MemoryStore, Store
    from .types import Adjustment, Platform
finally:
    _collector.resume(_collecting)

if TYPE_CHECKING:
    from .problem import Problem
    from .sqlite_store import SQLiteStore

__version__ = "0.1.0"

__all__ = [
    "Adjustment",
    "CreatorpayError",
    "Engine",
    "InputError",
    "Kind",
    "Line",
    "MemoryStore",
    "Period",
    "Platform",
    "PluginError",
    "Problem",
    "Report",
    "RuleFileError",
    "SQLiteStore",
    "Scenario",
    "Settlement",
    "Statement",
    "Store",
    "__version__",
    "hookimpl",
    "load_scenario",
]


def __getattr__(name: str) -> object:
    """``SQLiteStore`` is imported on first use: its import (tens of ms) would slow every CLI run;
    ``Problem`` is built on first use (a valid run makes none)."""
    if name == "SQLiteStore":
        from .sqlite_store import SQLiteStore

        return SQLiteStore
    if name == "Problem":
        from .problem import Problem

        return Problem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with the lazily imported ``SQLiteStore`` and ``Problem`` (for completion in a REPL)."""
    return sorted({*globals(), "SQLiteStore", "Problem"})
