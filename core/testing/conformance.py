"""PlatformConformance: the checks every platform plugin must pass, as one pytest base class.

A subclass names its platform; pytest then runs, for it: registration and rule-file checks,
conservation and rounding on generated scenarios, income lines that carry the gross, citations of
rules in force, determinism under any plugin order and alongside any other plugins, messy and bad
input (violations or InputErrors, never a crash) and the JSON round trip. Each failure names the
platform, the check and the scenario.
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from creatorpay.core import Engine, InputError, Scenario, Statement, load_scenario
from creatorpay.core.entrypoints import EntryPoint
from creatorpay.core.entrypoints import entry_points as find_entry_points
from creatorpay.core.plugins import GROUP

from . import checks, strategies

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from hypothesis.strategies import SearchStrategy

    from creatorpay.core.rules import RuleSet

#: Health checks that only say generation is slow or large: a scenario is big on purpose.
_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]


@attrs.frozen
class Subject:
    """The platform under test: an engine with every plugin, and variants for the determinism checks."""

    name: str
    engine: Engine
    #: Why the platform is not loaded (its load report's error), or None.
    problem: str | None
    #: Engines with the same plugins registered in other orders, or with only this platform and the
    #: cross-platform plugins: each must give the same statement.
    variants: tuple[tuple[str, Engine], ...] = ()

    def _starts(self) -> list[dt.date]:
        return [v.effective_from for r in self.engine.rulebooks[self.name].rules.values() for v in r.versions]

    @property
    def in_force_from(self) -> str:
        """The first month whose first day has a rule of the platform in force (CORE-DATE-01)."""
        first = min(self._starts(), default=dt.date(2019, 1, 1))
        month = first.year * 12 + first.month - 1 + (first.day > 1)
        return f"{month // 12:04d}-{month % 12 + 1:02d}"

    @property
    def first(self) -> str:
        """The first month to generate: a year before :attr:`in_force_from`, when nothing is in force."""
        year, month = self.in_force_from.split("-")
        return f"{int(year) - 1:04d}-{month}"

    @property
    def last(self) -> str:
        """The last month to generate: 2030-12, or two years after the latest rule version."""
        latest = max(self._starts(), default=None)
        return max("2030-12", f"{latest.year + 2:04d}-12") if latest else "2030-12"


def build_subject(name: str, extra: Mapping[str, object], entry_points: bool) -> Subject:
    """Load every installed plugin (the allow and block list variables do not apply) plus ``extra``."""
    found: dict[str, EntryPoint] = {}
    for ep in find_entry_points(GROUP) if entry_points else ():
        found.setdefault(ep.name, ep)  # the first on sys.path wins, as in the Engine
    names = sorted({*found, *extra})
    engine = Engine(load=names, disable=(), plugins=dict(extra) or None, entry_points=entry_points)
    problem = checks.load_failure(engine, name)
    if problem is not None:
        return Subject(name, engine, problem)
    loaded = [r for r in engine.reports if r.status == "loaded"]
    objects = {r.name: extra[r.name] if r.name in extra else found[r.name].load() for r in loaded}
    alone = {
        n: objects[n]
        for n in sorted(objects)
        if n == name or "creatorpay_adjustment" in next(r.hooks for r in loaded if r.name == n)
    }
    orders = {
        "plugins registered in reverse order": dict(reversed(list(objects.items()))),
        f"{name} registered first": {name: objects[name], **{n: o for n, o in objects.items() if n != name}},
        f"only {name} and the cross-platform plugins": alone,
    }
    variants = tuple(
        (label, Engine(load=list(plugins), disable=(), plugins=plugins, entry_points=False))
        for label, plugins in orders.items()
    )
    return Subject(name, engine, None, variants)


#: Each test class's subject, built on first use (a class-scoped cache that needs no class fixture).
_SUBJECTS: weakref.WeakKeyDictionary[type, Subject] = weakref.WeakKeyDictionary()


class PlatformConformance:
    """Subclass with ``platform = "<name>"`` (a class named ``Test...``) to run the suite on a platform.

    Class attributes: ``plugins`` registers plugin objects by name as if installed (test a plugin
    before it is packaged); ``entry_points = False`` loads only those; ``max_examples`` generated
    scenarios per property (``--creatorpay-max-examples N`` overrides). Override :meth:`ext_strategy`
    when the plugin reads an ``[ext.<platform>]`` table, and :meth:`sample_scenarios` to add cases.
    """

    platform: ClassVar[str] = ""
    plugins: ClassVar[Mapping[str, object]] = MappingProxyType({})
    entry_points: ClassVar[bool] = True
    max_examples: ClassVar[int] = 50

    # -- what a subclass may override ---------------------------------------------------------------

    def ext_strategy(self) -> SearchStrategy[Any] | None:
        """Valid ``[ext.<platform>]`` tables for generated scenarios; None when the plugin reads none."""
        return None

    def sample_scenarios(self, subject: Subject) -> list[dict[str, Any]]:
        """Hand-written scenarios settled first: one per activity, in 2026-10 and the first month."""
        return [
            *strategies.sample_scenarios("2026-10"),
            *strategies.sample_scenarios(subject.in_force_from),
            *strategies.sample_scenarios(subject.first),
        ]

    def scenarios(self, subject: Subject, *, messy: bool = False) -> SearchStrategy[dict[str, Any]]:
        """Generated valid scenarios; ``messy``: loadable nonsense included."""
        return strategies.scenario_dicts(
            subject.name,
            first=subject.first,
            last=subject.last,
            usual_first=subject.in_force_from,
            ext=self.ext_strategy(),
            messy=messy,
        )

    # -- machinery ----------------------------------------------------------------------------------

    @pytest.fixture
    def creatorpay_subject(self) -> Subject:
        """The platform under test, loaded once per test class."""
        cls = type(self)
        if not cls.platform:
            pytest.fail(f'{cls.__name__}: set the class attribute platform = "<your platform\'s name>"')
        if cls not in _SUBJECTS:
            _SUBJECTS[cls] = build_subject(cls.platform, cls.plugins, cls.entry_points)
        return _SUBJECTS[cls]

    @pytest.fixture
    def creatorpay_examples(self, request: pytest.FixtureRequest) -> int:
        option = request.config.getoption("creatorpay_max_examples", default=None)
        return option if isinstance(option, int) else type(self).max_examples

    def _loaded(self, subject: Subject) -> Subject:
        """The subject, or a skip naming the load error (test_plugin_loads fails with it)."""
        if subject.problem is not None:
            pytest.skip(f"{subject.name} is not loaded (see test_plugin_loads): {subject.problem}")
        return subject

    def _fail(self, subject: Subject, what: str, problems: list[str], data: object) -> None:
        if problems:
            shown = json.dumps(data, ensure_ascii=False, default=repr)
            listed = "\n  ".join(problems)
            pytest.fail(f"{subject.name}: {what}:\n  {listed}\nscenario: {shown}", pytrace=False)

    def _settle(self, subject: Subject, data: dict[str, Any], engine: Engine | None = None) -> Statement:
        """Settle a scenario the strategies call valid; a load error is the strategy's fault, said so."""
        try:
            scenario = load_scenario(data)
        except InputError as exc:
            pytest.fail(
                f"a generated scenario did not load (override scenarios() or ext_strategy()?): {exc}\n"
                f"scenario: {json.dumps(data, ensure_ascii=False)}",
                pytrace=False,
            )
        return self._settle_loaded(subject, scenario, data, engine)

    def _settle_loaded(
        self, subject: Subject, scenario: Scenario, data: object, engine: Engine | None = None
    ) -> Statement:
        try:
            return (engine or subject.engine).settle(scenario, subject.name)
        except InputError as exc:
            self._fail(subject, "a valid scenario was refused", [str(exc)], data)
            raise

    def _rulesets(self, subject: Subject, scenario: Scenario) -> dict[str, RuleSet]:
        """The platform's rules and the cross-platform ones in force for the scenario's month."""
        at = subject.engine.rules_at(scenario.period.first_day)
        others = set(subject.engine.platforms) - {subject.name}
        return {name: rules for name, rules in at.items() if name not in others}

    def _every(self, subject: Subject, count: int, strategy: SearchStrategy[Any], check: Callable[[Any], None]) -> None:
        """Run ``check`` on the sample scenarios, then on ``count`` drawn values (hypothesis shrinks a
        failure to a small scenario)."""
        for data in self.sample_scenarios(subject):
            check(data)
        run = settings(max_examples=count, deadline=None, suppress_health_check=_SUPPRESSED)(given(strategy)(check))
        run()

    def _all_problems(self, subject: Subject, data: dict[str, Any], statement: Statement) -> list[str]:
        scenario = load_scenario(data)
        return [
            *checks.status_problems(statement),
            *checks.money_problems(statement, scenario.creator.id),
            *checks.order_problems(statement),
            *checks.citation_problems(statement, self._rulesets(subject, scenario)),
        ]

    # -- the checks ---------------------------------------------------------------------------------

    def test_plugin_loads(self, creatorpay_subject: Subject) -> None:
        """The entry point imports, implements only hooks the core defines, registers the platform."""
        if creatorpay_subject.problem is not None:
            pytest.fail(f"{creatorpay_subject.name}: {creatorpay_subject.problem}", pytrace=False)

    def test_registration(self, creatorpay_subject: Subject) -> None:
        subject = self._loaded(creatorpay_subject)
        self._fail(
            subject,
            "the registration (creatorpay_platform)",
            checks.registration_problems(subject.engine.platform(subject.name)),
            None,
        )

    def test_rule_file(self, creatorpay_subject: Subject) -> None:
        """Every rule has a label and source; parameters typed; versions never overlap."""
        subject = self._loaded(creatorpay_subject)
        self._fail(subject, "the rule file", checks.rule_file_problems(subject.engine.rulebooks[subject.name]), None)

    def test_sample_scenarios(self, creatorpay_subject: Subject) -> None:
        """Hand-written scenarios settle without error and pass every statement check."""
        subject = self._loaded(creatorpay_subject)
        for data in self.sample_scenarios(subject):
            statement = self._settle(subject, data)
            self._fail(subject, "a sample scenario", self._all_problems(subject, data, statement), data)

    def test_conservation_and_rounding(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Values exact to the fen and >= 0; amounts +value, -value or 0; net and totals add up."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            statement = self._settle(subject, data)
            creator = load_scenario(data).creator.id
            self._fail(
                subject,
                "conservation and rounding",
                [
                    *checks.status_problems(statement),
                    *checks.money_problems(statement, creator),
                    *checks.order_problems(statement),
                ],
                data,
            )

        self._every(subject, creatorpay_examples, self.scenarios(subject), check)

    def test_income_lines_carry_the_gross(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Tips and sales lines book the gross the scenario states, order payments their whole base; the
        platform's share is a separate fee or commission line, so "Gross income" compares across platforms."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            statement = self._settle(subject, data)
            self._fail(subject, "gross income", checks.gross_problems(statement, load_scenario(data)), data)

        self._every(subject, creatorpay_examples, self.scenarios(subject), check)

    def test_lines_cite_rules_in_force(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Every line, violation and traffic item cites a rule in force of a loaded rule file."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            statement = self._settle(subject, data)
            rulesets = self._rulesets(subject, load_scenario(data))
            self._fail(
                subject,
                "rule citations",
                [*checks.status_problems(statement), *checks.citation_problems(statement, rulesets)],
                data,
            )

        self._every(subject, creatorpay_examples, self.scenarios(subject), check)

    def test_same_input_same_output(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Settling twice, in one engine or two, or inside a compare of every platform, gives one result;
        so does settling after other scenarios of the month (a memo keeps nothing of a scenario)."""
        subject = self._loaded(creatorpay_subject)
        fresh = build_subject(subject.name, type(self).plugins, type(self).entry_points).engine

        def check(data: dict[str, Any]) -> None:
            first = self._settle(subject, data).to_dict()
            runs = {
                "settled again": self._settle(subject, data).to_dict(),
                "settled by a new engine": self._settle(subject, data, fresh).to_dict(),
                "inside a compare of every platform (one store shared)": subject.engine.compare(load_scenario(data))
                .result(subject.name)
                .to_dict(),
            }
            self._fail(
                subject,
                "determinism",
                [f"{how}: the statement differs" for how, doc in runs.items() if doc != first],
                data,
            )

        self._every(subject, max(1, creatorpay_examples // 2), self.scenarios(subject), check)
        # Memos (ctx.derived, RuleVersion.derived) hold values of the rules, never of a scenario: an engine
        # that settled other scenarios of the month first and one that did not give the same statement.
        cold = build_subject(subject.name, type(self).plugins, type(self).entry_points).engine

        def memos(data: dict[str, Any]) -> None:
            for sample in strategies.sample_scenarios(data["period"]):
                self._settle(subject, sample)
            warm, new = self._settle(subject, data).to_dict(), self._settle(subject, data, cold).to_dict()
            why = "settled after other scenarios of the month and by an engine that settled none: the statement differs"
            self._fail(subject, "determinism", [why] if warm != new else [], data)

        examples = max(1, creatorpay_examples // 2)
        settings(max_examples=examples, deadline=None, suppress_health_check=_SUPPRESSED)(
            given(self.scenarios(subject))(memos)
        )()

    def test_store_answers_decide(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Deterministic given the store's answers; a draw pays min(amount, left), never an error."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            scenario = load_scenario(data)
            problems = checks.store_contract_problems(
                lambda store: subject.engine.settle(scenario, subject.name, store=store)
            )
            self._fail(subject, "the store contract", problems, data)

        self._every(subject, max(1, creatorpay_examples // 2), self.scenarios(subject), check)

    def test_plugin_order_does_not_matter(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Plugins given in other orders, or only this one with the cross-platform plugins: same result."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            first = self._settle(subject, data).to_dict()
            self._fail(
                subject,
                "plugin order",
                [
                    f"{how}: the statement differs"
                    for how, engine in subject.variants
                    if self._settle(subject, data, engine).to_dict() != first
                ],
                data,
            )

        self._every(subject, max(1, creatorpay_examples // 2), self.scenarios(subject), check)

    def test_messy_input_never_errors(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Loadable nonsense (agreed amounts off, two mains, seven co-creators) gives violations, not errors."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            statement = self._settle(subject, data)
            self._fail(subject, "messy input", self._all_problems(subject, data, statement), data)

        self._every(subject, creatorpay_examples, self.scenarios(subject, messy=True), check)

    def test_bad_input_is_an_input_error(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """Junk in any field or in [ext.<platform>]: an InputError naming the field, or a clean statement."""
        subject = self._loaded(creatorpay_subject)
        strategy = strategies.broken_scenario_dicts(
            subject.name,
            first=subject.first,
            last=subject.last,
            usual_first=subject.in_force_from,
            ext=self.ext_strategy(),
        )

        def check(data: dict[str, Any]) -> None:
            try:
                scenario = load_scenario(data)
            except InputError as exc:
                self._fail(subject, "an unclear input error from load_scenario", checks.input_error_problems(exc), data)
                return
            except Exception as exc:
                self._fail(
                    subject,
                    "load_scenario crashed (a creatorpay core bug, not the plugin's)",
                    [f"{type(exc).__name__}: {exc}"],
                    data,
                )
                return
            try:
                statement = subject.engine.settle(scenario, subject.name)
            except InputError as exc:
                self._fail(subject, "an unclear input error", checks.input_error_problems(exc), data)
                return
            except Exception as exc:
                self._fail(
                    subject,
                    "settling crashed (creatorpay_check_ext must report problems on the checker, never raise)",
                    [f"{type(exc).__name__}: {exc}"],
                    data,
                )
                return
            self._fail(
                subject,
                "bad input",
                [*checks.status_problems(statement), *checks.money_problems(statement, scenario.creator.id)],
                data,
            )

        self._every(subject, creatorpay_examples, strategy, check)

    def test_json_round_trip(self, creatorpay_subject: Subject, creatorpay_examples: int) -> None:
        """json.loads(report.to_json()) == report.to_dict(); amounts are two-place strings."""
        subject = self._loaded(creatorpay_subject)

        def check(data: dict[str, Any]) -> None:
            report = subject.engine.compare(load_scenario(data), [subject.name])
            self._fail(subject, "the JSON document", checks.json_problems(report), data)

        self._every(subject, max(1, creatorpay_examples // 2), self.scenarios(subject), check)
