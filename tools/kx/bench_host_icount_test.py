import json
import os
import pathlib
import re
import shutil
import tempfile
import textwrap
import unittest

import bench_compare
import bench_host_icount
import bench_report
from bench_host_icount import measure

# The real host benchmark binary (a data dependency of this test).
ALLOCATOR_BENCH = pathlib.Path(__file__).absolute().parents[2] / "mm" / "allocator" / "allocator_bench"

# Stands in for valgrind: runs nothing, writes the callgrind totals and the Google Benchmark
# report a run of KEEL_BENCH_ITERATIONS iterations would, costing SETUP + PER_OP * N.
FAKE_VALGRIND = textwrap.dedent("""\
    #!/usr/bin/python3
    import json, os, sys
    n = int(os.environ["KEEL_BENCH_ITERATIONS"])
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    open(args["callgrind-out-file"], "w").write(f"events: Ir\\ntotals: {5000 + 37 * n}\\n")
    record = {"name": f"BM_x/iterations:{n}", "run_type": "iteration", "iterations": n,
              "real_time": 3.0, "cpu_time": 2.0, "time_unit": "ns",
              "ns_per_page": 2.0e-9 / 4, "frames": 512, "label": "figure=ns_per_page"}
    if "fails" in args["benchmark_filter"]:
        record.update(error_occurred=True, error_message="map failed")
    json.dump({"context": {}, "benchmarks": [record]}, open(args["benchmark_out"], "w"))
""")


class NamesTest(unittest.TestCase):
    def test_filter_allows_the_iterations_google_benchmark_inserts(self):
        regex = bench_host_icount.name_filter("BM_A/order:0/threads:1")
        for name in ("BM_A/order:0/threads:1", "BM_A/order:0/iterations:72/threads:1"):
            self.assertTrue(re.search(regex, name), name)
        self.assertFalse(re.search(regex, "BM_A/order:0/zeroed/threads:1"))
        self.assertFalse(re.search(regex, "BM_AB/order:0/threads:1"))

    def test_what_cannot_be_counted(self):
        why = bench_host_icount.why_not_counted
        self.assertIsNone(why("BM_A/threads:1/real_time"))
        self.assertIn("threads", why("BM_A/threads:2/real_time"))
        self.assertIn("fixed", why("BM_A/iterations:200/manual_time"))
        self.assertIsNone(why("BM_A/order:9"))

    def test_totals(self):
        self.assertEqual(bench_host_icount.totals("events: Ir\nsummary: 9\ntotals: 828606\n"),
                         828606)
        with self.assertRaises(bench_host_icount.CountError):
            bench_host_icount.totals("events: Ir\n")


class CountersTest(unittest.TestCase):
    def test_times_per_item_become_instructions_per_item(self):
        # 512 pages an operation of 1 µs CPU time: ns_per_page (seconds) is 1e-6 / 512.
        record = {"name": "BM_x", "real_time": 2.0, "cpu_time": 1.0, "time_unit": "us",
                  "ns_per_page": 1e-6 / 512, "items_per_second": 512 / 1e-6, "frames": 3,
                  "bytes_per_second": 7.0}
        self.assertEqual(bench_host_icount.per_item_counters(record, 1024.0),
                         {"instructions_per_page": 2.0, "instructions_per_item": 2.0,
                          "frames": 3.0})

    def test_use_real_time_rates_divide_by_real_time(self):
        record = {"name": "BM_x/real_time/threads:1", "real_time": 2.0, "cpu_time": 1.0,
                  "time_unit": "ns", "items_per_second": 1 / 2e-9}
        self.assertEqual(bench_host_icount.per_item_counters(record, 300.0),
                         {"instructions_per_item": 300.0})

    def test_the_label_names_the_counted_figure(self):
        self.assertEqual(bench_host_icount.figure_label("figure=s_per_GiB x"),
                         "figure=instructions_per_GiB x")
        self.assertEqual(bench_host_icount.figure_label("figure=frames"), "figure=frames")


class MeasureTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        self.valgrind = self.tmp / "valgrind"
        self.valgrind.write_text(FAKE_VALGRIND)
        self.valgrind.chmod(0o755)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_the_difference_cancels_the_setup(self):
        [record] = measure(pathlib.Path("bench"), "BM_x", 1, self.tmp, str(self.valgrind))
        self.assertEqual(record["cycles_per_op"], 37.0)
        self.assertEqual(record["iterations"], bench_host_icount.N2 - bench_host_icount.N1)
        self.assertEqual(record["instructions_per_page"], 37.0 / 4)
        self.assertEqual(record["label"], "figure=instructions_per_page")
        report = {"context": {}, "benchmarks": [record]}
        bench_host_icount.mark(report)
        [s] = bench_report.summarize(report)
        self.assertEqual((s.unit, s.median, s.exact), ("instructions/page", 9.25, True))

    def test_a_failed_operation_fails_the_benchmark(self):
        [record] = measure(pathlib.Path("bench"), "BM_fails", 1, self.tmp, str(self.valgrind))
        self.assertTrue(record["error_occurred"])
        self.assertEqual(record["error_message"], "map failed")

    def test_threaded_benchmarks_are_skipped_not_counted(self):
        [record] = measure(pathlib.Path("bench"), "BM_x/threads:2", 1, self.tmp,
                           str(self.valgrind))
        self.assertTrue(record["skipped"])


@unittest.skipUnless(shutil.which("valgrind"), "valgrind is not installed")
class DeterminismTest(unittest.TestCase):
    """Two runs of one binary under valgrind give the same count, to the instruction: a
    test of determinism (any difference fails it), not of a speed."""

    def test_two_runs_compare_exactly_equal(self):
        self.assertTrue(ALLOCATOR_BENCH.exists(), f"{ALLOCATOR_BENCH} is missing: run this "
                        f"with bazel test //tools/kx:bench_host_icount_test")
        names = ["BM_AllocFree/order:0/handle:unique", "BM_SegmentAlloc/8"]
        first = bench_host_icount.run_binary(ALLOCATOR_BENCH, names, 2, lambda line: None)
        # A caller with a larger environment: the counted process's must not change (its
        # size moves the stack, and with it some counts).
        os.environ["KX_TEST_PADDING"] = "x" * 100
        try:
            second = bench_host_icount.run_binary(ALLOCATOR_BENCH, names, 1, lambda line: None)
        finally:
            del os.environ["KX_TEST_PADDING"]
        for report in (first, second):
            bench_host_icount.mark(report)
        base, new = bench_report.summarize(first), bench_report.summarize(second)
        for s in base + new:
            self.assertFalse(s.error, s.error)
            self.assertGreater(s.median, 0)
        for s in base:
            self.assertEqual(len(set(s.values)), 1, f"{s.name}: {s.values}")  # repetitions
        comparisons = bench_compare.compare(base, new)
        self.assertEqual([c.verdict for c in comparisons], ["no change"] * 2,
                         bench_compare.format_comparison(comparisons))
        self.assertEqual(json.dumps([s.values[0] for s in base]),
                         json.dumps([s.values[0] for s in new]))


if __name__ == "__main__":
    unittest.main()
