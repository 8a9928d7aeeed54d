"""Checks the ISO's GRUB menu (boot/grub.cfg) the way a user at a bare box drives it: boot
the ISO with the menu as shipped, wait for the menu on the serial terminal, press an
entry's hotkey there, and watch keel start with that entry's command line and begin the
tests or benchmarks. QEMU is stopped as soon as that is seen: the boot matrix and the
benchmark smoke run cover what the runs themselves do."""

import dataclasses
import pathlib
import queue
import re
import subprocess
import tempfile
import threading
import time

import iso
import qemu


@dataclasses.dataclass(frozen=True)
class MenuCheck:
    name: str
    firmware: str
    hotkey: str
    cmdline: str    # what keel's banner must show
    started: str    # a regex on the first output of the run the entry starts


CHECKS = (
    MenuCheck("grub-menu-bios-ktest", "bios", "t", "ktest", r"^KTAP version 1"),
    MenuCheck("grub-menu-uefi-kbench-quick", "uefi", "q",
              "kbench kbench.repetitions=3 kbench.min_time_ms=2", r"^kbench: \[1/\d+\] "),
)
MENU_SHOWN = "keel: run the tests"  # an entry's title, printed once GRUB draws the menu
TIMEOUT = 180.0  # seconds, OVMF under TCG on a loaded machine included


@dataclasses.dataclass
class MenuResult:
    check: MenuCheck
    ok: bool
    why: str
    seconds: float
    log: pathlib.Path


def run(check: MenuCheck, elf: pathlib.Path, log_dir: pathlib.Path,
        timeout: float = TIMEOUT) -> MenuResult:
    start = time.monotonic()
    image = iso.build(elf, [], menu=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{check.name}.log"
    boot = qemu.Boot(check.firmware)
    with qemu.ovmf_vars(boot) as vars_copy, tempfile.TemporaryDirectory() as tmp:
        cmd = qemu.command(boot, image=image, kernel_args=[], serial="stdio",
                           bench=pathlib.Path(tmp, "com2.txt"), ovmf_vars=vars_copy)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        with qemu._live_lock:
            qemu._live.add(proc)
        try:
            ok, why = _drive(proc, check, log, deadline=start + timeout)
        finally:
            qemu.stop(proc)
    return MenuResult(check, ok, why, time.monotonic() - start, log)


def _drive(proc: subprocess.Popen, check: MenuCheck, log: pathlib.Path,
           deadline: float) -> tuple[bool, str]:
    chunks: queue.Queue[bytes | None] = queue.Queue()

    def reader() -> None:
        while data := proc.stdout.read1(4096):
            chunks.put(data)
        chunks.put(None)

    threading.Thread(target=reader, daemon=True).start()
    text = ""
    pressed_at = None  # offset in `text` where the key was pressed
    banner = f'cmdline:  "{check.cmdline}"'
    started = re.compile(check.started, re.MULTILINE)
    with log.open("w") as out:
        while (left := deadline - time.monotonic()) > 0:
            try:
                data = chunks.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if data is None:
                return False, f"QEMU exited (status {proc.wait()}) before the entry's run started"
            piece = data.decode(errors="replace").replace("\r", "")
            out.write(piece)
            out.flush()
            text += piece
            if pressed_at is None and MENU_SHOWN in text:
                proc.stdin.write(check.hotkey.encode())
                proc.stdin.flush()
                pressed_at = len(text)
            if pressed_at is not None:
                after = text[pressed_at:]
                shown = re.search(r'cmdline:  "(.*)"\n', after)
                if shown and shown[1] != check.cmdline:
                    return False, (f"hotkey '{check.hotkey}' pressed, but keel booted with "
                                   f'cmdline "{shown[1]}", not "{check.cmdline}"')
                if banner in after and started.search(after[after.index(banner):]):
                    return True, "ok"
    if pressed_at is None:
        return False, f"no GRUB menu ('{MENU_SHOWN}') on the serial terminal"
    if banner not in text[pressed_at:]:
        return False, f"hotkey '{check.hotkey}' pressed, but keel did not show {banner}"
    return False, f"keel started with {banner} but no line matched /{check.started}/"
