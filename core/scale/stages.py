"""The stages of a settlement run as pure functions over plain rows (docs/scale.md).

Each stage takes and returns tuples in the column order of :mod:`.tables` (or the batch path's
own tuples, named below), holds no connection and reads no file, so a driver runs it where it
likes: in one process (:mod:`.local`), in a worker pool, or inside Spark's ``mapInArrow`` on an
executor. The checks are the batch path's own (:func:`~creatorpay.core.events.parse_event`,
:func:`~creatorpay.core.profiles.parse_profile`, :func:`~creatorpay.core.rows.to_row`, through
:data:`creatorpay.core.batch.workers.PARSERS`), and units are settled by the batch path's
:class:`~creatorpay.core.batch.workers.Settler` with the real :class:`~creatorpay.core.Engine`,
so a run here writes the statements ``creatorpay settle`` writes.

1. :func:`check_events` / :func:`check_profiles`: rows checked, bad ones rejected with file, line,
   id and reason.
2. :func:`idempotency`: by event id, in file order, against the events known before the run
   (:class:`Sighting`): the same content is a duplicate, different content a conflict, rejected
   naming the first sighting.
3. :func:`units` and :func:`job`: the new events grouped by unit (platform, creator, month), in
   unit order (creator, platform, month), each with what settling it needs.
4. :func:`settle_unit`: one unit settled against a store (:mod:`.shared` decides which).
5. :func:`ledger_rows` and :func:`reconcile`: the rows the ledger writes, and the run's
   reconciliation (rows read = settled + duplicates + rejected; cash in = cash out per platform).
"""

from __future__ import annotations

import hashlib
from itertools import groupby
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import fields
from ..batch.ledger import Held, StatementRows, Unit, content, from_fen
from ..batch.workers import PARSERS, Job, Outcome, Settler
from ..money import fmt

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from ..fields import Schema
    from ..rows import Record
    from ..sqlite_store import StoreBuffer

#: A checked event as the batch path stages it: (id, platform, creator, month, date, kind, body,
#: run, line). ``body`` is the kind's fields as canonical JSON.
EventRow = tuple[str, str, str, str, str, str, str, int, int]
#: A checked profile: (creator, profile as canonical JSON, run, line).
ProfileRow = tuple[str, str, int, int]


class Reject(NamedTuple):
    """A rejected row (the ``rejects`` table and file): its input, line, id (empty if none) and why."""

    file: str
    line: int
    id: str
    reason: str


class Checked(NamedTuple):
    """A piece of an input checked: the good rows, the rejected ones, and how many rows were read
    (blank lines are none)."""

    rows: list[Any]
    rejects: list[Reject]
    read: int


def check_events(
    records: Iterable[tuple[int, Record]],
    header: tuple[str, ...],
    *,
    source: str,
    text: bool,
    month: str | None,
    platforms: frozenset[str],
    run: int,
    schema: Schema | None = None,
) -> Checked:
    """Check records of an events file (line number, record as :class:`~creatorpay.core.rows.RowReader`
    gives it) into :data:`EventRow` s; ``text``: CSV; ``month``: the ``--period`` (events of other
    months are rejected); ``source``: how the rejects name the file; ``schema``: the engine's, with
    its plugins' kinds (by default the installed plugins')."""
    found = fields.installed() if schema is None else schema
    rows, rejects, read = PARSERS["events"](list(records), header, text, month, platforms, run, schema=found)
    return Checked(rows, [Reject(source, line, ident or "", why) for line, ident, why in rejects], read)


def check_profiles(
    records: Iterable[tuple[int, Record]],
    header: tuple[str, ...],
    *,
    source: str,
    text: bool,
    run: int,
    schema: Schema | None = None,
) -> Checked:
    """Check records of a creators file into :data:`ProfileRow` s (``schema``: as for
    :func:`check_events`). A creator twice in one file is not caught here (rows may be checked in
    pieces): :func:`latest_profiles` does that."""
    found = fields.installed() if schema is None else schema
    rows, rejects, read = PARSERS["profiles"](list(records), header, text, run, schema=found)
    return Checked(rows, [Reject(source, line, ident or "", why) for line, ident, why in rejects], read)


