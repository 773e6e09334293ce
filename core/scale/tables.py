"""The tables of the ledger at scale: their columns (plain names, in order) and Arrow schemas.

Rows travel between the stages as plain tuples in the column order given here, so a driver can
build Arrow record batches from them (or read them back) without any class of ours. Money is whole
fen (``int64``); amounts that are not money (a budget's remaining impressions, a draw) are exact
decimal text. The schemas are built on first use: pyarrow is imported only inside :func:`schema`.

Partitioning: the tables with ``month`` and ``platform`` columns are written one file per
(month, platform) in each run's folder (``<table>/month=YYYY-MM/platform=NAME/part-0.parquet``,
month and platform in the folder names only, as Spark's ``partitionBy`` writes them);
the store's state tables are small and written whole (``<table>/part-0.parquet``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

#: Column name -> Arrow type name (``string``, ``int64``, ``int32``); a trailing ``?`` is nullable.
_STRING, _INT, _SMALL = "string", "int64", "int32"

#: The events index: every event a run staged, with its content digest (the idempotency check) and
#: the statement that settled it (null when its unit was rejected: it may come again).
EVENTS: tuple[tuple[str, str], ...] = (
    ("month", _STRING),
    ("platform", _STRING),
    ("creator", _STRING),
    ("id", _STRING),
    ("date", _STRING),
    ("kind", _STRING),
    ("body", _STRING),
    ("digest", _STRING),
    ("run", _INT),
    ("line", _INT),
    ("statement", _INT + "?"),
)
#: Statements, as the SQLite ledger's ``statements`` table (money in fen).
STATEMENTS: tuple[tuple[str, str], ...] = (
    ("month", _STRING),
    ("platform", _STRING),
    ("creator", _STRING),
    ("statement", _INT),
    ("type", _STRING),
    ("adjusts", _INT + "?"),
    ("status", _STRING),
    ("net", _INT),
    ("events", _SMALL),
    ("event_ids", _STRING),
    ("scenario", _STRING),
    ("detail", _STRING),
    ("run", _INT),
    ("digest", _STRING),
)
#: Statement lines, value and amount in fen.
LINES: tuple[tuple[str, str], ...] = (
    ("month", _STRING),
    ("platform", _STRING),
    ("statement", _INT),
    ("seq", _SMALL),
    ("rule", _STRING),
    ("kind", _STRING),
    ("order_id", _STRING + "?"),
    ("payer", _STRING),
    ("payee", _STRING),
    ("base", _STRING + "?"),
    ("rate", _STRING + "?"),
    ("value", _INT),
    ("amount", _INT),
    ("label", _STRING),
    ("note", _STRING + "?"),
)
#: Rows rejected by a run: the input file, line, the row's id (empty when it had none) and why.
REJECTS: tuple[tuple[str, str], ...] = (
    ("run", _INT),
    ("file", _STRING),
    ("line", _INT),
    ("id", _STRING),
    ("reason", _STRING),
)
#: Creator profiles as staged by a run (the latest run's profile of a creator wins).
CREATORS: tuple[tuple[str, str], ...] = (
    ("id", _STRING),
    ("profile", _STRING),
    ("run", _INT),
    ("line", _INT),
)
#: Budget draws (NE-BUDGET-01's cash, WC-COLD-01's pool), in the order made: key, the unit that drew
#: (its scope) and the amount as exact decimal text (negative: a refund of a unit settled again).
DRAWS: tuple[tuple[str, str], ...] = (
    ("seq", _INT),
    ("key", _STRING),
    ("scope", _STRING),
    ("amount", _STRING),
)
#: The store's state at the end of a run (what the next run starts from): budgets ...
BUDGETS: tuple[tuple[str, str], ...] = (
    ("key", _STRING),
    ("capacity", _STRING),
    ("remaining", _STRING),
)
#: ... quotas (the baseline of a key) ...
QUOTAS: tuple[tuple[str, str], ...] = (
    ("key", _STRING),
    ("baseline", _INT),
)
#: ... and the slots held (state ``reserved`` or ``confirmed``).
SLOTS: tuple[tuple[str, str], ...] = (
    ("key", _STRING),
    ("holder", _STRING),
    ("state", _STRING),
)
#: The quota slots each unit's statements took (given back when a late event settles it again).
UNIT_SLOTS: tuple[tuple[str, str], ...] = (
    ("month", _STRING),
    ("platform", _STRING),
    ("creator", _STRING),
    ("key", _STRING),
    ("holder", _STRING),
)

#: Every table by name, as a run's folder holds them.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "events": EVENTS,
    "statements": STATEMENTS,
    "lines": LINES,
    "rejects": REJECTS,
    "creators": CREATORS,
    "draws": DRAWS,
    "budgets": BUDGETS,
    "quotas": QUOTAS,
    "slots": SLOTS,
    "unit_slots": UNIT_SLOTS,
}
#: The tables written one file per (month, platform).
PARTITIONED = frozenset(name for name, columns in TABLES.items() if {"month", "platform"} <= {c for c, _ in columns})
#: How a partitioned table's rows are ordered in each of its files (month and platform are the file's):
#: by these columns, a total order of a run's rows (an event's id is unique in a run, as is a statement's
#: id and a line's number in its statement), so that writing a run again writes the same bytes.
ORDER: dict[str, tuple[str, ...]] = {
    "events": ("id",),
    "statements": ("statement",),
    "lines": ("statement", "seq"),
    "unit_slots": ("creator", "key", "holder"),
}
#: The store's state at the end of a run: each run writes it whole, the next reads the latest.
STATE = ("draws", "budgets", "quotas", "slots")


def columns(table: str) -> tuple[str, ...]:
    """The column names of ``table``, in the order its rows are tuples."""
    return tuple(name for name, _ in TABLES[table])


def schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table`` (pyarrow imported here, on first use)."""
    import pyarrow as pa

    types: dict[str, Any] = {_STRING: pa.string(), _INT: pa.int64(), _SMALL: pa.int32()}
    return pa.schema(
        [pa.field(name, types[kind.rstrip("?")], nullable=kind.endswith("?")) for name, kind in TABLES[table]]
    )


def file_schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table``'s files: a partitioned table's month and platform are in the
    names of its folders (``month=…/platform=…``), not in its files."""
    found = schema(table)
    return _without(found, ("month", "platform")) if table in PARTITIONED else found


def _without(found: pa.Schema, names: tuple[str, ...]) -> pa.Schema:
    """``found`` without the fields ``names``."""
    for name in names:
        found = found.remove(found.get_field_index(name))
    return found


__all__ = [
    "BUDGETS",
    "CREATORS",
    "DRAWS",
    "EVENTS",
    "LINES",
    "ORDER",
    "PARTITIONED",
    "QUOTAS",
    "REJECTS",
    "SLOTS",
    "STATE",
    "STATEMENTS",
    "TABLES",
    "UNIT_SLOTS",
    "columns",
    "file_schema",
    "schema",
]
