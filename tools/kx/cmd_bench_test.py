import contextlib
import io
import json
import pathlib
import tempfile
import unittest

import bench_host
import cmd_bench
from common import KxError

TESTDATA = pathlib.Path(__file__).parent / "testdata"


class CompareFilesTest(unittest.TestCase):
    """`kx bench --compare A.json B.json`: no build, no boot."""

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        report = json.loads((TESTDATA / "gbench_allocator_bench.json").read_text())
        self.base = self.tmp / "base.json"
        self.base.write_text(json.dumps(report))
        for b in report["benchmarks"]:
            b["real_time"] *= 2
        self.new = self.tmp / "new.json"
        self.new.write_text(json.dumps(report))

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cmd_bench.main([str(a) for a in argv])
        return status, out.getvalue(), err.getvalue()

    def test_two_reports(self):
        status, out, _ = self.run_main("--compare", self.base, self.new)
        self.assertEqual(status, 0)
        self.assertIn(f"base: {self.base}\nnew:  {self.new}\n", out)
        self.assertRegex(out, r"\nBM_SegmentAlloc/8\s+161\.5\s+323\.0\s+2\.000  slower 100\.0%  "
                              r"noise ±\d\.\d%\n")

    def test_figure_compares_a_counter_instead_of_the_time(self):
        # items_per_second is the same in both reports: only the time doubled.
        status, out, _ = self.run_main("--compare", self.base, self.new, "--figure",
                                       "items_per_second")
        self.assertEqual(status, 0)
        self.assertIn("Base items/s  New items/s", out)
        self.assertRegex(out, r"\nBM_SegmentAlloc/8\s+49,549,544\s+49,549,544\s+1\.000  no change")

    def test_a_serial_log_as_the_new_report(self):
        log = TESTDATA / "kbench_uefi_smoke.com2.txt"
        status, out, err = self.run_main("--compare", TESTDATA / "kbench_pvh_smoke.com2.txt",
                                         log, "--filter", "kbench.*")
        self.assertEqual(status, 0)
        self.assertRegex(out, r"\nkbench\.self\.rdtsc\s")
        self.assertNotIn("boot_phase", out)
        self.assertIn("the reports differ in keel_boot_path", err)

    def test_host_reports_filter_with_or_without_the_binary_prefix(self):
        report = bench_host.merge([("allocator_bench", json.loads(self.base.read_text()))])
        merged = self.tmp / "host.json"
        merged.write_text(json.dumps(report))
        for pattern in ("BM_Segment*", "allocator_bench.BM_*"):
            _, out, _ = self.run_main("--compare", merged, merged, "--filter", pattern)
            self.assertRegex(out, r"\nallocator_bench.BM_SegmentAlloc/8 .* no change ")
        with self.assertRaisesRegex(KxError, "matches no benchmark in either report"):
            self.run_main("--compare", merged, merged, "--filter", "BM_Order*")

    def test_options_that_do_not_apply(self):
        with self.assertRaisesRegex(KxError, "runs nothing: --host does not apply"):
            self.run_main("--compare", self.base, self.new, "--host")
        with self.assertRaisesRegex(KxError, "--compare takes a baseline, or two reports"):
            self.run_main("--compare", self.base, self.new, self.new)
        with self.assertRaisesRegex(KxError, "--repetitions 0: expected 1 to 100"):
            self.run_main("--repetitions", "0")

    def test_missing_file(self):
        with self.assertRaisesRegex(KxError, r"nope.json: No such file"):
            self.run_main("--compare", self.base, self.tmp / "nope.json")


class ProgressTest(unittest.TestCase):
    def test_lines_when_not_a_terminal(self):
        err = io.StringIO()
        progress = cmd_bench.Progress(err)
        with contextlib.redirect_stderr(err):
            progress.update("[1/2] cpu.cpuid")
            progress.clear()
        self.assertEqual(err.getvalue(), "kx: [1/2] cpu.cpuid\n")


if __name__ == "__main__":
    unittest.main()
