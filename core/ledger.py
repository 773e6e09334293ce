"""The ledger's public names where the CLI imports them; the ledger is :mod:`creatorpay.core.batch.ledger`."""

from __future__ import annotations

from .batch.ledger import (
    EXPORT_COLUMNS,
    Held,
    Ledger,
    Staged,
    StatementRows,
    StoredEvent,
    Unit,
    content,
    from_fen,
    schema_differences,
    statement_rows,
    to_fen,
)

__all__ = [
    "EXPORT_COLUMNS",
    "Held",
    "Ledger",
    "Staged",
    "StatementRows",
    "StoredEvent",
    "Unit",
    "content",
    "from_fen",
    "schema_differences",
    "statement_rows",
    "to_fen",
]
