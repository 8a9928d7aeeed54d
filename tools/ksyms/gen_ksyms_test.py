"""Tests for gen_ksyms.py: parsing, selection, escaping and the emitted table."""
import io
import os
import shutil
import subprocess
import tempfile
import unittest

import gen_ksyms

HERE = os.path.dirname(os.path.abspath(__file__))


class ParseTest(unittest.TestCase):
    def test_parses_with_and_without_size(self):
        text = ("ffffffff80100000 0000000000000010 T f\n"
                "ffffffff80100010 t g\n"
                "                 U undefined\n"
                "\nkernel.o:\n")
        self.assertEqual(list(gen_ksyms.parse_nm(text)),
                         [(0xffffffff80100000, 0x10, "T", "f"), (0xffffffff80100010, 0, "t", "g")])


class SelectTest(unittest.TestCase):
    def test_keeps_text_only_and_dedups(self):
        symbols = [
            (0x1000, 0x10, "t", "local"),
            (0x1000, 0x10, "T", "global"),
            (0x1010, 0x10, "W", "weak_fn"),
            (0x1020, 0x10, "t", ".Ltmp"),
            (0x5000, 0x8, "W", "weak_data_far_away"),
            (0x1030, 0x8, "D", "data"),
            (0x1040, 0x8, "r", "rodata"),
            (0x0100, 0x0, "a", "abs"),
        ]
        # Without linker-script markers the text range is what t/T span: [0x1000, 0x1010).
        self.assertEqual(gen_ksyms.select_text_symbols(symbols), [(0x1000, 0x10, "global")])
        markers = [(0x1000, 0, "T", "__text_start"), (0x1040, 0, "T", "__text_end")]
        self.assertEqual(gen_ksyms.select_text_symbols(symbols + markers),
                         [(0x1000, 0x10, "global"), (0x1010, 0x10, "weak_fn")])

    def test_sized_symbol_beats_label(self):
        symbols = [(0x1000, 0, "T", "a_label"), (0x1000, 0x20, "t", "z_function")]
        self.assertEqual(gen_ksyms.select_text_symbols(symbols), [(0x1000, 0x20, "z_function")])

    def test_empty(self):
        self.assertEqual(gen_ksyms.select_text_symbols([(0x10, 8, "D", "d")]), [])


class EscapeTest(unittest.TestCase):
    def test_asm_string(self):
        self.assertEqual(gen_ksyms.asm_string('a"b\\c'), '"a\\"b\\\\c"')
        self.assertEqual(gen_ksyms.asm_string("\x01"), '"\\001"')


class EmitTest(unittest.TestCase):
    def test_offsets_and_layout(self):
        out = io.StringIO()
        gen_ksyms.emit([(0x1000, 16, "ab"), (0x2000, 0, "c")], out)
        text = out.getvalue()
        self.assertIn(".section .rodata.ksyms", text)
        self.assertIn("keel_ksyms_count:\n\t.quad 2\n", text)
        self.assertIn("\t.quad 0x1000\n\t.long 0, 16\n", text)
        self.assertIn("\t.quad 0x2000\n\t.long 3, 0\n", text)  # "ab\0" is 3 bytes
        self.assertIn('\t.asciz "ab"\n\t.asciz "c"\n', text)

    def test_empty_table_assembles(self):
        out = io.StringIO()
        gen_ksyms.emit([], out)
        self.assertIn("keel_ksyms_count:\n\t.quad 0\n", out.getvalue())
        self.assemble(out.getvalue())

    def test_fixture_end_to_end(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "k.S")
            gen_ksyms.main(["--nm-output", os.path.join(HERE, "testdata_nm.txt"), "-o", path])
            with open(path) as f:
                text = f.read()
        self.assertIn("keel_ksyms_count:\n\t.quad 6\n", text)
        if shutil.which("llvm-cxxfilt-19"):
            self.assertIn('"keel::detail::foo(int)"', text)
        self.assemble(text)

    def assemble(self, text):
        clang = shutil.which("clang-19")
        if clang is None:
            self.skipTest("clang-19 not available")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "t.S")
            with open(src, "w") as f:
                f.write(text)
            subprocess.run([clang, "-target", "x86_64-unknown-none-elf", "-c", src, "-o",
                            os.path.join(tmp, "t.o")], check=True)


if __name__ == "__main__":
    unittest.main()
