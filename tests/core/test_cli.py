"""The compare command: output formats and exit codes (0 computed, 2 bad input, 1 failure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from creatorpay.core.cli import main
from tests.helpers import EXAMPLES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_compare_json_is_the_output_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "compare", str(EXAMPLES / "live-anchor.toml"), "--format", "json", "--platform", "wechat_channels"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["results"][0]["platform"] == "wechat_channels"
    assert doc["results"][0]["totals"]["income"] == "40000.00"


def test_several_scenarios_give_an_array(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(EXAMPLES / "live-anchor.toml"), str(EXAMPLES / "food-vlogger.toml")]
    code, out, _ = run(capsys, "compare", *files, "--format", "json")
    assert code == 0 and [d["scenario"]["source"] for d in json.loads(out)] == files


def test_table_names_the_platforms_and_net(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", str(EXAMPLES / "live-anchor.toml"), "--platform", "wechat_channels")
    assert code == 0 and "wechat_channels" in out and "Net" in out


def test_bad_input_exits_2_with_a_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\nperiod = "2026-10"\n[creator]\nid = "me"\nfollowers = -3\n', encoding="utf-8")
    code, _, err = run(capsys, "compare", str(bad))
    assert code == 2 and f"{bad}: creator.followers: expected a whole number from 0 to 10,000,000,000" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "compare", str(EXAMPLES / "live-anchor.toml"), "--platform", "nope")
    assert code == 2 and "unknown platform 'nope'" in err
    code, _, err = run(capsys, "compare", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot read the file" in err
    code, _, err = run(capsys, "compare", str(EXAMPLES / "live-anchor.toml"), "--format", "xml")
    assert code == 2 and "xml" in err


def test_a_failure_exits_1_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from creatorpay.core import Engine

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Engine, "compare", explode)
    code, _, err = run(capsys, "compare", str(EXAMPLES / "live-anchor.toml"))
    assert code == 1 and "RuntimeError: disk on fire" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "compare", str(EXAMPLES / "live-anchor.toml")])


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_plugin_and_no_renderer(flag: str) -> None:
    code = (
        "import sys; from creatorpay.core.cli import main\n"
        f"try:\n main(['{flag}'])\nexcept SystemExit:\n pass\n"
        "bad = [m for m in sys.modules if m.startswith(('creatorpay.plugins', 'rich'))]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_installed_script_runs_as_a_subprocess() -> None:
    script = Path(sys.executable).with_name("creatorpay")
    done = subprocess.run(
        [str(script), "compare", str(EXAMPLES / "live-anchor.toml"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["period"] == "2026-10"
