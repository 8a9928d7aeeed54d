import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import screen_qr  # noqa: E402


class ScreenQrTest(unittest.TestCase):
    def test_the_run_is_short_and_ends_on_the_screen(self):
        self.assertIn("kbench", screen_qr.KERNEL_ARGS)
        self.assertNotIn("poweroff", screen_qr.KERNEL_ARGS)  # it must halt and show the codes
        self.assertTrue(any(a.startswith("kbench.filter=") for a in screen_qr.KERNEL_ARGS))

    def test_a_table_page_is_grey_text_without_white(self):
        def ppm(*pixels: int) -> bytes:
            return b"P6\n2 2\n255\n" + bytes(v for p in pixels for v in (p, p, p))
        self.assertTrue(screen_qr.results_table_page(ppm(0, 0xc0, 0, 0)))
        self.assertFalse(screen_qr.results_table_page(ppm(0, 0, 0, 0)))  # blank
        self.assertFalse(screen_qr.results_table_page(ppm(0, 0xc0, 0xff, 0)))  # a QR page
        self.assertFalse(screen_qr.results_table_page(b"P5\n2 2\n255\n\xc0\0\0\0"))


if __name__ == "__main__":
    unittest.main()
