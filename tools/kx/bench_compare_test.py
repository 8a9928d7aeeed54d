import importlib.util
import itertools
import math
import random
import unittest

import bench_compare
from bench_compare import judge
from bench_report import INSTRUCTIONS_UNIT, Summary


def runs(name, times):
    return Summary(name, list(times), [1000] * len(times))


class UTestTest(unittest.TestCase):
    def test_exact_fully_separated(self):
        # 5 vs 5, every base below every new: 2 of C(10, 5) = 252 arrangements are as extreme.
        self.assertAlmostEqual(bench_compare.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
                               2 / 252)
        self.assertAlmostEqual(bench_compare.mann_whitney_p([1, 2, 3], [4, 5, 6]), 0.1)

    def test_exact_matches_brute_force_enumeration(self):
        # Under the null hypothesis every choice of which ranks belong to `a` is equally
        # likely: count the choices whose U is at least as far from the middle.
        for a, b in (([1, 3, 5, 7], [2, 4, 6, 8]), ([1, 2, 9], [3, 4, 5, 6, 7]),
                     ([10, 30, 20, 50, 40, 60, 70], [15, 25, 35]), ([3, 1], [2, 4, 5, 6])):
            n1, n = len(a), len(a) + len(b)
            u_of = lambda ranks: sum(ranks) - n1 * (n1 + 1) / 2
            observed = u_of([sorted(a + b).index(x) + 1 for x in a])
            mid = n1 * len(b) / 2
            extreme = [c for c in itertools.combinations(range(1, n + 1), n1)
                       if abs(u_of(c) - mid) >= abs(observed - mid)]
            expected = min(1.0, len(extreme) / math.comb(n, n1))
            self.assertAlmostEqual(bench_compare.mann_whitney_p(a, b), expected, msg=(a, b))

    def test_ties_use_the_normal_approximation(self):
        p = bench_compare.mann_whitney_p([1, 1, 2, 2, 3], [2, 3, 3, 4, 4])
        # Ranks 1.5 1.5 4 4 7 | 4 7 7 9.5 9.5: U = 22, mean 12.5, tie term 60, variance
        # 25/12 * (11 - 60/90) = 21.528; z = (22 - 12.5 - 0.5) / 4.6398 = 1.9397.
        self.assertAlmostEqual(p, 0.05241, places=5)
        self.assertEqual(bench_compare.mann_whitney_p([5, 5, 5], [5, 5, 5]), 1.0)

    def test_min_p(self):
        self.assertAlmostEqual(bench_compare.min_p(3, 3), 0.1)
        self.assertAlmostEqual(bench_compare.min_p(4, 4), 2 / 70)

    @unittest.skipUnless(importlib.util.find_spec("scipy"), "scipy is not installed")
    def test_agrees_with_scipy(self):
        from scipy.stats import mannwhitneyu
        rng = random.Random(6)
        for _ in range(200):
            a = [rng.randint(0, 12) for _ in range(rng.randint(3, 12))]
            b = [rng.randint(0, 12) for _ in range(rng.randint(3, 12))]
            expected = mannwhitneyu(a, b, alternative="two-sided").pvalue
            self.assertAlmostEqual(bench_compare.mann_whitney_p(a, b), expected, places=9)


