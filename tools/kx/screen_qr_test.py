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


if __name__ == "__main__":
    unittest.main()
