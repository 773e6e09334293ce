"""Store keys shared across units, resolved deterministically in unit order, not by locks.

A plugin keeps state between statements in the store (docs/writing-a-plugin.md): Xingtu's
co-creation quota of a creator's month (one unit uses it), NetEase's program cash budget
(NE-BUDGET-01) and WeChat's cold-start pool (WC-COLD-01), which every unit of the platform draws
from. ``creatorpay settle`` settles units one after another in unit order against one store; a
distributed driver settles them anywhere, and must end with the same statements. It does so here:

1. :func:`private`: each unit is settled against the store as it was when the run began (a
   :class:`~creatorpay.core.sqlite_store.StoreBuffer` over :class:`State`, rolled back after each
   unit), recording its calls. A key that one unit alone uses is then exact.
2. :func:`shared_keys` and :func:`chain`: for a budget key that several units use, its units are
   scanned in unit order, each transcript applied to what the units before it left
   (``left_before``; a draw pays ``min(amount, left)``).
3. :func:`standing`: a unit touching a shared key whose calls, replayed with the store seeded with
   its ``left_before``, answer as they did keeps its first outcome (the plugin contract: a plugin is
   deterministic given the store's answers); :func:`seeded`: the others are settled again so
   seeded, and :func:`holds` checks every step of the chain (what a unit left is the next one's
   ``left_before``). While a budget lasts, its draws answer as they did: only the units from the
   one it runs short for are settled again.
4. A key whose chain does not hold (a plugin that asks for more when more is left, a quota that
   several units share) goes to a serial lane: its units settled one after another (:func:`serial`).
5. :func:`commit`: every unit's calls replayed in unit order against the store as the run began,
   each answering as it did (else that unit is settled again there): the store's state at the end,
   and the proof that the statements are those of a serial run.

:func:`resolve` does all of it in one process (the local driver); a distributed driver runs steps 1
and 3 where the units are and the rest where the transcripts meet.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from ..sqlite_schema import migrate
from ..sqlite_store import Call, StoreBuffer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from ..batch.workers import Job, Outcome

#: Store methods that touch a budget, and those that touch a quota.
_BUDGET_CALLS = frozenset(("draw", "remaining"))
_QUOTA_CALLS = frozenset(("reserve", "confirm", "confirmed", "release", "used"))


class State(NamedTuple):
    """The store's state as the ledger keeps it between runs (:data:`.tables.STATE`): budgets
    (key, capacity, remaining), quotas (key, baseline), slots (key, holder, state) and the budget
    draws (seq, key, scope, amount), amounts as exact decimal text."""

    budgets: list[tuple[str, str, str]]
    quotas: list[tuple[str, int]]
    slots: list[tuple[str, str, str]]
    draws: list[tuple[int, str, str, str]]

    @classmethod
    def empty(cls) -> State:
        return cls([], [], [], [])


def state_store(state: State) -> StoreBuffer:
    """A store answering as the store did when the run began: a :class:`StoreBuffer` over an
    in-memory database holding ``state`` (each process or executor makes its own)."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(conn)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO budgets(key, capacity, remaining) VALUES (?, ?, ?)", state.budgets)
    conn.executemany("INSERT INTO quotas(key, baseline) VALUES (?, ?)", state.quotas)
    conn.executemany("INSERT INTO quota_slots(key, holder, state) VALUES (?, ?, ?)", state.slots)
    conn.executemany("INSERT INTO budget_draws(id, key, scope, amount) VALUES (?, ?, ?, ?)", state.draws)
    conn.execute("COMMIT")
    return StoreBuffer(conn)


def state_of(store: StoreBuffer) -> State:
    """The state ``store`` holds, its changes flushed: what the next run starts from (rows sorted,
    so the same state is written as the same bytes)."""
    conn = store.conn
    conn.execute("BEGIN")
    store.flush()
    conn.execute("COMMIT")
    return State(
        [(k, str(c), str(r)) for k, c, r in conn.execute("SELECT key, capacity, remaining FROM budgets ORDER BY key")],
        [(k, int(b)) for k, b in conn.execute("SELECT key, baseline FROM quotas ORDER BY key")],
        [(k, h, s) for k, h, s in conn.execute("SELECT key, holder, state FROM quota_slots ORDER BY key, holder")],
        [
            (int(i), k, s, str(a))
            for i, k, s, a in conn.execute("SELECT id, key, scope, amount FROM budget_draws ORDER BY id")
        ],
    )


# -- the transcripts --------------------------------------------------------------------------------