def latest_profiles(rows: Iterable[ProfileRow], *, source: str) -> tuple[dict[str, ProfileRow], list[Reject]]:
    """One file's profiles by creator, given in file order; a creator repeated in the file is
    rejected naming its first line (the first stands), as the batch path does."""
    found: dict[str, ProfileRow] = {}
    rejects: list[Reject] = []
    for row in rows:
        first = found.get(row[0])
        if first is not None:
            rejects.append(Reject(source, row[3], row[0], f"creator {row[0]!r} is repeated (first at line {first[3]})"))
        else:
            found[row[0]] = row
    return found, rejects


# -- idempotency ------------------------------------------------------------------------------------


def event_content(row: EventRow) -> str:
    """An event's content as one canonical JSON text (what a repeated id must match), for a
    conflict's message."""
    return content(row[1], row[2], row[4], row[5], row[6])


def event_digest(row: EventRow) -> str:
    """SHA-256 (hex) of an event's content (platform, creator, date, kind and its canonical body,
    joined by a separator no field holds): the events index's ``digest`` column; two events have
    the same digest exactly when they have the same content."""
    text = "\x1f".join((row[1], row[2], row[4], row[5], row[6]))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Sighting(NamedTuple):
    """An event id known before this row: the digest of its content (:func:`event_digest`), where
    it was seen (``line 12``, ``settled in statement 7``), and the event itself (whose content a
    conflict's message quotes)."""

    digest: str
    where: str
    event: EventRow


class Deduped(NamedTuple):
    """:func:`idempotency`'s answer: the new events (file order), how many rows were duplicates,
    the conflicting rows rejected, and how many of those there were."""

    new: list[EventRow]
    duplicates: int
    rejects: list[Reject]
    conflicts: int


def idempotency(rows: Iterable[EventRow], known: Mapping[str, Sighting], *, source: str) -> Deduped:
    """Each checked event by its id, in file order: new; a duplicate (the same content seen
    before: in an earlier run, ``known``, or earlier in this file); or a conflict (different
    content: rejected, naming the first sighting, whose content stands)."""
    new: list[EventRow] = []
    seen: dict[str, tuple[str, EventRow]] = {}  # id -> digest and the row, for this file
    duplicates = 0
    rejects: list[Reject] = []
    for row in rows:
        ident = row[0]
        digest = event_digest(row)
        before = known.get(ident)
        here = seen.get(ident)
        if before is None and here is None:
            seen[ident] = (digest, row)
            new.append(row)
            continue
        if before is not None:
            first_digest, where, first = before
        else:
            assert here is not None
            first_digest, first = here
            where = f"line {first[8]}"
        if first_digest == digest:
            duplicates += 1
            continue
        rejects.append(
            Reject(
                source,
                row[8],
                ident,
                f"conflicting duplicate: id {ident!r} was first seen with different content ({where}): "
                f"{event_content(first)}",
            )
        )
    return Deduped(new, duplicates, rejects, len(rejects))


# -- units ------------------------------------------------------------------------------------------


def unit_of(row: EventRow) -> Unit:
    """The unit of settlement of an event."""
    return Unit(row[1], row[2], row[3])


def unit_order(unit: Unit) -> tuple[str, str, str]:
    """The order units are settled in: creator, platform, month (as the batch path)."""
    return (unit.creator, unit.platform, unit.month)


def units(rows: Iterable[EventRow]) -> list[tuple[Unit, list[EventRow]]]:
    """The events grouped by unit, units in :func:`unit_order`, each unit's events by (date, id)."""
    ordered = sorted(rows, key=lambda r: (r[2], r[1], r[3], r[4], r[0]))
    return [(Unit(*key), list(group)) for key, group in groupby(ordered, key=lambda r: (r[1], r[2], r[3]))]


class History(NamedTuple):
    """What a unit settled before this run holds: its original statement's id, the events its
    statements settled (id, date, kind, body), what its lines hold per line key, and the quota
    slots (key, holder) it took."""

    original: int
    events: list[tuple[str, str, str, str]]
    held: Held
    slots: list[tuple[str, str]]


def job(unit: Unit, events: Sequence[EventRow], profile: str | None, history: History | None) -> Job:
    """What settling ``unit`` needs: its new ``events`` (in (date, id) order), its creator's
    profile (None: none known, the unit is rejected) and, for a unit settled before (late events),
    its :class:`History`: the month is folded again from all its events in (date, id) order."""
    new = [(e[0], e[4], e[5], e[6]) for e in events]
    if history is None:
        return Job(unit, new, [e[0] for e in events], profile, None, None, [])
    every = sorted([*history.events, *new], key=lambda e: (e[1], e[0]))
    return Job(unit, every, [e[0] for e in events], profile, history.original, history.held, list(history.slots))


