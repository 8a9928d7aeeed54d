import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import bench_boot  # noqa: E402
from common import KxError  # noqa: E402


def phase(name, cycles, error=False):
    record = {"name": name, "run_name": name, "iterations": 1, "real_time": cycles,
              "cpu_time": cycles, "time_unit": "ns", "cycles_per_op": cycles}
    if error:
        record["error_occurred"] = True
    return record


class BenchBootTest(unittest.TestCase):
    def test_quiet_on_every_measured_boot(self):
        self.assertEqual(bench_boot.kernel_args(report=False), ["quiet", "poweroff"])
        args = bench_boot.kernel_args(report=True)
        self.assertEqual(args[0], "quiet")
        self.assertIn("kbench.filter=boot_phase/*", args)

    def test_phases_are_renamed_per_size_and_others_dropped(self):
        report = {"benchmarks": [phase("boot_phase/long_mode", 10), phase("mm/x", 5),
                                 phase("boot_phase/ready", 30)]}
        out = bench_boot.renamed_phases(report, "128M")
        self.assertEqual([r["name"] for r in out], ["boot/128M/long_mode", "boot/128M/ready"])
        self.assertEqual([r["run_name"] for r in out], ["boot/128M/long_mode", "boot/128M/ready"])
        self.assertEqual(out[1]["cycles_per_op"], 30)
        self.assertEqual(report["benchmarks"][0]["name"], "boot_phase/long_mode")  # not mutated

    def test_no_ready_is_an_error(self):
        with self.assertRaises(KxError):
            bench_boot.renamed_phases({"benchmarks": [phase("boot_phase/long_mode", 1)]}, "1G")
        with self.assertRaises(KxError):
            bench_boot.renamed_phases({"benchmarks": [phase("boot_phase/ready", 1, error=True)]},
                                      "1G")

    def test_wall_record_is_one_iteration_in_ms(self):
        r = bench_boot.wall_record("1G", 1.25)
        self.assertEqual(r["name"], "boot/1G/qemu_to_poweroff")
        self.assertEqual(r["time_unit"], "ms")
        self.assertAlmostEqual(r["real_time"], 1250.0)
        self.assertEqual(r["iterations"], 1)


if __name__ == "__main__":
    unittest.main()
