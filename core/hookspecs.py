"""The contract of creatorpay: every hook a plugin may implement, in the order the engine calls them.

A platform plugin (Xingtu, WeChat Channels, NetEase, yours) implements ``creatorpay_platform`` and
any of the settlement phases; the engine calls a platform's phases only for that platform's
statement, so no implementation checks a platform name. A cross-platform plugin (tax) implements
``creatorpay_adjustment`` and ``creatorpay_adjust``, which run on every platform's statement.

A plugin may also declare its own scenario fields (``creatorpay_scenario_fields``), checked and
documented as the core's are.

For one platform and one scenario the engine calls, in this order (:data:`PHASES`)::

    creatorpay_validate         -> violations; an order with one is rejected and settles nothing
    creatorpay_settle_orders    -> brand orders: payments, fees, transfers, compensation
    creatorpay_settle_incentives-> cash subsidies, floors and top-ups, traffic packages
    creatorpay_settle_revenue_share -> tipping share, commission, sales
    creatorpay_adjust           -> every plugin's cross-platform lines: MCN share (core), tax

Each phase receives a :class:`~creatorpay.core.context.Settlement` and appends to its ``statement``;
no phase edits a line another wrote (``statement.lines`` is read-only). Each third-party platform
settles its own copy of the scenario, and ``ctx.store`` keys are in the calling platform's (or
adjustment's) namespace. Any exception but ``KeyboardInterrupt`` fails only its platform (status ``error``, store
calls rolled back) or its adjustment (statement ``incomplete``). Hooks return nothing unless
documented. Implementations must not depend on the order of other plugins: adjustments read only own
platform income (``ctx.own_platform_income()``, CORE-INCOME-01), which no adjustment line changes.

Implement hooks with :data:`hookimpl` and register the module under the entry-point group
``creatorpay``::

    [project.entry-points.creatorpay]
    acme = "acme_creatorpay"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .checks import Checker
    from .context import Settlement
    from .fields import ScenarioFields
    from .rules import RuleVersion
    from .types import Adjustment, Platform

PROJECT = "creatorpay"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
#: The phases of one statement, in the order the engine calls them: the platform's own four, then
#: every plugin's ``creatorpay_adjust``. Defined here, with the specs; the engine reads it.
PHASES = (
    "creatorpay_validate",
    "creatorpay_settle_orders",
    "creatorpay_settle_incentives",
    "creatorpay_settle_revenue_share",
    "creatorpay_adjust",
)
#: Why a spec that returns a value has a body that raises: pluggy reads a spec's signature and never
#: calls it; a body that only documents would return None against its annotation (mypy's empty-body).
_SPEC = "a hook specification: pluggy calls the plugins' implementations, never the spec"


@hookspec
def creatorpay_platform() -> Platform:
    """Register the platform this plugin settles: its name, title, rule file and offered activities.

    Called once per plugin when an Engine is built. The name is the platform's key in scenarios
    (``[platform.<name>]``), override files and output; it must equal the plugin's entry-point name.
    ``fictional=True`` declares made-up rules (an example, or a scaffold not yet given the platform's
    published rules): ``compare`` and ``sweep`` label its column fictional and never mark it best.

    Example::

        @hookimpl
        def creatorpay_platform() -> Platform:
            return Platform(name="acme", title="Acme Video", rules=Path(__file__).with_name("rules.toml"),
                            offers=("tips",), not_offered={"orders": "Acme has no brand orders"})
    """
    raise NotImplementedError(_SPEC)


@hookspec
def creatorpay_adjustment() -> Adjustment:
    """Register a cross-platform adjustment (e.g. tax) and its rule file.

    Called once per plugin when an Engine is built. Its rules are in ``ctx.rulebooks[name]``.

    Example::

        @hookimpl
        def creatorpay_adjustment() -> Adjustment:
            return Adjustment(name="cn_tax", title="Chinese tax", rules=Path(__file__).with_name("rules.toml"))
    """
    raise NotImplementedError(_SPEC)


@hookspec
def creatorpay_check_rules(version: RuleVersion, checker: Checker, path: str) -> None:
    """Check what the rule file cannot declare about one version of this plugin's rules.

    Called on every version of every rule in the plugin's own rule files when an Engine loads them,
    and again with a user's override values applied (``creatorpay rules validate``, ``--rules``), so
    an override that would break settling is refused before anything is settled. Constraints on one
    parameter or between two (``min``, ``positive``, ``increasing``, ``length``, ``above``) belong in the
    rule file; this hook is for the rest, e.g. a tax table whose quick deductions do not match its
    rates. Record problems on ``checker`` under ``path`` plus the parameter's name.

    Example::

        @hookimpl
        def creatorpay_check_rules(version, checker, path):
            if version.id == "AC-FEE-01" and version.decimal("low") + version.decimal("high") > 1:
                checker.fail(path + ".high", "expected low + high at most 1")
    """


@hookspec
def creatorpay_check_ext(section: Mapping[str, Any], checker: Checker, path: str) -> None:
    """Check this plugin's own scenario inputs, the ``[ext.<plugin>]`` table, when a scenario is settled.

    Called only on the plugin named by the section. Record problems on ``checker`` with the field
    path (``checker.fail(path + ".rate", "expected ...")`` or its typed readers); any problem makes
    the scenario an input error. Sections of plugins that are not loaded are reported as ignored.

    Example::

        @hookimpl
        def creatorpay_check_ext(section, checker, path):
            checker.unknown_keys(section, ("streams",), path)
            checker.get(section, "streams", path, Checker.count)
    """


@hookspec
def creatorpay_scenario_fields() -> ScenarioFields:  # type: ignore[empty-body]
    """Declare this plugin's own scenario fields: keys of ``[creator]`` (and so of
    ``[platform.<name>]``), of each ``[[orders]]`` table and participant, and top-level tables of its own.

    Called once per plugin when an Engine is built. The fields are checked by the loader
    (``load_scenario(..., schema=engine.schema)``), written in ``creatorpay schema`` and on the
    reference page exactly as the core's (type, bounds, choices with their meanings, default, rules);
    a bad value is an input error naming the field. Loaded values are in ``creator.extra``,
    ``order.extra``, ``participant.extra`` and ``scenario.tables[name]``. A key the core or another
    plugin has already declared fails the plugin. ``kinds`` (``EventKind``) makes a table a batch
    event kind, summed over the month; ``[creator]`` keys are columns of a batch's creators file.

    Example::

        @hookimpl
        def creatorpay_scenario_fields() -> ScenarioFields:
            return ScenarioFields(
                creator=(Field("acme_level", "count", "the Acme creator level", default="0", maximum=9),),
                tables=(Field("acme", "table", "Acme live sessions", section=Section(
                    "acme", "[acme]", "Acme live sessions", (Field("sessions", "count", "sessions", maximum=999),)
                )),),
            )
    """


@hookspec
def creatorpay_validate(ctx: Settlement) -> None:
    """Check the scenario against the platform's eligibility rules and caps; record violations.

    Called first for each statement. Record each broken rule with
    ``ctx.statement.violation(rule, message, order=..., participant=...)``: an order with a
    violation is rejected (``ctx.rejected(order_id)``) and settles nothing in the later phases.

    Example::

        @hookimpl
        def creatorpay_validate(ctx):
            for order in ctx.scenario.orders:
                if len(order.co_creators) > 5:
                    ctx.statement.violation("XT-CC-02", f"{len(order.co_creators)} co-creators, at most 5",
                                            order=order.id)
    """


@hookspec
def creatorpay_settle_orders(ctx: Settlement) -> None:
    """Settle the scenario's brand orders: payments, fees, transfers between creators, compensation.

    Called after validation; skip rejected orders. Orders neither published nor terminated are
    pending (``ctx.statement.pend``, CORE-ORD-02).

    Example::

        @hookimpl
        def creatorpay_settle_orders(ctx):
            for order in ctx.scenario.orders:
                if order.paid_now and not ctx.rejected(order.id):
                    ctx.statement.line("XT-ORD-02", Kind.ORDER_PAYMENT, payer="xingtu", payee=ctx.creator,
                                       base=order.amount, rate=Decimal(1), order=order.id)
    """


@hookspec
def creatorpay_settle_incentives(ctx: Settlement) -> None:
    """Settle incentives: cash subsidies, program income and floors, traffic packages.

    Called after orders. Traffic is reported with ``ctx.statement.add_traffic`` in impressions,
    never as cash (CORE-TRAFFIC-01). An operator-set size that is unset is reported with
    ``ctx.statement.skip(rule, version.unset_reason("size"))``.

    Example::

        @hookimpl
        def creatorpay_settle_incentives(ctx):
            rule = ctx.rule("WC-NOVICE-01")
            if rule and ctx.scenario.creator.followers == 0 and rule.is_set("impressions"):
                ctx.statement.add_traffic("WC-NOVICE-01", impressions=rule.count("impressions"))
    """


@hookspec
def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
    """Settle revenue shares: tipping income and commission, merchant sales and their fees.

    Called after incentives.

    Example::

        @hookimpl
        def creatorpay_settle_revenue_share(ctx):
            tips = ctx.scenario.tips
            if tips:
                ctx.statement.line("WC-TIP-01", Kind.TIPS, payer="wechat_channels", payee=ctx.creator,
                                   base=tips.yuan, rate=Decimal(1))
    """


@hookspec
def creatorpay_adjust(ctx: Settlement) -> None:
    """Add cross-platform lines to every platform's statement, after the platform's own phases.

    Called on every plugin that implements it, for every platform: the core's MCN share
    (CORE-MCN-01), the cn_tax plugin's tax and VAT. Compute from ``ctx.own_platform_income()``
    (CORE-INCOME-01), never from another adjustment's lines, so plugin order cannot matter.
    ``ctx.statement`` is this adjustment's own part: it reads the platform's lines and adds lines
    citing only its own or ``core``'s rules; it is kept only if the hook returns, else the statement
    is marked ``incomplete`` with the adjustment's name.

    Example::

        @hookimpl
        def creatorpay_adjust(ctx):
            mcn = ctx.scenario.mcn
            if mcn:
                ctx.statement.line("CORE-MCN-01", Kind.MCN_SHARE, payer=ctx.creator, payee=mcn.name,
                                   base=ctx.own_platform_income(), rate=mcn.share)
    """
