import unittest

import matrix

FIRMWARES = {"bios", "uefi", "pvh"}
MACHINES = {"pc", "q35", "microvm"}


class MatrixTest(unittest.TestCase):
    def test_names_are_unique(self):
        names = [c.name for c in matrix.CELLS]
        self.assertEqual(len(names), len(set(names)))

    def test_cells_are_well_formed(self):
        for cell in matrix.CELLS:
            with self.subTest(cell.name):
                self.assertIn(cell.firmware, FIRMWARES)
                self.assertIn(cell.machine, MACHINES)
                self.assertIn(cell.accel, {"tcg", "kvm"})
                self.assertRegex(cell.mem, r"^\d+[MG]$")
                self.assertNotIn(" ", cell.name)  # names become log file names
                self.assertGreater(cell.timeout, 0)

    def test_every_boot_path_runs(self):
        enabled = {c.name for c in matrix.CELLS if c.enabled}
        self.assertEqual(enabled, {"bios-pc-512M", "uefi-q35-512M", "pvh-microvm-512M"})


if __name__ == "__main__":
    unittest.main()
