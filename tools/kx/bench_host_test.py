import json
import pathlib
import re
import unittest

import bench_host
import bench_report

GBENCH = json.loads((pathlib.Path(__file__).parent / "testdata" /
                     "gbench_allocator_bench.json").read_text())


class SelectTest(unittest.TestCase):
    NAMES = ["BM_SegmentAlloc/1", "BM_SegmentAlloc/64", "BM_Glibc_AlignedAlloc4K"]

    def test_glob_with_or_without_the_binary_prefix(self):
        self.assertEqual(bench_host.select("allocator_bench", self.NAMES, None), self.NAMES)
        self.assertEqual(bench_host.select("allocator_bench", self.NAMES, "BM_Segment*"),
                         self.NAMES[:2])
        self.assertEqual(bench_host.select("allocator_bench", self.NAMES, "allocator_bench.*4K"),
                         self.NAMES[2:])
        self.assertEqual(bench_host.select("meta_bench", self.NAMES, "allocator_bench.*"), [])

    def test_exact_filter_is_a_regex_for_exactly_those_names(self):
        regex = bench_host.exact_filter(["BM_SegmentAlloc/1", "BM_X.Y"])
        self.assertTrue(re.search(regex, "BM_SegmentAlloc/1"))
        self.assertFalse(re.search(regex, "BM_SegmentAlloc/16"))
        self.assertFalse(re.search(regex, "BM_XzY"))

    def test_result_row(self):
        m = bench_host.RESULT_ROW.match("BM_SegmentAlloc/8    161 ns    161 ns  4294370 x=1")
        self.assertEqual(m[1], "BM_SegmentAlloc/8")
        self.assertIsNone(bench_host.RESULT_ROW.match("Run on (2 X 2300 MHz CPU s)"))


class MergeTest(unittest.TestCase):
    def test_prefixes_names_and_keeps_families_apart(self):
        merged = bench_host.merge([("allocator_bench", GBENCH), ("meta_bench", GBENCH)])
        names = [b["name"] for b in merged["benchmarks"]]
        self.assertEqual(names[0], "allocator_bench.BM_SegmentAlloc/8")
        self.assertEqual(names[7], "meta_bench.BM_SegmentAlloc/8")
        self.assertEqual(merged["benchmarks"][3]["run_name"], "allocator_bench.BM_SegmentAlloc/8")
        self.assertEqual({b["family_index"] for b in merged["benchmarks"][:7]}, {0})
        self.assertEqual({b["family_index"] for b in merged["benchmarks"][7:]}, {1})
        self.assertEqual(merged["context"]["keel_host_binaries"], ["allocator_bench", "meta_bench"])
        self.assertEqual(GBENCH["benchmarks"][0]["name"], "BM_SegmentAlloc/8")  # not mutated

    def test_merged_report_suits_compare_py(self):
        merged = bench_host.merge([("allocator_bench", GBENCH)])
        self.assertNotIn("json_schema_version", GBENCH["context"])  # Debian's 1.7
        self.assertEqual(bench_report.compare_py_problems(merged), [])
        [s] = bench_report.summarize(merged)
        self.assertEqual(len(s.times_ns), 3)

    def test_binary_path(self):
        self.assertEqual(bench_host.binary(pathlib.Path("/b"), "//mm/allocator:allocator_bench"),
                         pathlib.Path("/b/mm/allocator/allocator_bench"))


if __name__ == "__main__":
    unittest.main()
