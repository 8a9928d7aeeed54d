import contextlib
import io
import unittest

import cmd_test


class ReportTest(unittest.TestCase):
    def report(self, phases):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cmd_test.report(phases)
        return status, out.getvalue().splitlines()

    def test_all_passing(self):
        status, lines = self.report([cmd_test.Phase("host", passed=4, seconds=1),
                                     cmd_test.Phase("kernel", note="built"),
                                     cmd_test.Phase("boot", passed=30, note="3 cells")])
        self.assertEqual(status, 0)
        self.assertEqual(lines[-1], "34 passed, 0 failed")
        self.assertNotIn("Failures:", lines)

    def test_failures_and_skips(self):
        status, lines = self.report([
            cmd_test.Phase("host", passed=4, failed=1, failures=["FAIL host: //mm:x (FAILED)"]),
            cmd_test.Phase("boot", passed=30, skipped=2)])
        self.assertEqual(status, 1)
        self.assertEqual(lines[-1], "34 passed, 1 failed, 2 skipped")
        self.assertIn("FAIL host: //mm:x (FAILED)", lines)


if __name__ == "__main__":
    unittest.main()
