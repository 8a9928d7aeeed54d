import os
import pathlib
import shutil
import tempfile
import unittest
from unittest import mock

import cmd_fuzz
from common import KxError

TESTDATA = pathlib.Path(__file__).parent / "testdata"
FUZZERS = ["//boot:boot_info_fuzzer", "//mm/allocator:allocator_fuzzer",
           "//mm/memmap:memmap_sanitize_fuzzer"]


class TargetsTest(unittest.TestCase):
    def test_pick_by_name_or_label(self):
        self.assertEqual(cmd_fuzz.pick(FUZZERS, None), FUZZERS)
        self.assertEqual(cmd_fuzz.pick(FUZZERS, "allocator_fuzzer"), ["//mm/allocator:allocator_fuzzer"])
        self.assertEqual(cmd_fuzz.pick(FUZZERS, "//boot:boot_info_fuzzer"), FUZZERS[:1])
        with self.assertRaisesRegex(KxError, r"nope is not a fuzz target; the fuzz targets "
                                             r"are:\n  //boot:boot_info_fuzzer"):
            cmd_fuzz.pick(FUZZERS, "nope")

    def test_seeds_target_by_name(self):
        seeds = ["//boot:boot_info_fuzz_seeds", "//mm:other_seeds"]
        self.assertEqual(cmd_fuzz.seeds_target("//boot:boot_info_fuzzer", seeds),
                         "//boot:boot_info_fuzz_seeds")
        self.assertIsNone(cmd_fuzz.seeds_target("//mm/allocator:allocator_fuzzer", seeds))
        self.assertIsNone(cmd_fuzz.seeds_target("//mm:boot_info_fuzzer", seeds))  # package

    def test_testdata_dirs(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            self.assertEqual(cmd_fuzz.testdata_dirs("//mm/allocator:allocator_fuzzer", root), [])
            (root / "tests" / "fuzz" / "corpus" / "allocator_fuzzer").mkdir(parents=True)
            self.assertEqual(cmd_fuzz.testdata_dirs("//mm/allocator:allocator_fuzzer", root), [])  # empty
            (root / "tests" / "fuzz" / "corpus" / "allocator_fuzzer" / "a").write_bytes(b"1")
            package = root / "mm" / "allocator"
            (package / "testdata" / "allocator").mkdir(parents=True)
            (package / "testdata" / "allocator" / "seed").write_bytes(b"1")
            (package / "corpus" / "allocator_fuzzer").mkdir(parents=True)  # empty: unused
            self.assertEqual(cmd_fuzz.testdata_dirs("//mm/allocator:allocator_fuzzer", root),
                             [root / "tests" / "fuzz" / "corpus" / "allocator_fuzzer",
                              package / "testdata" / "allocator"])

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


class SeedScriptTest(unittest.TestCase):
    def test_writes_the_scripts_seeds_for_its_targets_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp)
            self.assertEqual(cmd_fuzz.script_seeds("//mm:x_fuzzer", out), 0)
            self.assertEqual(list(out.iterdir()), [])
            n = cmd_fuzz.script_seeds("//mm/allocator:allocator_fuzzer", out)
            self.assertGreater(n, 10)
            files = list(out.iterdir())
            self.assertEqual(len(files), n)
            # 3 bytes per allocator step, and under the fuzzer's 3 * 4096 limit.
            for f in files:
                self.assertEqual(len(f.read_bytes()) % 3, 0, f.name)
                self.assertLessEqual(len(f.read_bytes()), 3 * 4096, f.name)


