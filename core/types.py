"""What plugins register: :class:`Platform` (``creatorpay_platform``) and :class:`Adjustment`
(``creatorpay_adjustment``), with the activities a platform can offer; plain values, no behaviour."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .model import attrs_repr

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .files import StrPath

#: The core's scenario activities a platform can offer (the rulebook's table of what each platform
#: offers); the top-level tables plugins declare (``creatorpay_scenario_fields``) are activities too.
ACTIVITIES = ("orders", "tips", "merchant_live")


@attrs.frozen
class Platform:
    """A platform plugin's registration (returned by ``creatorpay_platform``).

    ``offers`` lists the scenario activities the platform settles; any other activity present in a
    scenario is reported *not offered*, with the reason from ``not_offered`` (or a generic one).
    ``fictional``: the platform and its figures are made up (an example or a fresh scaffold): its
    column is labelled fictional and never marked best, so it cannot win a real comparison.
    """

    __repr__ = attrs_repr

    name: str
    title: str
    rules: StrPath
    offers: tuple[str, ...] = ()
    not_offered: Mapping[str, str] = attrs.field(factory=dict)
    fictional: bool = False


@attrs.frozen
class Adjustment:
    """A cross-platform plugin's registration (``creatorpay_adjustment``): e.g. tax, applied to
    every platform's statement, with its own rule file.

    ``applies``: an optional cheap test of a statement's context after the platform's phases; False
    says ``creatorpay_adjust`` would leave that statement and the store as they are, so the engine
    does not call it (most statements need no MCN share and no tax: this saves the adjustment's run).
    None: always called. Honoured for creatorpay's own adjustments, which share the statement's
    context (docs/writing-a-plugin.md, the trust model); a third-party adjustment is always called."""

    __repr__ = attrs_repr

    name: str
    title: str
    rules: StrPath
    #: Takes the :class:`~creatorpay.core.context.Settlement` (not imported here: the context imports this).
    applies: Callable[..., bool] | None = None