def keys_of(calls: Iterable[Call]) -> dict[str, str]:
    """The store keys a transcript touches, each as ``budget`` or ``quota`` (a refund touches the
    budgets it gave back to)."""
    found: dict[str, str] = {}
    for method, args, answer in calls:
        if method in _BUDGET_CALLS:
            found.setdefault(args[0], "budget")
        elif method in _QUOTA_CALLS:
            found.setdefault(args[0], "quota")
        elif method == "refund":
            for key in answer:
                found.setdefault(key, "budget")
    return found


def shared_keys(transcripts: Sequence[Sequence[Call]]) -> dict[str, list[int]]:
    """The keys that more than one unit touches, each with those units (by index, in order)."""
    users: dict[str, list[int]] = {}
    for index, calls in enumerate(transcripts):
        for key in keys_of(calls):
            users.setdefault(key, []).append(index)
    return {key: found for key, found in sorted(users.items()) if len(found) > 1}


def apply(calls: Iterable[Call], key: str, left: Decimal | None) -> Decimal | None:
    """What budget ``key`` holds after a unit's ``calls``, given what it held before (None: never
    drawn from), as :class:`StoreBuffer` computes it: a draw pays ``min(amount, left)``."""
    for method, args, answer in calls:
        if method == "draw" and args[0] == key:
            amount, capacity = args[1], args[2]
            if left is None:
                left = Decimal(str(capacity))
            drawn = min(amount, max(left, Decimal(0)))
            if drawn:
                left = Decimal(str(left - drawn))
        elif method == "refund" and key in answer:
            assert left is not None, "a refund of a budget never drawn from"
            left = Decimal(str(left + answer[key]))
    return left


def capacity_of(calls: Iterable[Call], key: str) -> Decimal | None:
    """The capacity a transcript gives budget ``key`` (its draws' and reads' argument)."""
    for method, args, _ in calls:
        if method == "draw" and args[0] == key:
            return Decimal(args[2])
        if method == "remaining" and args[0] == key:
            return Decimal(args[1])
    return None


def chain(key: str, start: Decimal | None, transcripts: Sequence[Sequence[Call]]) -> list[Decimal | None]:
    """``left_before`` of each of the units (in unit order) that use budget ``key``, and what the
    last left, from their transcripts (a unit that could not be settled left its calls undone:
    give it none); ``start`` is what the key held when the run began."""
    lefts = [start]
    for calls in transcripts:
        lefts.append(apply(calls, key, lefts[-1]))
    return lefts


# -- settling ---------------------------------------------------------------------------------------


def private(settle: Callable[[Job, StoreBuffer], Outcome], jobs: Iterable[Job], store: StoreBuffer) -> list[Outcome]:
    """Step 1: each unit settled against ``store`` as it is (the run's start), its calls recorded
    and then undone, so that no unit sees another's."""
    outcomes = []
    for work in jobs:
        mark = store.mark()
        outcomes.append(settle(work, store))
        store.rollback(mark)
    return outcomes


def seeded(
    settle: Callable[[Job, StoreBuffer], Outcome],
    work: Job,
    store: StoreBuffer,
    seeds: Mapping[str, tuple[Decimal, Decimal | None]],
) -> tuple[Outcome, dict[str, Decimal | None]]:
    """Step 3: one unit settled with each shared budget of ``seeds`` (key -> capacity,
    ``left_before``; None: never drawn from yet, as the run began) holding its ``left_before``;
    its outcome and what it left in each, undone after."""
    mark = store.mark()
    _seed(store, seeds)
    outcome = settle(work, store)
    after = {key: store.left(key) for key in seeds}
    store.rollback(mark)
    return outcome, after


def _seed(store: StoreBuffer, seeds: Mapping[str, tuple[Decimal, Decimal | None]]) -> None:
    """Each shared budget of ``seeds`` made to hold the unit's ``left_before`` in ``store`` (one never
    drawn from yet, None, as the run began)."""
    for key, (capacity, left) in seeds.items():
        if left is not None:
            store.seed(key, capacity, left)


def standing(found: Chain, transcripts: Sequence[Sequence[Call]], state: State) -> set[int]:
    """Step 3's first part for one group of shared keys: its units whose first outcome stands, their
    first transcript (``transcripts``, in unit order) answering as it did when replayed against the
    store as the run began with the group's budgets holding the unit's ``left_before``. The others
    must be settled again (:func:`seeded`)."""
    store = state_store(state)  # the group's units in order: once a budget is seeded, it stays so
    found_: set[int] = set()
    for index in found.members:
        mark = store.mark()
        _seed(store, found.seeds[index])
        if store.replay_unit(str(index), list(transcripts[index]), keep=False):
            found_.add(index)
        store.rollback(mark)
    return found_


