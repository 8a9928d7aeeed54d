"""Bootable ISOs for one kernel command line: GRUB reads the command line from grub.cfg
inside the ISO, so each (keel.elf, arguments) pair gets its own, cached under out/iso/."""

import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

from common import OUT, KxError

CACHE = OUT / "iso"
_KEEP = 16  # newest ISOs kept in the cache; each is ~20 MB
_PLAIN = re.compile(r"[A-Za-z0-9_.,:/=+@%-]+")


def grub_quote(arg: str) -> str:
    """Quotes one argument for GRUB's shell-like grub.cfg syntax."""
    if _PLAIN.fullmatch(arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


# The ISO's boot menu is boot/grub.cfg (the one //:keel_iso ships). kx's ISOs boot its
# first entry at once (timeout 0) with the kernel arguments appended to that entry's bare
# kernel line: one menu to maintain, not two. build(menu=True) keeps the menu as shipped.
GRUB_CFG_TEMPLATE = pathlib.Path(__file__).resolve().parents[2] / "boot" / "grub.cfg"
_KERNEL_LINE = "multiboot2 /boot/keel.elf"
_TIMEOUT = re.compile(r"^set timeout=\d+$", re.MULTILINE)


def grub_cfg(kernel_args: Sequence[str], template: str | None = None) -> str:
    if template is None:
        template = GRUB_CFG_TEMPLATE.read_text()
    lines = template.splitlines(keepends=True)
    bare = [i for i, line in enumerate(lines) if line.strip() == _KERNEL_LINE]
    if len(bare) != 1:
        raise KxError(f"{GRUB_CFG_TEMPLATE}: expected exactly one bare '{_KERNEL_LINE}' line "
                      f"(the default entry's)")
    if len(_TIMEOUT.findall(template)) > 1:
        raise KxError(f"{GRUB_CFG_TEMPLATE}: more than one 'set timeout=' line")
    args = "".join(" " + grub_quote(a) for a in kernel_args)
    lines[bare[0]] = lines[bare[0]].replace(_KERNEL_LINE, _KERNEL_LINE + args, 1)
    return _TIMEOUT.sub("set timeout=0", "".join(lines))


def build(elf: pathlib.Path, kernel_args: Sequence[str],
          cache: pathlib.Path | None = None, menu: bool = False) -> pathlib.Path:
    """Returns a cached ISO booting `elf` with `kernel_args`, building it if needed. With
    `menu`, the ISO has boot/grub.cfg as shipped (menu, timeout; `kernel_args` empty)."""
    if menu and kernel_args:
        raise ValueError("a menu ISO takes its command lines from boot/grub.cfg")
    cache = cache or CACHE
    cfg = GRUB_CFG_TEMPLATE.read_text() if menu else grub_cfg(kernel_args)
    digest = hashlib.sha256(elf.read_bytes() + b"\0" + cfg.encode()).hexdigest()[:20]
    iso = cache / f"keel-{digest}.iso"
    if iso.exists():
        iso.touch()  # keeps it among the newest for pruning
        return iso
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tree = pathlib.Path(tmp, "tree")
        (tree / "boot" / "grub").mkdir(parents=True)
        shutil.copyfile(elf, tree / "boot" / "keel.elf")
        (tree / "boot" / "grub" / "grub.cfg").write_text(cfg)
        staged = pathlib.Path(tmp, "keel.iso")
        # grub-mkrescue reports progress on stderr even when it succeeds: show it on failure only.
        result = subprocess.run(["grub-mkrescue", "-o", str(staged), str(tree)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KxError(f"grub-mkrescue failed (exit {result.returncode}):\n"
                          f"{result.stdout}{result.stderr}")
        os.replace(staged, iso)
    _prune(cache)
    return iso


def _prune(cache: pathlib.Path) -> None:
    isos = sorted(cache.glob("keel-*.iso"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in isos[_KEEP:]:
        old.unlink(missing_ok=True)
