import dataclasses
import pathlib
import tempfile
import time
import unittest
from unittest import mock

import cells
import ktap
import qemu
import qemu_session

FAKE_QEMU = str(pathlib.Path(__file__).parent / "testdata" / "fake_qemu.py")


# The matrix's PVH cell, so the tests use the real Cell type.
PVH = next(c for c in cells.load_matrix()
           if c.boot.firmware == "pvh" and c.boot.accel == "tcg")


def scenario(name: str, **kw):
    kw = {"timeout": 20, **kw}
    return dataclasses.replace(PVH, name=f"pvh-{name}", kernel_args=(f"fake={name}",), **kw)


class RunCellsTest(unittest.TestCase):
    def setUp(self):
        self.logs = pathlib.Path(tempfile.mkdtemp())
        self.elf = self.logs / "keel.elf"
        self.elf.write_bytes(b"\x7fELF")

    def run_cells(self, *cell_list, **kw):
        return cells.run_cells(cell_list, self.elf, logs=self.logs, jobs=2,
                               qemu_binary=FAKE_QEMU, **kw)

    def test_expected_halt_passes_as_soon_as_the_message_appears(self):
        start = time.monotonic()
        [r] = self.run_cells(scenario("halt", timeout=60, expect_halt="lacks the NX bit"))
        self.assertEqual(r.problems, [])
        self.assertEqual((r.passed, r.failed), (1, 0))
        self.assertLess(time.monotonic() - start, 30)  # stopped on the message, not the timeout
        self.assertEqual(qemu_session._running, set())

    def test_expected_halt_fails_when_the_kernel_boots_instead(self):
        [r] = self.run_cells(scenario("pass", expect_halt="lacks the NX bit"))
        self.assertEqual(r.problems, ["expected keel to halt with 'lacks the NX bit'; it did not"])
        self.assertEqual((r.passed, r.failed), (0, 1))

    def test_passing_cell(self):
        [r] = self.run_cells(scenario("pass"))
        self.assertEqual(r.problems, [])
        self.assertEqual((r.passed, r.failed, r.skipped), (3, 0, 1))
        self.assertEqual(r.log, self.logs / "pvh-pass.log")
        self.assertEqual(cells.describe_failures(r), [])

    def test_failing_case_is_named_with_its_cell(self):
        [r] = self.run_cells(scenario("fail"))
        self.assertEqual(r.problems, [])
        self.assertEqual((r.passed, r.failed), (2, 1))
        lines = cells.describe_failures(r)
        self.assertEqual(lines[0], "FAIL pvh-fail: mm.memmap/rejects_wrapping  [not ok]")
        self.assertIn("# rejects_wrapping: EXPECT_EQ failed at mm/memmap.cc:42", lines[1])
        self.assertTrue(lines[-1].endswith("pvh-fail.log"))

    def test_panic_mid_suite(self):
        [r] = self.run_cells(scenario("crash"))
        self.assertEqual([p for p, _ in r.report.failures()],
                         ["mm.memmap/<missing #2>", "<missing #2>"])
        self.assertIn("kernel panic (exit status 37)", r.problems)
        self.assertEqual(r.failed, 3)  # two missing results and the panic

    def test_timeout(self):
        [r] = self.run_cells(scenario("hang", timeout=1))
        self.assertIn("timed out after 1 s", r.problems)
        self.assertGreaterEqual(r.failed, 1)

    def test_exit_status_must_agree_with_the_log(self):
        [r] = self.run_cells(scenario("lie"))
        self.assertIn("kernel exited with 'tests passed' (33) but the KTAP log has failures",
                      r.problems)

    def test_no_output(self):
        [r] = self.run_cells(scenario("silent"))
        self.assertEqual(r.problems, ["no KTAP output in the log (did the kernel run its tests?)",
                                      "guest powered off or reset (QEMU status 0) instead of "
                                      "reporting test results"])
        self.assertEqual((r.passed, r.failed), (0, 1))

    def test_cells_run_in_parallel_and_keep_matrix_order(self):
        names = ["pass", "fail", "crash", "silent"]
        seen = []
        results = self.run_cells(*(scenario(n) for n in names),
                                 on_result=lambda r: seen.append(r.cell.name))
        self.assertEqual([r.cell.name for r in results], [f"pvh-{n}" for n in names])
        self.assertEqual(sorted(seen), sorted(f"pvh-{n}" for n in names))

    def test_kvm_cell_skips_visibly_without_kvm(self):
        kvm = dataclasses.replace(PVH.boot, accel="kvm")
        with mock.patch.object(qemu, "kvm_problem", return_value="/dev/kvm is not usable (x)"):
            [r] = self.run_cells(scenario("pass", boot=kvm))
        self.assertEqual(r.skip_reason, "/dev/kvm is not usable (x)")
        self.assertEqual((r.passed, r.failed, r.skipped), (0, 0, 1))