def settle_unit(settler: Settler, work: Job, store: StoreBuffer) -> Outcome:
    """Settle one unit with the real engine against ``store``: its statement's rows (or why it
    cannot be settled) and its store calls (the transcript :mod:`.shared` checks). A unit that
    cannot be settled leaves ``store`` as it found it."""
    return settler.settle(work, store)


# -- the ledger's rows ------------------------------------------------------------------------------


class UnitRows(NamedTuple):
    """One settled unit's rows for the ledger: its statement (:data:`.tables.STATEMENTS`), lines
    (:data:`.tables.LINES`) and the quota slots it took (:data:`.tables.UNIT_SLOTS`)."""

    statement: tuple[Any, ...]
    lines: list[tuple[Any, ...]]
    slots: list[tuple[str, str, str, str, str]]


def ledger_rows(rows: StatementRows, ident: int, run: int) -> UnitRows:
    """The ledger's rows of a unit's statement, given its id (statements are numbered in unit
    order, after those of the runs before) and its run; its digest is the SQLite ledger's
    (:func:`~creatorpay.core.sqlite_schema.statement_digest`)."""
    from ..sqlite_schema import statement_digest

    unit = rows.unit
    statement = (
        unit.month,
        unit.platform,
        unit.creator,
        ident,
        rows.type,
        rows.adjusts,
        rows.status,
        rows.net,
        len(rows.events),
        rows.event_ids,
        rows.scenario,
        rows.detail,
        run,
        statement_digest(ident, run, rows.digest),
    )
    lines = [(unit.month, unit.platform, ident, seq, *line) for seq, line in enumerate(rows.lines, start=1)]
    slots = [(unit.month, unit.platform, unit.creator, key, holder) for key, holder in rows.slots]
    return UnitRows(statement, lines, slots)


# -- reconciliation ---------------------------------------------------------------------------------


class Cash(NamedTuple):
    """One platform's cash over a run's statements, in fen: what the lines pay the creators
    (cash in), what they take from them (deductions), the statements' nets (paid out), and the
    lines' net amount (which must equal the nets)."""

    statements: int
    adjustments: int
    credits: int
    debits: int
    paid: int
    lines_net: int

    @property
    def balanced(self) -> bool:
        return self.credits == self.debits + self.paid and self.lines_net == self.paid

    def to_dict(self) -> dict[str, Any]:
        """As the batch summary's ``cash`` entry of the platform."""
        return {
            "statements": self.statements,
            "adjustments": self.adjustments,
            "cash_in": fmt(from_fen(self.credits)),
            "deductions": fmt(from_fen(self.debits)),
            "paid_out": fmt(from_fen(self.paid)),
            "cash_out": fmt(from_fen(self.debits + self.paid)),
            "balanced": self.balanced,
        }


def reconcile(statements: Iterable[tuple[Any, ...]], lines: Iterable[tuple[Any, ...]]) -> dict[str, Cash]:
    """Cash in = cash out per platform (docs/batch.md), over a run's statement rows
    (:data:`.tables.STATEMENTS`) and their line rows (:data:`.tables.LINES`), platforms in order.
    The counts' side (rows read = settled + duplicates + rejected) is the driver's summary."""
    creators: dict[int, str] = {}
    counts: dict[str, list[int]] = {}
    for row in statements:
        creators[row[3]] = row[2]
        entry = counts.setdefault(row[1], [0, 0, 0, 0, 0, 0])
        entry[0] += 1
        entry[1] += row[4] == "adjustment"
        entry[4] += row[7]
    for line in lines:
        entry = counts[line[1]]
        creator = creators[line[2]]
        if line[8] == creator:  # payee
            entry[2] += line[11]
        if line[7] == creator:  # payer
            entry[3] += line[11]
        entry[5] += line[12]
    return {platform: Cash(s, a, c, d, p, n) for platform, (s, a, c, d, p, n) in sorted(counts.items())}


__all__ = [
    "Cash",
    "Checked",
    "Deduped",
    "EventRow",
    "History",
    "ProfileRow",
    "Reject",
    "Sighting",
    "UnitRows",
    "check_events",
    "check_profiles",
    "event_content",
    "event_digest",
    "idempotency",
    "job",
    "latest_profiles",
    "ledger_rows",
    "reconcile",
    "settle_unit",
    "unit_of",
    "unit_order",
    "units",
]
