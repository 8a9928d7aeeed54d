#!/usr/bin/env python3
"""Writes the starting inputs of one fuzz target into a directory (see README.md here).

  python3 tests/fuzz/make_seeds.py memmap_sanitize_fuzzer DIR [--e820 DIR]
  python3 tests/fuzz/make_seeds.py allocator_fuzzer DIR
  python3 tests/fuzz/make_seeds.py page_table_fuzzer DIR

The output is deterministic. It is not the corpus itself: `./kx fuzz` runs the fuzzer from
these and merges (libFuzzer -merge=1) what adds coverage into tests/fuzz/corpus/<target>/.
The boot-info fuzzer's starting inputs come from //boot:boot_info_fuzz_seeds instead (real
GRUB multiboot2 blocks and a PVH image built by boot/fuzz/boot_blobs.cc).
"""

import argparse
import json
import pathlib
import random
import re
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
REAL_MAPS = ROOT / "mm" / "memmap" / "testing" / "real_maps.h"
# CI keeps shared/ beside the clone; a workstation has it under /work.
E820_DIRS = (ROOT.parent / "shared" / "data" / "e820", pathlib.Path("/work/shared/data/e820"))
MAX_FIRMWARE_REGIONS = 512  # mm/memmap/memory_map.h

E820_TYPES = {"usable": 1, "reserved": 2, "ACPI data": 3, "ACPI NVS": 4, "unusable": 5,
              "persistent (type 7)": 7, "persistent": 7, "soft reserved": 0xefffffff}
EFI_TYPES = ["EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData",
             "EfiBootServicesCode", "EfiBootServicesData", "EfiRuntimeServicesCode",
             "EfiRuntimeServicesData", "EfiConventionalMemory", "EfiUnusableMemory",
             "EfiACPIReclaimMemory", "EfiACPIMemoryNVS", "EfiMemoryMappedIO",
             "EfiMemoryMappedIOPortSpace", "EfiPalCode", "EfiPersistentMemory"]


# ---- memmap_sanitize_fuzzer: byte 0 = phys_addr_bits, then 24-byte e820 entries ---------
# (u64 base, u64 length, u32 type, u32 reserved whose low bit selects the EFI kind;
# mm/memmap/testing/sanitize_properties.h)

def memmap_input(phys_bits: int, entries: list[tuple[int, int, int, bool]]) -> bytes:
    out = bytearray([phys_bits])
    for base, length, type_, efi in entries:
        out += struct.pack("<QQII", base % 2**64, length % 2**64, type_ % 2**32, int(efi))
    return bytes(out)


_REGION = re.compile(r"\{\s*(0x[0-9a-fA-F]+|\d+),\s*(0x[0-9a-fA-F]+|\d+),\s*(\d+),\s*"
                     r"FirmwareMapKind::(E820|Efi)\s*\}")
_ARRAY = re.compile(r"inline constexpr FirmwareRegion (\w+)\[\] = \{(.*?)\n\};", re.DOTALL)


def real_maps(header: pathlib.Path = REAL_MAPS) -> dict[str, list[tuple[int, int, int, bool]]]:
    """The maps in mm/memmap/testing/real_maps.h (QEMU/SeaBIOS, OVMF, Firecracker, PVH)."""
    maps = {}
    for name, body in _ARRAY.findall(header.read_text()):
        maps[name] = [(int(b, 0), int(l, 0), int(t), k == "Efi")
                      for b, l, t, k in _REGION.findall(body)]
    return maps


def json_map(path: pathlib.Path) -> list[tuple[int, int, int, bool]]:
    """A map from shared/data/e820/*.json (README.md there): e820 type names or EFI ones."""
    data = json.loads(path.read_text())
    entries = []
    for e in data["entries"]:
        base, end = int(e["base"], 16), int(e["end_inclusive"], 16)
        if e["type"] in EFI_TYPES:
            entries.append((base, end - base + 1, EFI_TYPES.index(e["type"]), True))
        else:
            entries.append((base, end - base + 1, E820_TYPES.get(e["type"], 2), False))
    return entries


