"""``creatorpay sweep`` end to end: the WeChat tipping cliff (WC-TIP-03) at 5,000.00 under the default
rules and none under the ``marginal`` override, in table, CSV, JSON and PNG; input errors exit 2."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from creatorpay.core.cli import main
from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

TIPS = ("examples/food-vlogger.toml", "--vary", "tips.yuan=0:10000:50")
#: The plugins shipped with creatorpay: an allow list, so another installed plugin adds no column.


pytestmark = pytest.mark.usefixtures("built_in_at_root")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(["sweep", *args])
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_table_reports_the_wc_tip_03_cliff_at_5000(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *TIPS)
    assert code == 0
    assert "Cliffs (a net falls while tips.yuan rises): 1" in out
    assert "wechat_channels at tips.yuan 5,000.00 (after 4,950.00): net 13,560.00 -> 12,400.00 (-1,160.00)" in out
    # WC-TIP-02's commission appears on all of it and WC-TIP-03's commission-free line goes away
    assert "rules: WC-TIP-02 appeared -1,500.00, WC-TIP-03 disappeared" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("5,000.00"))
    assert "12,400.00 *" in row and "cliff: wechat_channels" in row
    assert "Crossovers (the best platform changes): none" in out
    assert "+----" not in out  # piped: no text chart unless asked for


def test_table_has_no_cliff_with_the_marginal_override(capsys: pytest.CaptureFixture[str], marginal: Path) -> None:
    code, out, _ = run(capsys, *TIPS, "--rules", str(marginal))
    assert code == 0 and "Cliffs (a net falls while tips.yuan rises): none" in out
    assert "cliff:" not in out


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def _falls(rows: list[dict[str, str]], platform: str) -> list[str]:
    return [
        after["tips.yuan"]
        for before, after in itertools.pairwise(rows)
        if Decimal(after[platform]) < Decimal(before[platform])
    ]


def test_csv_grid_shows_the_cliff_and_none_when_marginal(capsys: pytest.CaptureFixture[str], marginal: Path) -> None:
    code, out, _ = run(capsys, *TIPS, "--format", "csv")
    rows = _csv(out)
    assert code == 0 and len(rows) == 201
    assert list(rows[0]) == ["tips.yuan", "netease", "wechat_channels", "xingtu", "best"]
    assert rows[100] == {
        "tips.yuan": "5000.00",
        "netease": "8000.00",
        "wechat_channels": "12400.00",
        "xingtu": "9120.00",
        "best": "wechat_channels",
    }
    assert _falls(rows, "wechat_channels") == ["5000.00"]
    assert not _falls(_csv(run(capsys, *TIPS, "--format", "csv", "--rules", str(marginal))[1]), "wechat_channels")


def test_json_lists_grid_cliff_and_rules(capsys: pytest.CaptureFixture[str], marginal: Path) -> None:
    code, out, _ = run(capsys, *TIPS, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["vary"] == {
        "field": "tips.yuan",
        "type": "amount",
        "start": "0.00",
        "stop": "10000.00",
        "step": "50.00",
        "count": 201,
    }
    assert doc["grid"][99] == {
        "value": "4950.00",
        "best": ["wechat_channels"],
        "net": {"netease": "8000.00", "wechat_channels": "13560.00", "xingtu": "9120.00"},
    }
    [cliff] = doc["cliffs"]
    assert cliff["platform"] == "wechat_channels" and cliff["value"] == "5000.00"
    assert cliff["previous"] == "4950.00" and cliff["change"] == "-1160.00"
    rules = {r["rule"]: r for r in cliff["rules"]}
    assert rules["WC-TIP-02"]["how"] == "appeared" and rules["WC-TIP-02"]["change"] == "-1500.00"
    assert rules["WC-TIP-03"]["how"] == "disappeared"
    assert doc["crossovers"] == [] and doc["unsettled"] == []
    assert json.loads(run(capsys, *TIPS, "--format", "json", "--rules", str(marginal))[1])["cliffs"] == []


def test_json_reports_a_crossover_with_its_rules(capsys: pytest.CaptureFixture[str]) -> None:
    # WC-MUTUAL-01: brand orders settle on WeChat only above 10,000 followers
    code, out, _ = run(
        capsys, "examples/food-vlogger.toml", "--vary", "creator.followers=0:20000:500", "--format", "json"
    )
    [crossover] = json.loads(out)["crossovers"]
    assert code == 0 and crossover["value"] == 10500 and crossover["previous"] == 10000
    assert crossover["before"] == ["xingtu"] and crossover["after"] == ["wechat_channels"]
    assert {
        "platform": "wechat_channels",
        "rule": "WC-MUTUAL-01",
        "how": "appeared",
        "change": "12000.00",
    } in crossover["rules"]


def test_png_chart_annotates_the_cliff(capsys: pytest.CaptureFixture[str], tmp_path: Path, marginal: Path) -> None:
    pytest.importorskip("matplotlib")
    from creatorpay.core import Engine
    from creatorpay.core.cli.sweep import figure
    from creatorpay.core.sweep import parse_vary, sweep

    target = tmp_path / "tips.png"
    code, out, _ = run(capsys, *TIPS, "--format", "png", "--out", str(target))
    assert code == 0 and out.startswith(f"wrote {target}") and "wechat_channels at tips.yuan 5,000.00" in out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def texts(rules: Path | None) -> list[str]:
        result = sweep(Engine(rules=rules), "examples/food-vlogger.toml", parse_vary("tips.yuan=0:10000:50"))
        return [t.get_text() for t in figure(result).axes[0].texts]

    assert texts(None) == ["wechat_channels cliff at 5,000.00: -1,160.00\n(WC-TIP-02, WC-TIP-03)"]
    assert texts(marginal) == []


def test_svg_defaults_to_a_documented_file_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(
        capsys,
        str(ROOT / "examples/food-vlogger.toml"),
        "--vary",
        "tips.yuan=4000:6000:500",
        "--format",
        "svg",
        "--platform",
        "wechat_channels",
    )
    assert code == 0 and out.startswith("wrote food-vlogger-tips.yuan.svg")
    assert "<svg" in (tmp_path / "food-vlogger-tips.yuan.svg").read_text(encoding="utf-8")


def test_png_without_matplotlib_says_how_to_install(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, _, err = run(capsys, *TIPS, "--format", "png", "--out", str(tmp_path / "x.png"))
    assert code == 2 and "pip install 'creatorpay[plot]'" in err and "--format" in err
    assert not (tmp_path / "x.png").exists()


def test_text_chart_marks_the_cliff(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *TIPS, "--platform", "wechat_channels", "--chart")
    chart = out[out.index("net (CNY) by tips.yuan") :].splitlines()
    assert code == 0 and chart[0].startswith("net (CNY) by tips.yuan   w wechat_channels")
    marks = next(line for line in chart if "!" in line and "|" not in line)
    axis = next(line for line in chart if "+---" in line)
    column = marks.index("!") - axis.index("+") - 1
    assert column == round(100 * 63 / 200)  # 5,000.00 is value 100 of 201 on a 64-column chart
    assert all(ord(ch) < 128 for ch in out[out.index("net (CNY) by") :])  # plain characters


def test_text_chart_is_automatic_only_in_a_terminal_without_matplotlib(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert "net (CNY) by tips.yuan" in run(capsys, *TIPS, "--platform", "xingtu")[1]
    assert "net (CNY) by tips.yuan" not in run(capsys, *TIPS, "--platform", "xingtu", "--no-chart")[1]


def test_out_writes_the_table_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "grid.json"
    code, out, _ = run(capsys, *TIPS, "--format", "json", "--out", str(target))
    assert code == 0 and out == f"wrote {target}\n"
    assert json.loads(target.read_text(encoding="utf-8"))["cliffs"][0]["value"] == "5000.00"


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("tips.yuan", "expected FIELD=START:STOP:STEP"),
        ("tips.yuan=0:100", "expected FIELD=START:STOP:STEP"),
        ("tips.dollars=0:100:10", "'tips.dollars' is not a numeric scenario field"),
        ("orders.amount=0:100:10", "is not a numeric scenario field"),
        ("tips.yuan=0:100:0", "STEP of tips.yuan: expected a step above 0"),
        ("tips.yuan=100:0:10", "STOP of tips.yuan (0) is below START (100)"),
        ("tips.yuan=0:1:0.001", "at most 2 decimal places"),
        ("tips.yuan=-5:100:10", "START of tips.yuan: expected a number >= 0"),
        ("tips.yuan=0:1e3:10", "STOP of tips.yuan: expected a number >= 0"),
        ("tips.yuan=0:1000000000000:1", "below 1000000000000"),
        ("tips.yuan=0:1000000:1", "gives 1,000,001 values; at most 100,000"),
        ("creator.followers=0:10:0.5", "takes a whole number"),
        ("mcn.share=0:2:0.5", "ratio from 0 to 1"),
        ("orders[1].amount=0:100:10", "orders has 1 item in the scenario, so there is no orders[1]"),
        ("tax.months_with_income=1:13:1", "tax.months_with_income = 13 makes the scenario invalid"),
        ("programs.plays_by_scene.news=0:10:1", "give either plays or plays_by_scene"),
        ("platform.tiktok.followers=0:10:1", "platform.tiktok: unknown platform"),
    ],
)
def test_bad_vary_is_an_input_error_core_input_01(capsys: pytest.CaptureFixture[str], vary: str, message: str) -> None:
    code, out, err = run(capsys, "examples/food-vlogger.toml", "--vary", vary)
    assert code == 2 and err.startswith("error: --vary: ") and message in err, err
    assert "Traceback" not in err and out == ""


def test_unknown_platform_and_missing_vary(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *TIPS, "--platform", "tiktok")
    assert code == 2 and "--platform" in err
    code, _, err = run(capsys, "examples/food-vlogger.toml")
    assert code == 2 and "--vary" in err
