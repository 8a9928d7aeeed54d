"""Subcommands that exist in name only until their issue lands."""

import sys
from collections.abc import Callable


def stub(name: str) -> Callable[[list[str]], int]:
    def main(argv: list[str]) -> int:
        # The lead fills in the issue number when the issue is filed.
        print(f"kx {name}: not yet implemented (issue N)", file=sys.stderr)
        return 2
    return main
