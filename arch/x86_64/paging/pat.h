// IA32_PAT programming that mm/page_table/pte_x86_64.h's cache-policy encoding relies on.
//
// Entries 0–3 keep their power-on values (WB, WT, UC-, UC) so that PWT/PCD alone mean what
// they always do; entry 4 (the PAT bit with PCD = PWT = 0) becomes write-combining, which is
// how PteX86_64 encodes CachePolicy::WriteCombining. Entries 5–7 repeat WT, UC-, UC.
// Without this, WC mappings silently behave as write-back (still correct, only slower).
#pragma once

#include <cstdint>

#include "mm/page_table/pte_x86_64.h"

namespace arch::paging {

inline constexpr std::uint32_t MSR_IA32_PAT = 0x277;

// PAT memory types.
inline constexpr std::uint64_t PAT_UC = 0x00, PAT_WC = 0x01, PAT_WT = 0x04, PAT_WB = 0x06,
                               PAT_UC_MINUS = 0x07;

constexpr std::uint64_t pat_entry(unsigned index, std::uint64_t type) { return type << (8 * index); }

inline constexpr std::uint64_t KEEL_PAT =
    pat_entry(0, PAT_WB) | pat_entry(1, PAT_WT) | pat_entry(2, PAT_UC_MINUS) | pat_entry(3, PAT_UC) |
    pat_entry(4, PAT_WC) | pat_entry(5, PAT_WT) | pat_entry(6, PAT_UC_MINUS) | pat_entry(7, PAT_UC);

using Pte = mm::page_table::PteX86_64;
static_assert(((KEEL_PAT >> (8 * Pte::PAT_INDEX_WB)) & 0xff) == PAT_WB);
static_assert(((KEEL_PAT >> (8 * Pte::PAT_INDEX_WT)) & 0xff) == PAT_WT);
static_assert(((KEEL_PAT >> (8 * Pte::PAT_INDEX_UC)) & 0xff) == PAT_UC);
static_assert(((KEEL_PAT >> (8 * Pte::PAT_INDEX_WC)) & 0xff) == PAT_WC);

// Writes KEEL_PAT to this CPU's IA32_PAT (every CPU must, before using WC mappings) and
// flushes the TLB. Returns false, changing nothing, if the CPU has no PAT (CPUID.1:EDX.16).
bool program_pat();

}  // namespace arch::paging
