"""The benchmark table `kx bench` prints: one row per benchmark over its repetitions, its
figure (time, instructions or a chosen counter) and the medians of its other counters."""

from collections.abc import Sequence

from bench_report import INSTRUCTIONS_UNIT, TIME_UNIT, Summary, counter_unit

HEADERS = ("Benchmark", "Reps", "Iterations", "Median ns/op", "Min ns/op", "P99 ns/op",
           "Cycles/op")


def short_unit(unit: str) -> str:
    return unit.replace("instructions", "instr")


def headers(summaries: Sequence[Summary]) -> tuple[str, ...]:
    """HEADERS, or for instruction counts (whose cycles are the figure itself) their own;
    when benchmarks have figures of several units, each row names its own (last column)."""
    units = {s.unit for s in summaries}
    if len(units) > 1:
        return ("Benchmark", "Reps", "Iterations", "Median", "Min", "P99", "Unit")
    if units == {INSTRUCTIONS_UNIT}:
        return ("Benchmark", "Reps", "Iterations", "Median instr/op", "Min instr/op",
                "P99 instr/op")
    if units and units != {TIME_UNIT}:
        unit = short_unit(units.pop())
        return ("Benchmark", "Reps", "Iterations", f"Median {unit}", f"Min {unit}",
                f"P99 {unit}")
    return HEADERS


def counters_cell(s: Summary) -> str:
    """The medians of the counters that are not the figure: `ns_per_page=12.3 frames=512`."""
    return " ".join(f"{name}={number(value)}" for name, value in s.other_counters().items())


def number(value: float) -> str:
    """Enough digits for a few ns and for seconds alike: 3 decimals below 10, then fewer."""
    if value < 10:
        return f"{value:,.3f}"
    if value < 1000:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def iterations(counts: Sequence[int]) -> str:
    lo, hi = min(counts), max(counts)
    return f"{lo:,}" if lo == hi else f"{lo:,}..{hi:,}"


def row(s: Summary, head: Sequence[str] = HEADERS) -> tuple[str, ...]:
    if not s.values:
        return (s.name, "", "", s.error or "no results") + ("",) * (len(head) - 4)
    cells = [s.name, str(len(s.values)), iterations(s.iterations), number(s.median),
             number(s.min), number(s.p99)]
    for column in head[len(cells):]:
        if column == "Unit":
            cells.append(short_unit(s.unit))
        elif column == "Cycles/op":
            cycles = s.cycles if s.figure != "cycles_per_op" else []
            cells.append(number(sorted(cycles)[len(cycles) // 2]) if cycles else "-")
        elif column == "Counters":
            cells.append(counters_cell(s))
    return tuple(cells)


def format_table(summaries: Sequence[Summary]) -> str:
    head = headers(summaries)
    if any(s.values and s.other_counters() for s in summaries):
        head += ("Counters",)
    rows = [row(s, head) for s in summaries]
    # A failed or skipped row's message spans the number columns: keep it out of the widths.
    widths = [max([len(head[i])] + [len(r[i]) for r in rows if i != 3 or r[1]])
              for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        if cells is not head and not cells[1]:
            return f"{first}  {cells[3]}".rstrip()
        rest = "  ".join(c.ljust(w) if h == "Counters" else c.rjust(w)
                         for c, w, h in zip(cells[1:], widths[1:], head[1:]))
        return f"{first}  {rest}".rstrip()

    out = [line(head), "-" * max(len(line(r)) for r in rows + [head])]
    for r, s in zip(rows, summaries):
        out.append(line(r))
        if s.values and s.error:  # failed after some repetitions
            out.append(f"{'':{widths[0]}}  {s.error}")
    return "\n".join(out)


def counts_line(summaries: Sequence[Summary]) -> str:
    failed = sum(s.failed for s in summaries)
    skipped = sum(s.skipped for s in summaries)
    ran = len(summaries) - failed - skipped
    text = f"{len(summaries)} benchmark{'' if len(summaries) == 1 else 's'}: {ran} ran, {failed} failed"
    return text + (f", {skipped} skipped" if skipped else "")
