"""The ledger at scale: Parquet tables in a folder per run, published by a run registry.

``DIR/runs/run-000001/<table>/month=YYYY-MM/platform=NAME/part-0.parquet`` (the tables of
:mod:`.tables`; the store's state tables whole, ``<table>/part-0.parquet``) and a registry of runs:

- A run's folder is written in a temporary folder beside it and renamed into place; the run is
  published when the registry commits it. Readers read committed runs only: a run that died, or
  one being written, is not seen.
- The registry is ``DIR/runs.json`` (replaced whole and atomically, under an exclusive lock on
  ``DIR/runs.lock``), or, with a DSN, :class:`~creatorpay.core.postgres_store.PostgresStore`'s
  (``begin_run``, ``commit_run``, ``committed_runs``), for drivers on several machines.
- Writing a run id again writes the same bytes: file names are fixed, rows sorted, no time inside
  a data file (the registry keeps the commit time), and a run reads only the runs committed
  before it.
- Late events make a new run whose adjustment statements reference the originals by statement id,
  as the SQLite ledger does; ``ledger export`` sums every statement of a unit, so its totals are
  those of one run of all the events.

pyarrow is imported inside the functions that read or write (``pip install 'creatorpay[scale]'``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from typing import TYPE_CHECKING, Any, Protocol

from ..batch.ledger import EXPORT_COLUMNS, Unit, total_row, write_totals
from ..sqlite_schema import content_digest, statement_digest
from ..statement import TOTALS, Kind
from . import tables
from .shared import State
from .stages import History, Sighting

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path
    from typing import TextIO

#: The folder of the runs and the registry file, inside the ledger folder.
RUNS = "runs"
REGISTRY = "runs.json"
#: Kind code -> the total it adds to (statement.TOTALS).
_TOTAL_OF = {kind.code: kind.total for kind in Kind}


class Registry(Protocol):
    """Where runs are begun and committed (PostgresStore has the same three methods)."""

    def begin_run(self, run: str) -> bool: ...

    def commit_run(self, run: str) -> bool: ...

    def committed_runs(self) -> list[tuple[str, dt.datetime]]: ...


class FileRegistry:
    """The run registry as a JSON file (``runs.json``) replaced atomically under a file lock:
    ``{"schema": 1, "runs": [{"id": "1", "state": "running" | "committed", "committed_at": …,
    "order": n}]}`` (``order``: the commit's place, what readers read in)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / REGISTRY
        self._lock = folder / "runs.lock"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[dict[str, Any]]]:
        self._lock.parent.mkdir(parents=True, exist_ok=True)
        with self._lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                runs = self._read()
                before = json.dumps(runs)
                yield runs
                if json.dumps(runs) != before:
                    self._write(runs)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        runs: list[dict[str, Any]] = data["runs"]
        return runs

    def _write(self, runs: list[dict[str, Any]]) -> None:
        temporary = self.path.with_name(f".{REGISTRY}.{os.getpid()}")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump({"schema": 1, "runs": runs}, out, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        _sync_folder(self.path.parent)

    def begin_run(self, run: str) -> bool:
        """Register ``run`` as running; False if it was committed already."""
        with self._locked() as runs:
            for entry in runs:
                if entry["id"] == run:
                    return bool(entry["state"] == "running")
            runs.append({"id": run, "state": "running", "committed_at": None})
            return True

    def commit_run(self, run: str) -> bool:
        """Publish ``run``: True if this call committed it, False if it was committed already."""
        with self._locked() as runs:
            for entry in runs:
                if entry["id"] == run:
                    if entry["state"] == "committed":
                        return False
                    entry["state"] = "committed"
                    entry["committed_at"] = dt.datetime.now(dt.UTC).isoformat()
                    entry["order"] = 1 + max((e.get("order", 0) for e in runs), default=0)
                    return True
        raise LookupError(f"run {run!r} was never begun (begin_run)")

    def begin_new(self) -> str:
        """Register a new run, one more than any begun or committed (or with a folder in
        ``runs/``), as running, and return its id: two drivers starting at once get two ids."""
        with self._locked() as runs:
            folders = self.path.parent / RUNS
            known = [int(entry["id"]) for entry in runs if str(entry["id"]).isdigit()]
            if folders.is_dir():
                known += [int(p.name[4:]) for p in folders.glob("run-*") if p.name[4:].isdigit()]
            run = str(max(known, default=0) + 1)
            runs.append({"id": run, "state": "running", "committed_at": None})
            return run

    def commit_after(self, run: str, before: Sequence[str]) -> bool | None:
        """Publish ``run`` if the committed runs are still ``before`` (what it read), in one step
        under the lock: True if committed, False if it was committed already, None if another
        run was committed meanwhile (read again and settle again)."""
        with self._locked() as runs:
            committed = [e["id"] for e in sorted(runs, key=lambda e: e.get("order", 0)) if e["state"] == "committed"]
            entry = next((e for e in runs if e["id"] == run), None)
            if entry is None:
                raise LookupError(f"run {run!r} was never begun (begin_run)")
            if entry["state"] == "committed":
                return False
            if committed != list(before):
                return None
            entry["state"] = "committed"
            entry["committed_at"] = dt.datetime.now(dt.UTC).isoformat()
            entry["order"] = 1 + max((e.get("order", 0) for e in runs), default=0)
            return True

    def committed_runs(self) -> list[tuple[str, dt.datetime]]:
        """The committed runs, in the order they were committed."""
        committed = sorted((e for e in self._read() if e["state"] == "committed"), key=lambda e: e["order"])
        return [(entry["id"], dt.datetime.fromisoformat(entry["committed_at"])) for entry in committed]

    def known(self) -> list[str]:
        """Every run id begun, committed or not."""
        return [entry["id"] for entry in self._read()]


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def run_folder(ledger: Path, run: int) -> Path:
    """The folder of ``run`` in the ledger at ``ledger``."""
    return ledger / RUNS / f"run-{run:06d}"


def write_run(
    ledger: Path, run: int, rows: Mapping[str, Sequence[tuple[Any, ...]]], *, prepared: Path | None = None
) -> Path:
    """Write a run's tables (table name -> rows, in :mod:`.tables`' column order) into its folder,
    whole or not at all: a temporary folder renamed into place (replacing the run's old folder,
    which a re-run writes again with the same bytes). Rows are sorted; files named by partition.
    ``prepared``: a temporary folder (:func:`temporary_folder`) where some tables were written
    already (by Spark, :func:`.spark.write_tables`); the others are written from ``rows``."""
    final = run_folder(ledger, run)
    temporary = prepared if prepared is not None else temporary_folder(ledger, run)
    for table in tables.TABLES:
        if prepared is None or not (prepared / table).exists():
            write_table(temporary, table, rows.get(table, ()))
    _fsync_tree(temporary)
    if final.exists():
        trash = final.with_name(f".{final.name}.old.{os.getpid()}.{uuid.uuid4().hex}")
        os.replace(final, trash)
        os.replace(temporary, final)
        shutil.rmtree(trash)
    else:
        os.replace(temporary, final)
    _sync_folder(final.parent)
    return final


def temporary_folder(ledger: Path, run: int) -> Path:
    """The empty temporary folder beside ``run``'s where its tables are written before the rename:
    its own name (two drivers in one process may write the same run at once, a Spark write taking
    a while outside any lock; the name is never inside a data file)."""
    final = run_folder(ledger, run)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex}")
    temporary.mkdir()
    return temporary