def serial(settle: Callable[[Job, StoreBuffer], Outcome], jobs: Iterable[Job], store: StoreBuffer) -> list[Outcome]:
    """Step 4, a serial lane: units settled one after another against one store, in order."""
    outcomes = []
    for work in jobs:
        outcomes.append(settle(work, store))
        store.keep()
    return outcomes


class Resolution(NamedTuple):
    """:func:`resolve`'s answer: every unit's outcome (in the order given); the shared keys whose
    chain held, and those settled in a serial lane; the units settled again when committed (0
    unless a plugin breaks the contract in a way the chain did not see); and the units of the
    chains settled again seeded (those :func:`standing` did not keep)."""

    outcomes: list[Outcome]
    chained: list[str]
    serial: list[str]
    resettled: int
    state: State
    seeded: int = 0


def resolve(
    settle: Callable[[Job, StoreBuffer], Outcome],
    jobs: Sequence[Job],
    state: State,
    *,
    first: Callable[[Sequence[Job]], list[Outcome]] | None = None,
) -> Resolution:
    """Settle ``jobs`` (in unit order) as one serial run against ``state`` would, by steps 1 to 5.
    ``first``: step 1 done elsewhere (worker processes: each unit against the store as the run
    began, in any order), the outcomes in the order of ``jobs``."""
    store = state_store(state)
    outcomes = private(settle, jobs, store) if first is None else first(jobs)
    transcripts = [o.calls for o in outcomes]
    chains, lanes = plan(transcripts, [o.rows is not None for o in outcomes], state)
    chained: list[str] = []
    lane_keys: list[str] = []
    again = 0
    for found in chains:
        resettled = _chained(settle, jobs, outcomes, found, store, standing(found, transcripts, state))
        if resettled is None:
            lanes.append((found.keys, found.members))
        else:
            chained += found.keys
            again += len(resettled)
            for index, outcome in resettled.items():
                outcomes[index] = outcome
    for keys, members in lanes:
        lane_keys += keys
        lane = serial(settle, [jobs[i] for i in members], state_store(state))
        for index, outcome in zip(members, lane, strict=True):
            outcomes[index] = outcome
    final = state_store(state)
    outcomes, committed = commit(settle, jobs, outcomes, final)
    return Resolution(outcomes, sorted(chained), sorted(lane_keys), committed, state_of(final), again)


def _lanes(shared: Mapping[str, list[int]], transcripts: Sequence[Sequence[Call]]) -> list[tuple[list[str], list[int]]]:
    """The shared keys in groups that units connect (a unit touching two shared keys joins them),
    each with its units in order."""
    parent = {key: key for key in shared}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for calls in transcripts:
        touched = sorted(k for k in keys_of(calls) if k in shared)
        for other in touched[1:]:
            parent[root(other)] = root(touched[0])
    groups: dict[str, tuple[list[str], set[int]]] = {}
    for key, members in shared.items():
        entry = groups.setdefault(root(key), ([], set()))
        entry[0].append(key)
        entry[1].update(members)
    return [(keys, sorted(members)) for keys, members in sorted(groups.values())]


#: A unit's seeds: each shared budget it uses -> (capacity, ``left_before``; None: never drawn from).
Seeds = dict[str, tuple[Decimal, Decimal | None]]


class Chain(NamedTuple):
    """Steps 2 for one group of shared keys: its keys, its units (indexes, in order), each key's
    ``left_before`` by unit (-1: what the last one left), each unit's seeds, and each key's
    ``left_after`` by unit (the next user's ``left_before``: what :func:`holds` checks, looked up
    in constant time, not found by a search of the key's users)."""

    keys: list[str]
    members: list[int]
    lefts: dict[str, dict[int, Decimal | None]]
    seeds: dict[int, Seeds]
    leaves: dict[str, dict[int, Decimal | None]]


def plan(
    transcripts: Sequence[Sequence[Call]], settled: Sequence[bool], state: State
) -> tuple[list[Chain], list[tuple[list[str], list[int]]]]:
    """Step 2 from the units' transcripts alone (in unit order; ``settled``: False for a unit that
    could not be settled, which draws nothing): the groups of shared keys to chain, with each
    unit's seeds, and those that go to a serial lane at once (a key that is not a budget)."""
    shared = shared_keys(transcripts)
    starts = budgets_left(state)
    chains: list[Chain] = []
    lanes: list[tuple[list[str], list[int]]] = []
    for keys, members in _lanes(shared, transcripts):
        found = _seeds(transcripts, settled, keys, members, starts)
        if found is None:
            lanes.append((keys, members))
        else:
            chains.append(found)
    return chains, lanes


