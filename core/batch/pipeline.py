"""Pieces of work sent ahead to worker processes and taken back in order, or done in place.

A batch run reads its input a piece at a time. With workers, up to ``ahead()`` pieces are in
flight: each is sent when read (:meth:`Pipeline.take` tops the flight up) and taken back oldest
first, so the main process writes one piece while the workers compute the next ones. Without
workers (``ahead()`` is 0, or they were stopped), a piece is taken as read and done in place.
The pipeline knows nothing of what a piece is: the caller sends it and receives its answer.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

P = TypeVar("P")
T = TypeVar("T")


class Flight(NamedTuple, Generic[P, T]):
    """A piece taken from the pipeline, with the ticket its sending returned (None: not sent, to be
    done in place)."""

    piece: P
    ticket: T | None


class Pipeline(Generic[P, T]):
    """``pieces`` taken in order; while ``ahead()`` allows, each is sent (``send`` returns the
    ticket to receive its answer by) before it is taken."""

    def __init__(self, pieces: Iterator[P], ahead: Callable[[], int], send: Callable[[P], T]) -> None:
        self._pieces = pieces
        self._ahead = ahead
        self._send = send
        self._flight: deque[Flight[P, T]] = deque()

    def take(self) -> Flight[P, T] | None:
        """The next piece in order (sent ones first: they were read first), None when all are taken."""
        while len(self._flight) < self._ahead() and (piece := next(self._pieces, None)) is not None:
            self._flight.append(Flight(piece, self._send(piece)))
        if self._flight:
            return self._flight.popleft()
        piece = next(self._pieces, None)
        return None if piece is None else Flight(piece, None)


__all__ = ["Flight", "Pipeline"]
