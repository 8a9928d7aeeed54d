#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in bench_run_test: plays a kbench boot, writing COM1
(progress lines) and COM2 (the JSON report, from a real smoke run) and exiting as keel
would. The scenario comes from $KX_FAKE_KBENCH."""

import json
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).parent
COM2_REPORT = (HERE / "kbench_pvh_smoke.com2.txt").read_text()
BEGIN, END = "----- BEGIN KBENCH JSON -----", "----- END KBENCH JSON -----"
REPORT = COM2_REPORT[COM2_REPORT.index(BEGIN):COM2_REPORT.index(END) + len(END)] + "\r\n"


def progress(names):
    lines = ["keel: ready", "kbench: 1 repetition(s) per benchmark (smoke mode)"]
    for i, name in enumerate(names, 1):
        lines += [f"kbench: [{i}/{len(names)}] {name} ...", f"{name}   1.0 ns   2.0   1"]
    return "".join(line + "\r\n" for line in lines)


def failing_report() -> str:
    body = json.loads(REPORT[len(BEGIN):-len(END) - 2])
    failed = dict(body["benchmarks"][-1], error_occurred=True, error_message="page fault",
                  iterations=0)
    body["benchmarks"][-1] = failed
    return f"{BEGIN}\r\n{json.dumps(body, indent=2)}\r\n{END}\r\n"


NAMES = ["cpu.cpuid", "kbench.self.rdtsc"]

# name: (COM1, COM2, exit status, seconds to hang before exiting)
SCENARIOS = {
    "com2": (progress(NAMES), "\x1b[2JBdsDxe: firmware noise\r\n" + REPORT, 33, 0),
    "com1": (progress(NAMES) + REPORT, "", 33, 0),
    "fail": (progress(NAMES), failing_report(), 35, 0),
    "lie": (progress(NAMES), failing_report(), 33, 0),
    "truncated": (progress(NAMES), REPORT[:len(REPORT) // 2], 37, 0),
    "nokbench": ("cmdline: unknown key 'kbench.smoke' (ignored)\r\nkeel: ready\r\n"
                 "keel: nothing more to do; halted (use ktest or kbench)\r\n", "", 0, 3600),
    "hang": (progress(NAMES[:1]), "", 0, 3600),
}


def main(argv: list[str]) -> int:
    def option(flag: str, prefix: str = "") -> str:
        return next(argv[i + 1] for i, a in enumerate(argv[:-1])
                    if a == flag and argv[i + 1].startswith(prefix))

    com1_text, com2_text, status, hang = SCENARIOS[os.environ.get("KX_FAKE_KBENCH", "com2")]
    com1 = option("-serial").removeprefix("file:")
    chardev = option("-chardev", "file,id=bench,")
    com2 = next(p.removeprefix("path=") for p in chardev.split(",") if p.startswith("path="))
    pathlib.Path(com2).write_text(com2_text)
    with open(com1, "w") as f:
        for line in com1_text.splitlines(keepends=True):  # as a serial port would: bit by bit
            f.write(line)
            f.flush()
    time.sleep(hang)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
