"""Comparing two benchmark reports, benchmark by benchmark, with a verdict that respects the
noise of the repetitions on both sides.

- Enough repetitions for the test to be able to reject (3 vs 5, 4 vs 4, ...): the two-sided
  Mann-Whitney U test at alpha 0.05 on the per-repetition times, as Google Benchmark's
  compare.py runs it (scipy.stats.mannwhitneyu); implemented here so that kx needs no scipy.
  With 3 repetitions a side the smallest possible p is 0.1: such pairs use the rule below.
- Otherwise: the medians, against a threshold of the larger relative spread
  (max - min) / median of the two sides, at least 1% (5% when a side has one repetition,
  which says nothing about its noise).
- Either way, a change must also exceed a minimum effect. Repetitions inside one run only
  show that run's noise; between runs the whole machine moves (host load, frequency, a
  hypervisor that emulates the guest). Two runs of the same keel.elf under QEMU on a shared
  2-core host differed by 3-8% with U-test p < 0.05, so the default floor is 10% for
  reports measured under QEMU (TCG or KVM) and 3% otherwise; --min-effect overrides it.
- Instruction counts (`kx bench --icount`) are exact: the same code gives the same count, so
  the medians are compared as they are, with no test and no floor, and any difference is
  reported with its size in instructions.
"""

import dataclasses
import math
from collections.abc import Sequence

from bench_report import Summary
from bench_table import number

ALPHA = 0.05
MIN_THRESHOLD = 0.01
SINGLE_RUN_THRESHOLD = 0.05
VM_MIN_EFFECT = 0.10
BARE_MIN_EFFECT = 0.03


def default_min_effect(*contexts: dict) -> float:
    """The run-to-run floor for reports with these `context` objects."""
    vm = any(c.get("keel_accelerator") in ("tcg", "kvm") for c in contexts)
    return VM_MIN_EFFECT if vm else BARE_MIN_EFFECT


# ---- Mann-Whitney U --------------------------------------------------------------------

def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test, as scipy.stats.mannwhitneyu computes it
    by default: exact when a side has at most 8 values and there are no ties, otherwise the
    normal approximation with tie correction and continuity correction."""
    n1, n2 = len(a), len(b)
    ranks = _ranks(list(a) + list(b))
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    values = list(a) + list(b)
    ties = len(set(values)) != len(values)
    if (n1 <= 8 or n2 <= 8) and not ties:
        return min(1.0, 2 * _exact_sf(round(u), n1, n2))
    n = n1 + n2
    tie_term = sum(t ** 3 - t for t in _tie_sizes(values))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance <= 0:  # every value equal
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return min(1.0, max(0.0, 2 * 0.5 * math.erfc(z / math.sqrt(2))))


def min_p(n1: int, n2: int) -> float:
    """The smallest two-sided p the exact test can give: all of one side below the other."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def _ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _tie_sizes(values: list[float]) -> list[int]:
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return list(counts.values())


def _exact_sf(u: int, n1: int, n2: int) -> float:
    """P(U >= u) under the null hypothesis, by counting arrangements: the number of ways
    to reach U = k with sizes (m, n) is f(k-n; m-1, n) + f(k; m, n-1)."""
    # counts[n][k] for the current m, built up from m = 0.
    max_u = n1 * n2
    counts = [[1] + [0] * max_u for _ in range(n2 + 1)]  # m = 0: only U = 0
    for m in range(1, n1 + 1):
        nxt = [[0] * (max_u + 1) for _ in range(n2 + 1)]
        nxt[0][0] = 1
        for n in range(1, n2 + 1):
            for k in range(m * n + 1):
                nxt[n][k] = (counts[n][k - n] if k >= n else 0) + nxt[n - 1][k]
        counts = nxt
    row = counts[n2]
    return sum(row[u:]) / math.comb(n1 + n2, n1)


# ---- Verdicts --------------------------------------------------------------------------

@dataclasses.dataclass
class Comparison:
    name: str
    base: Summary | None
    new: Summary | None
    verdict: str  # "no change", "faster 12.3%", "slower 4.0%", "only in base", ...
    method: str = ""  # how the verdict was reached, e.g. "U test p=0.008"

    @property
    def ratio(self) -> float | None:
        """new / base of the medians."""
        if not (self.base and self.new and self.base.values and self.new.values):
            return None
        return self.new.median / self.base.median if self.base.median > 0 else None

    @property
    def cost_ratio(self) -> float | None:
        """The ratio as a cost (< 1: faster): a rate's (items/s) is inverted."""
        r = self.ratio
        if r is None or not self.new.higher_is_better:
            return r
        return 1 / r if r > 0 else None

    @property
    def changed(self) -> bool:
        return self.verdict.startswith(("faster", "slower"))


def direction(ratio: float, digits: int = 1) -> str:
    if ratio < 1:
        return f"faster {(1 - ratio) * 100:.{digits}f}%"
    return f"slower {(ratio - 1) * 100:.{digits}f}%"


