"""keel's boot matrix: the QEMU configurations `./kx test` boots with `ktest`.

Each enabled cell boots the kernel once and runs the whole in-kernel suite; its results
are reported as `<cell name>: <suite>/<case>`.
"""

import dataclasses

# tools/kx/qemu.py: cells.py loads this file from kx, where it is importable.
from qemu import DEFAULT_MACHINE, Boot


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str
    # What QEMU boots: firmware, machine, memory, CPU model, accelerator, CPUs. KVM cells
    # are skipped (visibly, with the reason) where QEMU cannot start a KVM guest with their
    # CPU model (qemu.kvm_problem).
    boot: Boot
    kernel_args: tuple[str, ...] = ()  # appended after `ktest`
    timeout: int = 120  # seconds for the whole boot + suite
    enabled: bool = True
    # A cell that must NOT boot: it passes when this message appears on COM1 (keel halts
    # with a clear message on a CPU it cannot run on) instead of judging a KTAP log.
    expect_halt: str | None = None
    # Boot the kernel built with mm's lock-order checker (mm/lock_order/lock_order.h) instead
    # of the release one.
    lock_order_checks: bool = False


def cell_name(boot: Boot, lock_order_checks: bool = False) -> str:
    """[kvm-]<firmware>-<machine>[-<cpu>]-<mem>[-smpN][-lockorder]: every failure line
    starts with the cell's name, so the name carries everything that tells cells apart.
    The CPU is left out only for the accelerator's default (`max` under TCG, `host` under
    KVM). A cell that differs from another only by its kernel arguments adds a suffix
    saying what they test. matrix_test.py checks every cell against this rule."""
    parts = ["kvm"] if boot.accel == "kvm" else []
    parts += [boot.firmware, boot.machine or DEFAULT_MACHINE[boot.firmware]]
    parts += ([boot.cpu] if boot.cpu else []) + [boot.mem]
    if boot.smp > 1:
        parts.append(f"smp{boot.smp}")
    if lock_order_checks:
        parts.append("lockorder")
    return "-".join(parts)


