// Cache descriptions for the benchmark report's context, decoded from CPUID leaf 4 (Intel)
// or 0x8000001D (AMD with TOPOEXT), which share one register layout, or else from AMD's
// older 0x80000005/0x80000006 (what QEMU's TCG CPUs with an AMD vendor answer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace kernel::kbench {

enum class CacheType : std::uint8_t { Data = 1, Instruction = 2, Unified = 3 };

// Google Benchmark's names: "Data", "Instruction", "Unified".
const char* cache_type_name(CacheType type);

struct CacheInfo {
  CacheType type;
  std::uint8_t level;
  std::uint64_t size_bytes;
  std::uint32_t num_sharing;  // logical processors sharing it
};

// One subleaf's EAX/EBX/ECX; nullopt for the terminating "no more caches" entry (type 0)
// or a reserved type.
std::optional<CacheInfo> decode_cache_leaf(std::uint32_t eax, std::uint32_t ebx,
                                           std::uint32_t ecx);

// ECX/EDX of 0x80000005 (L1 data, L1 instruction) and 0x80000006 (L2, L3). These leaves
// do not say how many CPUs share a cache: L1 and L2 are per core on AMD parts (1), L3 is
// reported as 0 (unknown). Writes the caches present (size != 0) to `out`, returns how many.
std::size_t decode_amd_legacy_caches(std::uint32_t l1_ecx, std::uint32_t l1_edx,
                                     std::uint32_t l2_ecx, std::uint32_t l3_edx,
                                     std::span<CacheInfo> out);

}  // namespace kernel::kbench
