import unittest

import usable_check

E820 = """memory map from the firmware (4 entries, e820):
  [mem 0x0000000000000000-0x000000000009fbff]    639 KiB usable (1)
  [mem 0x000000000009fc00-0x000000000009ffff]      1 KiB reserved (2)
  [mem 0x0000000000100000-0x0000000007fdffff]  126.9 MiB usable (1)
  [mem 0x0000000000000000-0x0000000000000000]        0 B unknown (reserved) (0)
memmap: warning: entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)
usable 127 MiB (0x7f7f000 bytes), highest usable address 0x7fe0000
"""

EFI = """memory map from the firmware (3 entries, EFI):
  [mem 0x0000000000000000-0x0000000000000fff]      4 KiB EfiBootServicesCode (3)
  [mem 0x0000000000001000-0x0000000000001fff]      4 KiB EfiACPIMemoryNVS (10)
  [mem 0x0000000000002000-0x0000000000003fff]      8 KiB EfiConventionalMemory (7)
usable 12 KiB (0x3000 bytes), highest usable address 0x4000
"""


class UsableCheckTest(unittest.TestCase):
    def test_e820_trims_to_pages(self):
        self.assertEqual(usable_check.raw_usable(E820), 0x9f000 + 0x7fe0000 - 0x100000)
        self.assertIsNone(usable_check.check(E820))

    def test_efi_usable_types(self):
        self.assertEqual(usable_check.raw_usable(EFI), 0x3000)
        self.assertIsNone(usable_check.check(EFI))

    def test_disagreement_is_reported(self):
        text = E820.replace("0x7f7f000 bytes", "0x7f80000 bytes")
        self.assertIn("!= firmware's page-trimmed usable 0x7f7f000", usable_check.check(text))

    def test_overlaps_count_once(self):
        text = """memory map from the firmware (2 entries, e820):
  [mem 0x0000000000000000-0x0000000000002fff]     12 KiB usable (1)
  [mem 0x0000000000001000-0x0000000000003fff]     12 KiB usable (1)
usable 16 KiB (0x4000 bytes), highest usable address 0x4000
"""
        self.assertEqual(usable_check.raw_usable(text), 0x4000)

    def test_missing_map(self):
        self.assertIsNotNone(usable_check.check("keel: booting\n"))


if __name__ == "__main__":
    unittest.main()
