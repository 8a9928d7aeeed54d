"""Paths and messages shared by kx's modules."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "out"  # gitignored: ISOs, serial logs, benchmark output
LOGS = OUT / "logs"


class KxError(Exception):
    """A failure explained to the user; main() prints it and exits 1."""


def status(message: str) -> None:
    """A progress line. On stderr, so stdout carries only results (memmap, test summary)."""
    print(f"kx: {message}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
