import textwrap
import unittest

import ktap


def parse(text: str) -> ktap.Report:
    return ktap.parse(textwrap.dedent(text))


def statuses(report: ktap.Report) -> dict[str, str]:
    return {path: t.status for path, t in report.leaves()}


def one_suite(name: str, results: list[str], suite_result: str) -> str:
    """The log of a run of one suite, `name`, whose case result lines are `results` (its
    plan counts them) and whose own result line is `suite_result`."""
    lines = ["KTAP version 1", "1..1",
             "    KTAP version 1", f"    # Subtest: {name}", f"    1..{len(results)}"]
    lines += [f"    {line}" for line in results]
    lines.append(suite_result)
    return "\n".join(lines) + "\n"


ALL_PASS = """\
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: mm.memmap
        1..2
        ok 1 sanitizes_overlaps
        ok 2 rejects_wrapping
        # mm.memmap: pass:2 fail:0 skip:0 total:2
    ok 1 mm.memmap
        KTAP version 1
        # Subtest: mm.buddy
        1..1
        ok 1 splits
    ok 2 mm.buddy
    # Totals: pass:3 fail:0 skip:0
    """


class KtapTest(unittest.TestCase):
    def test_all_pass(self):
        r = parse(ALL_PASS)
        self.assertEqual(r.errors, [])
        self.assertEqual(statuses(r), {"mm.memmap/sanitizes_overlaps": "PASS",
                                       "mm.memmap/rejects_wrapping": "PASS",
                                       "mm.buddy/splits": "PASS"})
        self.assertEqual((r.passed, r.failed, r.skipped), (3, 0, 0))

    def test_not_ok_keeps_its_diagnostics(self):
        r = parse("""\
            KTAP version 1
            1..1
                KTAP version 1
                # Subtest: mm.memmap
                1..3
                ok 1 sanitizes_overlaps
                not ok 2 rejects_wrapping
                # EXPECT_EQ(a, b) failed: a=1 b=2
                # at mm/memmap/memmap_test.cc:40
                ok 3 something # SKIP reason
                # mm.memmap: pass:1 fail:1 skip:1 total:3
            not ok 1 mm.memmap
            # Totals: pass:1 fail:1 skip:1
            """)
        self.assertEqual(r.errors, [])
        self.assertEqual(r.failed, 1)
        [(path, test)] = r.failures()
        self.assertEqual(path, "mm.memmap/rejects_wrapping")
        self.assertEqual(test.diagnostics, ["# EXPECT_EQ(a, b) failed: a=1 b=2",
                                            "# at mm/memmap/memmap_test.cc:40"])

    def test_kunit_style_diagnostics_before_the_result(self):
        r = parse("""\
            KTAP version 1
            1..2
            ok 1 first
            # second: EXPECTATION FAILED at mm/buddy_test.cc:12
            not ok 2 second
            """)
        [(_, test)] = r.failures()
        self.assertEqual(test.leading, ["# second: EXPECTATION FAILED at mm/buddy_test.cc:12"])
        self.assertEqual(test.diagnostics, [])

    def test_skip(self):
        r = parse(one_suite("smp", ["ok 1 ipi # SKIP needs 2 CPUs",
                                    "not ok 2 tlb_shootdown # SKIP needs 2 CPUs"],
                            "ok 1 smp # SKIP"))
        self.assertEqual(r.errors, [])
        self.assertEqual((r.passed, r.failed, r.skipped), (0, 0, 2))
        self.assertEqual(r.leaves()[0][1].directive, "SKIP needs 2 CPUs")

    def test_crash_mid_suite_reports_missing_results(self):
        r = parse("""\
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: mm.memmap
                1..3
                ok 1 sanitizes_overlaps
            PANIC: page fault at 0xffff800000001000
            """)
        self.assertEqual(statuses(r), {"mm.memmap/sanitizes_overlaps": "PASS",
                                       "mm.memmap/<missing #2>": "MISSING",
                                       "mm.memmap/<missing #3>": "MISSING",
                                       "<missing #2>": "MISSING"})
        self.assertEqual(r.failed, 3)
        self.assertIn("mm.memmap: no result line (log truncated or kernel crashed?)", r.errors)

    def test_garbage_interleaved(self):
        noisy = "\n".join(
            line + "\r" + ("\n[    0.1] kernel log line\n\x1b[2J\x1b[H" if i % 2 else "")
            for i, line in enumerate(textwrap.dedent(ALL_PASS).splitlines()))
        noisy = "SeaBIOS (version 1.16)\nBooting from DVD/CD...\n" + noisy
        r = ktap.parse(noisy)
        self.assertEqual(r.errors, [])
        self.assertEqual((r.passed, r.failed), (3, 0))

    def test_escape_sequence_before_version_line(self):
        r = ktap.parse("\x1b[0m\x1b[37m\x1b[40m\rKTAP version 1\r\n1..1\r\nok 1 leaf\r\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(statuses(r), {"leaf": "PASS"})

    def test_truncated_log(self):
        text = textwrap.dedent(ALL_PASS)
        r = ktap.parse(text[:text.index("ok 1 splits")])
        self.assertEqual(statuses(r), {"mm.memmap/sanitizes_overlaps": "PASS",
                                       "mm.memmap/rejects_wrapping": "PASS",
                                       "mm.buddy/<missing #1>": "MISSING"})
        self.assertTrue(r.errors)

    def test_no_output_at_all(self):
        r = ktap.parse("SeaBIOS\nBooting from DVD/CD...\n")
        self.assertEqual(r.leaves(), [])
        self.assertEqual(r.errors, ["no KTAP output in the log (did the kernel run its tests?)"])

    def test_missing_version_line(self):
        r = parse("1..1\nok 1 x\n")
        self.assertEqual(r.errors, ["no 'KTAP version 1' line before the results"])

    def test_plan_after_results(self):
        r = parse("KTAP version 1\nok 1 x\n1..1\n")
        self.assertIn("test results before the plan line", r.errors)
        self.assertIn("plan line after test results", r.errors)

    def test_more_results_than_planned(self):
        r = parse("KTAP version 1\n1..1\nok 1 x\nok 2 y\n")
        self.assertEqual(r.errors, ["2 results but the plan says 1"])

    def test_suite_ok_with_failing_case(self):
        r = parse(one_suite("s", ["not ok 1 c"], "ok 1 s"))
        self.assertEqual(r.errors, ["'s' reported ok but has failing subtests"])

    def test_suite_not_ok_without_failing_case(self):
        r = parse(one_suite("s", ["ok 1 c"], "not ok 1 s"))
        self.assertEqual(r.errors, ["'s' reported not ok but none of its subtests failed"])

    def test_totals_mismatch(self):
        r = parse(ALL_PASS.replace("# Totals: pass:3", "# Totals: pass:4"))
        self.assertEqual(r.errors, ["summary says pass:4 fail:0 skip:0 but the results give "
                                    "pass:3 fail:0 skip:0"])

    def test_suite_counts_mismatch(self):
        r = parse(ALL_PASS.replace("# mm.memmap: pass:2 fail:0", "# mm.memmap: pass:1 fail:1"))
        self.assertEqual(r.errors, ["mm.memmap: summary says pass:1 fail:1 skip:0 but the "
                                    "results give pass:2 fail:0 skip:0"])

    def test_out_of_order_number(self):
        r = parse("KTAP version 1\n1..2\nok 2 b\nok 1 a\n")
        self.assertIn("result #2 out of order (expected #1)", r.errors)

    def test_result_name_must_match_subtest(self):
        r = parse(ALL_PASS.replace("ok 2 mm.buddy", "ok 2 mm.slab"))
        self.assertEqual(r.errors, ["result 'mm.slab' closes subtest 'mm.buddy'"])

    def test_empty_suite_counts_nothing(self):
        r = parse(one_suite("empty", [], "ok 1 empty"))
        self.assertEqual(r.errors, [])
        self.assertEqual(r.leaves(), [])


if __name__ == "__main__":
    unittest.main()
