"""The third-party example, examples/plugins/creatorpay-demo-platform: made with the scaffold, it
installs, passes its own tests and shows up in ``creatorpay plugins`` and ``creatorpay compare``."""

from __future__ import annotations

from pathlib import Path

from kit_support import BUILT_IN, DEMO, compare_json, install, plugin_reports, run_tests

from creatorpay.core.cli.new_plugin import scaffold, values


def test_demo_installs_passes_its_tests_and_is_compared(tmp_path: Path) -> None:
    site = install(DEMO, tmp_path)
    tests = run_tests(tmp_path / "src" / DEMO.name, site)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    report = plugin_reports(site)["demo_platform"]
    assert report["status"] == "loaded" and report["version"] == "0.1.0"
    assert "creatorpay_check_ext" in report["hooks"]
    results = {r["platform"]: r for r in compare_json(site)["results"]}
    assert {"demo_platform", *BUILT_IN} <= set(results)  # and any other plugin installed
    demo = results["demo_platform"]
    assert demo["status"] == "ok" and demo["net"] == "2048.00"  # 3,200.00 x 0.80 less 20% to the MCN
    assert [n["rule"] for n in demo["not_applied"]] == []
    assert {o["activity"] for o in demo["not_offered"]} == {"orders", "programs"}


def test_demo_is_what_the_scaffold_writes_plus_its_two_rules(tmp_path: Path) -> None:
    """The example stays a scaffold product: the packaging files are exactly the generated ones."""
    made = tmp_path / "made"  # written directly: the command refuses the name when the demo is installed
    scaffold(made, values("demo_platform", "Demo Platform", "DEMO"))
    for name in ("pyproject.toml", ".gitignore", "src/creatorpay_demo_platform/py.typed"):
        assert (DEMO / name).read_text(encoding="utf-8") == (made / name).read_text(encoding="utf-8"), name
    generated = (made / "src/creatorpay_demo_platform/rules.toml").read_text(encoding="utf-8")
    rule = generated[generated.index('[rules."DEMO-TIP-01"]'):]
    assert rule in (DEMO / "src/creatorpay_demo_platform/rules.toml").read_text(encoding="utf-8")
    assert "FICTIONAL" in (DEMO / "README.md").read_text(encoding="utf-8").upper()
