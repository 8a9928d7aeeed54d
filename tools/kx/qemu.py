"""QEMU command lines for keel's three boot paths, and the exit-status contract.

bios: `-M pc`, SeaBIOS, GRUB (multiboot2) from an ISO.
uefi: `-M q35`, OVMF, GRUB from the same ISO.
pvh:  `-M microvm`, QEMU loads keel.elf directly through its PVH ELF note.
"""

import contextlib
import dataclasses
import functools
import os
import pathlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence

import iso
from common import KxError

QEMU = "qemu-system-x86_64"
FIRMWARES = ("bios", "uefi", "pvh")
DEFAULT_MACHINE = {"bios": "pc", "uefi": "q35", "pvh": "microvm"}

# Debian 12's ovmf package: the 4 MiB build (the 2 MiB one is gone in later releases).
# CODE and VARS must come from the same build.
OVMF_CODE = pathlib.Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = pathlib.Path("/usr/share/OVMF/OVMF_VARS_4M.fd")

# The kernel writes N to isa-debug-exit (port 0xf4); QEMU then exits with (N << 1) | 1.
TESTS_PASSED, TESTS_FAILED, PANIC = 33, 35, 37
# QEMU itself exits 0 when the guest powers off through ACPI (keel's `poweroff`), or resets
# under -no-reboot (`reboot`).
POWEROFF = 0
EXIT_MEANING = {
    TESTS_PASSED: "tests passed",
    TESTS_FAILED: "tests failed",
    PANIC: "kernel panic",
    POWEROFF: "guest powered off or reset",
}

# Guests at least this big get their RAM from a memory backend with reserve=off: a plain
# `-m 256G` asks the host to commit all of it up front and fails here, while untouched
# guest RAM costs the host nothing.
UNRESERVED_MEM_FROM = 64 << 30


