#include "arch/x86_64/early_paging.h"

#include <cstring>

#include "arch/x86_64/cpu.h"
#include "mm/hal.h"
#include "mm/layout.h"
#include "mm/linear_map.h"

extern "C" std::uint64_t boot_pml4[512];  // boot/entry.S (identity-mapped, physical = address)

namespace arch {
namespace {

constexpr std::uint64_t PRESENT = 1ull << 0;
constexpr std::uint64_t WRITABLE = 1ull << 1;
constexpr std::uint64_t HUGE = 1ull << 7;
constexpr std::uint64_t GLOBAL = 1ull << 8;
constexpr std::uint64_t NO_EXECUTE = 1ull << 63;
constexpr std::uint64_t ADDRESS_MASK = 0x000f'ffff'ffff'f000ull;

constexpr std::uint64_t SIZE_2M = 2ull << 20;
constexpr std::uint64_t SIZE_1G = 1ull << 30;

std::uint64_t* table_at(std::uint64_t paddr) {
  return static_cast<std::uint64_t*>(mm::phys_to_virt(paddr));
}

unsigned index_of(std::uint64_t va, unsigned level) { return (va >> (12 + 9 * (level - 1))) & 511; }

// Returns the next-level table for `entry`, creating it if absent; nullptr on failure.
std::uint64_t* next_table(std::uint64_t& entry, EarlyMapResult& result, std::uint64_t va,
                          std::uint64_t table_limit, TableFrameSource source, void* context) {
  if (entry & PRESENT) {
    if (entry & HUGE) {
      result = {false, EarlyMapError::AlreadyMapped, va, result.tables_allocated};
      return nullptr;
    }
    return table_at(entry & ADDRESS_MASK);
  }
  const std::uint64_t frame = source(context);
  if (frame == 0) {
    result = {false, EarlyMapError::OutOfFrames, va, result.tables_allocated};
    return nullptr;
  }
  if (frame >= table_limit) {
    result = {false, EarlyMapError::TableTooHigh, va, result.tables_allocated};
    return nullptr;
  }
  std::memset(table_at(frame), 0, 4096);
  ++result.tables_allocated;
  entry = frame | PRESENT | WRITABLE;
  return table_at(frame);
}

}  // namespace

const char* error_name(EarlyMapError error) {
  switch (error) {
    case EarlyMapError::Misaligned: return "Misaligned";
    case EarlyMapError::AlreadyMapped: return "AlreadyMapped";
    case EarlyMapError::OutOfFrames: return "OutOfFrames";
    case EarlyMapError::TableTooHigh: return "TableTooHigh";
  }
  return "?";
}

EarlyMapResult early_map(std::uint64_t va, std::uint64_t pa, std::uint64_t size,
                         bool use_1g_pages, std::uint64_t table_limit, TableFrameSource source,
                         void* context) {
  EarlyMapResult result;
  if ((va | pa | size) & (SIZE_2M - 1)) return {false, EarlyMapError::Misaligned, va, 0};
  std::uint64_t* pml4 = table_at(reinterpret_cast<std::uint64_t>(boot_pml4));
  const std::uint64_t end = va + size;
  while (va < end) {
    std::uint64_t* pdpt = next_table(pml4[index_of(va, 4)], result, va, table_limit, source, context);
    if (pdpt == nullptr) return result;
    std::uint64_t& pdpte = pdpt[index_of(va, 3)];
    const std::uint64_t leaf_flags = PRESENT | WRITABLE | HUGE | GLOBAL | NO_EXECUTE;
    if (use_1g_pages && ((va | pa) & (SIZE_1G - 1)) == 0 && end - va >= SIZE_1G) {
      if (pdpte & PRESENT) return {false, EarlyMapError::AlreadyMapped, va, result.tables_allocated};
      pdpte = pa | leaf_flags;
      invlpg(va);
      va += SIZE_1G;
      pa += SIZE_1G;
      continue;
    }
    std::uint64_t* pd = next_table(pdpte, result, va, table_limit, source, context);
    if (pd == nullptr) return result;
    std::uint64_t& pde = pd[index_of(va, 2)];
    if (pde & PRESENT) return {false, EarlyMapError::AlreadyMapped, va, result.tables_allocated};
    pde = pa | leaf_flags;
    invlpg(va);
    va += SIZE_2M;
    pa += SIZE_2M;
  }
  return result;
}

}  // namespace arch
