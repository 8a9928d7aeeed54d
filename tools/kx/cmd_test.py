"""`kx test`: every test. Host unit tests (`bazel test //...`), then the in-kernel suite
(`ktest`) on each enabled boot cell of tests/boot/matrix.py, then every in-kernel benchmark
once (`kbench.smoke`). Ends with the one line `N passed, N failed[, N skipped]`; exits
non-zero if anything failed."""

import argparse
import dataclasses
import os
import pathlib
import time

import bazel
import bench_run
import cells
import deps
from common import KxError, status

HELP = "run host unit tests and the in-kernel tests on the boot matrix"


@dataclasses.dataclass
class Phase:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    note: str = ""  # replaces the counts in the summary, e.g. "built"
    failures: list[str] = dataclasses.field(default_factory=list)


def counts(passed: int, failed: int, skipped: int) -> str:
    text = f"{passed} passed, {failed} failed"
    return text + (f", {skipped} skipped" if skipped else "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def main(args: argparse.Namespace) -> int:
    deps.ensure(deps.HOST_TEST + deps.KERNEL_BUILD + deps.ALL_FIRMWARE)
    host = host_phase()
    kernel, elf = kernel_phase()
    boot = boot_phase(elf)
    return report([host, kernel, boot, bench_phase(elf)])


def host_phase() -> Phase:
    status("[1/4] host unit tests: bazel test //...")
    phase = Phase("host")
    start = time.monotonic()
    targets, result = bazel.test_all()
    phase.seconds = time.monotonic() - start
    for target in targets:
        if target.outcome == "passed":
            phase.passed += 1
        elif target.outcome == "skipped":
            phase.skipped += 1
        else:
            phase.failed += 1
            phase.failures.append(f"FAIL host: {target.label} ({target.status})")
            if target.log:
                phase.failures.append(f"       log: {target.log}")
    # Exit 3: some tests failed (listed above); 4: no test targets. Anything else non-zero
    # is a build or Bazel failure (maybe of a non-test target), with its errors on stderr.
    if result.returncode not in (0, 3, 4):
        phase.failed += 1
        phase.failures.append(f"FAIL host: bazel test //... exited {result.returncode}")
        errors = bazel.error_lines(result.stderr).splitlines()
        phase.failures += [f"       {line}" for line in errors]
    return phase


def kernel_phase() -> tuple[Phase, pathlib.Path | None]:
    status(f"[2/4] kernel: bazel build --config=kernel {bazel.KERNEL_ELF}")
    phase = Phase("kernel")
    start = time.monotonic()
    try:
        elf = bazel.build_kernel(quiet=True)
        phase.note = "built"
    except KxError as e:
        elf = None
        phase.failed = 1
        phase.failures = [f"FAIL kernel build: {line}" if i == 0 else f"       {line}"
                          for i, line in enumerate(str(e).splitlines())]
    phase.seconds = time.monotonic() - start
    return phase, elf


def boot_phase(elf: pathlib.Path | None) -> Phase:
    phase = Phase("boot")
    matrix = cells.load_matrix()
    enabled = [c for c in matrix if c.enabled]
    disabled = len(matrix) - len(enabled)
    phase.note = f"{len(enabled)} cells"
    if disabled:
        phase.note += f", {disabled} disabled in tests/boot/matrix.py"
    if elf is None:
        status("[3/4] boot tests: not run, the kernel did not build")
        phase.note = "not run: no kernel"
        return phase
    jobs = os.cpu_count() or 1
    status(f"[3/4] boot tests: {len(enabled)} cells, up to {jobs} QEMU at once")
    width = max((len(c.name) for c in enabled), default=0)

    def show(result: cells.CellResult) -> None:
        if result.skip_reason:
            print(f"  {result.cell.name:<{width}}  SKIPPED: {result.skip_reason}", flush=True)
        else:
            line = counts(result.passed, result.failed, result.skipped)
            print(f"  {result.cell.name:<{width}}  {line}  ({result.seconds:.1f} s)", flush=True)

    start = time.monotonic()
    results = cells.run_cells(enabled, elf, jobs=jobs, on_result=show)
    phase.seconds = time.monotonic() - start
    for result in results:
        phase.passed += result.passed
        phase.failed += result.failed
        phase.skipped += result.skipped
        phase.failures += cells.describe_failures(result)
    return phase


# ---- Benchmark smoke run (issue 6): every in-kernel benchmark once, each one test ------

def bench_phase(elf: pathlib.Path | None) -> Phase:
    """`kbench.smoke` on PVH under TCG: fails on a failed benchmark, a missing or invalid
    JSON report, or a kernel without kbench."""
    phase = Phase("bench")
    if elf is None:
        status("[4/4] benchmarks: not run, the kernel did not build")
        phase.note = "not run: no kernel"
        return phase
    status("[4/4] benchmarks: kbench.smoke on pvh (microvm) under TCG")
    result = bench_run.smoke(elf)
    phase.passed, phase.failed, phase.skipped = result.passed, result.failed, result.skipped
    phase.failures, phase.seconds = result.failures, result.seconds
    phase.note = "kbench.smoke, pvh, TCG"
    return phase


def report(phases: list[Phase]) -> int:
    failures = [line for p in phases for line in p.failures]
    if failures:
        print("\nFailures:")
        print("\n".join(failures))
    print("\nSummary:")
    for p in phases:
        result = counts(p.passed, p.failed, p.skipped)
        if p.note and not (p.passed or p.failed or p.skipped):
            result = p.note
        elif p.note:
            result += f" ({p.note})"
        print(f"  {p.name:<7}{p.seconds:7.1f} s  {result}")
    total = [sum(getattr(p, k) for p in phases) for k in ("passed", "failed", "skipped")]
    print(counts(*total), flush=True)
    return 1 if total[1] else 0
