"""JSON text as the ledger stores it, made fast: one C encoder made once, and objects joined from
cached member texts instead of encoded whole.

Every text here equals ``json.dumps(data, separators=(",", ":"), ensure_ascii=False)`` (with
``sort_keys=True`` for :func:`canonical_json`); tests/ledger/test_ledger_codec.py holds them to it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def _encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """``json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=…)`` with its C
    encoder made once, not per call (``JSONEncoder.encode`` makes one each time: half the cost of
    encoding a small table). The data is this package's own plain values: no check for cycles."""
    default = json.JSONEncoder().default  # raises TypeError naming the type
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False).encode
    encode = make(None, default, _string, None, ":", ",", sort_keys, False, True)

    def dumps(data: Any) -> str:
        return _string(data) if type(data) is str else "".join(encode(data, 0))

    return dumps


_string: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
#: json.dumps with these arguments (see :func:`_encoder`).
_CANONICAL = _encoder(sort_keys=True)
_COMPACT = _encoder(sort_keys=False)


def canonical_json(data: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, non-ASCII text as is (an event's stored body)."""
    return _CANONICAL(data)


def compact_json(data: Any) -> str:
    """Compact JSON: keys in their order, no spaces, non-ASCII text as is (what the ledger stores)."""
    return _COMPACT(data)


def members(data: Mapping[str, Any]) -> str:
    """The members of a JSON object, ``"key":value`` joined by commas, keys in their order: a part
    of an object that :func:`join_object` puts together with others (a cached head, say)."""
    return ",".join(f"{_string(key)}:{_COMPACT(value)}" for key, value in data.items())


def join_object(*parts: str) -> str:
    """One compact JSON object from texts of :func:`members` (empty parts add nothing); equal to
    :func:`compact_json` of the mappings merged, when no key repeats across them."""
    return "{" + ",".join(part for part in parts if part) + "}"


def escaped(text: str) -> str:
    """``text`` with what JSON escapes escaped (control characters, lone surrogates, quotes and
    backslashes), without the quotes: printable in a CSV cell."""
    return json.dumps(text)[1:-1]


def canonical_flat(body: Mapping[str, Any]) -> str:
    """:func:`canonical_json` of a table, built member by member when its values are text, whole
    numbers or flags (an event's body, nearly always: twice as fast as the encoder on small tables);
    one holding anything else goes to the encoder whole."""
    parts = []
    for key in sorted(body):
        value = body[key]
        if type(value) is str:
            parts.append(f"{_string(key)}:{_string(value)}")
        elif type(value) is bool:
            parts.append(f"{_string(key)}:{'true' if value else 'false'}")
        elif type(value) is int:
            parts.append(f"{_string(key)}:{value!r}")
        else:  # a nested table or list, a number of another kind
            return _CANONICAL(body)
    return "{" + ",".join(parts) + "}"


__all__ = ["canonical_flat", "canonical_json", "compact_json", "escaped", "join_object", "members"]
