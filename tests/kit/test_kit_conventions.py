"""The plugin kit teaches the built-ins' conventions (issue 17): income lines carry the gross and the
platform's share is its own line (the conformance kit checks it); ``new-plugin`` accepts an empty
folder and its next steps name files that exist; ``creatorpay plugins`` names the distribution."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from creatorpay.core import Engine, Kind, Settlement, hookimpl, load_scenario
from creatorpay.core.cli.plugins import project_name
from creatorpay.testing import checks
from tests.core.fakes import fake_platform
from tests.helpers import scenario_dict
from tests.kit.kit_support import creatorpay

D = Decimal


def _statement(tmp_path: Path, settle: object, **sections: object) -> tuple[object, object]:
    plugin = fake_platform(tmp_path, creatorpay_settle_revenue_share=settle)
    scenario = load_scenario(scenario_dict(**sections))
    statement = Engine(load=["fake"], plugins={"fake": plugin}, entry_points=False).settle(scenario, "fake")
    return statement, scenario


def test_a_share_booked_as_income_is_caught_and_the_gross_with_a_commission_line_passes(tmp_path: Path) -> None:
    @hookimpl
    def share_as_income(ctx: Settlement) -> None:  # what the scaffold used to write
        assert ctx.scenario.tips is not None
        ctx.statement.line(
            "FK-TIP-01", Kind.TIPS, payer="fake", payee=ctx.creator, base=ctx.scenario.tips.yuan, rate=D("0.80")
        )

    @hookimpl
    def gross_and_commission(ctx: Settlement) -> None:  # what the scaffold writes, as WeChat books tips
        assert ctx.scenario.tips is not None
        yuan = ctx.scenario.tips.yuan
        ctx.statement.line("FK-TIP-01", Kind.TIPS, payer="fake", payee=ctx.creator, base=yuan, rate=D(1))
        ctx.statement.line("FK-TIP-01", Kind.COMMISSION, payer=ctx.creator, payee="fake", base=yuan, rate=D("0.2"))

    bad, scenario = _statement(tmp_path, share_as_income, tips={"yuan": "3200.00"})
    assert checks.gross_problems(bad, scenario) == [  # type: ignore[arg-type]
        "the tips lines book 2560.00 of the 3200.00 the scenario states (tips.yuan): book the gross as income "
        "(Kind.TIPS, rate 1) and the platform's share as a separate Kind.COMMISSION or Kind.FEE line, as the "
        "built-in platforms do"
    ]
    (tmp_path / "g").mkdir()
    good, scenario = _statement(tmp_path / "g", gross_and_commission, tips={"yuan": "3200.00"})
    assert checks.gross_problems(good, scenario) == []  # type: ignore[arg-type]


def test_an_order_payment_of_part_of_its_base_is_caught(tmp_path: Path) -> None:
    @hookimpl
    def net_of_fee(ctx: Settlement) -> None:
        ctx.statement.line(
            "FK-TIP-01", Kind.ORDER_PAYMENT, payer="brand", payee=ctx.creator, base=D(100), rate=D("0.95"), order="o-1"
        )
        ctx.statement.line(
            "FK-TIP-01", Kind.ORDER_PAYMENT, payer="brand", payee=ctx.creator, base=D(50), rate=D(0), order="o-2"
        )  # terminated: pays nothing, which is fine

    statement, scenario = _statement(tmp_path, net_of_fee)
    assert checks.gross_problems(statement, scenario) == [  # type: ignore[arg-type]
        "line 0 (FK-TIP-01) pays 95.00 of the 100.00 payment of order o-1: pay the base whole (rate 1) and book "
        "the platform's fee as a separate Kind.FEE line, as the built-in platforms do"
    ]


def test_new_plugin_accepts_an_empty_folder_and_its_next_steps_name_files_that_exist(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    done = creatorpay("new-plugin", "acme", "--dir", str(target))
    assert done.returncode == 0, done.stderr
    assert (target / "src" / "creatorpay_acme" / "rules.toml").is_file()
    steps = done.stdout.split("next:\n", 1)[1].splitlines()
    assert steps[0].strip() == f"cd {target}"
    named = {word for step in steps[1:] for word in shlex.split(step.split("#")[0]) if "/" in word}
    assert named == {"examples/month.toml", "src/creatorpay_acme/rules.toml"}
    assert all((target / path).is_file() for path in named)
    for readme_path in re.findall(r"creatorpay compare (\S+)", (target / "README.md").read_text(encoding="utf-8")):
        assert (target / readme_path).is_file(), readme_path


@pytest.mark.parametrize("content", ["file", "folder", "hidden"])
def test_new_plugin_still_refuses_a_folder_with_anything_in_it(tmp_path: Path, content: str) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    if content == "folder":
        (target / "sub").mkdir()
    else:
        (target / (".keep" if content == "hidden" else "mine.txt")).write_text("keep", encoding="utf-8")
    done = creatorpay("new-plugin", "acme", "--dir", str(target))
    assert done.returncode == 2 and "not an empty folder" in done.stderr and "Traceback" not in done.stderr
    assert len(list(target.iterdir())) == 1


def test_new_plugin_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.write_text("keep", encoding="utf-8")
    done = creatorpay("new-plugin", "acme", "--dir", str(target))
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert target.read_text(encoding="utf-8") == "keep"


def test_the_scaffolded_month_settles_with_gross_income_equal_to_wechats(tmp_path: Path) -> None:
    """The scaffold's example month is a real scenario; its tips are income in full on every column."""
    target = tmp_path / "p"
    assert creatorpay("new-plugin", "acme", "--dir", str(target)).returncode == 0
    scenario = load_scenario(target / "examples" / "month.toml")
    wechat = Engine().settle(scenario, "wechat_channels")
    assert scenario.tips is not None and wechat.totals["income"] == scenario.tips.yuan


@pytest.mark.parametrize(
    ("found", "shown"),
    [
        ("creatorpay_acme", "creatorpay-acme"),
        ("creatorpay-acme", "creatorpay-acme"),
        ("Creatorpay.Acme__x", "creatorpay-acme-x"),
        ("creatorpay", "creatorpay"),
        (None, None),
    ],
)
def test_plugins_shows_the_distribution_as_pip_names_it(found: str | None, shown: str | None) -> None:
    assert project_name(found) == shown


def test_plugins_command_shows_the_installed_demo_by_its_distribution_name(tmp_path: Path) -> None:
    """The real console script, from a folder with no package metadata of its own."""
    table = subprocess.run(
        [str(Path(sys.executable).with_name("creatorpay")), "plugins"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert table.returncode == 0, table.stderr
    assert re.search(r"^xingtu +loaded +creatorpay 0\.1\.0$", table.stdout, re.M)
    assert not re.search(r"^\w+ +\w+ +creatorpay_\w+ \S+$", table.stdout, re.M)  # never a module-like name