def _seeds(
    transcripts: Sequence[Sequence[Call]],
    settled: Sequence[bool],
    keys: list[str],
    members: list[int],
    starts: Mapping[str, Decimal],
) -> Chain | None:
    """Step 2 for one group of shared keys: each key's chain of ``left_before`` over its units;
    None when a key is not a budget (the group then goes to a serial lane)."""
    kinds = [keys_of(transcripts[i]) for i in members]
    if any(kind.get(key) != "budget" for key in keys for kind in kinds if key in kind):
        return None
    lefts: dict[str, dict[int, Decimal | None]] = {}
    capacities: dict[str, Decimal] = {}
    leaves: dict[str, dict[int, Decimal | None]] = {}
    for key in keys:
        users = [i for i in members if key in keys_of(transcripts[i])]
        capacity = next((c for i in users if (c := capacity_of(transcripts[i], key)) is not None), None)
        if capacity is None:
            return None
        capacities[key] = capacity
        kept = [transcripts[i] if settled[i] else [] for i in users]  # a rejected unit draws nothing
        steps = chain(key, starts.get(key), kept)
        lefts[key] = dict(zip([*users, -1], steps, strict=True))  # -1: what the last one left
        leaves[key] = dict(zip(users, steps[1:], strict=True))
    seeds = {
        index: {key: (capacities[key], lefts[key][index]) for key in keys if index in lefts[key]} for index in members
    }
    return Chain(keys, members, lefts, seeds, leaves)


def holds(
    found: Chain, index: int, before: Sequence[Call], after_calls: Sequence[Call], after: Mapping[str, Decimal | None]
) -> bool:
    """Step 3's check for one unit of a chain settled again with its seeds: it touches the same
    shared keys as before (``before``: its first transcript, ``after_calls``: the seeded one), and
    what it left in each is the next unit's ``left_before``."""
    keys = set(found.keys)
    if keys_of(after_calls).keys() & keys != keys_of(before).keys() & keys:
        return False  # it touched other shared keys once seeded
    for key in found.keys:
        leaves = found.leaves[key]
        if index in leaves and after.get(key) != leaves[index]:
            return False
    return True


def _chained(
    settle: Callable[[Job, StoreBuffer], Outcome],
    jobs: Sequence[Job],
    outcomes: Sequence[Outcome],
    found: Chain,
    store: StoreBuffer,
    stand: set[int],
) -> dict[int, Outcome] | None:
    """Step 3 for one group of shared keys: its units but those whose first outcome stands
    (``stand``) settled again seeded with their ``left_before``, every step of each key's chain
    checked; None when a step does not hold."""
    resettled: dict[int, Outcome] = {}
    for index in found.members:
        if index in stand:
            continue
        outcome, after = seeded(settle, jobs[index], store, found.seeds[index])
        if not holds(found, index, outcomes[index].calls, outcome.calls, after):
            return None
        resettled[index] = outcome
    return resettled


def commit(
    settle: Callable[[Job, StoreBuffer], Outcome], jobs: Sequence[Job], outcomes: Sequence[Outcome], store: StoreBuffer
) -> tuple[list[Outcome], int]:
    """Step 5: each unit's calls replayed in unit order against ``store`` (the run's start), as
    the batch path confirms a worker's outcome; a unit whose calls answer otherwise is settled
    again here (from then on the run is serial). The outcomes kept, and how many were settled again."""
    kept: list[Outcome] = []
    again = 0
    for work, outcome in zip(jobs, outcomes, strict=True):
        if store.replay_unit(str(work.unit), outcome.calls, keep=outcome.rows is not None):
            kept.append(outcome)
        else:
            again += 1
            kept.append(settle(work, store))
    return kept, again


def budgets_left(state: State) -> dict[str, Decimal]:
    """What each budget holds in ``state``."""
    return {key: Decimal(remaining) for key, _, remaining in state.budgets}


__all__ = [
    "Chain",
    "Resolution",
    "Seeds",
    "State",
    "apply",
    "budgets_left",
    "capacity_of",
    "chain",
    "commit",
    "holds",
    "keys_of",
    "plan",
    "private",
    "resolve",
    "seeded",
    "serial",
    "shared_keys",
    "standing",
    "state_of",
    "state_store",
]
