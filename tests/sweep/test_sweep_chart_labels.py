"""The sweep chart's labels never collide (issue 17): after a draw, and after saving, each cliff's and
crossover's label box lies inside the axes and overlaps no tick label, no plotted line, the legend or
another label. The sweeps are chosen where the labels used to collide: a WC-TIP-03 cliff at the
bottom of the axes (its label fell on the x tick labels) and two crossovers beside a cliff (labels on
the lines)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine
from creatorpay.core.sweep import parse_vary, sweep

if TYPE_CHECKING:  # matplotlib is optional: the tests skip without it
    from matplotlib.transforms import Bbox

matplotlib = pytest.importorskip("matplotlib")

SWEEPS = [
    # README's chart: the WC-TIP-03 cliff at 5,000.00
    ("examples/food-vlogger.toml", "tips.yuan=0:10000:50", ["netease", "wechat_channels", "xingtu"]),
    # the cliff is the lowest net charted: below it are the x tick labels
    ("examples/food-vlogger.toml", "tips.yuan=4000:10000:50", ["wechat_channels"]),
    # two crossovers 250.00 apart (XT-CC-*) and the WC-TIP-03 cliff, with three lines
    ("examples/co-creation-terminated.toml", "tips.yuan=0:20000:250", ["netease", "wechat_channels", "xingtu"]),
    # a crossover where Xingtu's order overtakes NetEase's programs
    ("examples/food-vlogger.toml", "orders[0].amount=0:60000:1000", ["netease", "wechat_channels", "xingtu"]),
]


def collisions(fig: Any) -> list[str]:
    """Every overlap of a label's text box (measured on the drawn figure) with what it must not cover."""
    from matplotlib.text import Text

    from creatorpay.core.cli.sweep import _finite_paths

    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    area = ax.get_window_extent(renderer)
    ticks = [t for t in (*ax.get_xticklabels(), *ax.get_yticklabels()) if t.get_text()]
    found = []
    boxes: list[Bbox] = []
    for label in ax.texts:
        box = Text.get_window_extent(label, renderer)
        name = label.get_text().splitlines()[0]
        found += [
            f"{name!r} on tick label {t.get_text()!r}" for t in ticks if box.overlaps(t.get_window_extent(renderer))
        ]
        found += [
            f"{name!r} on line {line.get_label()!r}"
            for line in ax.get_lines()
            if any(path.intersects_bbox(box, filled=False) for path in _finite_paths(line))
        ]
        if ax.get_legend() is not None and box.overlaps(ax.get_legend().get_window_extent(renderer)):
            found.append(f"{name!r} on the legend")
        if not (area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1):
            found.append(f"{name!r} outside the axes")
        found += [f"{name!r} on another label" for other in boxes if box.overlaps(other)]
        boxes.append(box)
    return found


@pytest.mark.usefixtures("at_root")
@pytest.mark.parametrize(("scenario", "vary", "platforms"), SWEEPS, ids=[s[1] for s in SWEEPS])
def test_labels_overlap_no_tick_label_line_or_label(scenario: str, vary: str, platforms: list[str]) -> None:
    from creatorpay.core.cli.sweep import figure

    result = sweep(Engine(), scenario, parse_vary(vary), platforms)
    assert result.cliffs or result.crossovers
    fig = figure(result)
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    assert len(fig.axes[0].texts) == min(len(result.cliffs), 8) + min(len(result.crossovers), 8)
    assert collisions(fig) == []
    fig.savefig(io.BytesIO(), format="png", dpi=130)  # as save_chart writes it: the layout stays put
    fig.canvas.draw()
    assert collisions(fig) == []
