import os
import pathlib
import stat
import tempfile
import unittest
from unittest import mock

import qemu
from common import KxError

ISO = pathlib.Path("/o/keel.iso")
ELF = pathlib.Path("/o/keel.elf")
BENCH = pathlib.Path("/o/logs/bench.json")
VARS = pathlib.Path("/tmp/x/OVMF_VARS_4M.fd")


def command(boot, **kw):
    image = ISO if boot.uses_iso else ELF
    args = dict(image=image, kernel_args=["ktest", "log=debug"], serial="file:/o/com1.log",
                bench=BENCH, ovmf_vars=VARS if boot.firmware == "uefi" else None)
    args.update(kw)
    return qemu.command(boot, **args)


def option(cmd, flag):
    """Every value given to `flag`."""
    return [cmd[i + 1] for i, a in enumerate(cmd) if a == flag]


class CommandTest(unittest.TestCase):
    def test_common_flags(self):
        for firmware in qemu.FIRMWARES:
            cmd = command(qemu.Boot(firmware))
            self.assertEqual(cmd[0], "qemu-system-x86_64")
            self.assertIn("-no-reboot", cmd)
            self.assertEqual(option(cmd, "-accel"), ["tcg"])
            self.assertEqual(option(cmd, "-cpu"), ["max"])
            self.assertEqual(option(cmd, "-m"), ["512M"])
            self.assertEqual(option(cmd, "-display"), ["none"])
            self.assertEqual(option(cmd, "-serial"), ["file:/o/com1.log"])
            self.assertEqual(option(cmd, "-device"), [
                "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "isa-serial,chardev=bench,index=1"])
            self.assertEqual(option(cmd, "-chardev"), ["file,id=bench,path=/o/logs/bench.json"])

    def test_bios_boots_the_iso_on_pc(self):
        cmd = command(qemu.Boot("bios"))
        self.assertEqual(option(cmd, "-M"), ["pc"])
        self.assertEqual(option(cmd, "-cdrom"), [str(ISO)])
        self.assertEqual(option(cmd, "-drive"), [])
        self.assertNotIn("-kernel", cmd)
        self.assertNotIn("-append", cmd)  # the command line is in the ISO's grub.cfg

    def test_uefi_uses_q35_and_both_pflash_drives(self):
        cmd = command(qemu.Boot("uefi"))
        self.assertEqual(option(cmd, "-M"), ["q35"])
        self.assertEqual(option(cmd, "-drive"), [
            "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
            f"if=pflash,format=raw,file={VARS}"])
        self.assertEqual(option(cmd, "-cdrom"), [str(ISO)])

    def test_uefi_needs_a_vars_copy(self):
        with self.assertRaises(ValueError):
            command(qemu.Boot("uefi"), ovmf_vars=None)

    def test_pvh_loads_the_elf_on_microvm(self):
        cmd = command(qemu.Boot("pvh"))
        self.assertEqual(option(cmd, "-M"), ["microvm"])
        self.assertEqual(option(cmd, "-kernel"), [str(ELF)])
        self.assertEqual(option(cmd, "-append"), ["ktest log=debug"])
        self.assertNotIn("-cdrom", cmd)

    def test_pvh_without_arguments_has_no_append(self):
        self.assertNotIn("-append", command(qemu.Boot("pvh"), kernel_args=[]))

    def test_overrides(self):
        cmd = command(qemu.Boot("bios", machine="q35", mem="6G", cpu="Nehalem", smp=2))
        self.assertEqual(option(cmd, "-M"), ["q35"])
        self.assertEqual(option(cmd, "-m"), ["6G"])
        self.assertEqual(option(cmd, "-cpu"), ["Nehalem"])
        self.assertEqual(option(cmd, "-smp"), ["2"])
        self.assertEqual(option(cmd, "-accel"), ["tcg,thread=multi"])

    def test_big_guests_take_ram_from_an_unreserved_backend(self):
        cmd = command(qemu.Boot("pvh", mem="256G"))
        self.assertEqual(option(cmd, "-object"), ["memory-backend-ram,id=m0,size=256G,reserve=off"])
        self.assertEqual(option(cmd, "-M"), ["microvm,memory-backend=m0"])
        self.assertEqual(option(cmd, "-m"), ["256G"])
        self.assertEqual(option(command(qemu.Boot("pvh", mem="8G")), "-object"), [])

    def test_bad_memory_size_is_named(self):
        with self.assertRaisesRegex(KxError, "bad memory size '12Q'"):
            command(qemu.Boot("pvh", mem="12Q"))

    def test_kvm_defaults_to_the_host_cpu(self):
        cmd = command(qemu.Boot("pvh", accel="kvm"))
        self.assertEqual(option(cmd, "-accel"), ["kvm"])
        self.assertEqual(option(cmd, "-cpu"), ["host"])

    def test_display_and_gdb(self):
        cmd = command(qemu.Boot("bios"), display=True, gdb=True, serial="stdio")
        self.assertNotIn("-display", cmd)
        self.assertEqual(cmd[-4:-2], ["-s", "-S"])
        self.assertEqual(option(cmd, "-serial"), ["stdio"])

    def test_without_the_exit_device_only_that_device_goes(self):
        cmd = command(qemu.Boot("uefi"))
        device = cmd.index("isa-debug-exit,iobase=0xf4,iosize=0x04")
        self.assertEqual(command(qemu.Boot("uefi"), exit_device=False),
                         cmd[:device - 1] + cmd[device + 1:])

    def test_commas_in_paths_are_escaped(self):
        cmd = command(qemu.Boot("uefi"), bench=pathlib.Path("/a,b/bench"),
                      ovmf_vars=pathlib.Path("/c,d/vars"))
        self.assertEqual(option(cmd, "-chardev"), ["file,id=bench,path=/a,,b/bench"])
        self.assertEqual(option(cmd, "-drive")[1], "if=pflash,format=raw,file=/c,,d/vars")

    def test_unknown_firmware(self):
        with self.assertRaises(KxError):
            qemu.Boot("coreboot")


class ExitTest(unittest.TestCase):
    def test_exit_meaning(self):
        self.assertEqual(qemu.describe_exit(33), "tests passed")
        self.assertEqual(qemu.describe_exit(37), "kernel panic")
        self.assertEqual(qemu.describe_exit(0), "guest powered off or reset")
        self.assertEqual(qemu.describe_exit(1), "unexpected exit (QEMU status 1)")


class KvmProblemTest(unittest.TestCase):
    """The probe behind skipping KVM cells, with /dev/kvm faked open and QEMU played by a
    script: it must name QEMU's own complaint, and pass only a QEMU that quits cleanly."""

    def setUp(self):
        qemu.kvm_problem.cache_clear()
        self.addCleanup(qemu.kvm_problem.cache_clear)
        self.dir = pathlib.Path(tempfile.mkdtemp())

    def fake_qemu(self, body: str) -> str:
        path = self.dir / "qemu"
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return str(path)

    def probe(self, body: str, cpu: str = "host"):
        devnull = os.open(os.devnull, os.O_RDONLY)
        with mock.patch.object(qemu.os, "open", return_value=devnull):
            return qemu.kvm_problem(cpu, qemu_binary=self.fake_qemu(body))

    def test_missing_dev_kvm_is_named(self):
        with mock.patch.object(qemu.os, "open", side_effect=FileNotFoundError(2, "No such file")):
            self.assertEqual(qemu.kvm_problem(qemu_binary="/nonexistent"),
                             "/dev/kvm is not usable (No such file)")

    def test_refused_msr_is_named_with_the_cpu_model(self):
        problem = self.probe('echo "qemu: error: failed to set MSR 0x10a to 0x69" >&2; exit 134')
        self.assertEqual(problem, "QEMU cannot start a KVM guest with -cpu host: "
                                  "qemu: error: failed to set MSR 0x10a to 0x69")

    def test_a_qemu_that_quits_when_told_passes(self):
        # The probe stops the guest before it runs (-S) and quits through the monitor.
        body = 'case "$*" in *"-accel kvm -cpu max "*"-S -monitor stdio"*) read cmd; ' \
               '[ "$cmd" = quit ] && exit 0;; esac; exit 1'
        self.assertIsNone(self.probe(body, cpu="max"))

    def test_silent_failure_gives_the_status(self):
        self.assertEqual(self.probe("exit 3"),
                         "QEMU cannot start a KVM guest with -cpu host: exit status 3")


if __name__ == "__main__":
    unittest.main()
