"""A line's provenance label (RULES.md): never ``source`` by default. Left out, a line carries its
rule's own label (the version in force); a RuleVersion passed as the label gives its label."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core import Engine, Kind, Settlement, hookimpl, load_scenario
from creatorpay.core.statement import StatementBuilder
from tests.core.fakes import fake_platform
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path


def _engine(tmp_path: Path, settle: object) -> Engine:
    plugin = fake_platform(tmp_path, creatorpay_settle_revenue_share=settle)
    return Engine(load=["fake"], plugins={"fake": plugin}, entry_points=False)


def test_a_line_without_a_label_carries_its_rules_own_label(tmp_path: Path) -> None:
    @hookimpl
    def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
        for rule in ("FK-NEW-01", "FK-TIP-01"):  # labelled interpretation and source in the rule file
            ctx.statement.line(rule, Kind.TIPS, payer="fake", payee=ctx.creator, base=Decimal(1), rate=Decimal(1))

    statement = _engine(tmp_path, creatorpay_settle_revenue_share).settle(
        load_scenario(scenario_dict(period="2026-10")), "fake"
    )
    assert [(x.rule, x.label) for x in statement.lines] == [("FK-NEW-01", "interpretation"), ("FK-TIP-01", "source")]


def test_a_rule_version_as_the_label_gives_its_label_operator_set_when_overridden(tmp_path: Path) -> None:
    @hookimpl
    def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
        version = ctx.rule("FK-TIP-01")
        assert version is not None
        ctx.statement.line(
            "FK-TIP-01",
            Kind.TIPS,
            payer="fake",
            payee=ctx.creator,
            base=Decimal(1),
            rate=version.decimal("share"),
            label=version,
        )

    plugin = fake_platform(tmp_path, creatorpay_settle_revenue_share=creatorpay_settle_revenue_share)
    plain = Engine(load=["fake"], plugins={"fake": plugin}, entry_points=False)
    scenario = load_scenario(scenario_dict(period="2026-10"))
    assert plain.settle(scenario, "fake").lines[0].label == "source"
    overridden = Engine(
        load=["fake"],
        plugins={"fake": plugin},
        entry_points=False,
        rules={"fake": {"FK-TIP-01": {"share": "0.75", "size": 3}}},
    )
    assert overridden.settle(scenario, "fake").lines[0].label == "operator-set"


def test_a_builder_that_knows_no_such_rule_labels_the_line_unverified() -> None:
    """The weakest label, not the strongest: nothing says where the figure comes from."""
    line = StatementBuilder("p", "P", "me").line(
        "R-X-01", Kind.TIPS, payer="p", payee="me", base=Decimal(1), rate=Decimal(1)
    )
    assert line.label == "unverified"
    given = StatementBuilder("p", "P", "me").line(
        "R-X-01", Kind.TIPS, payer="p", payee="me", base=Decimal(1), rate=Decimal(1), label="interpretation"
    )
    assert given.label == "interpretation"
