"""`kx run`: build keel and boot it in QEMU with COM1 on the terminal."""

import argparse
import re

import bazel
import deps
import qemu
import qemu_session
from common import LOGS, KxError, status

HELP = "build keel and boot it in QEMU (serial console on this terminal)"
_SIZE = re.compile(r"\d+[KMGT]?")


def add_boot_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `run` and `debug`."""
    parser.add_argument("--firmware", choices=qemu.FIRMWARES, default="bios",
                        help="bios: SeaBIOS+GRUB ISO on -M pc (default); uefi: OVMF+GRUB ISO "
                             "on -M q35; pvh: keel.elf directly on -M microvm")
    parser.add_argument("--accel", choices=("tcg", "kvm"), default="tcg")
    parser.add_argument("--mem", default="512M", help="guest RAM, QEMU -m syntax (default 512M)")
    parser.add_argument("--cpu", help="QEMU CPU model (default: max under TCG, host under KVM)")
    parser.add_argument("--smp", type=int, default=2, metavar="N",
                        help="guest CPUs (default 2; multi-threaded TCG when more than 1; "
                             "1 for a single-CPU boot)")
    parser.add_argument("--display", action="store_true", help="open a QEMU display window")


def boot_from(args: argparse.Namespace) -> qemu.Boot:
    if not _SIZE.fullmatch(args.mem):
        raise KxError(f"--mem {args.mem}: expected a size like 512M or 6G")
    if args.smp < 1:
        raise KxError(f"--smp {args.smp}: expected at least 1")
    boot = qemu.Boot(args.firmware, accel=args.accel, mem=args.mem, cpu=args.cpu, smp=args.smp)
    if boot.accel == "kvm" and (problem := qemu.kvm_problem(qemu.cpu_model(boot))):
        raise KxError(f"--accel kvm: {problem}; use --accel tcg")
    return boot


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_boot_options(parser)
    parser.add_argument("--timeout", type=float, metavar="S",
                        help="stop QEMU after S seconds (default: none)")
    parser.epilog = "Kernel arguments follow `--`, e.g. `./kx run -- ktest`."


def main(args: argparse.Namespace) -> int:
    boot = boot_from(args)
    deps.ensure(deps.KERNEL_BUILD + deps.for_firmware(boot.firmware))
    elf = bazel.build_kernel()
    image = qemu.image_for(boot, elf, args.kernel_args)
    LOGS.mkdir(parents=True, exist_ok=True)
    status(f"booting {boot.firmware} under {boot.accel.upper()} "
           f"({' '.join(args.kernel_args) or 'no kernel arguments'}); Ctrl-C stops QEMU")
    with qemu_session.boot(boot, image=image, kernel_args=args.kernel_args, serial=None,
                           bench=LOGS / "run.bench.json", display=args.display) as session:
        session.wait(timeout=args.timeout)
    status(session.describe_end())
    return 0 if session.status in (qemu.TESTS_PASSED, qemu.POWEROFF) else 1
