"""The errors a caller can meet: bad input (exit 2 on the CLI) versus a failure (exit 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .problem import Problem


def __getattr__(name: str) -> Any:
    """``Problem``, built on first use (:mod:`.problem`, PEP 562): a valid run makes none."""
    if name == "Problem":
        from .problem import Problem

        globals()[name] = Problem
        return Problem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with ``Problem``, built on first use."""
    return sorted({*globals(), "Problem"})


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
        from .problem import Problem

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
