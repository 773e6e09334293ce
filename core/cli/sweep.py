"""``creatorpay sweep``: one scenario settled across a range of one field; where platforms cross over
and where thresholds bite, as a table, CSV, JSON, a text chart, or a PNG/SVG chart (matplotlib).

matplotlib is an optional extra (``pip install 'creatorpay[plot]'``), imported only to draw a chart;
rich only to print the table.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..files import STDIN, check_outputs, replacing, replacing_path
from ..money import fmt, grouped
from ..sweep import Cliff, RuleChange, Sweep, parse_vary
from ..sweep import sweep as run_sweep
from . import plain, quiet
from .common import check_platforms, exit_if_failed, make_engine, platform_option, rules_option

if TYPE_CHECKING:
    from collections.abc import Sequence
    from decimal import Decimal

    from matplotlib.figure import Figure  # type: ignore[import-not-found, unused-ignore]

FORMATS = ("table", "csv", "json", "png", "svg")
CHARTS = ("png", "svg")
INSTALL_PLOT = "pip install 'creatorpay[plot]'"
#: The fewest columns the table leaves its notes (they wrap); fewer, and it is printed as one block per platform.
NOTE_ROOM = 16


def complete_vary(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--vary``: each field path a sweep accepts, followed by ``=``."""
    from ..sweep import field_forms, slots

    forms: list[str] = []
    for raw in field_forms():
        form = raw.replace("[N]", "[0]")
        parts = [form]
        for slot, fixed in slots().items():
            if slot in form:
                names = fixed
                if slot == "NAME":
                    from .common import complete_platforms

                    names = tuple(complete_platforms(_ctx, _param, ""))
                parts = [p.replace(slot, name) for p in parts for name in names]
        forms.extend(parts)
    return [f"{form}=" for form in forms if form.startswith(incomplete)]


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--vary",
    "vary_text",
    required=True,
    metavar="FIELD=START:STOP:STEP",
    shell_complete=complete_vary,
    help="The field to vary and its values, STOP included, e.g. tips.yuan=0:10000:50.",
)
@platform_option
@rules_option
@click.option("--format", "fmt_name", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "-o",
    "--output",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write to FILE (png/svg default: SCENARIO-FIELD.png in the current folder); --out is an older spelling.",
)
@click.option(
    "--chart/--no-chart",
    default=None,
    help="Add a text chart to the table (default: in a terminal when matplotlib is not installed).",
)
def sweep(
    scenario: Path,
    vary_text: str,
    platforms: tuple[str, ...],
    rules: Path | None,
    fmt_name: str,
    out: Path | None,
    chart: bool | None,
) -> None:
    """Settle SCENARIO at each value of one field on each platform; report crossovers and cliffs.

    FIELD is a numeric field path of the scenario format: tips.yuan, tips.beans_android,
    creator.followers, programs.campaign, merchant_live.sales, orders[0].amount (the order's
    participants' agreed amounts are scaled with it), platform.xingtu.followers, ... Values run from
    START to STOP inclusive in steps of STEP, computed exactly.

    A crossover is a value where the best platform changes; a cliff, a value where a platform's net
    falls while the field rises. Each names the rules whose lines changed there.

    \b
    Examples:
      creatorpay sweep examples/food-vlogger.toml --vary tips.yuan=0:10000:50
      creatorpay sweep examples/food-vlogger.toml --vary tips.yuan=0:10000:50 --rules marginal.toml
      creatorpay sweep examples/food-vlogger.toml --vary programs.campaign=0:20000:500 --format csv
      creatorpay sweep examples/food-vlogger.toml --vary tips.yuan=0:10000:50 --format png -o t.png
    """
    vary = parse_vary(vary_text)
    if fmt_name in CHARTS:
        require_matplotlib(fmt_name)
    target = out or (Path(default_chart_name(scenario, vary.field, fmt_name)) if fmt_name in CHARTS else None)
    check_outputs([("--output" if out else "the chart", target)], [("SCENARIO", scenario), ("--rules", rules)])
    engine = make_engine(rules)
    result = run_sweep(engine, scenario, vary, check_platforms(engine, platforms))
    _output(result, fmt_name, target, out, chart)
    exit_if_failed((str(scenario), s) for point in result.points for s in point.statements)


