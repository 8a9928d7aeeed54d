"""Debian packages each subcommand needs, installed on demand (root) or named (not root)."""

import os
import subprocess
from collections.abc import Iterable

from common import KxError, status, tail

BAZEL = ("bazel-bootstrap", "bazel-rules-java")
HOST_BUILD = BAZEL + ("clang-19", "libclang-rt-19-dev")  # libclang-rt: ASan/UBSan runtimes
HOST_TEST = HOST_BUILD + ("libgtest-dev", "libbenchmark-dev", "zbar-tools")  # zbarimg: lib/qr round trips
KERNEL_BUILD = BAZEL + ("clang-19", "lld-19", "llvm-19", "libc++-19-dev")
QEMU = ("qemu-system-x86",)
ISO = ("grub-common", "grub-pc-bin", "grub-efi-amd64-bin", "xorriso", "mtools")  # grub-mkrescue
UEFI = ("ovmf",)
ALL_FIRMWARE = QEMU + ISO + UEFI
# kx bench: in-kernel runs boot like kx run; --host runs Google Benchmark binaries;
# --plot draws with gnuplot (no X: pngcairo/png terminals only). kx fuzz: libFuzzer comes
# with libclang-rt.
BENCH = KERNEL_BUILD + QEMU
HOST_BENCH = HOST_BUILD + ("libbenchmark-dev",)
HOST_ICOUNT = HOST_BENCH + ("valgrind",)  # kx bench --host --icount: callgrind
BENCH_PLOT = ("gnuplot-nox",)
FUZZ = HOST_BUILD

_updated = False  # one `apt-get update` per kx run at most


def for_firmware(firmware: str) -> tuple[str, ...]:
    if firmware == "pvh":
        return QEMU
    return QEMU + ISO + (UEFI if firmware == "uefi" else ())


def parse_dpkg_status(output: str) -> set[str]:
    """Installed package names from `dpkg-query -W -f='${Package}\\t${db:Status-Status}\\n'`."""
    installed = set()
    for line in output.splitlines():
        name, _, state = line.partition("\t")
        if state == "installed":
            installed.add(name)
    return installed


def missing(packages: Iterable[str]) -> list[str]:
    wanted = sorted(set(packages))
    try:
        # Exits 1 when some package is unknown to dpkg; the output still lists the rest.
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package}\t${db:Status-Status}\n", *wanted],
            capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise KxError("dpkg-query not found: kx expects Debian 12 (apt/dpkg)") from None
    installed = parse_dpkg_status(result.stdout)
    return [p for p in wanted if p not in installed]


def ensure(packages: Iterable[str]) -> None:
    need = missing(packages)
    if not need:
        return
    if os.geteuid() != 0:
        raise KxError(f"missing packages: {' '.join(need)}\n"
                      f"  install them with: sudo apt-get install -y {' '.join(need)}")
    global _updated
    status(f"installing {' '.join(need)} (apt-get)...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _updated:
        _apt(["apt-get", "update", "-q"], env)
        _updated = True
    _apt(["apt-get", "install", "-y", "-q", *need], env)


def _apt(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise KxError(f"`{' '.join(cmd)}` failed (exit {result.returncode}):\n"
                      f"{tail(result.stdout + result.stderr)}")
