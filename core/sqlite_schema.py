"""The SQLite schema of the store and the ledger, as migrations versioned in code.

Events have no index but their id: staging a row costs one B-tree insert, and a run finds the
unsettled events with one sorted scan (see :mod:`.ledger`). Settling an event appends to
``settled`` (a small table, its idempotency record) rather than rewriting the event's row: far
fewer pages change per commit. Each statement records the scenario it settled and the ids of its
events, so a late event's unit is folded again from all its events (read by id).

The database's ``PRAGMA user_version`` is the number of migrations applied; opening a database applies
the missing ones in order, each in its own transaction, so an older file is brought up to date and a
newer one (written by a later creatorpay) is refused rather than misread. Migrations are only ever
appended: a released one never changes.

Money in the ledger is stored as whole fen (INTEGER), so SQL sums are exact; budgets keep decimal
text because a capacity may have more places than a line. Statements, their lines and settled
events are append-only: triggers refuse to edit or delete them (a late event makes an adjustment).
Each statement carries a digest of its row, lines and events (:func:`statement_digest`), which
``ledger verify`` recomputes to find a changed byte that SQLite itself does not notice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import SchemaError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

#: The columns of a statement its digest covers (every column but the digest), in this order: the
#: id first and the run last, the statement's content between them.
DIGEST_HEADER = (
    "id",
    "platform",
    "creator",
    "month",
    "type",
    "adjusts",
    "status",
    "net",
    "events",
    "event_ids",
    "scenario",
    "detail",
    "run",
)
#: The columns of a line its statement's digest covers (every column but ``statement``): ``seq``
#: (the line's position, 1, 2, …) and the line's content.
DIGEST_LINE = ("seq", "rule", "kind", "order_id", "payer", "payee", "base", "rate", "value", "amount", "label", "note")


def _canonical_encoder() -> Callable[[Any], str]:
    """``json.dumps(data, separators=(",", ":"))`` (compact, non-ASCII escaped) with its C encoder
    made once, not per call (as :func:`.events.compact_json` does): a fifth of a digest's cost."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return json.JSONEncoder(separators=(",", ":")).encode
    encode = make(
        None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    return lambda data: "".join(encode(data, 0))


#: The canonical text of a statement's digest.
_CANONICAL = _canonical_encoder()


def content_digest(content: Sequence[Any], lines: Sequence[Sequence[Any]], events: Sequence[Sequence[Any]]) -> str:
    """SHA-256 (hex) of a statement's content: its row between id and run (:data:`DIGEST_HEADER`),
    its lines in ``seq`` order without ``seq``, and the events it settled (id, date, kind, body, in
    the order of its ``event_ids``: a later settlement of the unit folds them again), as one
    compact JSON array. Computed where the unit is settled (a worker process, maybe), before the
    statement has an id."""
    return hashlib.sha256(_CANONICAL((content, lines, events)).encode("ascii")).hexdigest()


def statement_digest(ident: int, run: int, content: str) -> str:
    """The digest stored with a statement: SHA-256 (hex) of its id, its run and its
    :func:`content_digest`, so a changed byte anywhere in its row, its lines or its events, or a
    line moved to another statement, changes it. Never change either function: they are how
    ``ledger verify`` checks every statement ever written."""
    return hashlib.sha256(f"{ident},{run},{content}".encode("ascii")).hexdigest()


class DamagedRow(ValueError):
    """A row a damaged file left with a value not of its column's type, where reading depends on it
    (a statement id that is not an integer: a flipped byte in a record or in the schema's text)."""


def _statement_id(value: object, what: str) -> int:
    """``value``, a statement id read from the ledger, checked to be an integer (:class:`DamagedRow`)."""
    if type(value) is not int:
        raise DamagedRow(f"{what} {value!r} is not an integer: the file is damaged")
    return value


class Stored(NamedTuple):
    """A statement as read back for its digest (:func:`read_statements`)."""

    #: Its row, :data:`DIGEST_HEADER`.
    header: tuple[Any, ...]
    #: The digest stored with it (None before migration 2).
    digest: str | None
    #: Its lines, :data:`DIGEST_LINE`, by ``seq``.
    lines: list[tuple[Any, ...]]
    #: Its events (id, date, kind, body; None where the event is missing), in ``event_ids`` order.
    events: list[tuple[Any, ...]]
    #: The ids of its events whose settlement record does not name it.
    unrecorded: list[str]

    def computed(self) -> str:
        """The digest its row, lines and events give now."""
        header = self.header
        return statement_digest(
            header[0], header[-1], content_digest(header[1:-1], [line[1:] for line in self.lines], self.events)
        )


def read_statements(
    conn: sqlite3.Connection, where: str = "", params: Sequence[str] = (), *, digest: bool = True
) -> Iterator[Stored]:
    """The statements (``s``, filtered by ``where``) in id order, each with its lines and events,
    read with three streaming queries (memory holds one statement), merged by statement id: an id
    that is not an integer raises :class:`DamagedRow`."""
    lines = conn.execute(
        f"SELECT l.statement, {', '.join('l.' + c for c in DIGEST_LINE)} FROM lines l "
        + (f"JOIN statements s ON s.id = l.statement {where} " if where else "")
        + "ORDER BY l.statement, l.seq",
        params,
    )
    events = conn.execute(
        "SELECT s.id, j.value, e.date, e.kind, e.body, t.statement FROM statements s "
        "JOIN json_each(s.event_ids) j LEFT JOIN events e ON e.id = j.value "
        f"LEFT JOIN settled t ON t.event = j.value {where} ORDER BY s.id, j.key",
        params,
    )
    line, event = lines.fetchone(), events.fetchone()
    for row in conn.execute(
        f"SELECT {', '.join('s.' + c for c in DIGEST_HEADER)}, "
        f"{'s.digest' if digest else 'NULL'} FROM statements s {where} ORDER BY s.id",
        params,
    ):
        *header, stored_digest = row  # DIGEST_HEADER's columns, the first its id; then the digest
        ident = _statement_id(header[0], "a statement's id")
        mine, settled, unrecorded = [], [], []
        while line is not None:  # the lines, in statement order: this statement's, until a later one's
            of_statement, *columns = line
            if _statement_id(of_statement, "a line's statement") > ident:
                break
            if of_statement == ident:
                mine.append(tuple(columns))
            line = lines.fetchone()
        while event is not None:  # its events likewise: id, date, kind, body, and the statement settling it
            of_statement, event_id, date, kind, body, recorded_in = event
            if _statement_id(of_statement, "a statement's id") > ident:
                break
            if of_statement == ident:
                settled.append((event_id, date, kind, body))
                if recorded_in != ident:
                    unrecorded.append(event_id)
            event = events.fetchone()
        yield Stored(tuple(header), stored_digest, mine, settled, unrecorded)


def _add_digests(conn: sqlite3.Connection) -> None:
    """Migration 2: each statement's digest of its row, lines and events (``ledger verify``),
    computed for the statements already written (the one edit their trigger allows, inside this
    migration)."""
    conn.execute("ALTER TABLE statements ADD COLUMN digest TEXT")
    conn.execute("DROP TRIGGER statements_never_edited")
    digests = [(stored.computed(), stored.header[0]) for stored in read_statements(conn, digest=False)]
    conn.executemany("UPDATE statements SET digest = ? WHERE id = ?", digests)
    conn.execute(_NEVER_EDITED)


_NEVER_EDITED = """CREATE TRIGGER statements_never_edited BEFORE UPDATE ON statements
    BEGIN SELECT RAISE(ABORT, 'ledger statements are never edited: settle an adjustment'); END"""

#: Migration n (1-based) brings user_version from n-1 to n: SQL statements, or a function of the
#: connection (run inside the migration's transaction).
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    # 1: quotas, budgets, runs, events with their idempotency keys, statements and lines.
    """
    CREATE TABLE quotas (
        key TEXT PRIMARY KEY,
        baseline INTEGER NOT NULL CHECK (baseline >= 0)
    );
    CREATE TABLE quota_slots (
        key TEXT NOT NULL REFERENCES quotas(key),
        holder TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'confirmed')),
        PRIMARY KEY (key, holder)
    ) WITHOUT ROWID;
    CREATE TABLE budgets (
        key TEXT PRIMARY KEY,
        capacity TEXT NOT NULL,
        remaining TEXT NOT NULL CHECK (CAST(remaining AS REAL) >= 0)
    );
    CREATE TABLE budget_draws (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL REFERENCES budgets(key),
        scope TEXT NOT NULL,
        amount TEXT NOT NULL
    );
    CREATE INDEX budget_draws_scope ON budget_draws(scope);

    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        source TEXT NOT NULL,
        summary TEXT
    );
    CREATE TABLE creators (
        id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        run INTEGER NOT NULL,
        line INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE statements (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        creator TEXT NOT NULL,
        month TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('original', 'adjustment')),
        adjusts INTEGER REFERENCES statements(id),
        status TEXT NOT NULL,
        net INTEGER NOT NULL,
        events INTEGER NOT NULL,
        event_ids TEXT NOT NULL,
        scenario TEXT NOT NULL,
        detail TEXT NOT NULL,
        run INTEGER NOT NULL REFERENCES runs(id),
        CHECK ((type = 'original') = (adjusts IS NULL))
    );
    CREATE UNIQUE INDEX statements_original ON statements(platform, creator, month) WHERE type = 'original';
    CREATE INDEX statements_month ON statements(month, platform, creator);
    CREATE INDEX statements_run ON statements(run);
    CREATE TABLE lines (
        statement INTEGER NOT NULL REFERENCES statements(id),
        seq INTEGER NOT NULL,
        rule TEXT NOT NULL,
        kind TEXT NOT NULL,
        order_id TEXT,
        payer TEXT NOT NULL,
        payee TEXT NOT NULL,
        base TEXT,
        rate TEXT,
        value INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        label TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (statement, seq)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        creator TEXT NOT NULL,
        month TEXT NOT NULL,
        date TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        run INTEGER NOT NULL,
        line INTEGER NOT NULL
    );
    CREATE TABLE settled (
        event TEXT PRIMARY KEY REFERENCES events(id),
        statement INTEGER NOT NULL REFERENCES statements(id)
    ) WITHOUT ROWID;
    CREATE TABLE conflicts (
        id TEXT NOT NULL,
        found TEXT NOT NULL,
        kept TEXT NOT NULL,
        run INTEGER NOT NULL,
        line INTEGER NOT NULL,
        PRIMARY KEY (id, found)
    );

    CREATE TRIGGER statements_never_edited BEFORE UPDATE ON statements
    BEGIN SELECT RAISE(ABORT, 'ledger statements are never edited: settle an adjustment'); END;
    CREATE TRIGGER statements_never_deleted BEFORE DELETE ON statements
    BEGIN SELECT RAISE(ABORT, 'ledger statements are never deleted'); END;
    CREATE TRIGGER lines_never_edited BEFORE UPDATE ON lines
    BEGIN SELECT RAISE(ABORT, 'ledger lines are never edited: settle an adjustment'); END;
    CREATE TRIGGER lines_never_deleted BEFORE DELETE ON lines
    BEGIN SELECT RAISE(ABORT, 'ledger lines are never deleted'); END;
    CREATE TRIGGER settled_never_edited BEFORE UPDATE ON settled
    BEGIN SELECT RAISE(ABORT, 'a settlement record is never edited'); END;
    CREATE TRIGGER settled_never_deleted BEFORE DELETE ON settled
    BEGIN SELECT RAISE(ABORT, 'a settlement record is never deleted'); END;
    CREATE TRIGGER settled_events_never_edited BEFORE UPDATE ON events
    WHEN EXISTS (SELECT 1 FROM settled WHERE event = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'a settled event is never edited'); END;
    CREATE TRIGGER settled_events_never_deleted BEFORE DELETE ON events
    WHEN EXISTS (SELECT 1 FROM settled WHERE event = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'a settled event is never deleted'); END;
    """,
    # 2: each statement's digest (ledger verify).
    _add_digests,
    # 3: the quota slots each unit took, which settling the unit again gives back first (a late order
    # with an earlier date takes its slot, XT-CC-06).
    """
    CREATE TABLE unit_slots (
        platform TEXT NOT NULL,
        creator TEXT NOT NULL,
        month TEXT NOT NULL,
        key TEXT NOT NULL,
        holder TEXT NOT NULL,
        PRIMARY KEY (platform, creator, month, key, holder)
    ) WITHOUT ROWID;
    """,
)


