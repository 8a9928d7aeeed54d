"""`kx bench --plot`: a PNG of the figure of every benchmark (its cost per operation, or
the counter it names), one series per report, drawn by gnuplot (Debian gnuplot-nox) from a
self-contained script."""

import pathlib
import re
import subprocess
from collections.abc import Sequence

from bench_report import Summary
from common import KxError

GNUPLOT = "gnuplot"
SERIES_GAP = 0.12  # x offset between the series at one benchmark, so their bars don't hide


def quote(text: str) -> str:
    """A gnuplot single-quoted string: no escapes inside, '' stands for '."""
    return "'" + text.replace("'", "''") + "'"


def family(name: str) -> str:
    """A benchmark's family: its name without a trailing argument (".../alloc_order/9")."""
    head, _, last = name.rpartition("/")
    return head if head and re.fullmatch(r"-?\d+(:\d+)*", last) else name


def categories(series: Sequence[tuple[str, Sequence[Summary]]]) -> list[str]:
    """Every benchmark with results in any series, in first-seen order."""
    names: dict[str, None] = {}
    for _, summaries in series:
        for s in summaries:
            if s.values:
                names.setdefault(s.name)
    return list(names)


def script(series: Sequence[tuple[str, Sequence[Summary]]], out: pathlib.Path,
           terminal: str = "pngcairo", title: str = "") -> str:
    """The gnuplot script: x = benchmark (one tic each), y = its median figure on a log
    scale, error bars from min to p99, points of one family joined by lines. Figures of
    different units (a benchmark whose figure is a counter, ns/page or s/GiB) get one panel
    each, stacked, so that no axis mixes units."""
    names = categories(series)
    if not names:
        raise KxError("nothing to plot: no benchmark has results")
    unit_of: dict[str, str] = {}
    for _, summaries in series:
        for s in summaries:
            if s.values and unit_of.setdefault(s.name, s.unit) != s.unit:
                raise KxError(f"cannot plot {s.name}: its figure is in {unit_of[s.name]} in "
                              f"one report and {s.unit} in another")
    units = list(dict.fromkeys(unit_of[n] for n in names))
    panels = [[n for n in names if unit_of[n] == u] for u in units]
    longest = max(len(n) for n in names)
    width = max(900, 28 * max(len(p) for p in panels) + 250)
    panel_height = 500 + 6 * longest  # room for the slanted labels
    lines = [
        f"set terminal {terminal} size {width},{panel_height * len(panels)} noenhanced "
        f"font ',9'",
        f"set output {quote(str(out))}",
    ]
    if len(panels) > 1:
        lines.append(f"set multiplot layout {len(panels)},1 "
                     f"title {quote(title or 'Cost per operation (median; bars: min to p99)')}")
    for number, (unit, panel) in enumerate(zip(units, panels)):
        prefix = "series" if len(panels) == 1 else f"panel{number}_series"
        lines += _panel(series, panel, unit, prefix,
                        "" if len(panels) > 1 else
                        title or "Cost per operation (median; bars: min to p99)")
    if len(panels) > 1:
        lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def _panel(series: Sequence[tuple[str, Sequence[Summary]]], names: list[str], unit: str,
           prefix: str, title: str) -> list[str]:
    index = {n: i for i, n in enumerate(names)}
    axis = unit.replace("/op", " per operation")
    lines = [
        f"set title {quote(title)}",
        f"set ylabel {quote(axis + ' (log scale)')}",
        "set logscale y",
        "set format y '%g'",
        "set grid ytics mytics",
        "set key outside top center horizontal",
        f"set xrange [-0.6:{len(names) - 0.4}]",
        "set xtics rotate by 45 right nomirror",
        # The first label slants left past the y axis: ~cos 45° of its length, in characters.
        f"set lmargin {max(10, int(0.72 * len(names[0])) + 2)}",
        "set xtics (" + ", ".join(f"{quote(n)} {i}" for i, n in enumerate(names)) + ")",
        "set bars 2",
    ]
    plots = []
    for k, (label, summaries) in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * SERIES_GAP
        block = f"${prefix}{k}"
        lines.append(f"{block} << EOD")
        previous = None
        for s in sorted((s for s in summaries if s.values and s.name in index),
                        key=lambda s: index[s.name]):
            if previous is not None and family(s.name) != previous:
                lines.append("")  # a blank line breaks the line between families
            previous = family(s.name)
            lines.append(f"{index[s.name] + offset:.3f} {s.median:.6g} {s.min:.6g} "
                         f"{s.p99:.6g}")
        lines.append("EOD")
        plots.append(f"{block} using 1:2:3:4 with yerrorlines pt 7 ps 0.7 lw 1.5 "
                     f"title {quote(label)}")
    lines.append("plot " + ", \\\n     ".join(plots))
    return lines


def terminal() -> str:
    """pngcairo (antialiased) when this gnuplot has it, else the libgd png terminal."""
    try:
        result = subprocess.run([GNUPLOT, "-e", "set terminal"], capture_output=True,
                                text=True, check=False)
    except FileNotFoundError:
        raise KxError("gnuplot not found (Debian package gnuplot-nox)") from None
    listing = result.stdout + result.stderr
    if re.search(r"^\s*pngcairo\s", listing, re.MULTILINE):
        return "pngcairo"
    if re.search(r"^\s*png\s", listing, re.MULTILINE):
        return "png"
    raise KxError("this gnuplot has neither the pngcairo nor the png terminal")


def render(series: Sequence[tuple[str, Sequence[Summary]]], out: pathlib.Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)  # so that a failed render cannot pass for a new picture
    text = script(series, out.resolve(), terminal())
    result = subprocess.run([GNUPLOT], input=text, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not out.exists():
        raise KxError(f"gnuplot failed (exit {result.returncode}):\n{result.stderr.strip()}")