def _output(result: Sweep, fmt_name: str, target: Path | None, out: Path | None, chart: bool | None) -> None:
    """The chart, the file or standard output."""
    if target is not None and fmt_name in CHARTS:
        save_chart(result, target, fmt_name)
        if str(target) == STDIN:  # the chart is the document: the findings go to stderr
            for line in [] if quiet() else findings(result):
                click.echo(line, err=True)
            return
        if not quiet():
            click.echo(f"wrote {target}")
        for line in findings(result):
            click.echo(line)
        return
    if out is not None and str(out) != STDIN:
        with replacing(out) as stream:
            _write(result, fmt_name, stream, plain=True, text_chart_too=bool(chart))
        if not quiet():
            click.echo(f"wrote {out}")
        return
    if chart is None:
        chart = sys.stdout.isatty() and not have_matplotlib()
    _write(result, fmt_name, sys.stdout, plain=_plain(), text_chart_too=chart)


def _write(result: Sweep, fmt_name: str, stream: IO[str], *, plain: bool, text_chart_too: bool) -> None:
    if fmt_name == "json":
        stream.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif fmt_name == "csv":
        write_csv(result, stream)
    else:
        print_table(result, stream, plain=plain)
        if text_chart_too:
            stream.write("\n" + "\n".join(text_chart(result)) + "\n")


def _plain() -> bool:
    """No colour and no box art: as ``compare`` (piped output, ``NO_COLOR``, ``--color``)."""
    return plain()


# -- table and CSV -------------------------------------------------------------------------------------


