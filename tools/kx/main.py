"""kx: keel's developer driver. Started by ./kx (which makes sure python3 exists)."""

import argparse
import sys

import cmd_bench
import cmd_debug
import cmd_fuzz
import cmd_iso
import cmd_memmap
import cmd_run
import cmd_test
from common import KxError

# Subcommands with their own argument syntax get argv untouched.
PARSED = {"run": cmd_run, "test": cmd_test, "debug": cmd_debug, "iso": cmd_iso}
PASSTHROUGH = {
    "memmap": (cmd_memmap.HELP, cmd_memmap.main),
    "bench": (cmd_bench.HELP, cmd_bench.main),
    "fuzz": (cmd_fuzz.HELP, cmd_fuzz.main),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="kx", description="keel developer driver")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in PARSED.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    for name, (help_text, _) in PASSTHROUGH.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return top


def main(argv: list[str]) -> int:
    try:
        if argv and argv[0] in PASSTHROUGH:
            return PASSTHROUGH[argv[0]][1](argv[1:])
        # Kernel arguments follow `--`; split them off before argparse sees them.
        split = argv.index("--") if "--" in argv else len(argv)
        args = parser().parse_args(argv[:split])
        args.kernel_args = argv[split + 1:]
        if args.kernel_args and args.command not in ("run", "debug"):
            raise KxError(f"`kx {args.command}` takes no kernel arguments")
        return PARSED[args.command].main(args)
    except KxError as e:
        print(f"kx: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kx: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
