"""``creatorpay validate``: input errors (exit 2) and rule violations (exit 1), nothing else."""

from __future__ import annotations

from pathlib import Path

import click

from . import quiet
from .common import check_platforms, load_each, make_engine, platform_option, report_failures, rules_option


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@platform_option
@rules_option
def validate(scenarios: tuple[Path, ...], platforms: tuple[str, ...], rules: Path | None) -> None:
    """Check scenarios: exit 2 on an input error, 1 on a rule violation or a plugin failure, 0 when clean.

    Every file is checked and every problem reported; the exit code is the worst found.

    \b
    Examples:
      creatorpay validate examples/co-creation-terminated.toml
      creatorpay validate examples/*.toml
      cat my.toml | creatorpay validate -
    """
    engine = make_engine(rules)
    chosen = check_platforms(engine, platforms)
    loaded, code = load_each(scenarios, engine)
    found = 0
    settled = []
    for scenario in loaded:
        report = engine.compare(scenario, chosen)
        for statement in report.results:
            settled.append((str(scenario.source), statement))
            for v in statement.violations:
                found += 1
                order = f" order {v.order}" if v.order else ""
                click.echo(f"{scenario.source}: {statement.platform}: {v.rule}{order}: {v.message}")
    failed = report_failures(settled)  # a plugin that failed: an error line each, exit 1
    bad = len(scenarios) - len(loaded)
    if found or bad or failed:
        parts = [f"{found} violation{'s' if found != 1 else ''}"] if found else []
        parts += [f"{bad} of {len(scenarios)} file{'s' if len(scenarios) != 1 else ''} unusable"] if bad else []
        if parts and not quiet():
            click.echo(", ".join(parts))
        raise click.exceptions.Exit(max(code, 1 if found or failed else 0))
    if not quiet():
        click.echo(f"ok: {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}, no violations")