# Which cells run, and why: one cell per feature path, not every combination. Times are
# per-cell wall times from three runs on 2 cores (2 QEMUs at a time, other work on
# the machine), with the 83-ktest suite; the boot phase took 53-105 s
# depending on the machine's load (the whole `./kx test` 62-112 s).
#
# Firmware x machine x memory: every boot path at both ends of the memory range.
#   128M: the tight end (early allocator, metadata and page tables must fit; few buddy
#         orders). 6G: RAM above the 4 GiB PCI hole, so a map with a >= 128 MiB hole the
#         metadata planner leaves unbacked (mm.meta's hole tests run only here), and a
#         linear map beyond 4 GiB. mm.allocator's allocate-everything test makes 6G the
#         slowest TCG cells (~10 s of it).
#   bios-pc       SeaBIOS + GRUB (multiboot2, e820) on i440FX: lower RAM ends at 3 GiB
#                 with 6G (highest usable 0x1c0000000).        3-5 s / 20-30 s
#   bios-q35      SeaBIOS + GRUB on Q35 (no pflash, so QEMU's SeaBIOS): another chipset,
#                 DSDT and e820 layout; lower RAM ends at 2 GiB with 6G (highest usable
#                 0x200000000).                                3-5 s / 7-23 s
#   uefi-q35      OVMF + GRUB: the EFI memory map (~130 entries, boot-services ranges),
#                 the GOP framebuffer, no RSDP in the BIOS area. 7-13 s / 14-34 s
#   pvh-microvm   QEMU's PVH loader, no firmware: the PVH start info and its e820; with
#                 6G RAM above 4 GiB through PVH.                 < 1 s / 4-22 s
# 512M: bios-pc-512M is the everyday configuration (`./kx run`'s default; also the first
#   cell, which tools/kx/cells_test.py expects); pvh-microvm-512M is the `max` CPU.
#   uefi-q35-512M is kept but off: 128M and 6G cover its paths (it took ~13 s).
# 1G on BIOS, UEFI and PVH: the size most real boxes' low RAM has, with no PCI hole in
#   the map (~3-8 s each). pvh-microvm-8G: a size above 6G, on the cheapest boot; 8 GiB so
#   that two cells at once stay far below the 24 GiB machine (the allocate-everything ktest
#   touches every guest page, so QEMU really uses all of the guest's RAM).
# CPU models, on PVH (the cheapest boot, < 1 s each), 512M:
#   max       (pvh-microvm-512M) everything TCG has: 1 GiB pages, and LA57, so keel runs
#             5-level page tables (as every other `max` cell does; the models below run
#             4-level ones).
#   qemu64    the baseline x86-64 model: no 1 GiB pages (the banner says "linear map
#             falls back to 2 MiB pages"), no LA57. QEMU 7.2's qemu64 does have NX and
#             long mode, so it boots normally.
#   Nehalem   a real 2008 model: no 1 GiB pages either (same fallback).
#   Westmere  Nehalem + AES/PCLMUL; no 1 GiB pages.
#   EPYC      an AMD model: AuthenticAMD, 1 GiB pages, no LA57. (TCG warns about the
#             EPYC features it cannot emulate; harmless.)
# KVM: kvm-pvh-microvm-512M, `-cpu host`; a visible SKIP where /dev/kvm is not usable or
#   QEMU cannot start it (seen: a nested KVM refusing MSR 0x10a, IA32_ARCH_CAPABILITIES).
#   Here it is also the only cell with x2APIC and TSC deadline, and 1 GiB pages off. On
#   the nested host this was measured on, KVM runs keel's kernel code through KVM's
#   instruction emulator (~700 host cycles per instruction; see int3_is_breakpoint in
#   arch/x86_64/arch_ktests.cc), so the full suite takes 43-63 s at 512M (~30 s of it in
#   mm tests that touch every frame). If that grows, the knob is mem="128M" (those tests
#   scale with RAM), before a ktest.filter subset.
#
# 256G on PVH (pvh-microvm-256G): a big box. Its metadata (4 GiB) cannot fit below 4 GiB,
#   so it is placed above, in 1 GiB pieces mapped with page tables from there too. QEMU
#   gets the RAM from a reserve=off memory backend (tools/kx/qemu.py): untouched guest RAM
#   costs the host nothing, but every metadata slot is written, so the host pays ~4 GiB.
#   mm.meta runs (it reads every backed slot and checks the metadata invariants), and the
#   shared frame and allocator tests, which every cell runs; the allocate-everything tests
#   would touch all 256 GiB. ~12 s of metadata init under TCG. The longest shared test
#   tries both claims on each of the 64 Mi free frames: ~60 s of the cell's ~170 s.
# A CPU keel must refuse: `-cpu qemu64,-nx`. The 32-bit entry halts with a message on
# serial and VGA before long mode; the cell passes when that message appears (expect_halt).
# Through GRUB on pc, so the multiboot2 entry's check is the one exercised (~2 s).
# A machine that is not QEMU: `-cpu max,-hypervisor` hides the hypervisor leaf, so keel
# does not use QEMU's exit device after ktest and must say that it halted and why; the
# cell passes when that message appears (expect_halt). 128M keeps the suite short (~10 s).