class SmokeTest(unittest.TestCase):
    """`./kx test`'s runs: from tests/fuzz/corpus/<target> only, new inputs not kept."""

    def setUp(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        self.corpus, self.smoke_dir = tmp / "corpus", tmp / "smoke"
        (self.corpus / "x_fuzzer").mkdir(parents=True)
        for i in range(3):
            (self.corpus / "x_fuzzer" / f"in{i}").write_bytes(bytes([i]))

    def smoke(self, scenario, label="//mm:x_fuzzer"):
        with mock.patch.dict(os.environ, KX_FAKE_FUZZ=scenario):
            return cmd_fuzz.smoke(label, TESTDATA / "fake_fuzzer.py", seconds=5,
                                  corpus_dir=self.corpus, smoke_dir=self.smoke_dir)

    def test_clean_run_reads_the_tree_corpus_and_keeps_it(self):
        r = self.smoke("clean")
        self.assertEqual((r.crashed, r.verdict, r.runs, r.corpus, r.new_inputs),
                         (False, "ok", 5000, 3, 1))
        log = r.log.read_text()
        self.assertIn(f"{self.smoke_dir / 'x_fuzzer' / 'new'} {self.corpus / 'x_fuzzer'}", log)
        self.assertIn("INFO: seed corpora: 3 files", log)
        # The fuzzer's new input went to the scratch directory, not into the tree.
        self.assertEqual(sorted(p.name for p in (self.corpus / "x_fuzzer").iterdir()),
                         ["in0", "in1", "in2"])
        # A second run starts from an empty scratch directory again.
        self.assertEqual(self.smoke("clean").new_inputs, 1)

    def test_crash_leaves_the_reproducer_in_the_smoke_directory(self):
        r = self.smoke("crash")
        artifact = self.smoke_dir / "x_fuzzer" / "artifacts" / "crash-da39a3ee"
        self.assertEqual((r.crashed, r.verdict, r.reproducers), (True, "CRASH", [str(artifact)]))
        lines = cmd_fuzz.report(r, pathlib.Path("/b/x_fuzzer"))
        self.assertIn(f"       reproducer: {artifact}", lines)

    def test_missing_corpus_fails_without_running(self):
        r = self.smoke("clean", label="//mm:y_fuzzer")
        self.assertEqual((r.crashed, r.verdict), (True, "NOT RUN"))
        self.assertFalse(r.log.exists())
        lines = cmd_fuzz.report(r, pathlib.Path("/b/y_fuzzer"))
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^FAIL //mm:y_fuzzer: no corpus: .*corpus/y_fuzzer is "
                                   r"missing or empty")


class MergeTest(unittest.TestCase):
    def setUp(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        self.corpus, self.new = tmp / "corpus", tmp / "new"
        (self.corpus / "x_fuzzer").mkdir(parents=True)
        (self.corpus / "x_fuzzer" / "old").write_bytes(b"a")
        self.new.mkdir()
        (self.new / "1").write_bytes(b"a")  # already in the corpus
        (self.new / "2").write_bytes(b"b")
        self.argv = tmp / "argv"

    def merge(self, label, **kwargs):
        with mock.patch.dict(os.environ, KX_FAKE_FUZZ_ARGV=str(self.argv)):
            return cmd_fuzz.merge(label, TESTDATA / "fake_fuzzer.py", [self.new],
                                  corpus_dir=self.corpus, log_dir=self.corpus, **kwargs)

    def test_merge_adds_new_inputs_to_the_tree(self):
        self.assertEqual(self.merge("//mm:x_fuzzer"), (1, 2))
        tree = self.corpus / "x_fuzzer"
        self.assertEqual(self.argv.read_text().split(),
                         ["-merge=1", f"-timeout={cmd_fuzz.INPUT_TIMEOUT}", str(tree),
                          str(self.new)])
        self.assertIn("old", [p.name for p in tree.iterdir()])

    def test_minimize_rewrites_the_tree(self):
        self.assertEqual(self.merge("//mm:x_fuzzer", minimize=True), (1, 2))
        tree = self.corpus / "x_fuzzer"
        argv = self.argv.read_text().split()
        self.assertEqual(argv[0], "-set_cover_merge=1")
        self.assertEqual(argv[-3:], [str(self.corpus / ".x_fuzzer.minimized"), str(tree),
                                     str(self.new)])
        self.assertNotIn("old", [p.name for p in tree.iterdir()])  # rewritten under SHA-1s
        self.assertEqual(sorted(p.name for p in self.corpus.iterdir()),
                         ["merge.log", "x_fuzzer"])

    def test_merge_flags_per_target(self):
        (self.corpus / "memmap_sanitize_fuzzer").mkdir()
        self.merge("//mm/memmap:memmap_sanitize_fuzzer")
        self.assertIn("-use_counters=0", self.argv.read_text().split())


if __name__ == "__main__":
    unittest.main()
