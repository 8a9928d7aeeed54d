"""Checks the ISO's GRUB menu (boot/grub.cfg) the way a user at a bare box drives it: boot
the ISO with the menu as shipped, wait for the menu on the serial terminal, press an
entry's hotkey there, and watch keel start with that entry's command line and begin the
tests or benchmarks. QEMU is stopped as soon as that is seen: the boot matrix and the
benchmark smoke run cover what the runs themselves do."""

import dataclasses
import pathlib
import re
import tempfile
import time

import iso
import qemu
import qemu_session


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
    # The menu is on the serial terminal: COM1 takes the hotkey and goes to the log.
    with tempfile.TemporaryDirectory() as tmp, qemu_session.boot(
            boot, image=image, kernel_args=[], serial=log, bench=pathlib.Path(tmp, "com2.txt"),
            output=log_dir / f"{check.name}.qemu.txt", keyboard=True) as session:
        ok, why = _drive(session, check, deadline=start + timeout)
    return MenuResult(check, ok, why, time.monotonic() - start, log)


def _drive(session: qemu_session.Session, check: MenuCheck, deadline: float) -> tuple[bool, str]:
    def left() -> float:
        return deadline - time.monotonic()

    def ended() -> str:
        return f" ({session.describe_end()})" if session.exited else ""

    if session.wait_for(MENU_SHOWN, timeout=left()) is None:
        return False, f"no GRUB menu ('{MENU_SHOWN}') on the serial terminal{ended()}"
    session.type(check.hotkey)
    banner = session.wait_for(re.compile(r'cmdline:  "(.*)"'), timeout=left())
    if banner is None:
        return False, (f"hotkey '{check.hotkey}' pressed, but keel did not show "
                       f'cmdline:  "{check.cmdline}"{ended()}')
    if (shown := re.search(r'cmdline:  "(.*)"', banner)[1]) != check.cmdline:
        return False, (f"hotkey '{check.hotkey}' pressed, but keel booted with "
                       f'cmdline "{shown}", not "{check.cmdline}"')
    if session.wait_for(re.compile(check.started), timeout=left()) is None:
        return False, (f'keel started with cmdline:  "{check.cmdline}" but no line matched '
                       f"/{check.started}/{ended()}")
    return True, "ok"
