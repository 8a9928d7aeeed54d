import contextlib
import io
import os
import pathlib
import shutil
import tempfile
import unittest
from unittest import mock

import cmd_test

FAKE_FUZZER = pathlib.Path(__file__).parent / "testdata" / "fake_fuzzer.py"


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


class FuzzPhaseTest(unittest.TestCase):
    """run_fuzzers over testdata/fake_fuzzer.py, linked under each target's name."""

    def setUp(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        self.corpus, self.smoke, self.bin = tmp / "corpus", tmp / "smoke", tmp / "bin"
        self.bin.mkdir()
        for name in ("a_fuzzer", "b_fuzzer", "c_fuzzer"):
            (self.bin / name).symlink_to(FAKE_FUZZER.resolve())
        for name in ("a_fuzzer", "b_fuzzer"):  # c_fuzzer has no corpus
            (self.corpus / name).mkdir(parents=True)
            (self.corpus / name / "seed").write_bytes(b"1")

    def run_phase(self, labels, scenario):
        phase = cmd_test.Phase("fuzz")
        out = io.StringIO()
        with mock.patch.dict(os.environ, KX_FAKE_FUZZ=scenario), \
                contextlib.redirect_stdout(out):
            cmd_test.run_fuzzers(phase, labels, lambda l: self.bin / l.rpartition(":")[2],
                                 seconds=3, jobs=2, corpus_dir=self.corpus,
                                 smoke_dir=self.smoke)
        return phase, out.getvalue().splitlines()

    def test_one_result_per_target_with_executions(self):
        phase, lines = self.run_phase(["//t:a_fuzzer", "//t:b_fuzzer"], "clean")
        self.assertEqual((phase.passed, phase.failed, phase.failures), (2, 0, []))
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^  //t:a_fuzzer  +\d+\.\d s  5,000 runs \([\d,]+/s\), "
                                   r"cov 350, ft 900, corpus 1 \(\+1 new\)  ok$")
        self.assertIn(f"crash inputs in {self.smoke}/<target>/artifacts", phase.note)

    def test_crash_and_missing_corpus_fail_the_run_and_name_the_reproducer(self):
        phase, lines = self.run_phase(["//t:a_fuzzer", "//t:b_fuzzer", "//t:c_fuzzer"],
                                      "crash:b_fuzzer")
        self.assertEqual((phase.passed, phase.failed), (1, 2))
        self.assertTrue(lines[1].endswith("FAILED (CRASH)"), lines[1])
        self.assertTrue(lines[2].endswith("FAILED (NOT RUN)"), lines[2])
        artifact = self.smoke / "b_fuzzer" / "artifacts" / "crash-da39a3ee"
        self.assertIn("CRASH //t:b_fuzzer: SUMMARY: AddressSanitizer: heap-buffer-overflow "
                      "mm/x.cc:12 in f", phase.failures)
        self.assertIn(f"       reproducer: {artifact}", phase.failures)
        self.assertIn(f"       reproduce:  {self.bin / 'b_fuzzer'} {artifact}", phase.failures)
        self.assertTrue(artifact.exists())
        self.assertTrue(any(f.startswith("FAIL //t:c_fuzzer: no corpus") for f in phase.failures))
        status, summary = ReportTest.report(self, [cmd_test.Phase("host", passed=4), phase])
        self.assertEqual(status, 1)
        self.assertEqual(summary[-1], "5 passed, 2 failed")
        self.assertIn(f"       reproducer: {artifact}", summary)


if __name__ == "__main__":
    unittest.main()
