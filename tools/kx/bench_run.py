"""Running the in-kernel benchmarks: boot keel with `kbench` under QEMU, follow COM1 for
progress while it runs, then take the JSON report from COM2 (or from COM1, where a kernel
without a COM2 UART writes it). Also the smoke run `kx test` counts as tests."""

import dataclasses
import pathlib
import re
import time
from collections.abc import Callable, Sequence

import bench_report
import qemu
import qemu_session
from common import LOGS, KxError

SMOKE_TIMEOUT = 120.0  # seconds: boot + every benchmark once, under TCG
# `kbench: [3/11] cpu.cpuid ...` (kernel/kbench/run.cc), before each benchmark runs.
PROGRESS = re.compile(r"^kbench: \[(\d+)/(\d+)\] (.*?)(?: \.\.\.)?$")
# Kernel lines the user must see even while only a progress line is shown.
NOTEWORTHY = re.compile(r"WARNING|UNCALIBRATED|DIFFERS|MALFORMED|ERROR OCCURRED|SKIPPED|"
                        r"result store full|panic|PANIC|EXCEPTION")
# An older kernel without kbench finishes its boot with this line and halts forever.
HALTED = re.compile(r"^keel: nothing more to do")


def kernel_args(*, filter: str | None = None, repetitions: int | None = None,
                min_time_ms: int | None = None, smoke: bool = False) -> list[str]:
    """The kernel command line for a benchmark run (kernel/kbench/options.h)."""
    if filter is not None and (not filter or any(c.isspace() for c in filter)):
        raise KxError(f"--filter {filter!r}: expected one non-empty word (the kernel command "
                      f"line splits at spaces)")
    args = ["kbench.smoke"] if smoke else ["kbench"]
    if filter:
        args.append(f"kbench.filter={filter}")
    if repetitions is not None and not smoke:
        args.append(f"kbench.repetitions={repetitions}")
    if min_time_ms is not None and not smoke:
        args.append(f"kbench.min_time_ms={min_time_ms}")
    return args


def mark_icount(report: dict) -> None:
    """Says in the report's context that its cycles are instructions (QEMU -icount shift=0:
    one TSC tick per retired instruction), which makes them its figure (bench_report)."""
    context = report.setdefault("context", {})
    context["keel_measure"] = bench_report.MEASURE_INSTRUCTIONS
    context["keel_icount"] = "shift=0,sleep=off"


@dataclasses.dataclass
class BootResult:
    status: int | None  # QEMU's exit status; None when stopped (timeout, or halted)
    com1: pathlib.Path
    com2: pathlib.Path
    qemu_log: pathlib.Path
    seconds: float
    halted: bool = False  # the kernel said it had nothing to do (no kbench support)
    end: str = ""  # how QEMU ended, in words (qemu_session.Session.describe_end)

    def read(self, path: pathlib.Path) -> str:
        return path.read_text(errors="replace") if path.exists() else ""


def boot(boot: qemu.Boot, elf: pathlib.Path, args: Sequence[str], *, timeout: float,
         logs: pathlib.Path = LOGS, name: str = "bench",
         on_line: Callable[[str], None] = lambda line: None,
         qemu_binary: str = qemu.QEMU) -> BootResult:
    """Boots keel with `args`, calling on_line for each COM1 line as it arrives, until QEMU
    exits, the kernel halts, or the timeout."""
    logs.mkdir(parents=True, exist_ok=True)
    com1, com2 = logs / f"{name}.com1.log", logs / f"{name}.com2.log"
    qemu_log = logs / f"{name}.qemu.txt"
    image = qemu.image_for(boot, elf, args)
    with qemu_session.boot(boot, image=image, kernel_args=args, serial=com1, bench=com2,
                           output=qemu_log, qemu_binary=qemu_binary) as session:
        halted = session.wait_for(HALTED, timeout=timeout, on_line=on_line) is not None
    return BootResult(session.status, com1, com2, qemu_log, session.seconds, halted,
                      session.describe_end())


def collect(result: BootResult) -> dict:
    """The report of a benchmark boot, or a ReportError that says why there is none."""
    com1, com2 = result.read(result.com1), result.read(result.com2)
    com1_name, com2_name = f"COM1 ({result.com1})", f"COM2 ({result.com2})"
    if bench_report.BEGIN in com2:
        return bench_report.extract(com2, com2_name)
    if bench_report.BEGIN in com1:
        return bench_report.extract(com1, com1_name)
    if "{" in com2:  # a bare report, without the marker lines
        return bench_report.extract(com2, com2_name)
    if "kbench:" not in com1:
        raise bench_report.ReportError(
            f"kernel has no kbench support: no 'kbench:' line on {com1_name}"
            + (" (it halted with nothing to do)" if result.halted else ""))
    raise bench_report.ReportError(f"no benchmark report on {com2_name} or {com1_name}: "
                                   f"{describe_end(result)}")


