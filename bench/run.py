"""creatorpay benchmarks: every figure printed beside its reference, measured in the same run.

    python -m pip install -e '.[bench]' && python bench/run.py [--quick]

Prints one JSON object. Figures (medians of warm, in-process runs on one core unless noted):
- statement_us: Engine.settle of a tipping-only WeChat Channels scenario;
  zen_us: the same decision as a precompiled GoRules zen-engine decision table through its loader;
  zen_ratio = statement_us / zen_us (goal <= 1.0).
- direct_us: a hand-written plain-Python function computing the same statement with the same Decimal
  arithmetic and no engine; direct_ratio = statement_us / direct_us (goal <= 5).
- compare_us: Engine.compare of examples/food-vlogger.toml on every platform.
- cli_ms / cli_baseline_ms / cli_ratio: wall time of `creatorpay compare examples/food-vlogger.toml
  --format json` over `python -c "import click, pluggy, attrs"` (goal <= 1.5).
- batch_*: bench/batch.py's figures for a generated month, when that benchmark exists;
  batch_ceiling_events_per_s: bench/batch_floor.py's ceiling for the same month (any batch around the
  same checks and engine, perfectly split over two cores), batch_of_ceiling the share of it reached
  (goal >= 0.9); batch_peak_rss_mb, the run's processes summed (goal < 300).
goals_met says, per figure with a goal, whether it is met.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
TIPS = {"yuan": "1200.00", "beans_android": 30000, "beans_ios": 7000}
SCENARIO = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 8600}, "tips": TIPS}


def median_us(call: Callable[[], object], runs: int, warm: int = 200) -> float:
    """Median wall time of one call in microseconds, after ``warm`` calls."""
    for _ in range(warm):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1000


def direct_statement(yuan: Decimal, android: int, ios: int) -> dict[str, Any]:
    """The tipping statement by hand: WC-TIP-01 lines, WC-TIP-02/03 commission (cliff), the tier skip."""
    fen = Decimal("0.01")
    lines = []
    gross = Decimal(0)
    if yuan:
        lines.append(("WC-TIP-01", "wechat_channels", "me", yuan, Decimal(1), yuan, yuan))
        gross += yuan
    for beans, per in ((android, 10), (ios, 7)):
        if beans:
            value = (Decimal(beans) / per).quantize(fen, rounding=ROUND_HALF_UP)
            lines.append(("WC-TIP-01", "wechat_channels", "me", Decimal(beans), Decimal(1) / per, value, value))
            gross += value
    rate = Decimal("0.30") if gross >= Decimal("5000.00") else Decimal(0)
    commission = (gross * rate).quantize(fen, rounding=ROUND_HALF_UP)
    lines.append(("WC-TIP-02" if rate else "WC-TIP-03", "me", "wechat_channels", gross, rate, commission, -commission))
    not_applied = [("WC-TIER-01", "tier 1,000 followers reached: package size operator-set and unset")]
    return {"lines": lines, "net": sum(line[6] for line in lines), "not_applied": not_applied}


def engine_figures(runs: int) -> dict[str, Any]:
    from creatorpay.core import Engine, load_scenario

    engine = Engine()
    scenario = load_scenario(SCENARIO)
    statement = engine.settle(scenario, "wechat_channels")
    direct = direct_statement(Decimal(TIPS["yuan"]), 30000, 7000)
    assert direct["net"] == statement.net, (direct["net"], statement.net)
    food = load_scenario(ROOT / "examples" / "food-vlogger.toml")
    figures = {
        "statement_us": median_us(lambda: engine.settle(scenario, "wechat_channels"), runs),
        "direct_us": median_us(lambda: direct_statement(Decimal("1200.00"), 30000, 7000), runs),
        "compare_us": median_us(lambda: engine.compare(food), max(runs // 5, 50)),
        "compare_platforms": len(engine.platforms),
    }
    figures["direct_ratio"] = figures["statement_us"] / figures["direct_us"]
    return figures


def zen_figures(runs: int, net: Decimal) -> dict[str, Any]:
    try:
        import zen  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return {"zen_us": None, "zen_note": "zen-engine not installed: pip install -e '.[bench]'"}
    content = zen.ZenDecisionContent((Path(__file__).with_name("tipping.jdm.json")).read_text(encoding="utf-8"))
    loaded = {"tipping": content}
    engine = zen.ZenEngine({"loader": lambda key: loaded[key]})
    request = {"yuan": 1200, "beans_android": 30000, "beans_ios": 7000}
    result = engine.evaluate("tipping", request)["result"]
    assert Decimal(str(result["net"])) == net, (result, net)
    return {
        "zen_us": median_us(lambda: engine.evaluate("tipping", request), runs),
        "zen_version": _version("zen-engine"),
    }


def cli_figures(runs: int) -> dict[str, Any]:
    script = shutil.which("creatorpay") or str(Path(sys.executable).with_name("creatorpay"))
    env = dict(os.environ, CREATORPAY_DISABLE_PLUGINS=os.environ.get("CREATORPAY_DISABLE_PLUGINS", ""))
    command = [script, "compare", "examples/food-vlogger.toml", "--format", "json"]
    baseline = [sys.executable, "-c", "import click, pluggy, attrs"]

    def walls(*argvs: list[str]) -> list[float]:
        """The median wall time of each command in ms, the commands run in turn (one, the other, one...):
        a spell of load on this shared machine then falls on both, not on one side of the ratio."""
        times: list[list[float]] = [[] for _ in argvs]
        for _ in range(runs):
            for argv, kept in zip(argvs, times, strict=True):
                start = time.perf_counter()
                subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
                kept.append(time.perf_counter() - start)
        return [statistics.median(kept) * 1000 for kept in times]

    # Imports from bytecode, as after a wheel install (PYTHONDONTWRITEBYTECODE may be set here): the
    # folders the package is imported from, which an editable install in strict mode links from build/.
    import creatorpay.core
    import creatorpay.plugins

    places = [*creatorpay.core.__path__, *creatorpay.plugins.__path__]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *places], check=True, stdout=subprocess.DEVNULL)
    walls([*command[:1], "--version"])  # warm the file cache
    cli_ms, base_ms = walls(command, baseline)
    return {"cli_ms": cli_ms, "cli_baseline_ms": base_ms, "cli_ratio": cli_ms / base_ms}


def batch_figures(quick: bool) -> dict[str, Any]:
    script = Path(__file__).with_name("batch.py")
    if not script.exists():
        return {"batch_events_per_s": None, "batch_note": "bench/batch.py not present"}
    argv = [sys.executable, str(script)] + (["--events", "100000"] if quick else [])
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"batch_events_per_s": None, "batch_note": done.stderr.strip().splitlines()[-1:]}
    data: dict[str, Any] = json.loads(done.stdout)
    figures = {f"batch_{k}" if not k.startswith("batch_") else k: v for k, v in data.items()}
    # Its reference: the ceiling of any batch around the same checks and engine (bench/batch_floor.py).
    floor = subprocess.run(
        [sys.executable, str(script.with_name("batch_floor.py")), "--events", str(data["events"])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if floor.returncode == 0:
        ceiling = json.loads(floor.stdout)["ideal_events_per_s_on_2_cores"]
        figures.update(batch_ceiling_events_per_s=ceiling, batch_of_ceiling=data["events_per_s"] / ceiling)
    return figures


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and a smaller batch month")
    parser.add_argument("--no-batch", action="store_true", help="skip the batch benchmark")
    parser.add_argument("--no-zen", action="store_true", help="skip the statement figures (zen, direct, compare)")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line start-up figures")
    args = parser.parse_args()
    runs = 500 if args.quick else 5000
    figures: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    if not args.no_zen:
        figures.update(engine_figures(runs))
        figures.update(zen_figures(runs, Decimal("3640.00")))
        if figures.get("zen_us"):
            figures["zen_ratio"] = figures["statement_us"] / figures["zen_us"]
    if not args.no_cli:
        figures.update(cli_figures(5 if args.quick else 11))
    if not args.no_batch:
        figures.update(batch_figures(args.quick))
    goals = {"zen_ratio": 1.0, "direct_ratio": 5.0, "cli_ratio": 1.5}
    figures["goals_met"] = {k: figures[k] <= v for k, v in goals.items() if figures.get(k) is not None}
    # Batch (issue 20): at least 0.9 of its ceiling in the same run, peak memory under 300 MB.
    if figures.get("batch_of_ceiling") is not None:
        figures["goals_met"]["batch_of_ceiling"] = figures["batch_of_ceiling"] >= 0.9
    if figures.get("batch_peak_rss_mb") is not None:
        figures["goals_met"]["batch_peak_rss_mb"] = figures["batch_peak_rss_mb"] < 300
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