def print_table(result: Sweep, stream: IO[str], *, plain: bool) -> None:
    """The grid (values as rows, platforms as columns, the best net marked), then the findings."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .render import blocks, columns, fits

    buffer = io.StringIO()
    if plain:
        console = Console(
            file=buffer, no_color=True, highlight=False, force_terminal=False, width=columns(), emoji=False
        )
    else:
        console = Console(file=stream, highlight=False, emoji=False)
    scenario, vary = result.scenario, result.vary
    stream.write(f"{scenario.name or scenario.source} ({scenario.period}, {scenario.source})\n")
    stream.write(
        f"{vary.field} from {vary.shown(vary.start)} to {vary.shown(vary.stop)} step "
        f"{vary.shown(vary.step)}: {vary.count:,} values, net in CNY\n"
    )
    stream.flush()
    notes = _row_notes(result)
    marked = len(set(result.platforms) - result.fictional) > 1
    rows: list[tuple[str, list[str]]] = []
    for point in result.points:
        best = set(point.best) if marked else set()
        cells: list[str] = []
        for statement in point.statements:
            if statement.status != "ok":
                cells.append(statement.status)
            else:
                cells.append(grouped(statement.net) + (" *" if statement.platform in best else "  "))
        rows.append((vary.shown(point.value), cells))
    row_notes = ["; ".join(notes.get(point.value, [])) for point in result.points]

    def grid(with_notes: bool) -> Table:
        table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column(vary.field, justify="right", no_wrap=True)
        for name in result.platforms:
            table.add_column(
                f"{name}\n(fictional)" if name in result.fictional else name, justify="right", no_wrap=True
            )
        if with_notes:
            table.add_column("", overflow="fold")
        for (value, cells), note in zip(rows, row_notes, strict=True):
            table.add_row(value, *cells, *([note] if with_notes else []))
        return table

    # The figures never wrap; the notes do, in what is left (at least NOTE_ROOM columns when there are any).
    if not fits(console, grid(with_notes=False), spare=NOTE_ROOM + 2 if any(row_notes) else 0):
        names = [f"{name} (fictional)" if name in result.fictional else name for name in result.platforms]
        for line in blocks(f"net in CNY by {vary.field}", names, rows, row_notes, numeric_labels=True):
            stream.write(line + "\n")
    else:
        console.print(grid(with_notes=True))
        # Plain text keeps no padding at the ends of lines.
        stream.writelines(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
    if marked:
        stream.write("* best net" + (" (a fictional platform is never marked)" if result.fictional else "") + "\n")
    for line in findings(result):
        stream.write(line + "\n")


def _row_notes(result: Sweep) -> dict[Decimal, list[str]]:
    notes: dict[Decimal, list[str]] = {}
    for crossover in result.crossovers:
        notes.setdefault(crossover.value, []).append(f"best: {', '.join(crossover.after)}")
    for cliff in result.cliffs:
        notes.setdefault(cliff.value, []).append(f"cliff: {cliff.platform}")
    return notes


def findings(result: Sweep) -> list[str]:
    """Crossovers and cliffs with the rules responsible, then values a platform did not settle."""
    vary = result.vary
    lines = [f"Crossovers (the best platform changes): {len(result.crossovers) or 'none'}"]
    for c in result.crossovers:
        lines.append(
            f"  at {vary.field} {vary.shown(c.value)} (after {vary.shown(c.previous)}): best "
            f"{', '.join(c.before)} -> {', '.join(c.after)}"
        )
        lines.append(f"    rules: {_rules_text(c.rules, by_platform=True)}")
    lines.append(f"Cliffs (a net falls while {vary.field} rises): {len(result.cliffs) or 'none'}")
    for cliff in result.cliffs:
        lines.append(
            f"  {cliff.platform} at {vary.field} {_span(result, cliff)}: net "
            f"{grouped(cliff.net_before)} -> {grouped(cliff.net_after)} ({grouped(cliff.change)})"
        )
        lines.append(f"    rules: {_rules_text(cliff.rules, by_platform=False)}")
    unsettled: dict[str, list[str]] = {}
    for point in result.points:
        for s in point.statements:
            if s.status != "ok":
                unsettled.setdefault(f"{s.platform}: {s.status}: {s.error}", []).append(vary.shown(point.value))
    if unsettled:
        lines.append("Not settled:")
        lines.extend(
            f"  {what} (at {len(at):,} value{'s' if len(at) != 1 else ''}, first {at[0]})"
            for what, at in unsettled.items()
        )
    lines.extend(f"note: {notice}" for notice in result.notices)
    return lines


def _span(result: Sweep, cliff: Cliff) -> str:
    vary = result.vary
    text = f"{vary.shown(cliff.value)} (after {vary.shown(cliff.previous)}"
    if cliff.until != cliff.value:
        text += f", falling on to {vary.shown(cliff.until)}"
    return text + ")"


def _rules_text(rules: Sequence[RuleChange], *, by_platform: bool) -> str:
    if not rules:
        return "none changed"
    return ", ".join(f"{r.platform} {r}" if by_platform else str(r) for r in rules)


def write_csv(result: Sweep, stream: IO[str]) -> None:
    """The grid: one row per value, the net on each platform (empty where it did not settle), the best."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([result.vary.field, *result.platforms, "best"])
    for point in result.points:
        nets = [point.net(name) for name in result.platforms]
        writer.writerow(
            [result.vary.raw(point.value), *("" if n is None else fmt(n) for n in nets), " ".join(point.best)]
        )


# -- charts ---------------------------------------------------------------------------------------------


def have_matplotlib() -> bool:
    """Whether the ``plot`` extra is installed, without importing it."""
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    return importlib.util.find_spec("matplotlib") is not None


def require_matplotlib(fmt_name: str) -> None:
    """A clear input error (exit 2) when a PNG/SVG is asked for without matplotlib."""
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        raise InputError.one(
            "--format",
            "",
            f"{fmt_name} charts need matplotlib, an optional extra: "
            f"{INSTALL_PLOT} (or use --format table, csv or json)",
        ) from None


