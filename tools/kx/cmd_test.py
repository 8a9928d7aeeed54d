"""`kx test`: every test. Host unit tests (`bazel test //...`), then every libFuzzer target
for a short fixed time from the corpus in tests/fuzz/corpus/ (one result per target), then
the in-kernel suite (`ktest`) on each enabled boot cell of tests/boot/matrix.py, then every
in-kernel benchmark once (`kbench.smoke`), then the ISO's GRUB menu entries driven through
the serial terminal (BIOS and UEFI) and a benchmark report read back off the screen's QR
codes (UEFI). Ends with the one line `N passed, N failed[, N
skipped]`; exits non-zero if anything failed."""

import argparse
import concurrent.futures
import dataclasses
import os
import pathlib
import time
from collections.abc import Callable

import bazel
import bench_run
import cells
import cmd_fuzz
import deps
import grub_menu
import screen_qr
from common import OUT, ROOT, KxError, status

HELP = "run host unit tests, the fuzzers briefly, and the in-kernel tests on the boot matrix"
# Fuzzing time per libFuzzer target (two at a time on two cores); libFuzzer first replays
# the target's whole corpus, which the slowest targets (page tables, allocator: a full
# structure walk after every step) need several seconds for.
FUZZ_SECONDS = 15


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
    fuzz = fuzz_phase()
    kernel, elf, checks_elf = kernel_phase()
    boot = boot_phase(elf, checks_elf)
    return report([host, fuzz, kernel, boot, bench_phase(elf), menu_phase(elf)])


def host_phase() -> Phase:
    status("[1/6] host unit tests: bazel test //..., then the smp tests under "
           "ThreadSanitizer (--config=tsan)")
    phase = Phase("host")
    start = time.monotonic()
    for config, name in ((None, "host"), ("tsan", "host tsan")):
        targets, result = bazel.test_all(config)
        for target in targets:
            if target.outcome == "passed":
                phase.passed += 1
            elif target.outcome == "skipped":
                phase.skipped += 1
            else:
                phase.failed += 1
                phase.failures.append(f"FAIL {name}: {target.label} ({target.status})")
                if target.log:
                    phase.failures.append(f"       log: {target.log}")
        # Exit 3: some tests failed (listed above); 4: no test targets. Anything else non-zero
        # is a build or Bazel failure (maybe of a non-test target), with its errors on stderr.
        if result.returncode not in (0, 3, 4):
            phase.failed += 1
            flags = " --config=tsan" if config else ""
            phase.failures.append(f"FAIL {name}: bazel test{flags} //... exited {result.returncode}")
            errors = bazel.error_lines(result.stderr).splitlines()
            phase.failures += [f"       {line}" for line in errors]
    phase.seconds = time.monotonic() - start
    return phase


# ---- Fuzzing: every libFuzzer target briefly, from the tree's corpus ----------

def fuzz_phase(seconds: int = FUZZ_SECONDS) -> Phase:
    """Builds the fuzzers as `./kx fuzz` does (coverage over the code under test) and runs
    each for `seconds` from tests/fuzz/corpus/<target>/: one result per target."""
    phase = Phase("fuzz")
    status(f"[2/6] fuzzing: every libFuzzer target for {seconds} s from "
           f"{cmd_fuzz.CORPUS_DIR.relative_to(ROOT)}/")
    start = time.monotonic()
    try:
        labels = cmd_fuzz.fuzzer_labels()
        path = cmd_fuzz.build(labels)
    except KxError as e:
        phase.failed = 1
        phase.failures = [f"FAIL fuzz build: {line}" if i == 0 else f"       {line}"
                          for i, line in enumerate(str(e).splitlines())]
        phase.seconds = time.monotonic() - start
        return phase
    run_fuzzers(phase, labels, path, seconds=seconds, jobs=os.cpu_count() or 1)
    phase.seconds = time.monotonic() - start
    return phase


def run_fuzzers(phase: Phase, labels: list[str], path: Callable[[str], pathlib.Path], *,
                seconds: int, jobs: int, corpus_dir: pathlib.Path | None = None,
                smoke_dir: pathlib.Path | None = None) -> None:
    """Runs cmd_fuzz.smoke() on every target, `jobs` at a time; prints one line per target
    (executions, coverage, corpus) and counts it as passed or failed in `phase`."""
    smoke_dir = smoke_dir or cmd_fuzz.SMOKE_DIR
    width = max((len(label) for label in labels), default=0)

    def one(label: str) -> cmd_fuzz.FuzzResult:
        return cmd_fuzz.smoke(label, path(label), seconds=seconds, corpus_dir=corpus_dir,
                              smoke_dir=smoke_dir)

    with concurrent.futures.ThreadPoolExecutor(max(1, min(jobs, len(labels)))) as pool:
        for label, result in zip(labels, pool.map(one, labels)):
            failures = cmd_fuzz.report(result, path(label))
            if (not failures and result.edges is not None
                    and result.edges < cmd_fuzz.MIN_EDGES):
                failures = [f"FAIL {label}: only {result.edges} instrumented edges: the code "
                            f"under test got no coverage instrumentation",
                            f"       log: {result.log}"]
            runs = f"{result.runs:,} runs" if result.runs is not None else "- runs"
            if result.runs and result.seconds:
                runs += f" ({result.runs / result.seconds:,.0f}/s)"
            print(f"  {label:<{width}}  {result.seconds:5.1f} s  {runs}, "
                  f"{result.coverage or 'no coverage'}, corpus {result.corpus} "
                  f"(+{result.new_inputs} new)  {'FAILED' if failures else 'ok'}"
                  f"{'' if result.verdict == 'ok' else ' (' + result.verdict + ')'}",
                  flush=True)
            if failures:
                phase.failed += 1
                phase.failures += failures
            else:
                phase.passed += 1
    phase.note = (f"{len(labels)} targets x {seconds} s; crash inputs in "
                  f"{smoke_dir}/<target>/artifacts")


