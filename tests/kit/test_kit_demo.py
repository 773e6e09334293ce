"""The third-party example, examples/plugins/creatorpay-demo-platform: made with the scaffold, it
installs, passes its own tests and shows up in ``creatorpay plugins`` and ``creatorpay compare``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from creatorpay.core.cli.new_plugin import scaffold, values
from tests.kit.kit_support import BUILT_IN, DEMO, FOOD_VLOGGER, run, venv_creatorpay

if TYPE_CHECKING:
    from pathlib import Path

TIPS_ONLY = """schema = 1
period = "2026-10"
[creator]
id = "me"
followers = 5000
[tips]
yuan = "10000.00"
"""


def test_demo_passes_its_own_tests_in_its_own_venv(demo_python: Path) -> None:
    source = demo_python.parents[2] / "src" / DEMO.name
    tests = run([str(demo_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=source)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_demo_is_listed_and_compared_in_its_venv(demo_python: Path) -> None:
    listed = venv_creatorpay(demo_python, "plugins", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    report = {r["name"]: r for r in json.loads(listed.stdout)}["demo_platform"]
    assert report["status"] == "loaded" and report["version"] == "0.1.0"
    assert "creatorpay_check_ext" in report["hooks"]
    done = venv_creatorpay(demo_python, "compare", str(FOOD_VLOGGER), "--format", "json")
    assert done.returncode == 0, done.stderr
    results = {r["platform"]: r for r in json.loads(done.stdout)["results"]}
    assert {"demo_platform", *BUILT_IN} <= set(results)  # and any other plugin installed
    demo = results["demo_platform"]
    assert demo["status"] == "ok" and demo["net"] == "2048.00"  # 3,200.00 x 0.80 less 20% to the MCN
    assert [n["rule"] for n in demo["not_applied"]] == []
    assert {o["activity"] for o in demo["not_offered"]} == {"orders", "programs"}


def test_the_fictional_demo_never_wins_a_comparison(demo_python: Path, tmp_path: Path) -> None:
    """10,000 CNY of tips: the demo (80%, fictional) nets 8,000.00, more than WeChat Channels'
    7,000.00 (WC-TIP-02), but its column is labelled fictional and the best mark goes to a real one."""
    scenario = tmp_path / "tips.toml"
    scenario.write_text(TIPS_ONLY, encoding="utf-8")
    done = venv_creatorpay(demo_python, "compare", str(scenario))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("CNY"))  # under "demo_platform"
    assert "demo_platform" in lines[header - 1] and lines[header].split()[1] == "(fictional)"
    net = next(line for line in lines if line.startswith("Net")).split()
    assert "8,000.00" in net and "8,000.00 *" not in " ".join(net)
    assert "7,000.00 *" in " ".join(net)
    assert "a fictional platform is never marked" in done.stdout
    swept = venv_creatorpay(
        demo_python, "sweep", str(scenario), "--vary", "tips.yuan=9000:10000:1000", "--format", "json"
    )
    assert swept.returncode == 0, swept.stderr
    assert [point["best"] for point in json.loads(swept.stdout)["grid"]] == [["wechat_channels"]] * 2


def test_demo_is_what_the_scaffold_writes_plus_its_two_rules(tmp_path: Path) -> None:
    """The example stays a scaffold product: the packaging files are exactly the generated ones."""
    made = tmp_path / "made"  # written directly: the command refuses the name when the demo is installed
    scaffold(made, values("demo_platform", "Demo Platform", "DEMO"))
    for name in ("pyproject.toml", ".gitignore", "src/creatorpay_demo_platform/py.typed"):
        assert (DEMO / name).read_text(encoding="utf-8") == (made / name).read_text(encoding="utf-8"), name
    generated = (made / "src/creatorpay_demo_platform/rules.toml").read_text(encoding="utf-8")
    rule = generated[generated.index('[rules."DEMO-TIP-01"]') :]
    assert rule in (DEMO / "src/creatorpay_demo_platform/rules.toml").read_text(encoding="utf-8")
    assert "FICTIONAL" in (DEMO / "README.md").read_text(encoding="utf-8").upper()