class VerdictTest(unittest.TestCase):
    PASSING = ktap.parse("KTAP version 1\n1..1\nok 1 a\n")
    FAILING = ktap.parse("KTAP version 1\n1..1\nnot ok 1 a\n")

    def test_statuses(self):
        self.assertEqual(cells.verdict(33, self.PASSING, 120), [])
        self.assertEqual(cells.verdict(35, self.FAILING, 120), [])
        self.assertEqual(cells.verdict(35, self.PASSING, 120),
                         ["kernel exited with 'tests failed' (35) but no KTAP result failed"])
        self.assertEqual(cells.verdict(0, self.PASSING, 120),
                         ["guest powered off or reset (QEMU status 0) instead of reporting test results"])
        self.assertEqual(cells.verdict(1, self.PASSING, 120), ["unexpected exit (QEMU status 1)"])
        self.assertEqual(cells.verdict(None, self.PASSING, 300), ["timed out after 300 s"])


class MatrixTest(unittest.TestCase):
    def test_loads_the_matrix(self):
        matrix = cells.load_matrix()
        self.assertIn("bios-pc-512M", [c.name for c in matrix])
        self.assertEqual(matrix[0].boot, qemu.Boot("bios", "pc"))

    # What a few cells start, spelled out: one per firmware, the big guest's memory backend
    # and its kernel arguments, KVM, and multi-threaded TCG.
    PINNED = {
        "bios-pc-512M":
            "-M pc -accel tcg -cpu max -m 512M -smp 1 {common} -cdrom /o/keel.iso",
        "uefi-q35-6G":
            "-M q35 -accel tcg -cpu max -m 6G -smp 1 {common} "
            "-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd "
            "-drive if=pflash,format=raw,file=/o/vars -cdrom /o/keel.iso",
        "pvh-microvm-256G":
            "-object memory-backend-ram,id=m0,size=256G,reserve=off -M microvm,memory-backend=m0 "
            "-accel tcg -cpu max -m 256G -smp 1 {common} -kernel /o/keel.elf "
            "-append ktest ktest.filter=mm.meta*:mm.frame.FrameSharedTest.*:"
            "mm.allocator.AllocatorSharedTest.*",
        "kvm-pvh-microvm-512M":
            "-M microvm -accel kvm -cpu host -m 512M -smp 1 {common} -kernel /o/keel.elf "
            "-append ktest",
        "pvh-microvm-1G-smp4-lockorder":
            "-M microvm -accel tcg,thread=multi -cpu max -m 1G -smp 4 {common} "
            "-kernel /o/keel.elf -append ktest",
    }
    COMMON = ("-no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 "
              "-serial file:/o/cell.log -chardev file,id=bench,path=/o/cell.bench.json "
              "-device isa-serial,chardev=bench,index=1 -display none")

    def test_pinned_command_lines(self):
        matrix = {c.name: c for c in cells.load_matrix()}
        for name, expected in self.PINNED.items():
            cell = matrix[name]
            with self.subTest(name):
                cmd = qemu.command(
                    cell.boot, image=pathlib.Path("/o/keel.iso" if cell.boot.uses_iso
                                                  else "/o/keel.elf"),
                    kernel_args=cells.kernel_args(cell), serial="file:/o/cell.log",
                    bench=pathlib.Path("/o/cell.bench.json"),
                    ovmf_vars=pathlib.Path("/o/vars") if cell.boot.firmware == "uefi" else None)
                self.assertEqual(" ".join(cmd[1:]), expected.format(common=self.COMMON))


if __name__ == "__main__":
    unittest.main()
