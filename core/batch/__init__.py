"""Batch settlement of a month of events into the ledger (``creatorpay settle``, docs/batch.md).

The modules, each importing only those below it (docs/architecture.md draws the map):

- :mod:`.run`: :class:`Batch` (one run: stage, settle, reconcile) and its :class:`Summary`;
- :mod:`.workers`: the worker processes, the row checks they run and the :class:`~.workers.Settler`;
- :mod:`.pipeline`: pieces of work sent ahead to the workers and taken back in order;
- :mod:`.ledger`: the ledger tables (events by idempotency key, statements never edited);
- :mod:`.codec`: the JSON texts the ledger stores, made fast.

``Batch`` and ``Summary`` are imported from here when first used, so that the row checks
(``creatorpay.core.events``) can use :mod:`.codec` without loading the whole run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .run import REJECT_COLUMNS, SETTLE_CHUNK, STAGE_CHUNK, Batch, Progress, Summary

#: What ``from creatorpay.core.batch import …`` gives, all from :mod:`.run`.
_FROM_RUN = frozenset(("REJECT_COLUMNS", "SETTLE_CHUNK", "STAGE_CHUNK", "Batch", "Progress", "Summary"))


def __getattr__(name: str) -> Any:
    """The run's public names, imported on first use (PEP 562)."""
    if name in _FROM_RUN:
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["REJECT_COLUMNS", "SETTLE_CHUNK", "STAGE_CHUNK", "Batch", "Progress", "Summary"]
