import os
import pathlib
import tempfile
import unittest
from unittest import mock

import cmd_fuzz
from common import KxError

TESTDATA = pathlib.Path(__file__).parent / "testdata"
FUZZERS = ["//boot:boot_info_fuzzer", "//mm:allocator_fuzzer", "//mm:memmap_sanitize_fuzzer"]


class TargetsTest(unittest.TestCase):
    def test_pick_by_name_or_label(self):
        self.assertEqual(cmd_fuzz.pick(FUZZERS, None), FUZZERS)
        self.assertEqual(cmd_fuzz.pick(FUZZERS, "allocator_fuzzer"), ["//mm:allocator_fuzzer"])
        self.assertEqual(cmd_fuzz.pick(FUZZERS, "//boot:boot_info_fuzzer"), FUZZERS[:1])
        with self.assertRaisesRegex(KxError, r"nope is not a fuzz target; the fuzz targets "
                                             r"are:\n  //boot:boot_info_fuzzer"):
            cmd_fuzz.pick(FUZZERS, "nope")

    def test_seeds_target_by_name(self):
        seeds = ["//boot:boot_info_fuzz_seeds", "//mm:other_seeds"]
        self.assertEqual(cmd_fuzz.seeds_target("//boot:boot_info_fuzzer", seeds),
                         "//boot:boot_info_fuzz_seeds")
        self.assertIsNone(cmd_fuzz.seeds_target("//mm:allocator_fuzzer", seeds))
        self.assertIsNone(cmd_fuzz.seeds_target("//mm:boot_info_fuzzer", seeds))  # package

    def test_testdata_dirs(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            (root / "mm" / "testdata" / "allocator").mkdir(parents=True)
            (root / "mm" / "testdata" / "allocator" / "seed").write_bytes(b"1")
            (root / "mm" / "corpus" / "allocator_fuzzer").mkdir(parents=True)  # empty: unused
            self.assertEqual(cmd_fuzz.testdata_dirs("//mm:allocator_fuzzer", root),
                             [root / "mm" / "testdata" / "allocator"])

    def test_command(self):
        work = pathlib.Path("/o/fuzz/x")
        cmd = cmd_fuzz.command(pathlib.Path("/b/x"), work, [work / "corpus", work / "seeds"],
                               seconds=60, jobs=1)
        self.assertEqual(cmd, ["/b/x", "-max_total_time=60", "-artifact_prefix=/o/fuzz/x/artifacts/",
                               f"-timeout={cmd_fuzz.INPUT_TIMEOUT}", "-print_final_stats=1",
                               "/o/fuzz/x/corpus", "/o/fuzz/x/seeds"])
        cmd = cmd_fuzz.command(pathlib.Path("/b/x"), work, [work / "corpus"], seconds=5, jobs=4)
        self.assertIn("-fork=4", cmd)


class ParseTest(unittest.TestCase):
    def test_fork_mode_progress(self):
        r = cmd_fuzz.FuzzResult("//mm:x_fuzzer", 0, pathlib.Path("log"))
        cmd_fuzz.parse_output(
            "INFO: Loaded 1 modules   (1118 inline 8-bit counters): 1118 [0x1, 0x2),\n"
            "#13128: cov: 1117 ft: 3570 corp: 269 exec/s: 6564 oom/timeout/crash: 0/0/0\n"
            "#56799: cov: 1118 ft: 3666 corp: 294 exec/s: 6118 oom/timeout/crash: 0/0/0\n", r)
        self.assertEqual((r.edges, r.runs, r.coverage), (1118, 56799, "cov 1118, ft 3666"))


class RunTest(unittest.TestCase):
    def setUp(self):
        self.out = pathlib.Path(tempfile.mkdtemp())
        patcher = mock.patch.object(cmd_fuzz, "FUZZ_DIR", self.out)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_fake(self, scenario):
        with mock.patch.dict(os.environ, KX_FAKE_FUZZ=scenario):
            return cmd_fuzz.run_one("//mm:x_fuzzer", TESTDATA / "fake_fuzzer.py",
                                    TESTDATA / "fake_seeds.py", seconds=5, jobs=1)

    def test_clean_run(self):
        r = self.run_fake("clean")
        self.assertEqual((r.returncode, r.crashed), (0, False))
        self.assertEqual((r.edges, r.coverage, r.runs, r.corpus), (4167, "cov 350, ft 900", 5000, 1))
        self.assertEqual(sorted(p.name for p in (self.out / "x_fuzzer" / "seeds").iterdir()),
                         ["seed_0", "seed_1"])
        self.assertIn("INFO: seed corpora: 2 files", r.log.read_text())
        self.assertEqual(cmd_fuzz.report(r, pathlib.Path("/b/x_fuzzer")), [])

    def test_crash_names_the_reproducer(self):
        r = self.run_fake("crash")
        self.assertTrue(r.crashed)
        artifact = str(self.out / "x_fuzzer" / "artifacts" / "crash-da39a3ee")
        self.assertEqual(r.reproducers, [artifact])
        self.assertTrue(pathlib.Path(artifact).exists())
        lines = cmd_fuzz.report(r, pathlib.Path("/b/x_fuzzer"))
        self.assertEqual(lines[0], "CRASH //mm:x_fuzzer: SUMMARY: AddressSanitizer: "
                                   "heap-buffer-overflow mm/x.cc:12 in f")
        self.assertEqual(lines[1], f"       reproducer: {artifact}")
        self.assertEqual(lines[2], f"       reproduce:  /b/x_fuzzer {artifact}")
        self.assertEqual(lines[3], f"       log: {r.log}")


if __name__ == "__main__":
    unittest.main()
