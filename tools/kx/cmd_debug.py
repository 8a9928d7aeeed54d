"""`kx debug`: boot keel stopped at the first instruction, with gdb attached."""

import argparse
import shutil
import signal
import socket
import subprocess
import time

import bazel
import cmd_run
import deps
import qemu
import qemu_session
from common import LOGS, KxError, status

HELP = "boot keel halted under QEMU's gdb stub (:1234) and attach gdb"
GDB_PORT = 1234  # QEMU's -s


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cmd_run.add_boot_options(parser)
    parser.epilog = "Kernel arguments follow `--`."


def main(args: argparse.Namespace) -> int:
    boot = cmd_run.boot_from(args)
    gdb = shutil.which("gdb")
    if gdb is None:
        raise KxError("gdb not found; install it with: sudo apt-get install -y gdb")
    deps.ensure(deps.KERNEL_BUILD + deps.for_firmware(boot.firmware))
    elf = bazel.build_kernel()
    image = qemu.image_for(boot, elf, args.kernel_args)
    if _port_open():
        raise KxError(f"port {GDB_PORT} is in use (another `kx debug` or gdb stub running?)")
    LOGS.mkdir(parents=True, exist_ok=True)
    serial_log = LOGS / "debug.log"
    # gdb owns the terminal, so COM1 goes to a file.
    with qemu_session.boot(boot, image=image, kernel_args=args.kernel_args, serial=serial_log,
                           bench=LOGS / "debug.bench.json", output=LOGS / "debug.qemu.txt",
                           display=args.display, gdb=True) as session:
        _wait_for_stub(session)
        status(f"QEMU waits on :{GDB_PORT}; serial console: tail -f {serial_log}")
        # Symbols from the ELF as linked (higher half), whatever the boot path loaded.
        gdb_cmd = [gdb, "-q", "-ex", f"symbol-file {elf}", "-ex", f"target remote :{GDB_PORT}"]
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to gdb
        try:
            return subprocess.run(gdb_cmd, check=False).returncode
        finally:
            signal.signal(signal.SIGINT, previous)


def _port_open() -> bool:
    try:
        socket.create_connection(("127.0.0.1", GDB_PORT), timeout=0.2).close()
        return True
    except OSError:
        return False


def _wait_for_stub(session: qemu_session.Session) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if session.exited:
            raise KxError(f"QEMU exited (status {session.status}) before gdb could attach:\n"
                          f"{session.qemu_said(40)}")
        if _port_open():
            return
        time.sleep(0.1)
    raise KxError(f"QEMU's gdb stub did not open port {GDB_PORT} within 10 s")

