#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in cells_test: writes a KTAP log to COM1's file and exits
like keel would. The scenario comes from `fake=NAME` in -append (PVH boots)."""

import sys
import time

PASSING = """\x1b[2J\x1b[HSeaBIOS (version fake)\r
Booting from DVD/CD...\r
[    0.000] keel: early console up\r
KTAP version 1\r
1..2\r
    KTAP version 1\r
    # Subtest: mm.memmap\r
    1..2\r
    ok 1 sanitizes_overlaps\r
[    0.010] mm: 130560 pages free\r
    ok 2 rejects_wrapping\r
    # mm.memmap: pass:2 fail:0 skip:0 total:2\r
ok 1 mm.memmap\r
    KTAP version 1\r
    # Subtest: mm.buddy\r
    1..2\r
    ok 1 splits\r
    ok 2 merges # SKIP needs 2 CPUs\r
    # mm.buddy: pass:1 fail:0 skip:1 total:2\r
ok 2 mm.buddy\r
# Totals: pass:3 fail:0 skip:1\r
"""

FAILING = PASSING.replace("    ok 2 rejects_wrapping\r\n",
                          "    # rejects_wrapping: EXPECT_EQ failed at mm/memmap.cc:42\r\n"
                          "    not ok 2 rejects_wrapping\r\n").replace(
    "ok 1 mm.memmap", "not ok 1 mm.memmap").replace(
    "pass:2 fail:0 skip:0 total:2", "pass:1 fail:1 skip:0 total:2").replace(
    "pass:3 fail:0", "pass:2 fail:1")

CRASHING = PASSING[:PASSING.index("    ok 2 rejects_wrapping")] + "PANIC: page fault at 0xdead\r\n"

# name: (COM1 output, exit status, seconds to hang first)
SCENARIOS = {
    "pass": (PASSING, 33, 0),
    "fail": (FAILING, 35, 0),
    "crash": (CRASHING, 37, 0),
    "hang": (PASSING[:200], 0, 3600),
    "lie": (FAILING, 33, 0),
    "silent": ("", 0, 0),
    # A kernel that refuses the CPU: prints why, then halts forever (QEMU never exits).
    "halt": ("keel: halted: this CPU lacks the NX bit (CPUID 80000001h EDX.NX)\r\n", 0, 3600),
}


def main(argv: list[str]) -> int:
    def option(flag: str) -> str:
        return argv[argv.index(flag) + 1] if flag in argv else ""

    args = option("-append").split()
    scenario = next((a.split("=", 1)[1] for a in args if a.startswith("fake=")), "pass")
    text, status, hang = SCENARIOS[scenario]
    with open(option("-serial").removeprefix("file:"), "w") as com1:
        com1.write(text)
    time.sleep(hang)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
