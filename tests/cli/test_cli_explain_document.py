"""``explain --format json`` writes the document ``compare --format json`` writes, with each line
explained (issue 17; docs/output.md)."""

from __future__ import annotations

import json
import os
import subprocess

from tests.cli.test_cli_narrow import SCRIPT
from tests.helpers import ROOT


def run(*args: str) -> object:
    done = subprocess.run(
        [*SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "CREATORPAY_LOAD_PLUGINS": "cn_tax,netease,wechat_channels,xingtu"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_explain_json_is_the_compare_document_with_lines_explained() -> None:
    compared = run("compare", "examples/live-anchor.toml", "--format", "json")
    explained = run("explain", "examples/live-anchor.toml", "--format", "json")
    assert isinstance(compared, dict) and isinstance(explained, dict)
    assert list(explained) == list(compared)
    assert {k: explained[k] for k in ("schema", "scenario", "period", "currency", "notices")} == {
        k: compared[k] for k in ("schema", "scenario", "period", "currency", "notices")
    }
    for mine, theirs in zip(explained["results"], compared["results"], strict=True):
        for line, plain in zip(mine["lines"], theirs["lines"], strict=True):
            assert {k: v for k, v in line.items() if k not in ("rule_title", "source", "flagged")} == plain
            assert line["flagged"] == (line["label"] == "unverified")
    wechat = next(r for r in explained["results"] if r["platform"] == "wechat_channels")
    tips = [line for line in wechat["lines"] if line["rule"] == "WC-TIP-01"]
    assert tips[1]["rate"] == "0.1428571428571428571428571429"  # 1/7 to 28 digits: the JSON rate is kept
    assert tips[1]["source"] and tips[1]["rule_title"]