def describe_end(result: BootResult) -> str:
    if result.halted:
        return "the kernel halted with nothing to do"
    return result.end


# ---- kx test: the smoke run ------------------------------------------------------------

@dataclasses.dataclass
class SmokeResult:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def smoke(elf: pathlib.Path, *, logs: pathlib.Path = LOGS,
          qemu_binary: str = qemu.QEMU, timeout: float = SMOKE_TIMEOUT) -> SmokeResult:
    """`kbench.smoke` on PVH under TCG with 2 CPUs: every benchmark once. Each benchmark is
    one test; a missing or invalid report, or a boot that ends badly, is one more failure."""
    # Two CPUs, so the cross-CPU benchmarks (arch/smp) run too instead of skipping.
    result = boot(qemu.Boot("pvh", smp=2), elf, kernel_args(smoke=True), timeout=timeout, logs=logs,
                  name="bench-smoke", qemu_binary=qemu_binary)
    smoke_result = SmokeResult(seconds=result.seconds)
    where = f"       serial log: {result.com1}"
    try:
        report = collect(result)
        problems = bench_report.compare_py_problems(report)
        summaries = bench_report.summarize(report)
    except KxError as e:
        smoke_result.failed = 1
        smoke_result.failures = [f"FAIL bench: {e}", where]
        return smoke_result
    for s in summaries:
        if s.failed:
            smoke_result.failed += 1
            smoke_result.failures.append(f"FAIL bench: {s.name}  [{s.error}]")
        elif s.skipped:
            smoke_result.skipped += 1
        else:
            smoke_result.passed += 1
    boot_problems = [f"the JSON report does not suit compare.py: {p}" for p in problems[:5]]
    if not summaries:
        boot_problems.append("the JSON report lists no benchmarks")
    if result.status not in (qemu.TESTS_PASSED, qemu.TESTS_FAILED):
        boot_problems.append(describe_end(result))
    elif (result.status == qemu.TESTS_FAILED) != (smoke_result.failed > 0):
        boot_problems.append(f"QEMU status {result.status} ({qemu.describe_exit(result.status)}) "
                             f"disagrees with the report's {smoke_result.failed} failed")
    if boot_problems:
        smoke_result.failed += 1
        smoke_result.failures += [f"FAIL bench: {p}" for p in boot_problems]
    if smoke_result.failures:
        smoke_result.failures.append(where)
    return smoke_result


# ---- kx test: the determinism check ----------------------------------------------------

DETERMINISM_ARGS = ("kbench", "kbench.repetitions=1", "kbench.min_time_ms=1")


def icount_run(elf: pathlib.Path, args: Sequence[str], *, name: str,
               logs: pathlib.Path = LOGS, qemu_binary: str = qemu.QEMU,
               timeout: float = SMOKE_TIMEOUT) -> dict:
    """One benchmark boot under QEMU icount (PVH, TCG): its report, marked as counts."""
    result = boot(qemu.Boot("pvh", icount=True), elf, args, timeout=timeout, logs=logs,
                  name=name, qemu_binary=qemu_binary)
    report = collect(result)
    mark_icount(report)
    return report


def differences(a: dict, b: dict) -> list[str]:
    """Every way two instruction-count reports of one image differ: figures, iteration
    counts, outcomes, or benchmarks present in one only. Empty when they are identical."""
    first = {s.name: s for s in bench_report.summarize(a)}
    second = {s.name: s for s in bench_report.summarize(b)}
    out = [f"{name}: only in the {side} run" for side, mine, other in
           (("first", first, second), ("second", second, first)) for name in mine
           if name not in other]
    for name, s in first.items():
        t = second.get(name)
        if t is None:
            continue
        for what, x, y in (("instructions/op", s.values, t.values),
                           ("iterations", s.iterations, t.iterations),
                           ("outcome", s.error, t.error)):
            if x != y:
                out.append(f"{name}: {what} {x} then {y}")
    return out


def determinism(elf: pathlib.Path, *, logs: pathlib.Path = LOGS,
                qemu_binary: str = qemu.QEMU) -> SmokeResult:
    """Every benchmark twice under icount: the two reports must be equal to the instruction
    (one test). A difference means a benchmark depends on something outside the guest (the
    host clock, an uninitialized value) and its counts cannot be compared across builds."""
    result = SmokeResult()
    start = time.monotonic()
    try:
        runs = [icount_run(elf, DETERMINISM_ARGS, name=f"bench-icount-{i}", logs=logs,
                           qemu_binary=qemu_binary) for i in (1, 2)]
        found = differences(*runs)
        if not bench_report.summarize(runs[0]):
            found.append("the report lists no benchmarks")
    except KxError as e:
        found = [str(e)]
    result.seconds = time.monotonic() - start
    if found:
        result.failed = 1
        result.failures = [f"FAIL bench determinism: {line}" for line in found[:20]]
        result.failures.append(f"       serial logs: {logs}/bench-icount-[12].com1.log")
    else:
        result.passed = 1
    return result
