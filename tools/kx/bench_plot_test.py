import pathlib
import re
import unittest

import bench_plot
import bench_report
from bench_report import Summary
from common import KxError


def runs(name, times):
    return Summary(name, list(times), [1] * len(times))


BASE = [runs("mm.alloc_order/0", [100.0, 90.0, 130.0]), runs("mm.alloc_order/9", [900.0]),
        runs("cpu.cpuid", [40.0]), Summary("broken", error="ERROR: page fault")]
NEW = [runs("mm.alloc_order/0", [50.0]), runs("mm.alloc_order/9", [400.0]),
       runs("new/one", [7.0])]


class ScriptTest(unittest.TestCase):
    def setUp(self):
        self.text = bench_plot.script([("base.json (base)", BASE), ("new's.json", NEW)],
                                      pathlib.Path("/o/plot.png"))

    def test_terminal_output_and_log_scale(self):
        self.assertTrue(self.text.startswith("set terminal pngcairo size "))
        self.assertIn("noenhanced", self.text.splitlines()[0])  # '_' stays '_'
        self.assertIn("set output '/o/plot.png'\n", self.text)
        self.assertIn("set logscale y\n", self.text)
        png = bench_plot.script([("a", BASE)], pathlib.Path("p.png"), terminal="png")
        self.assertTrue(png.startswith("set terminal png size "))

    def test_one_tic_per_benchmark_with_results(self):
        tics = re.search(r"^set xtics \((.*)\)$", self.text, re.MULTILINE)[1]
        self.assertEqual(tics, "'mm.alloc_order/0' 0, 'mm.alloc_order/9' 1, 'cpu.cpuid' 2, "
                               "'new/one' 3")
        self.assertIn("set xrange [-0.6:3.6]", self.text)

    def test_one_series_per_report(self):
        blocks = re.findall(r"^\$(series\d) << EOD\n(.*?)^EOD$", self.text, re.DOTALL | re.MULTILINE)
        self.assertEqual([name for name, _ in blocks], ["series0", "series1"])
        # x offset per series; y = median, then min and p99 for the bars; a blank line
        # between families so lines join only the arguments of one benchmark.
        self.assertEqual(blocks[0][1], "-0.060 100 90 130\n0.940 900 900 900\n\n"
                                       "1.940 40 40 40\n")
        self.assertEqual(blocks[1][1], "0.060 50 50 50\n1.060 400 400 400\n\n3.060 7 7 7\n")
        plot = self.text[self.text.index("plot $series0"):]
        self.assertIn("using 1:2:3:4 with yerrorlines", plot)
        self.assertIn("title 'base.json (base)'", plot)
        self.assertIn("title 'new''s.json'", plot)  # quotes doubled inside '...'

    def test_nothing_to_plot(self):
        with self.assertRaisesRegex(KxError, "nothing to plot"):
            bench_plot.script([("a", [Summary("x", error="ERROR: boom")])], pathlib.Path("p"))

    def test_family(self):
        self.assertEqual(bench_plot.family("mm.alloc_order/9"), "mm.alloc_order")
        self.assertEqual(bench_plot.family("BM_SegmentAlloc/512"), "BM_SegmentAlloc")
        self.assertEqual(bench_plot.family("kbench.self.rdtsc"), "kbench.self.rdtsc")



class InstructionPlotTest(unittest.TestCase):
    def test_axis_names_instructions(self):
        s = Summary("a", [1.0], [1], [120.0], unit=bench_report.INSTRUCTIONS_UNIT)
        text = bench_plot.script([("a", [s])], pathlib.Path("p.png"))
        self.assertIn("set ylabel 'instructions per operation (log scale)'", text)
        self.assertIn("0.000 120 120 120", text)

    def test_time_and_instructions_are_not_drawn_together(self):
        s = Summary("a", [1.0], [1], [120.0], unit=bench_report.INSTRUCTIONS_UNIT)
        with self.assertRaisesRegex(KxError, "cannot plot a"):
            bench_plot.script([("a", [s]), ("b", [runs("a", [1.0])])], pathlib.Path("p.png"))


class CounterPlotTest(unittest.TestCase):
    def test_a_counter_figure_is_plotted_in_its_own_panel_and_unit(self):
        meta = Summary("meta/init/1", [5e6], [1], counters={"s_per_GiB": [0.0042]})
        self.assertTrue(meta.choose_figure("s_per_GiB"))
        text = bench_plot.script([("r", [runs("alloc/0", [30.0]), meta])], pathlib.Path("p"))
        self.assertIn("set multiplot layout 2,1", text)
        self.assertIn("set ylabel 's/GiB (log scale)'", text)
        self.assertIn("set ylabel 'ns per operation (log scale)'", text)
        blocks = dict(re.findall(r"^\$(\w+) << EOD\n(.*?)^EOD$", text, re.DOTALL | re.MULTILINE))
        self.assertEqual(blocks, {"panel0_series0": "0.000 30 30 30\n",
                                  "panel1_series0": "0.000 0.0042 0.0042 0.0042\n"})
        self.assertTrue(text.rstrip().endswith("unset multiplot"))

if __name__ == "__main__":
    unittest.main()
