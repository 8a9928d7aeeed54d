"""`kx memmap FILE [--json]`: run tools/memmap on a memory-map dump."""

import os

import bazel
import deps

HELP = "run //tools/memmap:memmap (arguments are passed through)"
TARGET = "//tools/memmap:memmap"


def main(argv: list[str]) -> int:
    deps.ensure(deps.HOST_BUILD)
    bazel.build([TARGET], quiet=True)
    binary = bazel.bin_dir() / "tools" / "memmap" / "memmap"
    # exec from the caller's directory (unlike `bazel run`), so relative FILE paths work and
    # only the tool's output and exit status reach the caller.
    os.execv(binary, [str(binary), *argv])
