#include "kernel/kbench/cpu_caches.h"

namespace kernel::kbench {

const char* cache_type_name(CacheType type) {
  switch (type) {
    case CacheType::Data: return "Data";
    case CacheType::Instruction: return "Instruction";
    case CacheType::Unified: return "Unified";
  }
  return "Unknown";
}

std::optional<CacheInfo> decode_cache_leaf(std::uint32_t eax, std::uint32_t ebx,
                                           std::uint32_t ecx) {
  const std::uint32_t type = eax & 0x1f;
  if (type < 1 || type > 3) return std::nullopt;
  const std::uint64_t line = (ebx & 0xfff) + 1;
  const std::uint64_t partitions = ((ebx >> 12) & 0x3ff) + 1;
  const std::uint64_t ways = ((ebx >> 22) & 0x3ff) + 1;
  const std::uint64_t sets = std::uint64_t{ecx} + 1;
  return CacheInfo{
      .type = static_cast<CacheType>(type),
      .level = static_cast<std::uint8_t>((eax >> 5) & 0x7),
      .size_bytes = ways * partitions * line * sets,
      .num_sharing = ((eax >> 14) & 0xfff) + 1,
  };
}

std::size_t decode_amd_legacy_caches(std::uint32_t l1_ecx, std::uint32_t l1_edx,
                                     std::uint32_t l2_ecx, std::uint32_t l3_edx,
                                     std::span<CacheInfo> out) {
  const CacheInfo all[] = {
      {CacheType::Data, 1, std::uint64_t{l1_ecx >> 24} << 10, 1},       // bits 31:24, KiB
      {CacheType::Instruction, 1, std::uint64_t{l1_edx >> 24} << 10, 1},
      {CacheType::Unified, 2, std::uint64_t{l2_ecx >> 16} << 10, 1},     // bits 31:16, KiB
      {CacheType::Unified, 3, std::uint64_t{l3_edx >> 18} << 19, 0},     // bits 31:18, 512 KiB
  };
  std::size_t count = 0;
  for (const CacheInfo& cache : all) {
    if (cache.size_bytes != 0 && count < out.size()) out[count++] = cache;
  }
  return count;
}

}  // namespace kernel::kbench