def mem_bytes(mem: str) -> int:
    """QEMU's -m size (`512M`, `6G`, `1T`, bytes) in bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    suffix = mem[-1:].upper()
    try:
        return int(mem[:-1]) * units[suffix] if suffix in units else int(mem)
    except ValueError:
        raise KxError(f"bad memory size '{mem}' (expected e.g. 512M, 6G, 256G)") from None


@dataclasses.dataclass(frozen=True)
class Boot:
    firmware: str
    machine: str | None = None  # None: DEFAULT_MACHINE[firmware]
    accel: str = "tcg"
    mem: str = "512M"
    cpu: str | None = None  # None: `max` under TCG, `host` under KVM
    smp: int = 1
    # Deterministic execution: the guest clock (and so its TSC) advances by one tick per
    # retired instruction and never while idle, so TSC deltas count instructions. TCG only.
    icount: bool = False

    def __post_init__(self) -> None:
        if self.firmware not in FIRMWARES:
            raise KxError(f"unknown firmware '{self.firmware}' (expected {'/'.join(FIRMWARES)})")
        if self.icount and self.accel != "tcg":
            raise KxError("icount (instruction counting) needs TCG: KVM runs the guest natively")

    @property
    def uses_iso(self) -> bool:
        return self.firmware != "pvh"


def image_for(boot: Boot, elf: pathlib.Path, kernel_args: Sequence[str]) -> pathlib.Path:
    """What QEMU boots: an ISO with the command line in its grub.cfg, or the ELF for PVH."""
    return iso.build(elf, kernel_args) if boot.uses_iso else elf


@contextlib.contextmanager
def ovmf_vars(boot: Boot) -> Iterator[pathlib.Path | None]:
    """A fresh writable OVMF variable store for one UEFI boot (None for other firmware)."""
    if boot.firmware != "uefi":
        yield None
        return
    for path in (OVMF_CODE, OVMF_VARS):
        if not path.exists():
            raise KxError(f"{path} not found (Debian package ovmf)")
    with tempfile.TemporaryDirectory(prefix="kx-ovmf-") as tmp:
        copy = pathlib.Path(tmp, OVMF_VARS.name)
        shutil.copyfile(OVMF_VARS, copy)
        yield copy


def describe_exit(status: int) -> str:
    return EXIT_MEANING.get(status, f"unexpected exit (QEMU status {status})")


def command(boot: Boot, *, image: pathlib.Path, kernel_args: Sequence[str], serial: str,
            bench: pathlib.Path, ovmf_vars: pathlib.Path | None = None,
            display: bool = False, gdb: bool = False, exit_device: bool = True,
            qemu: str = QEMU) -> list[str]:
    """The QEMU argv. `image` is the ISO (bios/uefi, command line baked in) or keel.elf (pvh);
    `serial` is COM1's backend (`stdio`, `file:PATH`); `bench` receives COM2. Without the
    exit device keel cannot end QEMU: it halts as on a real box."""
    machine = boot.machine or DEFAULT_MACHINE[boot.firmware]
    cpu = cpu_model(boot)
    if mem_bytes(boot.mem) >= UNRESERVED_MEM_FROM:
        machine_args = [
            "-object", f"memory-backend-ram,id=m0,size={boot.mem},reserve=off",
            "-M", f"{machine},memory-backend=m0",
        ]
    else:
        machine_args = ["-M", machine]
    cmd = [
        qemu,
        *machine_args,
        # More than one vCPU under TCG: one host thread per vCPU, so the guest's CPUs really
        # run at once (racing as on hardware) instead of taking turns on one thread. icount
        # needs the single-threaded TCG (instruction counting is serial).
        "-accel", (f"{boot.accel},thread=multi"
                   if boot.accel == "tcg" and boot.smp > 1 and not boot.icount else boot.accel),
        "-cpu", cpu,
        "-m", boot.mem,
        "-smp", str(boot.smp),
        "-no-reboot",
        # No NIC: keel has no driver, and firmware would otherwise try PXE before the CD.
        "-nic", "none",
        *(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] if exit_device else []),
        "-serial", serial,
        # COM2 as an explicit device: microvm only creates one ISA serial port on its own.
        "-chardev", f"file,id=bench,path={_escape(bench)}",
        "-device", "isa-serial,chardev=bench,index=1",
    ]
    if boot.icount:
        # shift=0: 2^0 ns of virtual time per instruction; sleep=off: an idle guest's clock
        # jumps to the next timer instead of following the host's.
        cmd += ["-icount", "shift=0,sleep=off"]
    if not display:
        cmd += ["-display", "none"]
    if gdb:
        cmd += ["-s", "-S"]
    if boot.firmware == "uefi":
        if ovmf_vars is None:
            raise ValueError("uefi boots need a writable copy of OVMF_VARS")
        cmd += [
            "-drive", f"if=pflash,format=raw,readonly=on,file={_escape(OVMF_CODE)}",
            "-drive", f"if=pflash,format=raw,file={_escape(ovmf_vars)}",
        ]
    if boot.uses_iso:
        cmd += ["-cdrom", str(image)]
    else:
        cmd += ["-kernel", str(image)]
        if kernel_args:
            cmd += ["-append", " ".join(kernel_args)]
    return cmd


def cpu_model(boot: Boot) -> str:
    return boot.cpu or ("host" if boot.accel == "kvm" else "max")


def _escape(path: pathlib.Path) -> str:
    """QEMU option values escape a comma by doubling it."""
    return str(path).replace(",", ",,")


@functools.cache
def kvm_problem(cpu: str = "host", qemu_binary: str = QEMU) -> str | None:
    """Why a KVM guest with `-cpu cpu` cannot run here, or None when it can.

    /dev/kvm opening read-write is not enough: nested or older KVMs can refuse the CPU model's
    MSRs (e.g. "failed to set MSR 0x10a", IA32_ARCH_CAPABILITIES), and QEMU then aborts at
    its first vCPU reset. So QEMU itself is started once, stopped (-S) before any guest code
    runs, and told to quit: that vCPU reset is where such a refusal shows (~50 ms)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm is not usable ({e.strerror})"
    os.close(fd)
    probe = [qemu_binary, "-M", "microvm", "-accel", "kvm", "-cpu", cpu, "-m", "64M",
             "-nodefaults", "-display", "none", "-S", "-monitor", "stdio"]
    try:
        result = subprocess.run(probe, input="quit\n", capture_output=True, text=True,
                                timeout=30, check=False)
    except FileNotFoundError:
        return f"{qemu_binary} not found"
    except subprocess.TimeoutExpired:
        return f"QEMU did not start a stopped KVM guest within 30 s ({' '.join(probe)})"
    if result.returncode != 0:
        said = next((line for line in result.stderr.splitlines() if line.strip()),
                    f"exit status {result.returncode}")
        return f"QEMU cannot start a KVM guest with -cpu {cpu}: {said.strip()}"
    return None
