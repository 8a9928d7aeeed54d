import os
import pathlib
import tempfile
import unittest
from unittest import mock

import bench_report
import bench_run
import qemu
from common import KxError

FAKE_QEMU = str(pathlib.Path(__file__).parent / "testdata" / "fake_qemu_kbench.py")


class KernelArgsTest(unittest.TestCase):
    def test_full_run(self):
        self.assertEqual(bench_run.kernel_args(), ["kbench"])
        self.assertEqual(bench_run.kernel_args(filter="mm.*", repetitions=9, min_time_ms=50),
                         ["kbench", "kbench.filter=mm.*", "kbench.repetitions=9",
                          "kbench.min_time_ms=50"])

    def test_smoke_ignores_repetitions(self):
        self.assertEqual(bench_run.kernel_args(smoke=True, repetitions=9, filter="cpu.*"),
                         ["kbench.smoke", "kbench.filter=cpu.*"])

    def test_filter_must_be_one_word(self):
        with self.assertRaisesRegex(KxError, "one non-empty word"):
            bench_run.kernel_args(filter="mm.* cpu.*")

    def test_progress_line(self):
        m = bench_run.PROGRESS.match("kbench: [3/11] boot_phase/meta_region ...")
        self.assertEqual(m.groups(), ("3", "11", "boot_phase/meta_region"))


class FakeBootTest(unittest.TestCase):
    """Boots testdata/fake_qemu_kbench.py in place of QEMU."""

    def setUp(self):
        self.logs = pathlib.Path(tempfile.mkdtemp())
        self.elf = self.logs / "keel.elf"
        self.elf.write_bytes(b"\x7fELF")

    def boot(self, scenario, timeout=20):
        lines = []
        with mock.patch.dict(os.environ, KX_FAKE_KBENCH=scenario):
            result = bench_run.boot(qemu.Boot("pvh"), self.elf, ["kbench.smoke"],
                                    timeout=timeout, logs=self.logs, on_line=lines.append,
                                    qemu_binary=FAKE_QEMU)
        return result, lines

    def smoke(self, scenario, timeout=20):
        with mock.patch.dict(os.environ, KX_FAKE_KBENCH=scenario):
            return bench_run.smoke(self.elf, logs=self.logs, qemu_binary=FAKE_QEMU,
                                   timeout=timeout)

    def test_streams_com1_and_reads_com2(self):
        result, lines = self.boot("com2")
        self.assertEqual(result.status, qemu.TESTS_PASSED)
        self.assertIn("kbench: [2/2] kbench.self.rdtsc ...", lines)
        report = bench_run.collect(result)
        self.assertEqual(len(bench_report.summarize(report)), 11)

    def test_report_on_com1(self):
        result, _ = self.boot("com1")
        self.assertEqual(len(bench_run.collect(result)["benchmarks"]), 11)

    def test_smoke_counts_each_benchmark(self):
        r = self.smoke("com2")
        self.assertEqual((r.passed, r.failed, r.skipped, r.failures), (11, 0, 0, []))

    def test_smoke_failed_benchmark(self):
        r = self.smoke("fail")
        self.assertEqual((r.passed, r.failed), (10, 1))
        self.assertEqual(r.failures[0], "FAIL bench: kbench.self.memset_4k/64  [ERROR: page fault]")

    def test_smoke_status_disagreeing_with_the_report(self):
        r = self.smoke("lie")
        self.assertEqual((r.passed, r.failed), (10, 2))
        self.assertIn("disagrees with the report's 1 failed", r.failures[1])

    def test_smoke_truncated_report(self):
        r = self.smoke("truncated")
        self.assertEqual((r.passed, r.failed), (0, 1))
        self.assertRegex(r.failures[0], r"^FAIL bench: COM2 \(.*\): the report is truncated")

    def test_kernel_without_kbench_stops_early(self):
        r = self.smoke("nokbench", timeout=60)
        self.assertLess(r.seconds, 30)
        self.assertEqual(r.failed, 1)
        self.assertRegex(r.failures[0], r"^FAIL bench: kernel has no kbench support")

    def test_timeout(self):
        r = self.smoke("hang", timeout=2)
        self.assertEqual(r.failed, 1)
        self.assertRegex(r.failures[0], r"no benchmark report on COM2 .* timed out after 2 s")



def counts(**instructions):
    report = {"context": {}, "benchmarks": [
        {"name": name, "run_type": "iteration", "real_time": 1.0, "time_unit": "ns",
         "iterations": 100, "cycles_per_op": value} for name, value in instructions.items()]}
    bench_run.mark_icount(report)
    return report


class DeterminismTest(unittest.TestCase):
    def test_identical_reports_have_no_difference(self):
        self.assertEqual(bench_run.differences(counts(a=314.082, b=20.0),
                                               counts(a=314.082, b=20.0)), [])

    def test_every_difference_is_named(self):
        found = bench_run.differences(counts(a=314.082, b=20.0), counts(a=314.083, c=1.0))
        self.assertEqual(found, ["b: only in the first run", "c: only in the second run",
                                 "a: instructions/op [314.082] then [314.083]"])

    def test_iteration_counts_must_repeat(self):
        second = counts(a=5.0)
        second["benchmarks"][0]["iterations"] = 101
        self.assertEqual(bench_run.differences(counts(a=5.0), second),
                         ["a: iterations [100] then [101]"])

    def test_the_icount_flag_reaches_qemu(self):
        cmd = qemu.command(qemu.Boot("pvh", icount=True), image=pathlib.Path("k.elf"),
                           kernel_args=[], serial="stdio", bench=pathlib.Path("c2"))
        self.assertIn("shift=0,sleep=off", cmd[cmd.index("-icount") + 1])
        with self.assertRaisesRegex(KxError, "needs TCG"):
            qemu.Boot("pvh", accel="kvm", icount=True)

if __name__ == "__main__":
    unittest.main()
