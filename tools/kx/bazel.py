"""Bazel invocations: kernel and host builds, output paths, and `bazel test` results."""

import dataclasses
import pathlib
import re
import subprocess
from collections.abc import Sequence

from common import ROOT, KxError, tail

KERNEL_ELF = "//kernel:keel.elf"
KERNEL_ISO = "//:keel_iso"


def bazel(args: Sequence[str], *, capture: bool) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["bazel", *args], cwd=ROOT, text=True, check=False,
                              capture_output=capture)
    except FileNotFoundError:
        raise KxError("bazel not found (Debian package bazel-bootstrap)") from None


def _config(config: str | None) -> list[str]:
    return [f"--config={config}"] if config else []


def build(targets: Sequence[str], *, config: str | None = None, quiet: bool = False) -> None:
    """Builds `targets`. Bazel's progress and errors go to the terminal unless `quiet`, in
    which case they are shown only when the build fails."""
    result = bazel(["build", *_config(config), *targets], capture=quiet)
    if result.returncode != 0:
        detail = f":\n{error_lines(result.stderr)}" if quiet else ""
        raise KxError(f"bazel build {' '.join(targets)} failed (exit {result.returncode}){detail}")


# Bazel's own errors and the compilers' (`file:line:col: error: ...`), without progress,
# warnings and sandbox chatter.
_ERROR = re.compile(r"^ERROR: |: (?:fatal )?error: |^FAILED: |^Target .* failed to build")


def error_lines(stderr: str, limit: int = 40) -> str:
    # dict: Bazel repeats some lines (e.g. the final FAILED) verbatim.
    lines = list(dict.fromkeys(line for line in stderr.splitlines() if _ERROR.search(line)))
    if not lines:
        return tail(stderr, limit)
    dropped = len(lines) - limit
    return "\n".join(lines[:limit] + ([f"... and {dropped} more"] if dropped > 0 else []))


def bin_dir(config: str | None = None) -> pathlib.Path:
    """bazel-bin of a configuration (the ./bazel-bin symlink follows the last build only)."""
    result = bazel(["info", *_config(config), "bazel-bin"], capture=True)
    if result.returncode != 0:
        raise KxError(f"bazel info bazel-bin failed:\n{tail(result.stderr)}")
    return pathlib.Path(result.stdout.strip())


def build_kernel(*, quiet: bool = False, lock_order_checks: bool = False) -> pathlib.Path:
    """The kernel ELF; with lock_order_checks, the build with mm's lock-order checker
    (.bazelrc config kernel-checks, its own output tree)."""
    config = "kernel-checks" if lock_order_checks else "kernel"
    build([KERNEL_ELF], config=config, quiet=quiet)
    return bin_dir(config) / "kernel" / "keel.elf"


@dataclasses.dataclass
class TargetResult:
    label: str
    status: str  # Bazel's word: PASSED, FAILED, NO STATUS, TIMEOUT, FLAKY, ...
    log: str = ""  # test.log path Bazel prints under a failed target

    @property
    def outcome(self) -> str:
        if self.status in ("PASSED", "FLAKY"):  # FLAKY: passed on a retry
            return "passed"
        return "skipped" if self.status == "SKIPPED" else "failed"


# `//mm:format_test     (cached) PASSED in 0.3s`, `//x:y     NO STATUS`, ...
_SUMMARY = re.compile(r"^(//\S+|@\S+)\s+(?:\(cached\) )?"
                      r"(PASSED|FAILED TO BUILD|FAILED|NO STATUS|TIMEOUT|FLAKY|INCOMPLETE|"
                      r"REMOTE FAILURE|SKIPPED)\b")


def parse_test_summary(stdout: str) -> list[TargetResult]:
    """Per-target results from `bazel test --test_summary=short` output."""
    results: list[TargetResult] = []
    for line in stdout.splitlines():
        if m := _SUMMARY.match(line):
            results.append(TargetResult(m.group(1), m.group(2)))
        elif results and line.startswith("  ") and line.strip().endswith("test.log"):
            results[-1].log = results[-1].log or line.strip()
    return results


def test_all(config: str | None = None) -> tuple[list[TargetResult], subprocess.CompletedProcess]:
    """`bazel test //...` in the host configuration (or `config`, e.g. tsan: .bazelrc picks
    its tests), every target even after a failure."""
    result = bazel(["test", *_config(config), "//...", "--keep_going", "--test_summary=short",
                    "--test_output=summary"], capture=True)
    return parse_test_summary(result.stdout), result
