import pathlib
import re
import shutil
import tempfile
import unittest

import iso


class GrubCfgTest(unittest.TestCase):
    def test_cfg_appends_arguments_to_the_kernel_line(self):
        template = "set timeout=0\nmenuentry \"keel\" {\n    multiboot2 /boot/keel.elf\n    boot\n}\n"
        self.assertEqual(iso.grub_cfg(["ktest", "log=debug"], template), (
            "set timeout=0\n"
            'menuentry "keel" {\n'
            "    multiboot2 /boot/keel.elf ktest log=debug\n"
            "    boot\n"
            "}\n"))

    def test_cfg_boots_the_default_entry_at_once(self):
        template = ("set timeout=5\nmenuentry a {\n    multiboot2 /boot/keel.elf\n}\n"
                    "menuentry b {\n    multiboot2 /boot/keel.elf ktest\n}\n")
        self.assertEqual(iso.grub_cfg(["x"], template), (
            "set timeout=0\nmenuentry a {\n    multiboot2 /boot/keel.elf x\n}\n"
            "menuentry b {\n    multiboot2 /boot/keel.elf ktest\n}\n"))

    def test_shipped_menu_entries(self):
        cfg = iso.GRUB_CFG_TEMPLATE.read_text()
        self.assertIn("set timeout=5\n", cfg)
        self.assertIn("set default=0\n", cfg)
        entries = re.findall(r'menuentry "([^"]+)" (.*?)\{\n\s*multiboot2 /boot/keel.elf(.*)\n', cfg)
        self.assertEqual([(e[1].strip(), e[2].strip()) for e in entries], [
            ("--id=boot", ""),
            ("--id=ktest --hotkey=t", "ktest"),
            ("--id=kbench-quick --hotkey=q", "kbench kbench.repetitions=3 kbench.min_time_ms=2"),
            ("--id=kbench-full --hotkey=f", "kbench"),
        ])
        # A bare box keeps the result on screen: no entry powers off or reboots.
        self.assertNotIn("poweroff", cfg.replace("without poweroff", ""))
        self.assertNotIn(" reboot", cfg)

    def test_cfg_rejects_a_template_without_one_kernel_line(self):
        with self.assertRaises(iso.KxError):
            iso.grub_cfg(["ktest"], "menuentry x {\n}\n")

    def test_shipped_template_keeps_serial_and_video(self):
        cfg = iso.grub_cfg(["ktest"])
        self.assertIn("serial --unit=0 --speed=115200", cfg)
        self.assertIn("insmod all_video", cfg)
        self.assertIn("multiboot2 /boot/keel.elf ktest\n", cfg)

    def test_quoting(self):
        self.assertEqual(iso.grub_quote("mm.memmap/x=1,2"), "mm.memmap/x=1,2")
        self.assertEqual(iso.grub_quote("a b"), "'a b'")
        self.assertEqual(iso.grub_quote("$x"), "'$x'")
        self.assertEqual(iso.grub_quote("it's"), "'it'\\''s'")
        self.assertEqual(iso.grub_quote(""), "''")


@unittest.skipUnless(shutil.which("grub-mkrescue"), "grub-mkrescue not installed")
class BuildTest(unittest.TestCase):
    def test_cached_per_kernel_and_command_line(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        elf = tmp / "keel.elf"
        elf.write_bytes(b"\x7fELF one")
        cache = tmp / "iso"
        first = iso.build(elf, ["ktest"], cache)
        self.assertTrue(first.stat().st_size > 0)
        self.assertEqual(iso.build(elf, ["ktest"], cache), first)
        other_args = iso.build(elf, ["ktest", "x"], cache)
        elf.write_bytes(b"\x7fELF two")
        other_elf = iso.build(elf, ["ktest"], cache)
        self.assertEqual(len({first, other_args, other_elf}), 3)
        self.assertEqual(sorted(p.name for p in cache.iterdir()),
                         sorted(p.name for p in (first, other_args, other_elf)))


if __name__ == "__main__":
    unittest.main()