def default_chart_name(scenario: Path, field: str, fmt_name: str) -> str:
    """``food-vlogger-tips.yuan.png`` for ``examples/food-vlogger.toml`` varied on ``tips.yuan``
    (``scenario-tips.yuan.png`` for standard input)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "", field)
    return f"{'scenario' if str(scenario) == STDIN else scenario.stem}-{slug}.{fmt_name}"


def _culprits(rules: Sequence[RuleChange], limit: int = 3) -> str:
    """The rules to name on a chart: those whose lines appeared, disappeared or were violated, else
    the one that cost the most."""
    named = [r.rule for r in rules if r.structural] or [r.rule for r in rules[:1]]
    return ", ".join(dict.fromkeys(named[:limit]))


def figure(result: Sweep) -> Figure:
    """Net per platform against the field (floats are used only to place points on the chart), with
    each crossover as a dashed line and each cliff as an arrow naming its rules; each label then
    placed where it overlaps no tick label, line, legend or other label (:func:`place_labels`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # type: ignore[import-not-found, unused-ignore]
    from matplotlib.figure import Figure  # type: ignore[import-not-found, unused-ignore]
    from matplotlib.ticker import FuncFormatter  # type: ignore[import-not-found, unused-ignore]

    vary = result.vary
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure the labels with
    ax = fig.add_subplot()
    xs = [float(p.value) for p in result.points]
    for name in result.platforms:
        ys = [math.nan if (net := p.net(name)) is None else float(net) for p in result.points]
        ax.plot(xs, ys, label=name, linewidth=1.8)
    labels: list[tuple[Any, bool]] = []
    for c in result.crossovers[:8]:
        ax.axvline(float(c.value), color="0.45", linestyle="--", linewidth=0.9)
        labels.append(
            (
                ax.annotate(
                    f"best: {', '.join(c.before)} → {', '.join(c.after)}\nat {vary.shown(c.value)}",
                    xy=(float(c.value), 0.5),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, 0),
                    textcoords="offset points",
                    fontsize=8,
                    color="0.3",
                    va="center",
                    arrowprops={"arrowstyle": "-", "color": "0.45", "linewidth": 0.8},
                ),
                False,
            )
        )
    for cliff in result.cliffs[:8]:
        after = float(cliff.net_after)
        labels.append(
            (
                ax.annotate(
                    f"{cliff.platform} cliff at {vary.shown(cliff.value)}: {grouped(cliff.change)}\n"
                    f"({_culprits(cliff.rules)})",
                    xy=(float(cliff.value), after),
                    xytext=(24, -42),
                    textcoords="offset points",
                    fontsize=8,
                    color="#b00020",
                    va="center",
                    arrowprops={"arrowstyle": "->", "color": "#b00020"},
                ),
                True,
            )
        )
        ax.plot(
            [float(cliff.previous), float(cliff.value)],
            [float(cliff.net_before), after],
            color="#b00020",
            linewidth=2.4,
        )
    unit = {"amount": " (CNY)", "ratio": "", "count": ""}[vary.kind]
    ax.set_xlabel(f"{vary.field}{unit}")
    ax.set_ylabel("net (CNY)")
    ax.set_title(result.scenario.name or result.scenario.source, fontsize=11)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    place_labels(fig, ax, labels)
    return fig


#: Distances (points) from a label's anchor tried in turn, nearest first.
_REACH = (30, 50, 75, 105, 140, 180, 230, 290)
#: Directions tried at each distance, as (dx, dy) unit steps: below right first, as a cliff falls.
_DIRECTIONS = (
    (0.6, -0.8),
    (0.6, 0.8),
    (-0.6, -0.8),
    (-0.6, 0.8),
    (1, 0),
    (-1, 0),
    (0.2, -1),
    (0.2, 1),
    (-0.2, -1),
    (-0.2, 1),
    (0.9, -0.45),
    (0.9, 0.45),
    (-0.9, -0.45),
    (-0.9, 0.45),
)
#: Heights (axes fraction) tried along a crossover's dashed line, the middle first.
_HEIGHTS = (0.5, *(0.5 + sign * step / 20 for step in range(1, 10) for sign in (-1, 1)))
#: Room kept around a label (pixels).
_MARGIN = 3