class VerdictTest(unittest.TestCase):
    def test_identical_runs_no_change(self):
        for times in ([100.0], [100.0, 103.0], [100.0, 101.0, 99.0],
                      [100.0, 101.0, 99.0, 102.0, 98.0]):
            c = judge(runs("x", times), runs("x", times))
            self.assertEqual(c.verdict, "no change", times)
            self.assertEqual(c.ratio, 1.0)

    def test_twice_as_slow_with_tight_noise(self):
        base = [100.0, 101.0, 99.0, 100.5, 99.5]
        c = judge(runs("x", base), runs("x", [2 * t for t in base]))
        self.assertEqual(c.verdict, "slower 100.0%")
        self.assertEqual(c.method, "U test p=0.008")
        c = judge(runs("x", [2 * t for t in base]), runs("x", base))
        self.assertEqual(c.verdict, "faster 50.0%")

    def test_few_repetitions_use_the_spread(self):
        c = judge(runs("x", [100.0, 102.0, 101.0]), runs("x", [200.0, 199.0, 201.0]))
        self.assertEqual((c.verdict, c.method), ("slower 98.0%", "noise ±2.0%"))
        c = judge(runs("x", [100.0]), runs("x", [200.0]))  # one repetition: 5% floor
        self.assertEqual((c.verdict, c.method), ("slower 100.0%", "noise ±5.0%"))
        c = judge(runs("x", [100.0]), runs("x", [104.0]))
        self.assertEqual(c.verdict, "no change")

    def test_change_inside_the_noise(self):
        c = judge(runs("x", [80.0, 100.0, 120.0]), runs("x", [90.0, 110.0, 130.0]))
        self.assertEqual((c.verdict, c.method), ("no change", "noise ±40.0%"))
        noisy = [100.0, 60.0, 140.0, 90.0, 115.0]
        c = judge(runs("x", noisy), runs("x", [t * 1.1 for t in reversed(noisy)]))
        self.assertEqual(c.verdict, "no change")
        self.assertTrue(c.method.startswith("U test"))

    def test_significant_but_below_the_run_to_run_floor(self):
        # Seen between two runs of the same kernel under QEMU: 6% apart, every repetition of
        # one run below every repetition of the other.
        base = [100.0, 100.5, 99.5, 100.2, 99.8]
        new = [t * 1.06 for t in base]
        c = judge(runs("x", base), runs("x", new), min_effect=0.10)
        self.assertEqual(c.verdict, "no change")
        self.assertEqual(c.method, "U test p=0.008, within the ±10% run-to-run floor")
        c = judge(runs("x", base), runs("x", [t * 1.25 for t in base]), min_effect=0.10)
        self.assertEqual(c.verdict, "slower 25.0%")
        c = judge(runs("x", [100.0]), runs("x", [106.0]), min_effect=0.10)
        self.assertEqual((c.verdict, c.method), ("no change", "noise ±10.0%"))

    def test_default_floor_depends_on_where_the_report_was_measured(self):
        self.assertEqual(bench_compare.default_min_effect({"keel_accelerator": "kvm"}, {}), 0.10)
        self.assertEqual(bench_compare.default_min_effect({}, {"keel_accelerator": "tcg"}), 0.10)
        self.assertEqual(bench_compare.default_min_effect({"keel_accelerator": "none"}, {}), 0.03)

    def test_failures_and_missing(self):
        c = judge(runs("x", [1.0]), Summary("x", error="ERROR: page fault"))
        self.assertEqual(c.verdict, "no result in new")
        c = judge(Summary("x", error="SKIPPED: not enough memory"), runs("x", [1.0]))
        self.assertEqual(c.verdict, "skipped in base")
        out = bench_compare.compare([runs("a", [1.0]), runs("gone", [1.0])],
                                    [runs("a", [1.0]), runs("added", [1.0])])
        self.assertEqual([(c.name, c.verdict) for c in out],
                         [("a", "no change"), ("added", "only in new"),
                          ("gone", "only in base")])

    def test_format(self):
        base = [runs("fast", [10.0] * 5), runs("slow", [10.0, 10.1, 9.9, 10.0, 10.05])]
        new = [runs("fast", [5.0] * 5), runs("slow", [20.0, 20.2, 19.8, 20.0, 20.1])]
        text = bench_compare.format_comparison(bench_compare.compare(base, new))
        lines = text.splitlines()
        self.assertEqual(lines[0].split(), ["Benchmark", "Base", "ns/op", "New", "ns/op",
                                            "New/Base", "Verdict", "Test"])
        self.assertRegex(lines[2], r"^fast\s+10\.0\s+5\.000\s+0\.500  faster 50\.0%\s+U test")
        self.assertRegex(lines[3], r"^slow\s+10\.0\s+20\.0\s+2\.000  slower 100\.0%")
        self.assertEqual(lines[-1], "2 benchmarks: 1 faster, 1 slower, 0 no change; "
                                    "geometric mean new/base 1.000")



