import unittest

import deps


class DepsTest(unittest.TestCase):
    def test_parse_dpkg_status(self):
        output = ("clang-19\tinstalled\n"
                  "ovmf\tnot-installed\n"
                  "xorriso\tconfig-files\n"
                  "mtools\tinstalled\n")
        self.assertEqual(deps.parse_dpkg_status(output), {"clang-19", "mtools"})

    def test_firmware_packages(self):
        self.assertEqual(deps.for_firmware("pvh"), ("qemu-system-x86",))
        self.assertIn("grub-pc-bin", deps.for_firmware("bios"))
        self.assertNotIn("ovmf", deps.for_firmware("bios"))
        self.assertIn("ovmf", deps.for_firmware("uefi"))
        self.assertIn("grub-efi-amd64-bin", deps.for_firmware("uefi"))


if __name__ == "__main__":
    unittest.main()
