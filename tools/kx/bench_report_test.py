import json
import pathlib
import tempfile
import unittest

import bench_report
from bench_report import BEGIN, END, ReportError

TESTDATA = pathlib.Path(__file__).parent / "testdata"
PVH_COM2 = (TESTDATA / "kbench_pvh_smoke.com2.txt").read_text()  # a real smoke run's COM2
PVH_COM1 = (TESTDATA / "kbench_pvh_smoke.com1.txt").read_text()  # ... and its console
UEFI_COM2 = (TESTDATA / "kbench_uefi_smoke.com2.txt").read_text()  # OVMF + GRUB text first
GBENCH = TESTDATA / "gbench_allocator_bench.json"  # Debian's Google Benchmark 1.7


def without_markers(text: str) -> str:
    return "\n".join(l for l in text.splitlines() if BEGIN not in l and END not in l)


class ExtractTest(unittest.TestCase):
    def test_com2_between_markers(self):
        report = bench_report.extract(PVH_COM2, "COM2")
        self.assertEqual(report["context"]["keel_boot_path"], "pvh")
        self.assertEqual(len(report["benchmarks"]), 11)

    def test_com1_console_log_with_the_report_inside(self):
        body = PVH_COM2[PVH_COM2.index(BEGIN):]
        com1 = PVH_COM1 + body + "kbench: 11 passed, 0 failed, 0 skipped\r\n"
        report = bench_report.extract(com1, "COM1")
        self.assertEqual(report["benchmarks"][0]["name"], "boot_phase/long_mode")

    def test_ovmf_text_before_the_markers(self):
        self.assertIn("BdsDxe", UEFI_COM2.split(BEGIN)[0])
        report = bench_report.extract(UEFI_COM2, "COM2")
        self.assertEqual(report["context"]["keel_boot_path"].split("-")[0], "multiboot2")

    def test_bare_json_after_firmware_text(self):
        # A kernel that writes the report without markers: OVMF's lines (and a stray
        # "{" that is not JSON) come first.
        text = "{ not json\r\n" + without_markers(UEFI_COM2)
        report = bench_report.extract(text, "COM2")
        self.assertEqual(len(report["benchmarks"]), 11)

    def test_truncated_between_markers(self):
        cut = PVH_COM2[:PVH_COM2.index(END) - 200]
        with self.assertRaisesRegex(ReportError, r"COM2: the report is truncated"):
            bench_report.extract(cut, "COM2")

    def test_truncated_bare_json(self):
        cut = without_markers(PVH_COM2)[:3000]
        with self.assertRaisesRegex(ReportError, r"COM2: the JSON report is truncated"):
            bench_report.extract(cut, "COM2")

    def test_malformed_between_markers(self):
        bad = PVH_COM2.replace('"iterations": 1,', '"iterations": 1,,', 1)
        with self.assertRaisesRegex(ReportError, r"does not parse: .* at line \d+ column \d+"):
            bench_report.extract(bad, "COM2")

    def test_nothing_there(self):
        with self.assertRaisesRegex(ReportError, r"COM1: no benchmark report"):
            bench_report.extract("keel: ready\nkeel: halted\n", "COM1")

    def test_json_without_benchmarks(self):
        text = f"{BEGIN}\n{{\"context\": {{}}}}\n{END}\n"
        with self.assertRaisesRegex(ReportError, r"not a benchmark report"):
            bench_report.extract(text, "COM2")

    def test_load_plain_json_and_logs(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = pathlib.Path(tmp, "com2.log")
            log.write_text(UEFI_COM2)
            self.assertEqual(len(bench_report.load(log)["benchmarks"]), 11)
            self.assertEqual(len(bench_report.load(GBENCH)["benchmarks"]), 7)
            with self.assertRaisesRegex(ReportError, r"missing.json: No such file"):
                bench_report.load(pathlib.Path(tmp, "missing.json"))


class ComparePyFieldsTest(unittest.TestCase):
    """The fields Google Benchmark's tools/compare.py reads (Debian ships no compare.py)."""

    def test_kernel_report_conforms(self):
        self.assertEqual(bench_report.compare_py_problems(bench_report.extract(PVH_COM2, "")),
                         [])

    def test_a_report_with_repetitions_and_aggregates_conforms(self):
        report = json.loads(GBENCH.read_text())
        report["context"]["json_schema_version"] = 1
        self.assertIn("aggregate", {b["run_type"] for b in report["benchmarks"]})
        self.assertEqual(bench_report.compare_py_problems(report), [])

    def test_problems_are_named(self):
        report = json.loads(GBENCH.read_text())  # 1.7 writes no json_schema_version
        del report["benchmarks"][0]["real_time"]
        report["benchmarks"][1]["time_unit"] = "fortnights"
        report["benchmarks"][2]["run_type"] = "repetition"
        report["benchmarks"][-1]["aggregate_name"] = "mode"
        report["benchmarks"][3]["iterations"] = "many"
        problems = bench_report.compare_py_problems(report)
        self.assertEqual(len(problems), 6, problems)
        self.assertIn("context.json_schema_version: None, compare.py needs 1", problems)
        self.assertIn("benchmarks[0] (BM_SegmentAlloc/8): real_time missing or of the wrong "
                      "type", problems)
        self.assertTrue(any("time_unit 'fortnights'" in p for p in problems))
        self.assertTrue(any("run_type 'repetition'" in p for p in problems))
        self.assertTrue(any("aggregate_name 'mode'" in p for p in problems))
        self.assertTrue(any("iterations missing or of the wrong type" in p for p in problems))

    def test_not_a_list(self):
        self.assertIn("benchmarks: missing or not a list",
                      bench_report.compare_py_problems({"context": {"json_schema_version": 1}}))


class SummarizeTest(unittest.TestCase):
    def record(self, name, time, rep, unit="ns", **kw):
        return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 3,
                "repetition_index": rep, "iterations": 100 + rep, "real_time": time,
                "cpu_time": time, "time_unit": unit, **kw}

    def test_repetitions_grouped_by_run_name(self):
        report = {"benchmarks": [
            self.record("a", 30, 0, cycles_per_op=69), self.record("a", 10, 1),
            self.record("a", 20, 2),
            {"name": "a_mean", "run_name": "a", "run_type": "aggregate", "real_time": 20},
            self.record("b", 2, 0, unit="us"),
        ]}
        a, b = bench_report.summarize(report)
        self.assertEqual((a.name, a.times_ns, a.iterations, a.cycles),
                         ("a", [30.0, 10.0, 20.0], [100, 101, 102], [69.0]))
        self.assertEqual((a.median, a.min, a.p99), (20.0, 10.0, 30.0))
        self.assertAlmostEqual(a.spread, 1.0)
        self.assertEqual(b.times_ns, [2000.0])

    def test_failed_and_skipped(self):
        report = {"benchmarks": [
            self.record("ok", 5, 0),
            self.record("f", 0, 0, error_occurred=True, error_message="page fault"),
            self.record("s", 0, 0, skipped=True, skip_message="needs 2 CPUs"),
        ]}
        ok, f, s = bench_report.summarize(report)
        self.assertFalse(ok.failed or ok.skipped)
        self.assertEqual((f.failed, f.error, f.times_ns), (True, "ERROR: page fault", []))
        self.assertEqual((s.skipped, s.error), (True, "SKIPPED: needs 2 CPUs"))

    def test_p99_is_nearest_rank(self):
        self.assertEqual(bench_report.p99([5.0]), 5.0)
        self.assertEqual(bench_report.p99(list(range(1, 101))), 99)
        self.assertEqual(bench_report.p99(list(range(1, 201))), 198)


