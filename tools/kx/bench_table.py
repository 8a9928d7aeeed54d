"""The benchmark table `kx bench` prints: one row per benchmark over its repetitions."""

from collections.abc import Sequence

from bench_report import INSTRUCTIONS_UNIT, Summary

HEADERS = ("Benchmark", "Reps", "Iterations", "Median ns/op", "Min ns/op", "P99 ns/op",
           "Cycles/op")


def headers(summaries: Sequence[Summary]) -> tuple[str, ...]:
    """HEADERS, or for instruction counts (whose cycles are the figure itself) their own."""
    if summaries and all(s.unit == INSTRUCTIONS_UNIT for s in summaries):
        return ("Benchmark", "Reps", "Iterations", "Median instr/op", "Min instr/op",
                "P99 instr/op")
    return HEADERS


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


def row(s: Summary, columns: int = len(HEADERS)) -> tuple[str, ...]:
    if not s.values:
        return (s.name, "", "", s.error or "no results") + ("",) * (columns - 4)
    cycles = number(sorted(s.cycles)[len(s.cycles) // 2]) if s.cycles else "-"
    return (s.name, str(len(s.values)), iterations(s.iterations), number(s.median),
            number(s.min), number(s.p99), cycles)[:columns]


def format_table(summaries: Sequence[Summary]) -> str:
    head = headers(summaries)
    rows = [row(s, len(head)) for s in summaries]
    # A failed or skipped row's message spans the number columns: keep it out of the widths.
    widths = [max([len(head[i])] + [len(r[i]) for r in rows if i != 3 or r[1]])
              for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        if cells is not head and not cells[1]:
            return f"{first}  {cells[3]}".rstrip()
        rest = "  ".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))
        return f"{first}  {rest}"

    out = [line(head), "-" * len(line(head))]
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
