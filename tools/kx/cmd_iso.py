"""`kx iso`: build the release ISO (//:keel_iso) and print its path."""

import argparse

import bazel
import deps

HELP = "build //:keel_iso and print its path"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def main(args: argparse.Namespace) -> int:
    deps.ensure(deps.KERNEL_BUILD + deps.ISO)
    bazel.build([bazel.KERNEL_ISO], config="kernel")
    print(bazel.bin_dir("kernel") / "keel.iso")
    return 0
