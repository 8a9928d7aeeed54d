import unittest

import matrix

FIRMWARES = {"bios", "uefi", "pvh"}
MACHINES = {"pc", "q35", "microvm"}


def enabled():
    return [c for c in matrix.CELLS if c.enabled]


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
                # OVMF needs Q35 (pflash); PVH boots through microvm's -kernel loader.
                if cell.firmware == "uefi":
                    self.assertEqual(cell.machine, "q35")
                if cell.firmware == "pvh":
                    self.assertEqual(cell.machine, "microvm")

    def test_names_say_firmware_machine_cpu_and_memory(self):
        # A failure line is prefixed with the cell name only: it must tell the cells apart.
        for cell in matrix.CELLS:
            with self.subTest(cell.name):
                self.assertEqual(
                    cell.name,
                    matrix.cell_name(cell.firmware, cell.machine, cell.mem, cell.cpu, cell.accel,
                                     cell.smp, cell.lock_order_checks))

    def test_cell_name_rule(self):
        self.assertEqual(matrix.cell_name("bios", "q35", "6G"), "bios-q35-6G")
        self.assertEqual(matrix.cell_name("pvh", "microvm", "512M", smp=3),
                         "pvh-microvm-512M-smp3")
        self.assertEqual(matrix.cell_name("pvh", "microvm", "512M", "Nehalem"),
                         "pvh-microvm-Nehalem-512M")
        self.assertEqual(matrix.cell_name("pvh", "microvm", "512M", accel="kvm"),
                         "kvm-pvh-microvm-512M")
        self.assertEqual(matrix.cell_name("pvh", "microvm", "1G", smp=4, lock_order_checks=True),
                         "pvh-microvm-1G-smp4-lockorder")

    def test_every_boot_path_runs_at_both_memory_ends(self):
        runs = {(c.firmware, c.machine, c.mem) for c in enabled()
                if c.accel == "tcg" and c.cpu is None}
        for path in [("bios", "pc"), ("bios", "q35"), ("uefi", "q35"), ("pvh", "microvm")]:
            for mem in ("128M", "6G"):
                with self.subTest(path=path, mem=mem):
                    self.assertIn((*path, mem), runs)

    def test_cpu_models_run(self):
        models = {c.cpu or "max" for c in enabled() if c.accel == "tcg"}
        self.assertLessEqual({"qemu64", "Nehalem", "Westmere", "max", "EPYC"}, models)

    def test_kvm_pvh_cell_runs(self):
        kvm = [c for c in enabled() if c.accel == "kvm"]
        self.assertEqual([(c.firmware, c.machine) for c in kvm], [("pvh", "microvm")])

    def test_first_cell_is_the_default_boot(self):
        # tools/kx/cells_test.py expects the first cell to be `./kx run`'s default boot.
        first = matrix.CELLS[0]
        self.assertEqual((first.name, first.firmware, first.machine, first.mem, first.cpu,
                          first.accel, first.enabled),
                         ("bios-pc-512M", "bios", "pc", "512M", None, "tcg", True))


if __name__ == "__main__":
    unittest.main()
