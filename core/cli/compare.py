"""``creatorpay compare``: one scenario's payouts on several platforms, side by side."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..scenario import load_scenario
from .common import check_platforms, exit_if_failed, make_engine, platform_option, rules_option


def _cpm(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected CNY per 1,000 impressions such as 12.5, found {value!r}") from None
    if not number.is_finite() or number < 0:
        raise click.BadParameter(f"expected a number >= 0, found {value!r}")
    return number


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@platform_option
@rules_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--cpm", callback=_cpm, metavar="N",
              help="CNY per 1,000 impressions: show traffic's CNY equivalent (CORE-TRAFFIC-01).")
@click.option("--strict", is_flag=True, help="Exit 1 when any platform reports a violation.")
def compare(scenarios: tuple[Path, ...], platforms: tuple[str, ...], rules: Path | None, fmt: str,
            cpm: Decimal | None, strict: bool) -> None:
    """Compare payouts for the same month of work across platforms.

    Rows are gross income, fees and commission, incentives, transfers to co-creators, compensation,
    MCN share, tax, net and traffic; the best net is marked with * (never a fictional platform's).
    Several SCENARIOS give one table each, or a JSON array. A platform whose plugin failed is shown
    as error and the command exits 1.

    \b
    Examples:
      creatorpay compare examples/food-vlogger.toml
      creatorpay compare examples/*.toml --format json --platform wechat_channels
      creatorpay compare examples/food-vlogger.toml --rules marginal.toml --cpm 12.5
    """
    engine = make_engine(rules)
    chosen = check_platforms(engine, platforms)
    reports = [engine.compare(load_scenario(path), chosen) for path in scenarios]
    fictional = {name for name in engine.platforms if engine.platform(name).fictional}
    if fmt == "json":
        documents = [r.to_dict(cpm) for r in reports]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from .render import write_csv

        write_csv(reports, sys.stdout, cpm)
    else:
        from .render import print_comparison

        for index, report in enumerate(reports):
            if index:
                click.echo()
            print_comparison(report, cpm, fictional)
    exit_if_failed((str(r.scenario.source), s) for r in reports for s in r.results)
    if strict and any(s.violations for r in reports for s in r.results):
        raise click.exceptions.Exit(1)