def record(name, real_time, **fields):
    return {"name": name, "run_name": name, "run_type": "iteration", "iterations": 10,
            "real_time": real_time, "cpu_time": real_time, "time_unit": "ns", **fields}


class CounterTest(unittest.TestCase):
    REPORT = {"context": {}, "benchmarks": [
        record("meta/init", 4e6, s_per_GiB=0.004, frames=262144, label="figure=s_per_GiB"),
        record("meta/init", 5e6, s_per_GiB=0.005, frames=262144, label="figure=s_per_GiB"),
        record("pt/map", 900.0, ns_per_page=1.75, items_per_second=5.7e8),
        {"name": "pt/map_median", "run_name": "pt/map", "run_type": "aggregate",
         "aggregate_name": "median", "real_time": 1.0, "ns_per_page": 99.0},
    ]}

    def test_every_number_outside_the_record_fields_is_a_counter(self):
        meta, pt = bench_report.summarize(self.REPORT)
        self.assertEqual(meta.counters, {"s_per_GiB": [0.004, 0.005],
                                         "frames": [262144.0, 262144.0]})
        self.assertEqual(pt.counters, {"ns_per_page": [1.75], "items_per_second": [5.7e8]})

    def test_the_label_names_the_figure(self):
        meta, pt = bench_report.summarize(self.REPORT)
        self.assertEqual((meta.figure, meta.unit, meta.values), ("s_per_GiB", "s/GiB",
                                                                  [0.004, 0.005]))
        self.assertEqual((pt.figure, pt.unit, pt.values), (None, "ns/op", [900.0]))

    def test_a_chosen_figure_applies_where_the_counter_exists(self):
        meta, pt = bench_report.summarize(self.REPORT, figure="ns_per_page")
        self.assertEqual((pt.figure, pt.unit, pt.median), ("ns_per_page", "ns/page", 1.75))
        self.assertEqual(meta.figure, "s_per_GiB")  # its label still holds

    def test_a_label_naming_a_missing_counter_fails_the_benchmark(self):
        report = {"context": {}, "benchmarks": [record("x", 1.0, label="figure=nope")]}
        [s] = bench_report.summarize(report)
        self.assertTrue(s.failed)
        self.assertIn("nope", s.error)

    def test_units_come_from_the_names(self):
        unit = bench_report.counter_unit
        self.assertEqual(unit("cycles_per_GiB"), "cycles/GiB")
        self.assertEqual(unit("cycles_per_GiB", bench_report.MEASURE_INSTRUCTIONS),
                         "instructions/GiB")
        self.assertEqual(unit("items_per_second"), "items/s")
        self.assertEqual(unit("frames"), "frames")
        self.assertTrue(bench_report.higher_is_better(unit("bytes_per_second")))
        self.assertFalse(bench_report.higher_is_better(unit("ns_per_page")))

    def test_counters_survive_the_json_round_trip(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp, "r.json")
            path.write_text(json.dumps(self.REPORT))
            again = bench_report.summarize(bench_report.load(path))
        self.assertEqual(again, bench_report.summarize(self.REPORT))

    def test_icount_counters_are_exact(self):
        report = {"context": {"keel_measure": "instructions"}, "benchmarks": [
            record("b", 5.0, cycles_per_op=300.0, cycles_per_GiB=7e5,
                   label="figure=cycles_per_GiB")]}
        [s] = bench_report.summarize(report)
        self.assertEqual((s.unit, s.values, s.exact), ("instructions/GiB", [7e5], True))


