"""The garbage collector paused while long-lived modules import (creatorpay.core's and the CLI's).

Collecting an import's young objects again and again, when they live as long as the process
(classes, functions, tables), was about 3% of a ``creatorpay compare`` (docs/performance.md,
"Start-up"); no collection is lost, the objects are collected with the oldest generation should they
ever become garbage.
"""

import gc

#: Allocations between two collections of the youngest generation while a command or a task runs
#: (Python: 700). A run allocates rows by the hundred thousand that live until their piece is written;
#: collecting them that often cost ``settle`` 5-9% of its time (docs/performance.md).
GC_FIRST_GENERATION = 50_000


def pause() -> bool:
    """Disable the collector; whether it was enabled, for :func:`resume`."""
    enabled = gc.isenabled()
    gc.disable()
    return enabled


def resume(enabled: bool) -> None:
    """Undo :func:`pause`: the collector as it was. Unless the process froze objects of its own, the
    import's objects first go to the oldest generation (freeze, unfreeze: nothing collected), so that
    enabling the collector does not start by walking them all."""
    if enabled:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()