def write_table(folder: Path, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """One table's rows into ``folder/table``: sorted, one file per (month, platform) for the
    partitioned tables, whose month and platform are in the folder names only (as Spark writes
    them, ``DataFrame.write.partitionBy``), else one file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    found = sorted(rows, key=_sort_key(table))
    parts: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    if table in tables.PARTITIONED:
        for row in found:
            parts.setdefault((row[0], row[1]), []).append(row[2:])
    else:
        parts[()] = list(found)
    schema = tables.file_schema(table)
    for part, part_rows in sorted(parts.items()):
        target = folder / table
        if part:
            target = target / f"month={part[0]}" / f"platform={part[1]}"
        target.mkdir(parents=True, exist_ok=True)
        arrays = list(zip(*part_rows, strict=True)) if part_rows else [()] * len(schema)
        data = pa.Table.from_arrays(
            [pa.array(values, type=field.type) for values, field in zip(arrays, schema, strict=True)],
            schema=schema,
        )
        pq.write_table(data, target / "part-0.parquet", compression="zstd")


def _sort_key(table: str) -> Any:
    """How a table's rows are sorted (a stable, total order of the rows a run writes): a partitioned
    table's by month, platform and :data:`.tables.ORDER`, as Spark writes them."""
    if table == "rejects":
        return lambda row: 0  # the order the run rejected them (file order), kept
    if table == "draws":
        return lambda row: row[0]
    if table in tables.PARTITIONED:
        names = tables.columns(table)
        at = [0, 1, *(names.index(name) for name in tables.ORDER[table])]
        return lambda row: tuple(row[i] for i in at)
    return lambda row: tuple("" if v is None else v for v in row)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*.parquet")):
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def read_table(folder: Path, table: str) -> list[tuple[Any, ...]]:
    """A run folder's rows of ``table``, as tuples in column order (partitions in name order; a
    partitioned table's month and platform read from its folders' names)."""
    import pyarrow.parquet as pq

    schema = tables.file_schema(table)
    names = schema.names
    partitioned = table in tables.PARTITIONED
    found: list[tuple[Any, ...]] = []
    for path in sorted((folder / table).rglob("*.parquet")):
        data = pq.read_table(path, schema=schema).to_pylist()
        if partitioned:
            month, platform = (path.parent.parent.name.partition("=")[2], path.parent.name.partition("=")[2])
            found.extend((month, platform, *(row[name] for name in names)) for row in data)
        else:
            found.extend(tuple(row[name] for name in names) for row in data)
    return found


class ParquetLedger:
    """A ledger folder: its registry and its committed runs' tables.

    ``dsn``: keep the registry in PostgreSQL (PostgresStore's run registry, in ``schema``) instead
    of ``runs.json``.
    """

    def __init__(self, folder: Path, *, dsn: str | None = None, schema: str = "creatorpay") -> None:
        self.folder = folder
        self.dsn = dsn
        self._files = FileRegistry(folder)
        self.registry: Registry = self._files
        if dsn is not None:
            from ..postgres_store import PostgresStore

            self.registry = PostgresStore(dsn, schema=schema)
        self._cache: dict[tuple[int, str], list[tuple[Any, ...]]] = {}

    def close(self) -> None:
        close = getattr(self.registry, "close", None)
        if close is not None and self.registry is not self._files:
            close()

    # -- runs ---------------------------------------------------------------------------------------

    def committed(self) -> list[int]:
        """The committed runs, in commit order: what readers read."""
        return [int(run) for run, _ in self.registry.committed_runs()]

    def new_run(self) -> int:
        """Begin a run with an id not used yet (one more than any this ledger knows). With the
        file registry two drivers starting at once get two ids; with PostgreSQL's, give each
        driver its own id (``--run``)."""
        if self.registry is self._files:
            return int(self._files.begin_new())
        known = [int(run) for run in self._files.known()] + self.committed()
        if self.folder.joinpath(RUNS).is_dir():
            known += [int(p.name[4:]) for p in self.folder.joinpath(RUNS).glob("run-*") if p.name[4:].isdigit()]
        run = max(known, default=0) + 1
        self.registry.begin_run(str(run))
        return run

    def begin(self, run: int) -> list[int]:
        """Begin ``run`` (or begin it again): the committed runs it reads, those before it."""
        self.registry.begin_run(str(run))
        committed = self.committed()
        return committed[: committed.index(run)] if run in committed else committed

    def publish(
        self,
        run: int,
        rows: Mapping[str, Sequence[tuple[Any, ...]]],
        before: Sequence[int] | None = None,
        *,
        prepared: Path | None = None,
    ) -> bool | None:
        """Write ``run``'s folder and commit it, if the runs committed are still ``before`` (what the
        run read: optimistic, no lock held while it settles; None: commit without that check).
        True if committed; False if it was committed already (its folder was written again, with
        the same bytes for the same inputs); None if another run was committed meanwhile: nothing
        is published, settle it again. ``prepared``: tables written already (:func:`write_run`)."""
        write_run(self.folder, run, rows, prepared=prepared)
        if before is None:
            return self.registry.commit_run(str(run))
        if self.registry is self._files:
            return self._files.commit_after(str(run), [str(r) for r in before])
        from ..postgres_store import PostgresStore

        assert isinstance(self.registry, PostgresStore)
        with self.registry.transaction() as conn:  # one commit at a time: an advisory lock to the end
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('creatorpay.scale.registry'))")
            committed = self.committed()
            if run in committed:
                return False
            if committed != list(before):
                return None
            return self.registry.commit_run(str(run))

    def table(self, run: int, table: str) -> list[tuple[Any, ...]]:
        key = (run, table)
        if key not in self._cache:
            self._cache[key] = read_table(run_folder(self.folder, run), table)
        return self._cache[key]

    def rows(self, table: str, runs: Iterable[int]) -> Iterator[tuple[Any, ...]]:
        for run in runs:
            yield from self.table(run, table)

    # -- what a new run reads -----------------------------------------------------------------------

    def sightings(self, runs: Sequence[int]) -> dict[str, Sighting]:
        """Every event id the runs settled, with its content digest and where: the idempotency
        check of the next run."""
        found: dict[str, Sighting] = {}
        for row in self.rows("events", runs):
            month, platform, creator, ident, date, kind, body, digest, run, line, statement = row
            event = (ident, platform, creator, month, date, kind, body, run, line)
            found[ident] = Sighting(digest, f"settled in statement {statement}", event)
        return found

    def profiles(self, runs: Sequence[int]) -> dict[str, str]:
        """The creators' profiles the runs staged (the latest run's wins)."""
        return {row[0]: row[1] for row in self.rows("creators", runs)}

    def state(self, runs: Sequence[int]) -> State:
        """The store's state after the last of ``runs`` (empty before any)."""
        if not runs:
            return State.empty()
        last = runs[-1]
        return State(
            [(k, c, r) for k, c, r in self.table(last, "budgets")],
            [(k, int(b)) for k, b in self.table(last, "quotas")],
            [(k, h, s) for k, h, s in self.table(last, "slots")],
            [(int(i), k, s, a) for i, k, s, a in self.table(last, "draws")],
        )

    def next_statement(self, runs: Sequence[int]) -> int:
        """The id of the next statement (statements are numbered across runs, in unit order)."""
        return max((row[3] for row in self.rows("statements", runs)), default=0) + 1

    def histories(self, runs: Sequence[int], units: Iterable[Unit]) -> dict[Unit, History]:
        """For each of ``units`` settled by the runs: its :class:`History` (late events)."""
        wanted = set(units)
        statements: dict[int, Unit] = {}
        originals: dict[Unit, int] = {}
        for row in self.rows("statements", runs):
            unit = Unit(row[1], row[2], row[0])
            if unit in wanted:
                statements[row[3]] = unit
                if row[4] == "original":
                    originals[unit] = row[3]
        if not originals:
            return {}
        events: dict[Unit, list[tuple[str, str, str, str]]] = {}
        for row in self.rows("events", runs):
            if row[10] in statements:
                events.setdefault(statements[row[10]], []).append((row[3], row[4], row[5], row[6]))
        held: dict[Unit, dict[tuple[Any, ...], list[Any]]] = {}
        for row in sorted(self.rows("lines", runs), key=lambda r: (r[2], r[3])):
            unit_of = statements.get(row[2])
            if unit_of is None:
                continue
            entry = held.setdefault(unit_of, {}).setdefault((row[4], row[5], row[6], row[7], row[8]), [0, 0, None])
            entry[0] += row[11]
            entry[1] += row[12]
            entry[2] = row[13] if entry[2] is None else min(entry[2], row[13])
        slots: dict[Unit, list[tuple[str, str]]] = {}
        for row in self.rows("unit_slots", runs):
            unit = Unit(row[1], row[2], row[0])
            if unit in originals:
                slots.setdefault(unit, []).append((row[3], row[4]))
        return {
            unit: History(
                original,
                events.get(unit, []),
                {key: (v, a, label) for key, (v, a, label) in held.get(unit, {}).items()},
                sorted(set(slots.get(unit, []))),
            )
            for unit, original in originals.items()
        }

    # -- reading ------------------------------------------------------------------------------------

    def totals(
        self, *, month: str | None = None, platform: str | None = None, creator: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Totals per (platform, creator, month), as the SQLite ledger's ``ledger export``."""
        runs = self.committed()
        filters = (month, platform, creator)  # in the statements' column order
        units: dict[tuple[str, str, str], list[int]] = {}
        owner: dict[int, tuple[str, str, str]] = {}
        for row in self.rows("statements", runs):
            key = (row[1], row[2], row[0])
            if any(wanted is not None and wanted != value for wanted, value in zip(filters, row, strict=False)):
                continue
            entry = units.setdefault(key, [0, 0, 0, 0])
            entry[0] += 1
            entry[1] += row[4] == "adjustment"
            entry[2] += row[7]
            entry[3] += row[8]
            owner[row[3]] = key
        sums: dict[tuple[str, str, str], dict[str, int]] = {}
        for row in self.rows("lines", runs):
            key_ = owner.get(row[2])
            if key_ is None:
                continue
            total = sums.setdefault(key_, dict.fromkeys(TOTALS, 0))
            name = _TOTAL_OF.get(row[5], row[5])
            total[name] = total.get(name, 0) + row[12]
        for key in sorted(units, key=lambda k: tuple(s.encode("utf-8") for s in k)):
            count, adjustments, net, events = units[key]
            found = sums.get(key, dict.fromkeys(TOTALS, 0))
            yield total_row(Unit(*key), count, adjustments, events, found, net)

    def export(
        self,
        out: TextIO,
        fmt_: str,
        *,
        month: str | None = None,
        platform: str | None = None,
        creator: str | None = None,
    ) -> int:
        """Write :meth:`totals` as ``csv`` or ``json`` (the SQLite ledger's export, byte for byte)."""
        return write_totals(out, fmt_, self.totals(month=month, platform=platform, creator=creator), month)

    def verify(self) -> tuple[int, list[str]]:
        """Check every committed run: its folder and tables readable with their schemas, every
        statement's digest recomputed from its row, lines and events (the SQLite ledger's digest),
        and every event it settled in the events index. Returns statements checked and problems."""
        problems: list[str] = []
        checked = 0
        runs = self.committed()
        for run in runs:
            folder = run_folder(self.folder, run)
            if not folder.is_dir():
                problems.append(f"run {run} is committed but its folder {folder} is missing")
                continue
            try:
                for table in tables.TABLES:
                    self.table(run, table)
            except Exception as exc:  # any unreadable file is a problem to report
                problems.append(f"run {run}: a table cannot be read: {exc}")
        if problems:
            return checked, problems
        events: dict[str, tuple[str, str, str, str, int | None]] = {}
        for row in self.rows("events", runs):
            events[row[3]] = (row[3], row[4], row[5], row[6], row[10])
        lines: dict[int, list[tuple[Any, ...]]] = {}
        for row in self.rows("lines", runs):
            lines.setdefault(row[2], []).append(row)
        for row in self.rows("statements", runs):
            checked += 1
            (
                month,
                platform,
                creator,
                ident,
                kind,
                adjusts,
                status,
                net,
                count,
                event_ids,
                scenario,
                detail,
                run,
                digest,
            ) = row
            which = f"statement {ident} ({platform}/{creator}/{month})"
            mine = sorted(lines.get(ident, []), key=lambda r: r[3])
            if [r[3] for r in mine] != list(range(1, len(mine) + 1)):
                problems.append(f"{which}: its lines are not numbered 1, 2, 3, …")
                continue
            ids = json.loads(event_ids)
            missing = [e for e in ids if e not in events or events[e][4] != ident]
            if missing:
                problems.append(
                    f"{which}: no settlement record names it for event(s) {', '.join(map(str, missing[:5]))}"
                )
                continue
            settles = [events[e][:4] for e in ids]
            content = content_digest(
                (platform, creator, month, kind, adjusts, status, net, count, event_ids, scenario, detail),
                [r[4:] for r in mine],
                settles,
            )
            if statement_digest(ident, run, content) != digest:
                problems.append(f"{which}: its digest does not match its row, lines and events")
        return checked, problems


__all__ = [
    "EXPORT_COLUMNS",
    "REGISTRY",
    "RUNS",
    "FileRegistry",
    "ParquetLedger",
    "Registry",
    "read_table",
    "run_folder",
    "temporary_folder",
    "write_run",
    "write_table",
]
