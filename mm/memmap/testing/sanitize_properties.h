// The sanitizer's properties as a checkable oracle, shared by the libFuzzer target and the
// deterministic corpus test. Host-only (uses the standard library freely).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mm/memmap/firmware_region.h"

namespace mm::memmap::testing {

struct FuzzInput {
  unsigned phys_addr_bits = 0;
  std::vector<memmap::FirmwareRegion> entries;
};

// Byte 0 picks phys_addr_bits (value % 64); then 24-byte multiboot2 e820 entries (u64 base,
// u64 length, u32 type, u32 reserved — whose bit 0 selects the EFI kind instead and bit 1
// marks the length saturated), little endian, at most MAX_FIRMWARE_REGIONS + 1 of them; a trailing partial entry is ignored.
FuzzInput decode_fuzz_input(const std::uint8_t* data, std::size_t size);

// Runs the sanitizer (and, on success, the planner and the early allocator) and checks
// every property; returns a description of the first violation, or nullopt.
// On success: regions sorted, disjoint, non-empty, page aligned, equal neighbors merged,
// below the physical limit; at every input and output boundary (±1 byte) the type equals
// a brute-force reference (usable shrinks inward, others grow outward, the most
// restrictive covering entry wins, holes stay holes; an entry running past 2^64 counts as
// nothing when usable and as reaching the limit otherwise); the plan backs every usable
// frame; early allocations lie in usable, unreserved frames. Each entry running past 2^64,
// and no other, gets a RunsPast2To64 warning. On error: the error is justified.
std::optional<std::string> sanitizer_property_violation(const FuzzInput& input);

// The fuzzer entry's body: decodes, checks, aborts with the description on a violation.
int run_sanitizer_fuzz_input(const std::uint8_t* data, std::size_t size);

}  // namespace mm::memmap::testing