def counted(name, instructions):
    """An icount summary: cycles_per_op are the instructions, times only a calibrated echo."""
    return Summary(name, [float(i) for i in instructions], [1000] * len(instructions),
                   [float(i) for i in instructions], unit=INSTRUCTIONS_UNIT)


class ExactTest(unittest.TestCase):
    def test_equal_counts_are_no_change(self):
        c = judge(counted("a", [314.082] * 5), counted("a", [314.082] * 5))
        self.assertEqual(c.verdict, "no change")
        self.assertIn("+0.000", c.method)

    def test_any_difference_is_a_change_with_no_floor(self):
        # 0.03% more instructions: far below every noise floor of timed runs, still real.
        c = judge(counted("a", [10000] * 3), counted("a", [10003] * 3), min_effect=0.10)
        self.assertEqual(c.verdict, "slower 0.030%")
        self.assertIn("+3.000 instructions/op", c.method)
        self.assertTrue(judge(counted("a", [10]), counted("a", [9])).verdict.startswith("faster"))

    def test_time_and_instructions_do_not_compare(self):
        c = judge(runs("a", [100, 100, 100]), counted("a", [100, 100, 100]))
        self.assertEqual(c.verdict, "not comparable (ns/op vs instructions/op)")
        self.assertFalse(c.changed)

    def test_table_names_the_unit(self):
        text = bench_compare.format_comparison(bench_compare.compare([counted("a", [7])],
                                                                     [counted("a", [8])]))
        self.assertIn("Base instructions/op", text)
        self.assertIn("1 slower", text)

def with_counter(name, counter, values, **kw):
    s = Summary(name, [1.0] * len(values), [1] * len(values), counters={counter: list(values)},
                **kw)
    s.choose_figure(counter)
    return s


class CounterCompareTest(unittest.TestCase):
    def test_a_counter_figure_is_compared_not_the_time(self):
        base = with_counter("m", "ns_per_page", [10.0, 10.1, 10.2, 10.0, 10.1])
        new = with_counter("m", "ns_per_page", [20.0, 20.1, 20.2, 20.0, 20.1])
        c = judge(base, new)
        self.assertEqual(c.verdict, "slower 99.0%")  # the times are equal on both sides

    def test_a_rate_that_grows_is_faster(self):
        base = with_counter("m", "items_per_second", [100.0, 101.0, 100.5, 100.2, 100.1])
        new = with_counter("m", "items_per_second", [200.0, 201.0, 200.5, 200.2, 200.1])
        self.assertTrue(judge(base, new).verdict.startswith("faster"))

    def test_exact_counters_report_their_difference(self):
        base = with_counter("m", "cycles_per_GiB", [7e5], deterministic=True)
        new = with_counter("m", "cycles_per_GiB", [7e5 + 3], deterministic=True)
        c = judge(base, new)
        self.assertTrue(c.verdict.startswith("slower"))
        self.assertEqual(c.method, "exact, +3.000 cycles/GiB")
        self.assertEqual(judge(base, base).verdict, "no change")

    def test_a_counter_against_a_time_does_not_compare(self):
        c = judge(runs("m", [1.0]), with_counter("m", "ns_per_page", [1.0]))
        self.assertEqual(c.verdict, "not comparable (ns/op vs ns/page)")

    def test_rows_of_several_units_name_theirs(self):
        rows = bench_compare.compare([runs("a", [5.0]), with_counter("b", "s_per_GiB", [0.5])],
                                     [runs("a", [5.0]), with_counter("b", "s_per_GiB", [0.5])])
        text = bench_compare.format_comparison(rows)
        self.assertIn("0.500 s/GiB", text)
        self.assertIn("5.000 ns/op", text)
        self.assertEqual(text.splitlines()[0].split()[:3], ["Benchmark", "Base", "New"])


if __name__ == "__main__":
    unittest.main()