#: A place for a label: its anchor's y (axes fraction, a crossover's; None: where it is), its offset
#: from the anchor (points), and whether its line to the anchor is drawn.
_Place = tuple[float | None, tuple[float, float], bool]


def _candidates(arrow: bool) -> list[_Place]:
    """Places to try for a label: around its anchor, an arrow pointing to it, for a cliff's (``arrow``);
    beside its dashed line, right then left, at heights from the middle out for a crossover's, then
    around the line's middle with a line to it."""
    around = [(dx * reach, dy * reach) for reach in _REACH for dx, dy in _DIRECTIONS]
    if arrow:
        return [(None, offset, True) for offset in around]
    beside: list[_Place] = [(height, (dx, 0.0), False) for height in _HEIGHTS for dx in (4.0, -4.0)]
    return beside + [(0.5, offset, True) for offset in around]


def _put(label: Any, place: _Place, renderer: Any) -> None:
    height, (dx, dy), joined = place
    if height is not None:
        label.xy = (label.xy[0], height)
    label.xyann = (dx, dy)
    label.set_horizontalalignment("left" if dx >= 0 else "right")
    label.arrow_patch.set_visible(joined)
    label.update_positions(renderer)


def place_labels(fig: Figure, ax: Any, labels: Sequence[tuple[Any, bool]]) -> None:
    """Move each label (a cliff's, ``True``; a crossover's) to the first of its candidate places
    (:func:`_candidates`) where its box, measured after a draw, stays inside the axes and overlaps no
    tick label, no plotted line (platforms, crossovers, cliffs), the legend, the title or a label placed
    before it; where none is free, to the place with the fewest overlaps. The layout is then fixed, so
    saving does not move the axes away from what was measured."""
    from matplotlib.text import Text  # type: ignore[import-not-found, unused-ignore]

    if not labels:
        return
    for label, _ in labels:
        label.set_in_layout(False)
    canvas: Any = fig.canvas  # the Agg canvas figure() gave it
    canvas.draw()
    fig.set_layout_engine("none")
    renderer = canvas.get_renderer()
    area = ax.get_window_extent(renderer)
    blocked = [
        t.get_window_extent(renderer) for t in (*ax.get_xticklabels(), *ax.get_yticklabels(), ax.title) if t.get_text()
    ]
    legend = ax.get_legend()
    if legend is not None:
        blocked.append(legend.get_window_extent(renderer))
    paths = [path for line in ax.get_lines() for path in _finite_paths(line)]
    for label, arrow in labels:
        best: tuple[int, _Place] | None = None
        for place in _candidates(arrow):
            _put(label, place, renderer)
            box = Text.get_window_extent(label, renderer).padded(_MARGIN)
            clashes = (
                (0 if _inside(box, area) else 100)
                + sum(box.overlaps(b) for b in blocked)
                + sum(path.intersects_bbox(box, filled=False) for path in paths)
            )
            if best is None or clashes < best[0]:
                best = (clashes, place)
            if not clashes:
                break
        assert best is not None
        _put(label, best[1], renderer)
        blocked.append(Text.get_window_extent(label, renderer).padded(_MARGIN))


def _inside(box: Any, area: Any) -> bool:
    return bool(box.x0 >= area.x0 and box.x1 <= area.x1 and box.y0 >= area.y0 and box.y1 <= area.y1)


