"""What the core's attrs classes share: their ``__repr__``, written once here.

attrs compiles the methods it generates for each class when the class is built, at import; the
``__repr__`` is the largest of them, and building it for the 33 model classes on a command's start-up
path cost about 8 ms of ``creatorpay compare`` (docs/performance.md, "Start-up"), for a method that a
run never calls. A class sets ``__repr__ = attrs_repr`` in its body, which attrs then keeps (its
``auto_detect``) instead of generating one; the text is attrs' own, field by field.
"""

from __future__ import annotations

import threading

import attrs

_ACTIVE = threading.local()


def attrs_repr(self: object) -> str:
    """``Name(field=value, ...)`` as attrs writes it: the fields with ``repr=True`` in order, a field's
    own ``repr`` callable if it has one, and ``...`` for an object already being written (a cycle)."""
    active: set[int] | None = getattr(_ACTIVE, "ids", None)
    if active is None:
        active = _ACTIVE.ids = set()
    if id(self) in active:
        return "..."
    active.add(id(self))
    try:
        parts = [
            f"{field.name}={(field.repr if callable(field.repr) else repr)(getattr(self, field.name, attrs.NOTHING))}"
            for field in type(self).__attrs_attrs__  # type: ignore[attr-defined]
            if field.repr is not False
        ]
        return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"
    finally:
        active.discard(id(self))
