"""The batch's pipeline (creatorpay.core.batch.pipeline): pieces come back in the order read, at
most ``ahead()`` are in flight, and with no workers (or once they stop) each is done in place."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.pipeline import Flight, Pipeline


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 30), st.integers(0, 4), st.integers(0, 40))
def test_pieces_come_back_in_order_with_at_most_ahead_in_flight(count: int, ahead: int, stop_at: int) -> None:
    """Stopping the workers after ``stop_at`` takes: the pieces sent before still come back first,
    in order, with their tickets; the rest are done in place."""
    sent: list[int] = []
    taken: list[Flight[int, str]] = []
    workers = [ahead]

    def send(piece: int) -> str:
        sent.append(piece)
        return f"t{piece}"

    flow = Pipeline(iter(range(count)), ahead=lambda: workers[0], send=send)
    while (flight := flow.take()) is not None:
        taken.append(flight)
        assert len(sent) - len(taken) <= ahead  # never more in flight than allowed
        if len(taken) == stop_at:
            workers[0] = 0
    assert [f.piece for f in taken] == list(range(count))
    assert all(f.ticket == f"t{f.piece}" for f in taken if f.piece in sent)
    assert all(f.ticket is None for f in taken if f.piece not in sent)
    if ahead == 0:
        assert sent == []
