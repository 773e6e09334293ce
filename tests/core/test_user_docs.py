"""User pages say what the tool does (issue 17): README's Python example runs as shown, and
docs/batch.md keeps no measurements or development history (they are in docs/performance.md)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def test_the_readme_python_example_runs_as_shown() -> None:
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Using it from Python")
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    finally:
        os.chdir(cwd)
    assert '"schema": 1' in out.getvalue() and "xingtu" in out.getvalue()


def test_batch_md_describes_the_tool_not_its_measurements_or_history() -> None:
    text = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # a sample of the tool's output may show its rate
    for word in ("events/s", "µs", "session", "goal", "issue", "Measured", "was measured", "before (one process)"):
        assert word not in text, word
    assert "performance.md" in text
    moved = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "## Batch settlement: figures and history" in moved and "100,000 events/s" in moved
