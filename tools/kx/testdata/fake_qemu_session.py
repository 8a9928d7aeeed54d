#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in qemu_session_test. Plays the kernel arguments (-append,
so PVH boots) as a script, in order: `say=TEXT` writes the line TEXT to COM1, `part=TEXT`
writes TEXT without ending the line, `sleep=S` waits, `echo` answers a line read from COM1
with `got: LINE`, `child` starts a process that outlives this one unless its group
is killed and writes `child: PID`, `complain=TEXT` writes TEXT to stderr (QEMU's own messages), `exit=N` exits
with N. `_` in TEXT stands for a space. COM1 is the -serial file, or stdout for stdio. The
process writes its pid to COM2's file first, so a test can check that it was stopped."""

import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    def option(flag: str) -> str:
        return argv[argv.index(flag) + 1] if flag in argv else ""

    com2 = next(p.removeprefix("path=") for p in option("-chardev").split(",")
                if p.startswith("path="))
    with open(com2, "w") as f:
        f.write(f"{os.getpid()}\n")
    serial = option("-serial")
    com1 = sys.stdout if serial == "stdio" else open(serial.removeprefix("file:"), "w")
    for arg in option("-append").split():
        what, _, value = arg.partition("=")
        text = value.replace("_", " ")
        if what == "say":
            com1.write(text + "\r\n")
        elif what == "part":
            com1.write(text)
        elif what == "echo":
            com1.write(f"got: {sys.stdin.readline().strip()}\r\n")
        elif what == "child":
            child = subprocess.Popen(["sleep", "60"])
            com1.write(f"child: {child.pid}\r\n")
        elif what == "complain":
            sys.stderr.write(text + "\n")
        elif what == "sleep":
            com1.flush()
            time.sleep(float(value))
        elif what == "exit":
            com1.flush()
            return int(value)
        com1.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