def memmap_seeds(e820_dir: pathlib.Path | None) -> dict[str, bytes]:
    maps = real_maps()
    if e820_dir is not None:
        for path in sorted(e820_dir.glob("*.json")):
            maps[path.stem] = json_map(path)
    seeds = {}
    for name, entries in maps.items():
        seeds[f"{name}-40bit"] = memmap_input(40, entries)
        seeds[f"{name}-reversed-36bit"] = memmap_input(36, entries[::-1])
    first = next(iter(maps.values()))
    # The edges the sanitizer must refuse or clamp, one each.
    seeds["wrapping-entry"] = memmap_input(46, first + [(0xfffffffffffff000, 0x2000, 1, False)])
    seeds["overlapping"] = memmap_input(46, first + [(0x80000, 0x100000, 2, False),
                                                     (0x1000, 0x5000, 1, True)])
    seeds["byte-granular"] = memmap_input(52, [(0x1001, 0x9f001, 1, False),
                                               (0x100000, 0x7ffff, 1, False)])
    seeds["too-many"] = memmap_input(40, [(i * 0x2000, 0x1000, 1 + i % 2, False)
                                          for i in range(MAX_FIRMWARE_REGIONS + 1)])
    seeds["no-usable"] = memmap_input(40, [(0, 0x100000, 2, False)])
    seeds["empty"] = memmap_input(40, [])
    return seeds


# ---- allocator_fuzzer: 3 bytes per step (op, arg lo, arg hi); model_driver.cc -----------

ALLOCATOR_OPS = 14


def allocator_seeds() -> dict[str, bytes]:
    rng = random.Random(0x6b65656c)
    seeds = {}
    for steps in (8, 40, 150, 400):
        for i in range(3):
            seeds[f"random-{steps}-{i}"] = bytes(rng.randrange(256) for _ in range(3 * steps))
    # Allocate a lot, then exercise one operation over what is live: reaches deeper
    # states than random steps (many live handles, high orders) in few bytes.
    for op in range(ALLOCATOR_OPS):
        steps = [(rng.choice((0, 1, 2)), rng.randrange(65536)) for _ in range(48)]
        steps += [(op, rng.randrange(65536)) for _ in range(24)]
        seeds[f"fill-then-op{op}"] = b"".join(bytes([o, a & 0xff, a >> 8]) for o, a in steps)
    return seeds


# ---- page_table_fuzzer: byte 0 = paging options, then ~8 bytes per operation ------------

def page_table_seeds() -> dict[str, bytes]:
    rng = random.Random(0x7074)
    seeds = {}
    for options in range(4):  # bit 0: 5 levels; bit 1: no 1 GiB pages
        for length in (16, 96, 400, 1200):
            body = bytes(rng.randrange(256) for _ in range(length))
            seeds[f"opts{options}-random-{length}"] = bytes([options]) + body
    return seeds


GENERATORS = {
    "memmap_sanitize_fuzzer": lambda args: memmap_seeds(args.e820),
    "allocator_fuzzer": lambda args: allocator_seeds(),
    "page_table_fuzzer": lambda args: page_table_seeds(),
}


def find_e820_dir() -> pathlib.Path | None:
    return next((d for d in E820_DIRS if d.is_dir()), None)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("target", choices=sorted(GENERATORS))
    p.add_argument("out", type=pathlib.Path, help="an existing directory")
    p.add_argument("--e820", type=pathlib.Path, default=find_e820_dir(),
                   help="shared/data/e820 (default: ../shared or /work/shared)")
    args = p.parse_args(argv)
    seeds = GENERATORS[args.target](args)
    for name, data in seeds.items():
        (args.out / f"seed-{name}").write_bytes(data)
    note = f" (maps from {args.e820})" if args.target.startswith("memmap") and args.e820 else ""
    print(f"wrote {len(seeds)} seeds to {args.out}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
