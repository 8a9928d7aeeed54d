#!/usr/bin/env python3
"""Stands in for a libFuzzer binary in cmd_fuzz_test and cmd_test_test: prints what libFuzzer
prints and, in the `crash` scenario ($KX_FAKE_FUZZ), writes a reproducer under
-artifact_prefix and exits like a sanitizer report would. `crash:NAME` crashes only when
this script is invoked as NAME (a symlink). With -merge=1 / -set_cover_merge=1 it copies
the inputs of the other directories that the first lacks (by content) into the first.
$KX_FAKE_FUZZ_ARGV, if set, names a file to append the command line to."""

import hashlib
import os
import pathlib
import sys


def merge(dirs: list[str]) -> int:
    out = pathlib.Path(dirs[0])
    have = {p.read_bytes() for p in out.iterdir()}
    for d in dirs[1:]:
        for p in sorted(pathlib.Path(d).iterdir()):
            data = p.read_bytes()
            if data not in have:
                have.add(data)
                (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print("MERGE-OUTER: done", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    flags = dict(a[1:].split("=", 1) for a in argv[1:] if a.startswith("-") and "=" in a)
    corpora = [a for a in argv[1:] if not a.startswith("-")]
    if record := os.environ.get("KX_FAKE_FUZZ_ARGV"):
        with open(record, "a") as f:
            f.write(" ".join(argv[1:]) + "\n")
    if "merge" in flags or "set_cover_merge" in flags:
        return merge(corpora)
    scenario = os.environ.get("KX_FAKE_FUZZ", "clean")
    if scenario.startswith("crash:"):
        scenario = "crash" if scenario == f"crash:{pathlib.Path(argv[0]).name}" else "clean"
    print("INFO: Seed: 42", file=sys.stderr)
    print("INFO: Loaded 1 modules   (4167 inline 8-bit counters): 4167 [0x1, 0x2), ",
          file=sys.stderr)
    seeds = sum(len(os.listdir(c)) for c in corpora[1:])
    print(f"INFO: seed corpora: {seeds} files", file=sys.stderr)
    print("#2\tINITED cov: 100 ft: 120 corp: 1/1b exec/s: 0 rss: 30Mb", file=sys.stderr)
    pathlib.Path(corpora[0], "unit-1").write_bytes(b"x")
    print("#4096\tpulse  cov: 350 ft: 900 corp: 20/400b lim: 40 exec/s: 2048 rss: 31Mb",
          file=sys.stderr)
    if scenario == "crash":
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
