"""keel's boot matrix: the QEMU configurations `./kx test` boots with `ktest`.

Each enabled cell boots the kernel once and runs the whole in-kernel suite; its results
are reported as `<cell name>: <suite>/<case>`.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str
    firmware: str  # bios | uefi | pvh
    machine: str  # QEMU -M: pc | q35 | microvm
    mem: str = "512M"
    cpu: str | None = None  # QEMU -cpu; None: max under TCG, host under KVM
    accel: str = "tcg"  # kvm cells are skipped (visibly) where /dev/kvm is unusable
    smp: int = 1
    kernel_args: tuple[str, ...] = ()  # appended after `ktest`
    timeout: int = 120  # seconds for the whole boot + suite
    enabled: bool = True


CELLS = (
    Cell("bios-pc-512M", "bios", "pc"),
    Cell("uefi-q35-512M", "uefi", "q35", timeout=300),  # OVMF is the slowest firmware under TCG
    Cell("pvh-microvm-512M", "pvh", "microvm"),
    # Issue 7 turns these on: memory sizes at both ends (128M: tight early allocator;
    # 6G: RAM above the 4 GiB PCI hole), the CPU models keel supports (`max`, the TCG
    # default, is what the cells above use), and KVM.
    Cell("bios-pc-128M", "bios", "pc", mem="128M", enabled=False),
    Cell("bios-pc-6G", "bios", "pc", mem="6G", enabled=False),
    Cell("uefi-q35-6G", "uefi", "q35", mem="6G", timeout=300, enabled=False),
    Cell("bios-pc-qemu64-512M", "bios", "pc", cpu="qemu64", enabled=False),
    Cell("bios-pc-Nehalem-512M", "bios", "pc", cpu="Nehalem", enabled=False),
    Cell("bios-pc-Westmere-512M", "bios", "pc", cpu="Westmere", enabled=False),
    Cell("bios-pc-EPYC-512M", "bios", "pc", cpu="EPYC", enabled=False),
    Cell("kvm-pvh-microvm-512M", "pvh", "microvm", accel="kvm", enabled=False),
)