# Order: bios-pc-512M first (see above), then longest first, so that the two QEMUs at a
# time finish together instead of one long cell starting last.
CELLS = (
    Cell("bios-pc-512M", Boot("bios", "pc")),
    Cell("kvm-pvh-microvm-512M", Boot("pvh", "microvm", accel="kvm"), timeout=300),
    Cell("pvh-microvm-256G", Boot("pvh", "microvm", mem="256G"),
         kernel_args=("ktest.filter=mm.meta*:mm.frame.FrameSharedTest.*:mm.allocator.AllocatorSharedTest.*",),
         timeout=400),
    Cell("bios-pc-6G", Boot("bios", "pc", mem="6G")),
    Cell("bios-q35-6G", Boot("bios", "q35", mem="6G")),
    Cell("uefi-q35-6G", Boot("uefi", "q35", mem="6G"), timeout=300),  # OVMF: slowest firmware
    Cell("pvh-microvm-6G", Boot("pvh", "microvm", mem="6G")),
    Cell("pvh-microvm-8G", Boot("pvh", "microvm", mem="8G")),
    Cell("uefi-q35-1G", Boot("uefi", "q35", mem="1G"), timeout=300),
    Cell("bios-pc-1G", Boot("bios", "pc", mem="1G")),
    Cell("pvh-microvm-1G", Boot("pvh", "microvm", mem="1G")),
    Cell("uefi-q35-128M", Boot("uefi", "q35", mem="128M"), timeout=300),
    Cell("bios-pc-128M", Boot("bios", "pc", mem="128M")),
    Cell("bios-q35-128M", Boot("bios", "q35", mem="128M")),
    Cell("pvh-microvm-128M", Boot("pvh", "microvm", mem="128M")),
    Cell("pvh-microvm-512M", Boot("pvh", "microvm")),
    Cell("pvh-microvm-qemu64-512M", Boot("pvh", "microvm", cpu="qemu64")),
    Cell("pvh-microvm-Nehalem-512M", Boot("pvh", "microvm", cpu="Nehalem")),
    Cell("pvh-microvm-Westmere-512M", Boot("pvh", "microvm", cpu="Westmere")),
    Cell("pvh-microvm-EPYC-512M", Boot("pvh", "microvm", cpu="EPYC")),
    Cell("bios-pc-qemu64,-nx-512M", Boot("bios", "pc", cpu="qemu64,-nx"),
         timeout=60, expect_halt="keel: halted: this CPU lacks the NX bit"),
    Cell("pvh-microvm-max,-hypervisor-128M",
         Boot("pvh", "microvm", cpu="max,-hypervisor", mem="128M"),
         timeout=180, expect_halt="keel: halted after ktest"),
    Cell("uefi-q35-512M", Boot("uefi", "q35"), timeout=300, enabled=False),
    # SMP: the whole suite with APs started through the trampoline on each boot path:
    # 2 CPUs on SeaBIOS+GRUB, OVMF+GRUB and PVH; 4 on each path at 1 GiB (the storm,
    # drain-on-OOM and shootdown ktests of arch.x86_64.smp with three other CPUs); an odd
    # count (3); and a large one (32, xAPIC IDs up to 31) with 256 MiB, so each CPU's
    # cache and stacks are a visible share of memory.
    Cell("bios-pc-512M-smp2", Boot("bios", "pc", smp=2)),
    Cell("uefi-q35-512M-smp2", Boot("uefi", "q35", smp=2), timeout=300),
    Cell("pvh-microvm-512M-smp2", Boot("pvh", "microvm", smp=2)),
    Cell("bios-pc-1G-smp4", Boot("bios", "pc", mem="1G", smp=4)),
    Cell("uefi-q35-1G-smp4", Boot("uefi", "q35", mem="1G", smp=4), timeout=300),
    Cell("pvh-microvm-1G-smp4", Boot("pvh", "microvm", mem="1G", smp=4)),
    Cell("pvh-microvm-512M-smp3", Boot("pvh", "microvm", smp=3)),
    Cell("pvh-microvm-256M-smp32", Boot("pvh", "microvm", mem="256M", smp=32), timeout=300),
    # The whole suite on 4 CPUs with the lock-order checker compiled in: every lock the
    # kernel takes, in every test, is checked against mm/allocator/LOCKING.md.
    Cell("pvh-microvm-1G-smp4-lockorder", Boot("pvh", "microvm", mem="1G", smp=4),
         lock_order_checks=True),
    # An AP that faults during bring-up is skipped, not fatal: smp.fault_ap=1 makes the
    # second CPU fault; the smp suite must pass on the other two, and its
    # a_cpu_that_faults_during_bring_up_is_skipped_with_its_fault checks what was recorded.
    Cell("pvh-microvm-512M-smp3-ap-fault", Boot("pvh", "microvm", smp=3),
         kernel_args=("smp.fault_ap=1", "ktest.filter=arch.x86_64.smp*:mm.frame.FrameSharedTest.*:mm.allocator.AllocatorSharedTest.*")),
)
