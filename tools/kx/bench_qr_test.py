import contextlib
import io
import json
import pathlib
import random
import shutil
import subprocess
import tempfile
import unittest
import zlib

import bench_qr
import bench_report
import cmd_bench
from bench_qr import PiecesError

TESTDATA = pathlib.Path(__file__).parent / "testdata"
# The host build of the encoder keel draws with (lib/qr), in this test's runfiles.
QR_RENDER = pathlib.Path(__file__).absolute().parents[2] / "lib" / "qr" / "qr_render"
REPORT_TEXT = json.dumps(bench_report.extract(
    (TESTDATA / "kbench_pvh_smoke.com2.txt").read_text(), "COM2"), indent=2)


def split(text: str, slice_bytes: int) -> list[str]:
    """What lib/qr/report_chunks.cc writes (the C++ side is checked by qr_zbar_test)."""
    data = text.encode()
    count = max(1, -(-len(data) // slice_bytes))
    head = f"{len(data)} {zlib.crc32(data):08x}"
    return [f"keel-bench {i + 1}/{count} {head}\n" + data[i * slice_bytes:(i + 1) * slice_bytes]
            .decode() for i in range(count)]


class ReassembleTest(unittest.TestCase):
    def test_any_order_and_duplicates(self):
        pieces = split(REPORT_TEXT, 500)
        self.assertGreater(len(pieces), 5)
        shuffled = pieces + pieces[:2]
        random.Random(1).shuffle(shuffled)
        text = bench_qr.reassemble((f"scan{i}", p) for i, p in enumerate(shuffled))
        self.assertEqual(text, REPORT_TEXT)

    def test_pasted_together_in_one_text(self):
        self.assertEqual(bench_qr.reassemble([("all", "".join(split(REPORT_TEXT, 700)))]),
                         REPORT_TEXT)

    def test_missing_pieces_are_named(self):
        pieces = split(REPORT_TEXT, 500)
        with self.assertRaisesRegex(PiecesError, r"missing pieces 2, 4 of \d+"):
            bench_qr.reassemble((str(i), p) for i, p in enumerate(pieces) if i not in (1, 3))

    def test_pieces_of_another_report_are_refused(self):
        other = split(REPORT_TEXT.replace("pvh", "uefi", 1), 500)
        pieces = split(REPORT_TEXT, 500)
        with self.assertRaisesRegex(PiecesError, r"b: piece 2/\d+ belongs to another report"):
            bench_qr.reassemble([("a", pieces[0]), ("b", other[1])])

    def test_a_misread_piece_is_caught_by_the_crc(self):
        pieces = split(REPORT_TEXT, 500)
        pieces[1] = pieces[1][:-1] + ("x" if pieces[1][-1] != "x" else "y")
        with self.assertRaisesRegex(PiecesError, r"a piece was misread"):
            bench_qr.reassemble((str(i), p) for i, p in enumerate(pieces))

    def test_a_text_that_is_no_piece(self):
        with self.assertRaisesRegex(PiecesError, r"menu\.txt: not a keel-bench piece"):
            bench_qr.reassemble([("menu.txt", "https://example.com")])


class FromQrImagesTest(unittest.TestCase):
    """A real report through the encoder, PGM images and zbarimg, back to the same JSON."""

    def test_report_round_trip(self):
        self.assertTrue(shutil.which("zbarimg"), "zbarimg not found: install zbar-tools")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            (tmp / "report.json").write_text(REPORT_TEXT)
            subprocess.run([QR_RENDER, "--chunk", "800", tmp / "report.json", tmp / "code"],
                           check=True, capture_output=True)
            images = sorted(tmp.glob("code-*.pgm"), reverse=True)
            self.assertEqual(len(images), -(-len(REPORT_TEXT.encode()) // 800))
            report, text = bench_qr.report_from_files(images)
            self.assertEqual(text, REPORT_TEXT)

            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                status = cmd_bench.main(["--from-qr", *map(str, images),
                                         "--json", str(tmp / "out.json")])
            self.assertEqual(status, 0)
            self.assertEqual(json.loads((tmp / "out.json").read_text()), json.loads(REPORT_TEXT))
            self.assertIn("boot_phase/long_mode", out.getvalue())


class FromLogTest(unittest.TestCase):
    def test_log_to_json_and_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                status = cmd_bench.main(["--from-log", str(TESTDATA / "kbench_pvh_smoke.com2.txt"),
                                         "--json", f"{tmp}/r.json"])
            self.assertEqual(status, 0)
            self.assertEqual(json.loads(pathlib.Path(tmp, "r.json").read_text()),
                             json.loads(REPORT_TEXT))
            self.assertIn("boot_phase/long_mode", out.getvalue())

    def test_options_that_run_something_are_refused(self):
        with self.assertRaisesRegex(Exception, r"--from-log runs nothing: --smoke"):
            cmd_bench.main(["--from-log", "x.txt", "--smoke"])


if __name__ == "__main__":
    unittest.main()
