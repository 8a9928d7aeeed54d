import unittest

import bazel

OUTPUT = """\
//mm:format_test                                                (cached) PASSED in 0.3s
//mm:buddy_test                                                          FAILED in 1.2s
  /ob/bazel-out/k8-fastbuild/testlogs/mm/buddy_test/test.log
//mm:slab_test                                                         NO STATUS
//mm:broken_test                                                 FAILED TO BUILD
//mm:slow_test                                                          TIMEOUT in 60.0s
  /ob/bazel-out/k8-fastbuild/testlogs/mm/slow_test/test.log
//mm:flaky_test                                                  FLAKY, failed in 1 out of 2 in 0.4s
//tools/kx:ktap_test                                                       PASSED in 0.2s

Executed 5 out of 7 tests: 2 tests pass, 3 fail locally and 1 was not run.
"""


class SummaryTest(unittest.TestCase):
    def test_parse(self):
        results = bazel.parse_test_summary(OUTPUT)
        self.assertEqual([(r.label, r.status, r.outcome) for r in results], [
            ("//mm:format_test", "PASSED", "passed"),
            ("//mm:buddy_test", "FAILED", "failed"),
            ("//mm:slab_test", "NO STATUS", "failed"),
            ("//mm:broken_test", "FAILED TO BUILD", "failed"),
            ("//mm:slow_test", "TIMEOUT", "failed"),
            ("//mm:flaky_test", "FLAKY", "passed"),
            ("//tools/kx:ktap_test", "PASSED", "passed"),
        ])
        self.assertTrue(results[1].log.endswith("mm/buddy_test/test.log"))
        self.assertTrue(results[4].log.endswith("mm/slow_test/test.log"))
        self.assertEqual(results[0].log, "")

    def test_no_tests(self):
        self.assertEqual(bazel.parse_test_summary("ERROR: No test targets were found\n"), [])


class ErrorLinesTest(unittest.TestCase):
    STDERR = """\
Loading: 0 packages loaded
INFO: Analyzed 12 targets (0 packages loaded, 0 targets configured).
/usr/bin/ld.gold: warning: Cannot export local symbol '__asan_extra_spill_area'
ERROR: /w/mm/BUILD:40:17: Compiling mm/buddy.cc failed: (Exit 1): clang-19 failed
mm/buddy.cc:12:5: error: use of undeclared identifier 'x'
1 error generated.
FAILED: Build did NOT complete successfully
"""

    def test_keeps_only_errors(self):
        self.assertEqual(bazel.error_lines(self.STDERR).splitlines(), [
            "ERROR: /w/mm/BUILD:40:17: Compiling mm/buddy.cc failed: (Exit 1): clang-19 failed",
            "mm/buddy.cc:12:5: error: use of undeclared identifier 'x'",
            "FAILED: Build did NOT complete successfully",
        ])

    def test_limit(self):
        text = "".join(f"ERROR: {i}\n" for i in range(50))
        lines = bazel.error_lines(text, limit=3).splitlines()
        self.assertEqual(lines, ["ERROR: 0", "ERROR: 1", "ERROR: 2", "... and 47 more"])


if __name__ == "__main__":
    unittest.main()
