"""Checks boot-cell serial logs: keel's sanitized `usable` total must equal the usable RAM
of the firmware's raw map (the map keel prints first) after trimming every usable range
inward to 4 KiB pages and merging overlaps.

    python3 tests/boot/usable_check.py out/logs/*.log    # after ./kx test

Not wired into `./kx test` (the driver has no per-cell log checks yet); exit status 1 if
any log disagrees or has no map.
"""

import pathlib
import re
import sys

PAGE = 0x1000
# EFI types keel may use once it owns the machine: loader code/data, boot-services code/data,
# conventional memory. e820 (BIOS via multiboot2, PVH): type 1.
EFI_USABLE = {1, 2, 3, 4, 7}
RAW_MAP = re.compile(r"memory map from the firmware \(\d+ entries, (\w+)\):\n((?:  \[mem .*\n)+)")
ENTRY = re.compile(r"\s*\[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\].*\((\d+)\)$")
USABLE = re.compile(r"^usable .*\(0x([0-9a-f]+) bytes\)", re.M)


def raw_usable(text: str) -> int | None:
    """Usable bytes of the raw map, page-trimmed and merged; None without a map."""
    m = RAW_MAP.search(text)
    if not m:
        return None
    kind, ranges = m.group(1), []
    for line in m.group(2).splitlines():
        e = ENTRY.match(line)
        start, end, kind_code = int(e[1], 16), int(e[2], 16) + 1, int(e[3])
        if kind_code not in (EFI_USABLE if kind == "EFI" else {1}):
            continue
        start, end = -(-start // PAGE) * PAGE, end // PAGE * PAGE
        if end > start:
            ranges.append((start, end))
    total, covered = 0, 0
    for start, end in sorted(ranges):
        start = max(start, covered)
        if end > start:
            total += end - start
            covered = end
    return total


def check(text: str) -> str | None:
    """A problem, or None when the totals agree."""
    raw = raw_usable(text)
    keel = USABLE.search(text)
    if raw is None or keel is None:
        return "no raw memory map or no `usable` line in the log"
    keel_bytes = int(keel[1], 16)
    if raw != keel_bytes:
        return f"keel's usable {keel_bytes:#x} != firmware's page-trimmed usable {raw:#x}"
    return None


def main(paths: list[str]) -> int:
    bad = 0
    for path in paths:
        problem = check(pathlib.Path(path).read_text(errors="replace"))
        verdict = problem or "usable total agrees with the firmware map"
        print(f"{pathlib.Path(path).stem}: {verdict}")
        bad += problem is not None
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
