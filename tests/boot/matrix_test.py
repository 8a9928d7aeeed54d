import pathlib
import sys
import unittest

# The cells are qemu.Boot values (tools/kx/qemu.py).
sys.path.insert(0, str(pathlib.Path(__file__).absolute().parents[2] / "tools" / "kx"))

import matrix  # noqa: E402

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
            boot = cell.boot
            with self.subTest(cell.name):
                self.assertIn(boot.firmware, FIRMWARES)
                self.assertIn(boot.machine, MACHINES)  # named: the matrix is about machines
                self.assertIn(boot.accel, {"tcg", "kvm"})
                self.assertRegex(boot.mem, r"^\d+[MG]$")
                self.assertFalse(boot.icount)
                self.assertNotIn(" ", cell.name)  # names become log file names
                self.assertGreater(cell.timeout, 0)
                # OVMF needs Q35 (pflash); PVH boots through microvm's -kernel loader.
                if boot.firmware == "uefi":
                    self.assertEqual(boot.machine, "q35")
                if boot.firmware == "pvh":
                    self.assertEqual(boot.machine, "microvm")

    def test_names_say_firmware_machine_cpu_and_memory(self):
        # A failure line is prefixed with the cell name only: it must tell the cells apart.
        for cell in matrix.CELLS:
            with self.subTest(cell.name):
                expected = matrix.cell_name(cell.boot, cell.lock_order_checks)
                if cell.name != expected:
                    # A cell that differs only by its kernel arguments says what they test.
                    self.assertTrue(cell.kernel_args and cell.name.startswith(expected + "-"))

    def test_cell_name_rule(self):
        Boot = matrix.Boot
        self.assertEqual(matrix.cell_name(Boot("bios", "q35", mem="6G")), "bios-q35-6G")
        self.assertEqual(matrix.cell_name(Boot("bios", mem="6G")), "bios-pc-6G")
        self.assertEqual(matrix.cell_name(Boot("pvh", "microvm", smp=3)), "pvh-microvm-512M-smp3")
        self.assertEqual(matrix.cell_name(Boot("pvh", "microvm", cpu="Nehalem")),
                         "pvh-microvm-Nehalem-512M")
        self.assertEqual(matrix.cell_name(Boot("pvh", "microvm", accel="kvm")),
                         "kvm-pvh-microvm-512M")
        self.assertEqual(matrix.cell_name(Boot("pvh", "microvm", mem="1G", smp=4),
                                          lock_order_checks=True),
                         "pvh-microvm-1G-smp4-lockorder")

    def test_every_boot_path_runs_at_both_memory_ends(self):
        runs = {(c.boot.firmware, c.boot.machine, c.boot.mem) for c in enabled()
                if c.boot.accel == "tcg" and c.boot.cpu is None}
        for path in [("bios", "pc"), ("bios", "q35"), ("uefi", "q35"), ("pvh", "microvm")]:
            for mem in ("128M", "6G"):
                with self.subTest(path=path, mem=mem):
                    self.assertIn((*path, mem), runs)

    def test_cpu_models_run(self):
        models = {c.boot.cpu or "max" for c in enabled() if c.boot.accel == "tcg"}
        self.assertLessEqual({"qemu64", "Nehalem", "Westmere", "max", "EPYC"}, models)

    def test_kvm_pvh_cell_runs(self):
        kvm = [c for c in enabled() if c.boot.accel == "kvm"]
        self.assertEqual([(c.boot.firmware, c.boot.machine) for c in kvm], [("pvh", "microvm")])

    def test_first_cell_is_the_default_boot(self):
        # tools/kx/cells_test.py expects the first cell to be `./kx run`'s default boot.
        first = matrix.CELLS[0]
        self.assertEqual((first.name, first.boot, first.enabled),
                         ("bios-pc-512M", matrix.Boot("bios", "pc"), True))


if __name__ == "__main__":
    unittest.main()
