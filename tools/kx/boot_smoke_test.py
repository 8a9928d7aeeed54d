"""Boots a tiny fake kernel (testdata/fake_kernel.S) through kx's real QEMU, GRUB and OVMF
plumbing on every firmware: checks the machines, the exit-status device and both serial
ports, independently of keel's own kernel."""

import dataclasses
import pathlib
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock

import cells
import iso

TESTDATA = pathlib.Path(__file__).parent / "testdata"
TOOLS = ("clang-19", "ld.lld-19", "qemu-system-x86_64", "grub-mkrescue")


@unittest.skipUnless(all(shutil.which(t) for t in TOOLS), f"needs {', '.join(TOOLS)}")
class BootSmokeTest(unittest.TestCase):
    def test_every_firmware_boots_and_reports(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        obj, elf = tmp / "fake.o", tmp / "fake.elf"
        subprocess.run(["clang-19", "--target=i686-unknown-none-elf", "-c",
                        str(TESTDATA / "fake_kernel.S"), "-o", str(obj)], check=True)
        subprocess.run(["ld.lld-19", "-m", "elf_i386", "-T", str(TESTDATA / "fake_kernel.ld"),
                        str(obj), "-o", str(elf)], check=True)
        # One cell per boot plumbing (firmware, machine, accelerator): memory sizes and CPU
        # models exercise keel, not kx.
        matrix, seen = [], set()
        for cell in cells.load_matrix():
            key = (cell.boot.firmware, cell.boot.machine, cell.boot.accel)
            if cell.enabled and key not in seen:
                seen.add(key)
                matrix.append(cell)
        # Cached ISOs go to the temporary directory, not out/iso.
        with mock.patch.object(iso, "CACHE", tmp / "iso"):
            results = cells.run_cells([dataclasses.replace(c, timeout=120) for c in matrix],
                                      elf, logs=tmp / "logs")
        for result in results:
            if result.skip_reason:  # e.g. the KVM cell where /dev/kvm is not usable
                continue
            with self.subTest(result.cell.name):
                self.assertEqual(result.problems, [], result.log.read_text(errors="replace"))
                self.assertEqual([p for p, _ in result.report.leaves()], ["fake/boots"])
                self.assertEqual(result.passed, 1)
                bench = tmp / "logs" / f"{result.cell.name}.bench.json"
                # OVMF mirrors its console to every UART, so COM2 has firmware output first.
                self.assertTrue(bench.read_text(errors="replace").endswith('{"fake": 1}\n'))


if __name__ == "__main__":
    unittest.main()