def judge(base: Summary, new: Summary, min_effect: float = 0.0) -> Comparison:
    c = Comparison(base.name, base, new, "")
    for side, s in (("base", base), ("new", new)):
        if not s.values:
            c.verdict = f"{'skipped' if s.skipped else 'no result'} in {side}"
            return c
        if s.failed:
            c.verdict = f"failed in {side}"
            return c
    if base.unit != new.unit:
        c.verdict = f"not comparable ({base.unit} vs {new.unit})"
        return c
    if base.exact and new.exact:
        return judge_exact(c, base, new)
    ratio = c.cost_ratio
    if ratio is None:  # a zero-time baseline
        c.verdict = "no change" if new.median == 0 else "slower (base is 0)"
        return c
    n1, n2 = len(base.values), len(new.values)
    effect = abs(ratio - 1)
    if n1 >= 3 and n2 >= 3 and min_p(n1, n2) < ALPHA:
        p = mann_whitney_p(base.values, new.values)
        c.method = f"U test p={p:.3f}"
        significant = p < ALPHA and ratio != 1
        if significant and effect <= min_effect:
            c.method += f", within the ±{min_effect * 100:.0f}% run-to-run floor"
        c.verdict = direction(ratio) if significant and effect > min_effect else "no change"
        return c
    floor = SINGLE_RUN_THRESHOLD if min(n1, n2) < 2 else MIN_THRESHOLD
    threshold = max(base.spread, new.spread, floor, min_effect)
    c.method = f"noise ±{threshold * 100:.1f}%"
    c.verdict = direction(ratio) if effect > threshold else "no change"
    return c


def judge_exact(c: Comparison, base: Summary, new: Summary) -> Comparison:
    """Instruction counts: any difference of the medians is the change, to the instruction."""
    delta = new.median - base.median
    c.method = f"exact, {delta:+,.3f} {new.unit}"
    if delta == 0:
        c.verdict = "no change"
    elif base.median == 0 or c.cost_ratio is None:
        c.verdict = "slower (base is 0)" if not new.higher_is_better else "faster (base is 0)"
    else:
        c.verdict = direction(c.cost_ratio, digits=3)
    return c


def compare(base: Sequence[Summary], new: Sequence[Summary],
            min_effect: float = 0.0) -> list[Comparison]:
    """Every benchmark of either report, in the new report's order, then base-only ones."""
    by_name = {s.name: s for s in base}
    seen = set()
    out = []
    for s in new:
        seen.add(s.name)
        b = by_name.get(s.name)
        out.append(judge(b, s, min_effect) if b else Comparison(s.name, None, s, "only in new"))
    out += [Comparison(s.name, s, None, "only in base") for s in base if s.name not in seen]
    return out


def geomean_ratio(comparisons: Sequence[Comparison]) -> float | None:
    """Of the cost ratios (a rate's inverted), so that < 1 is faster throughout."""
    ratios = [c.cost_ratio for c in comparisons
              if c.cost_ratio and not c.verdict.startswith(("failed", "no result", "skipped"))]
    if not ratios:
        return None
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios))


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_comparison(comparisons: Sequence[Comparison]) -> str:
    units = {s.unit for c in comparisons for s in (c.base, c.new) if s}
    # One unit names the columns; several (benchmarks whose figure is a counter) each row.
    unit = units.pop() if len(units) == 1 else None
    headers = ("Benchmark", f"Base {unit}" if unit else "Base", f"New {unit}" if unit else "New",
               "New/Base", "Verdict", "Test")
    rows = []
    for c in comparisons:
        exact = any(s.exact for s in (c.base, c.new) if s)
        row_unit = "" if unit else f" {(c.new or c.base).unit}"
        rows.append((c.name,
                     number(c.base.median) + row_unit if c.base and c.base.values else "-",
                     number(c.new.median) + row_unit if c.new and c.new.values else "-",
                     f"{c.ratio:.5f}" if c.ratio is not None and exact
                     else f"{c.ratio:.3f}" if c.ratio is not None else "-",
                     c.verdict, c.method))
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]

    def line(cells):
        return "  ".join([cells[0].ljust(widths[0])]
                         + [x.rjust(w) for x, w in zip(cells[1:4], widths[1:4])]
                         + [cells[4].ljust(widths[4]), cells[5]]).rstrip()

    out = [line(headers), "-" * len(line(headers))] + [line(r) for r in rows]
    changed = [c for c in comparisons if c.changed]
    faster = sum(c.verdict.startswith("faster") for c in changed)
    summary = (f"{plural(len(comparisons), 'benchmark')}: {faster} faster, {len(changed) - faster} "
               f"slower, {sum(c.verdict == 'no change' for c in comparisons)} no change")
    if (g := geomean_ratio(comparisons)) is not None:
        summary += f"; geometric mean new/base {g:.3f}"
    return "\n".join(out + [summary])