def kernel_phase() -> tuple[Phase, pathlib.Path | None, pathlib.Path | None]:
    """The release kernel, and the one with mm's lock-order checker (boot cells that ask
    for it); each build that fails is one failure."""
    phase = Phase("kernel")
    start = time.monotonic()
    elfs: list[pathlib.Path | None] = []
    for checks, config in ((False, "kernel"), (True, "kernel-checks")):
        status(f"[3/6] kernel: bazel build --config={config} {bazel.KERNEL_ELF}")
        try:
            elfs.append(bazel.build_kernel(quiet=True, lock_order_checks=checks))
        except KxError as e:
            elfs.append(None)
            phase.failed += 1
            phase.failures += [f"FAIL kernel build ({config}): {line}" if i == 0 else f"       {line}"
                               for i, line in enumerate(str(e).splitlines())]
    if not phase.failed:
        phase.note = "built (release and lock-order-checked)"
    phase.seconds = time.monotonic() - start
    return phase, elfs[0], elfs[1]


def boot_phase(elf: pathlib.Path | None, checks_elf: pathlib.Path | None = None) -> Phase:
    phase = Phase("boot")
    matrix = cells.load_matrix()
    enabled = [c for c in matrix if c.enabled]
    disabled = len(matrix) - len(enabled)
    phase.note = f"{len(enabled)} cells"
    if disabled:
        phase.note += f", {disabled} disabled in tests/boot/matrix.py"
    if elf is None:
        status("[4/6] boot tests: not run, the kernel did not build")
        phase.note = "not run: no kernel"
        return phase
    jobs = os.cpu_count() or 1
    status(f"[4/6] boot tests: {len(enabled)} cells, up to {jobs} QEMU at once")
    width = max((len(c.name) for c in enabled), default=0)

    def show(result: cells.CellResult) -> None:
        if result.skip_reason:
            print(f"  {result.cell.name:<{width}}  SKIPPED: {result.skip_reason}", flush=True)
        else:
            line = counts(result.passed, result.failed, result.skipped)
            print(f"  {result.cell.name:<{width}}  {line}  ({result.seconds:.1f} s)", flush=True)

    start = time.monotonic()
    results = cells.run_cells(enabled, elf, jobs=jobs, on_result=show, checks_elf=checks_elf)
    phase.seconds = time.monotonic() - start
    for result in results:
        phase.passed += result.passed
        phase.failed += result.failed
        phase.skipped += result.skipped
        phase.failures += cells.describe_failures(result)
    return phase


# ---- Benchmark smoke run: every in-kernel benchmark once, each one test ------

def bench_phase(elf: pathlib.Path | None) -> Phase:
    """`kbench.smoke` on PVH under TCG: fails on a failed benchmark, a missing or invalid
    JSON report, or a kernel without kbench."""
    phase = Phase("bench")
    if elf is None:
        status("[5/6] benchmarks: not run, the kernel did not build")
        phase.note = "not run: no kernel"
        return phase
    status("[5/6] benchmarks: kbench.smoke on pvh (microvm), 2 CPUs, under TCG")
    result = bench_run.smoke(elf)
    status("[5/6] benchmarks: every benchmark twice under icount, compared exactly")
    same = bench_run.determinism(elf)
    phase.passed, phase.failed = result.passed + same.passed, result.failed + same.failed
    phase.skipped = result.skipped
    phase.failures = result.failures + same.failures
    phase.seconds = result.seconds + same.seconds
    phase.note = "kbench.smoke, pvh, TCG; determinism under icount"
    return phase


# ---- The ISO's GRUB menu: an entry chosen by its hotkey starts its run -----------------

def menu_phase(elf: pathlib.Path | None, log_dir: pathlib.Path | None = None) -> Phase:
    phase = Phase("menu")
    if elf is None:
        status("[6/6] GRUB menu: not run, the kernel did not build")
        phase.note = "not run: no kernel"
        return phase
    log_dir = log_dir or OUT / "menu"
    status(f"[6/6] GRUB menu: {len(grub_menu.CHECKS)} entries chosen on the serial terminal; "
           f"the benchmark report read off the screen's QR codes")
    start = time.monotonic()
    for check in grub_menu.CHECKS:
        result = grub_menu.run(check, elf, log_dir)
        record(phase, check.name, result.ok, result.why, result.seconds, result.log)
    screen = screen_qr.run(elf, log_dir)
    record(phase, "screen-qr-uefi-kbench", screen.ok, screen.why, screen.seconds, screen.log)
    phase.seconds = time.monotonic() - start
    return phase


def record(phase: Phase, name: str, ok: bool, why: str, seconds: float,
           log: pathlib.Path) -> None:
    print(f"  {name}  {'ok' if ok else 'FAILED'}  ({seconds:.1f} s)", flush=True)
    if ok:
        phase.passed += 1
    else:
        phase.failed += 1
        phase.failures.append(f"FAIL {name}: {why} (log {log})")


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
