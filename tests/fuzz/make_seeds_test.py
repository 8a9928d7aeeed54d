import json
import pathlib
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_seeds  # noqa: E402


def entries(data: bytes) -> list[tuple[int, int, int, int]]:
    return [struct.unpack_from("<QQII", data, 1 + 24 * i) for i in range((len(data) - 1) // 24)]


class MemmapSeedsTest(unittest.TestCase):
    def test_real_maps_header(self):
        maps = make_seeds.real_maps()
        self.assertIn("SEABIOS_PC_512M", maps)
        self.assertEqual(maps["SEABIOS_PC_512M"][0], (0, 0x9fc00, 1, False))
        self.assertTrue(all(efi for *_, efi in maps["OVMF_128M_EFI"]))
        self.assertGreaterEqual(len(maps), 8)
        self.assertTrue(all(maps.values()), "a map parsed to no entries")

    def test_json_map_e820_and_efi(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp, "m.json")
            path.write_text(json.dumps({"entries": [
                {"base": "0x0", "end_inclusive": "0x9ffff", "type": "usable"},
                {"base": "0x100000", "end_inclusive": "0x100fff", "type": "ACPI NVS"},
                {"base": "0x200000", "end_inclusive": "0x2fffff",
                 "type": "EfiConventionalMemory"}]}))
            self.assertEqual(make_seeds.json_map(path), [(0, 0xa0000, 1, False),
                                                         (0x100000, 0x1000, 4, False),
                                                         (0x200000, 0x100000, 7, True)])

    def test_input_format(self):
        data = make_seeds.memmap_input(40, [(0x1000, 0x2000, 7, True), (0, 1, 1, False)])
        self.assertEqual(data[0], 40)
        self.assertEqual(len(data), 1 + 2 * 24)
        self.assertEqual(entries(data), [(0x1000, 0x2000, 7, 1), (0, 1, 1, 0)])

    def test_seeds_include_the_edges(self):
        seeds = make_seeds.memmap_seeds(None)
        self.assertEqual(len(entries(seeds["too-many"])), make_seeds.MAX_FIRMWARE_REGIONS + 1)
        base, length, _, _ = entries(seeds["wrapping-entry"])[-1]
        self.assertGreater(base + length, 2**64)


class OpSeedsTest(unittest.TestCase):
    def test_deterministic_and_within_the_fuzzers_limits(self):
        self.assertEqual(make_seeds.allocator_seeds(), make_seeds.allocator_seeds())
        for data in make_seeds.allocator_seeds().values():
            self.assertEqual(len(data) % 3, 0)
            self.assertLessEqual(len(data), 3 * 4096)
        options = set()
        for data in make_seeds.page_table_seeds().values():
            self.assertTrue(0 < len(data) <= 8 * 1024)
            options.add(data[0])
        self.assertEqual(options, {0, 1, 2, 3})  # 4/5 levels, with and without 1 GiB pages


if __name__ == "__main__":
    unittest.main()
