"""The errors a caller can meet: bad input (exit 2 on the CLI) versus a failure (exit 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .model import attrs_repr

if TYPE_CHECKING:
    from collections.abc import Iterable


@attrs.frozen
class Problem:
    """One thing wrong with an input: where it is and what was expected (CORE-INPUT-01)."""

    __repr__ = attrs_repr

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"


class CreatorpayError(Exception):
    """Base class of every error creatorpay raises on purpose."""


class InputError(CreatorpayError):
    """A scenario, rules override or command-line input is unusable; nothing was settled.

    Carries every :class:`Problem` found, so a user fixes them all in one pass.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, source: str, path: str, message: str) -> InputError:
        """An error with a single problem."""
        return cls([Problem(source, path, message)])


class RuleFileError(InputError):
    """A plugin's rule file or a user's override file is malformed."""


class PluginError(CreatorpayError):
    """A plugin broke its contract (bad registration, unknown hook, bad rule file)."""


class SchemaError(CreatorpayError):
    """A store's database schema is not one this creatorpay can use: written by a newer creatorpay
    (more migrations than this one knows), damaged (an impossible version), or not a creatorpay
    store (tables of its own and no creatorpay schema version). The CLI reports it as bad input on
    the ledger it names (exit 2)."""
