"""Boot cells (tests/boot/matrix.py): boot keel with `ktest` under QEMU, then judge the KTAP
log on COM1 together with QEMU's exit status."""

import concurrent.futures
import dataclasses
import importlib.util
import os
import pathlib
import sys
from collections.abc import Callable, Sequence

import ktap
import qemu
import qemu_session
from common import LOGS, ROOT, tail

MATRIX = ROOT / "tests" / "boot" / "matrix.py"


def load_matrix(path: pathlib.Path = MATRIX) -> tuple:
    """The cells of tests/boot/matrix.py (kept outside tools/kx: it is test data)."""
    spec = importlib.util.spec_from_file_location("keel_boot_matrix", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module.CELLS


@dataclasses.dataclass
class CellResult:
    cell: object
    log: pathlib.Path
    seconds: float = 0.0
    report: ktap.Report | None = None
    problems: list[str] = dataclasses.field(default_factory=list)  # boot-level failures
    skip_reason: str | None = None
    qemu_output: str = ""  # QEMU's own stdout/stderr, for unexpected exits

    # Counts: every KTAP leaf is a test; a boot-level failure (timeout, panic, unexpected
    # exit, malformed log) counts as one more failed test; a skipped cell as one skip.
    halted_as_expected: bool = False  # an expect_halt cell saw its message

    @property
    def passed(self) -> int:
        return (self.report.passed if self.report else 0) + (1 if self.halted_as_expected else 0)

    @property
    def failed(self) -> int:
        return (self.report.failed if self.report else 0) + (1 if self.problems else 0)

    @property
    def skipped(self) -> int:
        return (self.report.skipped if self.report else 0) + (1 if self.skip_reason else 0)


def verdict(status: int | None, report: ktap.Report, timeout: float) -> list[str]:
    """Boot-level problems, from QEMU's exit status checked against the KTAP log."""
    problems = list(report.errors)
    if status is None:
        problems.append(f"timed out after {timeout:g} s")
    elif status == qemu.PANIC:
        problems.append("kernel panic (exit status 37)")
    elif status == qemu.TESTS_PASSED and report.failed:
        problems.append("kernel exited with 'tests passed' (33) but the KTAP log has failures")
    elif status == qemu.TESTS_FAILED and not report.failed:
        problems.append("kernel exited with 'tests failed' (35) but no KTAP result failed")
    elif status == qemu.POWEROFF:
        problems.append("guest powered off or reset (QEMU status 0) instead of reporting test results")
    elif status not in (qemu.TESTS_PASSED, qemu.TESTS_FAILED):
        problems.append(f"unexpected exit (QEMU status {status})")
    return problems


def kernel_args(cell) -> list[str]:
    return ["ktest", *cell.kernel_args]


def run_cell(cell, image: pathlib.Path, logs: pathlib.Path, qemu_binary: str) -> CellResult:
    log = logs / f"{cell.name}.log"
    with qemu_session.boot(cell.boot, image=image, kernel_args=kernel_args(cell), serial=log,
                           bench=logs / f"{cell.name}.bench.json",
                           output=logs / f"{cell.name}.qemu.txt",
                           qemu_binary=qemu_binary) as session:
        if cell.expect_halt:
            # A halted kernel never exits by itself: waiting for QEMU would only ever end
            # at the timeout.
            halted = session.wait_for(cell.expect_halt, timeout=cell.timeout) is not None
            report = None
            problems = [] if halted else [f"expected keel to halt with '{cell.expect_halt}'; "
                                          f"it did not"]
        else:
            halted = False
            status = session.wait(timeout=cell.timeout)
            report = ktap.parse(session.serial.text())
            problems = verdict(status, report, cell.timeout)
    return CellResult(cell, log, session.seconds, report, problems,
                      qemu_output=session.qemu_said(), halted_as_expected=halted)


def run_cells(cells: Sequence, elf: pathlib.Path, *, logs: pathlib.Path = LOGS,
              jobs: int | None = None, qemu_binary: str = qemu.QEMU,
              on_result: Callable[[CellResult], None] = lambda r: None,
              checks_elf: pathlib.Path | None = None) -> list[CellResult]:
    """Boots every cell, at most `jobs` (default: one per CPU) QEMUs at once; cells with
    lock_order_checks boot `checks_elf` (and fail, naming why, without one)."""
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, CellResult] = {}
    runnable = []
    for cell in cells:
        problem = qemu.kvm_problem(qemu.cpu_model(cell.boot)) if cell.boot.accel == "kvm" else None
        cell_elf = checks_elf if cell.lock_order_checks else elf
        if problem:
            results[cell.name] = CellResult(cell, logs / f"{cell.name}.log", skip_reason=problem)
            on_result(results[cell.name])
        elif cell_elf is None:
            results[cell.name] = CellResult(
                cell, logs / f"{cell.name}.log",
                problems=["not booted: the lock-order-checked kernel did not build"])
            on_result(results[cell.name])
        else:
            # ISOs first and serially: cells with the same command line share one.
            runnable.append((cell, qemu.image_for(cell.boot, cell_elf, kernel_args(cell))))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
    try:
        futures = [pool.submit(run_cell, cell, image, logs, qemu_binary)
                   for cell, image in runnable]
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results[result.cell.name] = result
            on_result(result)
    except BaseException:
        qemu_session.stop_all()
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    return [results[c.name] for c in cells]


def describe_failures(result: CellResult) -> list[str]:
    """Report lines for one cell: each failing test with its diagnostics, then boot problems."""
    lines = []
    prefix = result.cell.name
    for path, test in result.report.failures() if result.report else []:
        what = "no result (kernel stopped before it)" if test.status == ktap.MISSING else "not ok"
        lines.append(f"FAIL {prefix}: {path}  [{what}]")
        lines += [f"       {d}" for d in test.leading + test.diagnostics]
    for problem in result.problems:
        lines.append(f"FAIL {prefix}: {problem}")
    if result.problems and result.qemu_output.strip():
        lines.append("       QEMU said:")
        lines += [f"         {line}" for line in tail(result.qemu_output, 10).splitlines()]
    if lines:
        lines.append(f"       serial log: {_display_path(result.log)}")
    return lines


def _display_path(path: pathlib.Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
