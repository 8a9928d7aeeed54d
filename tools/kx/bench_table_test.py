import pathlib
import unittest

import bench_report
import bench_table
from bench_report import Summary

TESTDATA = pathlib.Path(__file__).parent / "testdata"


class NumberTest(unittest.TestCase):
    def test_digits_follow_magnitude(self):
        self.assertEqual(bench_table.number(0.6971), "0.697")
        self.assertEqual(bench_table.number(42.34), "42.3")
        self.assertEqual(bench_table.number(1234567.8), "1,234,568")

    def test_iterations(self):
        self.assertEqual(bench_table.iterations([100, 100]), "100")
        self.assertEqual(bench_table.iterations([9000, 12000]), "9,000..12,000")


class TableTest(unittest.TestCase):
    def test_rows_and_columns(self):
        summaries = [
            Summary("mm.frame.alloc_order/0", [30.0, 10.0, 20.0], [1000] * 3, [69.0, 23.0, 46.0]),
            Summary("host/BM_x", [1500.0], [7]),
        ]
        lines = bench_table.format_table(summaries).splitlines()
        self.assertEqual(lines[0].split(), ["Benchmark", "Reps", "Iterations", "Median", "ns/op",
                                            "Min", "ns/op", "P99", "ns/op", "Cycles/op"])
        self.assertEqual(set(lines[1]), {"-"})
        self.assertEqual(lines[2].split(),
                         ["mm.frame.alloc_order/0", "3", "1,000", "20.0", "10.0", "30.0", "46.0"])
        self.assertEqual(lines[3].split(), ["host/BM_x", "1", "7", "1,500", "1,500", "1,500", "-"])
        self.assertEqual(len({len(l) for l in lines}), 1)  # aligned: every line as wide

    def test_failed_and_skipped_rows_say_why(self):
        summaries = [Summary("ok", [1.0], [1]), Summary("bad", error="ERROR: page fault"),
                     Summary("later", [2.0], [1], error="ERROR: failed in repetition 2"),
                     Summary("skip", error="SKIPPED: needs 2 CPUs")]
        text = bench_table.format_table(summaries)
        self.assertRegex(text, r"\nbad\s+ERROR: page fault\n")
        self.assertRegex(text, r"\nlater .*\n\s+ERROR: failed in repetition 2\n")
        self.assertRegex(text, r"\nskip\s+SKIPPED: needs 2 CPUs$")
        self.assertEqual(bench_table.counts_line(summaries),
                         "4 benchmarks: 1 ran, 2 failed, 1 skipped")

    def test_real_kernel_report(self):
        text = (TESTDATA / "kbench_pvh_smoke.com2.txt").read_text()
        summaries = bench_report.summarize(bench_report.extract(text, "COM2"))
        table = bench_table.format_table(summaries)
        self.assertRegex(table, r"\nkbench\.self\.memset_4k/64\s+1\s+1\s+393,625\s+393,625\s+"
                                r"393,625\s+905,304  items_per_second=162,591 "
                                r"bytes_per_op=262,144$")
        self.assertEqual(bench_table.counts_line(summaries), "11 benchmarks: 11 ran, 0 failed")


class CounterTableTest(unittest.TestCase):
    def test_counters_column_holds_their_medians(self):
        s = Summary("pt/map", [10.0, 30.0, 20.0], [5] * 3,
                    counters={"ns_per_page": [1.0, 3.0, 2.0], "frames": [512.0] * 3})
        lines = bench_table.format_table([s, Summary("plain", [1.0], [1])]).splitlines()
        self.assertEqual(lines[0].split()[-1], "Counters")
        self.assertTrue(lines[2].endswith("  ns_per_page=2.000 frames=512.0"), lines[2])
        self.assertRegex(lines[3], r"^plain\s+1\s+1\s+1\.000\s+1\.000\s+1\.000\s+-$")

    def test_a_counter_as_figure_fills_the_number_columns_with_its_unit(self):
        s = Summary("meta/init", [5e6, 6e6], [1, 1],
                    counters={"s_per_GiB": [0.004, 0.002], "frames": [1.0, 1.0]})
        self.assertTrue(s.choose_figure("s_per_GiB"))
        lines = bench_table.format_table([s]).splitlines()
        self.assertEqual(lines[0].split()[3:5], ["Median", "s/GiB"])
        self.assertRegex(lines[2], r"^meta/init\s+2\s+1\s+0\.003\s+0\.002\s+0\.004\s+frames=1\.000$")

    def test_figures_of_several_units_name_theirs_per_row(self):
        a = Summary("a", [7.0], [1], counters={"ns_per_page": [2.0]})
        a.choose_figure("ns_per_page")
        lines = bench_table.format_table([a, Summary("b", [3.0], [1])]).splitlines()
        self.assertEqual(lines[0].split()[3:], ["Median", "Min", "P99", "Unit"])
        self.assertTrue(lines[2].endswith("ns/page"), lines[2])
        self.assertTrue(lines[3].endswith("ns/op"), lines[3])


class InstructionTableTest(unittest.TestCase):
    def test_columns_name_instructions(self):
        s = Summary("a", [99.0, 99.5], [10, 10], [100.0, 100.0],
                    unit=bench_report.INSTRUCTIONS_UNIT)
        lines = bench_table.format_table([s, Summary("b", error="SKIPPED: no",
                                                     unit=bench_report.INSTRUCTIONS_UNIT)])
        self.assertIn("Median instr/op", lines.splitlines()[0])
        self.assertNotIn("ns/op", lines)
        self.assertRegex(lines.splitlines()[2], r"^a\s+2\s+10\s+100\.0\s+100\.0\s+100\.0$")

if __name__ == "__main__":
    unittest.main()