def version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to the database."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    assert isinstance(found, int)
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the missing migrations, each atomically; returns the schema version now in force.

    Safe when several processes open a new database at once: the version is read again under the
    write lock (BEGIN IMMEDIATE) before a migration is applied.
    """
    while True:
        current = version(conn)
        _known(current)
        if current == len(MIGRATIONS):
            return current
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version(conn) == current:
                if current == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise SchemaError(
                        "not a creatorpay ledger: a SQLite database with tables of its own "
                        "and no creatorpay schema version"
                    )
                step = MIGRATIONS[current]
                if callable(step):
                    step(conn)
                else:
                    for statement in _statements(step):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def check_version(conn: sqlite3.Connection) -> int:
    """The schema version of a database opened read only, refused unless it is this creatorpay's."""
    current = version(conn)
    _known(current)
    if current != len(MIGRATIONS):
        raise SchemaError(
            f"not a creatorpay ledger, or one not brought up to date (schema version {current}, "
            f"this creatorpay's is {len(MIGRATIONS)}): run creatorpay settle on it first"
        )
    return current


def _known(current: int) -> None:
    """Refuse a schema version newer than the migrations known, or impossible (below 0: corrupted)."""
    if current > len(MIGRATIONS):
        raise SchemaError(
            f"database schema version {current} is newer than this creatorpay knows "
            f"({len(MIGRATIONS)}); upgrade creatorpay"
        )
    if current < 0:
        raise SchemaError(
            f"database schema version {current} is not one creatorpay writes (0 to "
            f"{len(MIGRATIONS)}): the file is damaged or not a creatorpay ledger"
        )


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit the open transaction)."""
    found: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {buffer.strip()[:60]}")
    return found


__all__ = [
    "DIGEST_HEADER",
    "DIGEST_LINE",
    "MIGRATIONS",
    "SchemaError",
    "Stored",
    "check_version",
    "content_digest",
    "migrate",
    "read_statements",
    "statement_digest",
    "version",
]
