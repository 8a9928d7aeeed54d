#!/usr/bin/env python3
"""Stands in for a libFuzzer binary in cmd_fuzz_test: prints what libFuzzer prints and, in
the `crash` scenario ($KX_FAKE_FUZZ), writes a reproducer under -artifact_prefix and exits
like a sanitizer report would."""

import os
import pathlib
import sys


def main(argv: list[str]) -> int:
    flags = dict(a[1:].split("=", 1) for a in argv[1:] if a.startswith("-") and "=" in a)
    corpora = [a for a in argv[1:] if not a.startswith("-")]
    print("INFO: Seed: 42", file=sys.stderr)
    print("INFO: Loaded 1 modules   (4167 inline 8-bit counters): 4167 [0x1, 0x2), ",
          file=sys.stderr)
    seeds = sum(len(os.listdir(c)) for c in corpora[1:])
    print(f"INFO: seed corpora: {seeds} files", file=sys.stderr)
    print("#2\tINITED cov: 100 ft: 120 corp: 1/1b exec/s: 0 rss: 30Mb", file=sys.stderr)
    pathlib.Path(corpora[0], "unit-1").write_bytes(b"x")
    print("#4096\tpulse  cov: 350 ft: 900 corp: 20/400b lim: 40 exec/s: 2048 rss: 31Mb",
          file=sys.stderr)
    if os.environ.get("KX_FAKE_FUZZ") == "crash":
        artifact = flags["artifact_prefix"] + "crash-da39a3ee"
        pathlib.Path(artifact).write_bytes(b"\xde\xad")
        print("==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602", file=sys.stderr)
        print("SUMMARY: AddressSanitizer: heap-buffer-overflow mm/x.cc:12 in f", file=sys.stderr)
        print("MS: 1 ChangeByte-; base unit: 0", file=sys.stderr)
        print(f"artifact_prefix='{flags['artifact_prefix']}'; Test unit written to {artifact}",
              file=sys.stderr)
        return 1
    print("Done 5000 runs in 2 second(s)", file=sys.stderr)
    print("stat::number_of_executed_units: 5000", file=sys.stderr)
    print("stat::average_exec_per_sec:     2500", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