class GlobTest(unittest.TestCase):
    def test_kernel_glob_semantics(self):
        self.assertTrue(bench_report.glob_match("mm.*", "mm.frame.alloc/9"))
        self.assertTrue(bench_report.glob_match("*alloc?9", "mm.frame.alloc/9"))
        self.assertFalse(bench_report.glob_match("mm.*", "kernel.mm.x"))
        self.assertTrue(bench_report.glob_match("a[1]", "a[1]"))  # no character classes
        self.assertFalse(bench_report.glob_match("a.c", "abc"))



class InstructionReportTest(unittest.TestCase):
    REPORT = {"context": {"keel_measure": "instructions"}, "benchmarks": [
        {"name": "x", "run_type": "iteration", "real_time": 99.9, "time_unit": "ns",
         "iterations": 10, "cycles_per_op": 100.0},
        {"name": "x", "run_type": "iteration", "real_time": 101.2, "time_unit": "us",
         "iterations": 10, "cycles_per_op": 101.0}]}

    def test_cycles_are_the_figure(self):
        [s] = bench_report.summarize(self.REPORT)
        self.assertEqual(s.unit, bench_report.INSTRUCTIONS_UNIT)
        self.assertEqual(s.values, [100.0, 101.0])
        self.assertEqual((s.min, s.median), (100.0, 100.5))
        self.assertTrue(s.exact)

    def test_a_timed_report_keeps_time(self):
        report = dict(self.REPORT, context={})
        [s] = bench_report.summarize(report)
        self.assertEqual(s.unit, bench_report.TIME_UNIT)
        self.assertEqual(s.values, [99.9, 101200.0])

    def test_counts_without_cycles_are_refused(self):
        report = {"context": {"keel_measure": "instructions"}, "benchmarks": [
            {"name": "x", "run_type": "iteration", "real_time": 1, "iterations": 1}]}
        with self.assertRaisesRegex(bench_report.ReportError, "without cycles_per_op"):
            bench_report.summarize(report)

if __name__ == "__main__":
    unittest.main()
