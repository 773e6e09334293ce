"""The commands end to end through click's runner: options, exit codes, messages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.cli.cli_support import invoke, run_main
from tests.helpers import EXAMPLES

if TYPE_CHECKING:
    from pathlib import Path


pytestmark = pytest.mark.usefixtures("at_root")


def test_version_lists_core_and_plugins() -> None:
    out = invoke("--version").output
    assert out.startswith("creatorpay ") and "plugin wechat_channels: creatorpay" in out


def test_compare_cpm_adds_traffic_cny_core_traffic_01() -> None:
    doc = json.loads(invoke("compare", "examples/live-anchor.toml", "--format", "json", "--cpm", "12.5").output)
    assert all("traffic_cny" in r for r in doc["results"])
    assert "Traffic at 12.5 CPM" in invoke("compare", "examples/live-anchor.toml", "--cpm", "12.5").output


def test_compare_rejects_a_bad_cpm(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "compare", "examples/live-anchor.toml", "--cpm", "lots")
    assert code == 2 and "--cpm" in err


def test_strict_exits_1_on_violations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "compare", "examples/co-creation-terminated.toml", "--strict")
    assert code == 1 and "XT-CC-02" in out
    assert run_main(capsys, "compare", "examples/live-anchor.toml", "--strict")[0] == 0


def test_compare_with_rules_override(tmp_path: Path) -> None:
    override = tmp_path / "marginal.toml"
    override.write_text('[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n', encoding="utf-8")
    doc = json.loads(
        invoke(
            "compare",
            "examples/live-anchor.toml",
            "--platform",
            "wechat_channels",
            "--rules",
            str(override),
            "--format",
            "json",
        ).output
    )
    # marginal: 30% on 35,000 only = 10,500 commission, 29,500 own income before tax
    assert doc["results"][0]["totals"]["fees"] == "-10500.00"


def test_explain_flags_unverified_lines() -> None:
    out = invoke("explain", "examples/food-vlogger.toml", "--platform", "xingtu").output
    assert "! XT-FEE-01" in out and "[unverified]" in out and "computed from an unverified figure" in out
    data = json.loads(
        invoke("explain", "examples/food-vlogger.toml", "--platform", "xingtu", "--format", "json").output
    )
    assert any(line["flagged"] and line["rule"] == "XT-FEE-01" for line in data["results"][0]["lines"])


def test_validate_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run_main(capsys, "validate", "examples/food-vlogger.toml")[0] == 0
    code, out, _ = run_main(capsys, "validate", "examples/co-creation-terminated.toml")
    assert code == 1 and "XT-CC-03" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\n", encoding="utf-8")
    code, _, err = run_main(capsys, "validate", str(bad))
    assert code == 2 and "period: required key is missing" in err


def test_plugins_lists_each_plugin_even_a_failed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATORPAY_DISABLE_PLUGINS", "netease")
    data = {r["name"]: r for r in json.loads(invoke("plugins", "--format", "json").output)}
    assert data["netease"]["status"] == "blocked"
    assert data["wechat_channels"]["status"] == "loaded" and "creatorpay_platform" in data["wechat_channels"]["hooks"]
    text = invoke("plugins").output
    assert "netease" in text and "blocked" in text


def test_rules_show_and_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = invoke("rules", "show", "wechat_channels", "--at", "2022-01-31").output
    assert "WC-TIP-03  not in force until 2022-01-06" not in out  # in force from 01-06 on a day basis
    assert "WC-TIP-01  [source]  from 2021-01-01" in out
    early = invoke("rules", "show", "wechat_channels", "--at", "2021-06-01").output
    assert "WC-TIP-03  not in force until 2022-01-06" in early
    data = json.loads(invoke("rules", "show", "cn_tax", "--at", "2025-10-01", "--format", "json").output)
    assert [r["rule"] for r in data[0]["in_force"]][:1] != ["CN-TAX-01"]
    good = tmp_path / "good.toml"
    good.write_text('[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n', encoding="utf-8")
    assert "ok" in invoke("rules", "validate", str(good)).output
    bad = tmp_path / "bad.toml"
    bad.write_text('[wechat_channels."WC-TIP-03"]\nmode = "sideways"\n', encoding="utf-8")
    code, _, err = run_main(capsys, "rules", "validate", str(bad))
    assert code == 2 and 'wechat_channels."WC-TIP-03".mode: expected one of cliff, marginal' in err
    code, _, err = run_main(capsys, "rules", "show", "tiktok")
    assert code == 2 and "unknown platform or plugin 'tiktok'" in err


def test_every_command_has_a_worked_example_in_its_help() -> None:
    from creatorpay.core.cli import COMMANDS

    for name in COMMANDS:
        out = invoke(name, "--help").output
        assert "creatorpay " + name in out, f"{name} --help lacks an example"


def test_examples_folder_is_covered() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == [
        "co-creation-terminated.toml",
        "food-vlogger.toml",
        "live-anchor.toml",
    ]