def _finite_paths(line: Any) -> list[Any]:
    """A plotted line in display coordinates, one path per run of points that settled (a platform
    that did not settle at a value leaves a gap, NaN)."""
    from matplotlib.path import Path as DrawnPath  # type: ignore[import-not-found, unused-ignore]

    points = line.get_transform().transform(line.get_xydata())
    paths, run = [], []
    for x, y in points:
        if math.isfinite(x) and math.isfinite(y):
            run.append((x, y))
            continue
        if len(run) > 1:
            paths.append(DrawnPath(run))
        run = []
    if len(run) > 1:
        paths.append(DrawnPath(run))
    return paths


def save_chart(result: Sweep, path: Path, fmt_name: str) -> None:
    """Draw the chart and write it as PNG or SVG (needs the ``plot`` extra), whole or not at all;
    ``-``: to standard output."""
    chart = figure(result)
    if str(path) == STDIN:
        chart.savefig(sys.stdout.buffer, format=fmt_name, dpi=130)
        sys.stdout.buffer.flush()
        return
    with replacing_path(path) as place:
        chart.savefig(place, format=fmt_name, dpi=130)


def text_chart(result: Sweep, width: int = 64, height: int = 14) -> list[str]:
    """A compact chart in plain characters: one letter per platform, ``^`` under a crossover and
    ``!`` under a cliff."""
    points, vary = result.points, result.vary
    marks = _marks(result.platforms)
    nets = [net for p in points for name in result.platforms if (net := p.net(name)) is not None]
    if not nets:
        return ["(no platform settled: nothing to chart)"]
    low, high = min(nets), max(nets)
    count = len(points)
    cols = width if count > 1 else 1

    def column(index: int) -> int:
        return 0 if count == 1 else round(index * (cols - 1) / (count - 1))

    def row(net: Decimal) -> int:
        if high == low:
            return height // 2
        return height - 1 - int(((net - low) * (height - 1) / (high - low)).to_integral_value())

    grid = [[" "] * cols for _ in range(height)]
    for col in range(cols):
        index = 0 if cols == 1 else round(col * (count - 1) / (cols - 1))
        for name in result.platforms:
            net = points[index].net(name)
            if net is None:
                continue
            cell = grid[row(net)][col]
            grid[row(net)][col] = marks[name] if cell in (" ", marks[name]) else "*"
    where = {p.value: i for i, p in enumerate(points)}
    under = [" "] * cols
    for c in result.crossovers:
        under[column(where[c.value])] = "^"
    for cliff in result.cliffs:
        col = column(where[cliff.value])
        under[col] = "X" if under[col] == "^" else "!"
    top, bottom = grouped(high), grouped(low)
    pad = max(len(top), len(bottom))
    legend = "  ".join(f"{mark} {name}" for name, mark in marks.items())
    if len(marks) > 1:
        legend += "   * several"
    lines = [f"net (CNY) by {vary.field}   {legend}"]
    for number, cells in enumerate(grid):
        label = top if number == 0 else bottom if number == height - 1 else ""
        lines.append(f"{label:>{pad}} |{''.join(cells).rstrip()}")
    lines.append(f"{'':>{pad}} +{'-' * cols}")
    if result.crossovers or result.cliffs:
        lines.append(f"{'':>{pad}}  {''.join(under).rstrip()}")
    first, last = vary.shown(vary.start), vary.shown(points[-1].value)
    gap = max(1, cols - len(first) - len(last))
    lines.append(f"{'':>{pad}}  {first}{' ' * gap}{last}")
    if result.crossovers or result.cliffs:
        lines.append(f"{'':>{pad}}  ^ the best platform changes   ! a net falls (cliff)   X both")
    return lines


def _marks(platforms: Sequence[str]) -> dict[str, str]:
    """One letter per platform: the first of its name not taken yet, else a digit."""
    marks: dict[str, str] = {}
    for number, name in enumerate(platforms):
        free = [ch for ch in name.lower() if ch.isalpha() and ch not in marks.values()]
        marks[name] = free[0] if free else str(number % 10)
    return marks
