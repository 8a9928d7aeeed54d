// PageTableConfig: what one kind of page table may map, as a type parameter.
//
//   struct C {
//     static constexpr PagingLevel NR_LEVELS = 4;        // 4, or 5 with LA57
//     static constexpr unsigned TOP_INDEX_BEGIN = 256;   // top-level entries it owns,
//     static constexpr unsigned TOP_INDEX_END = 512;     //   [begin, end)
//     static constexpr bool TRACKED = true;              // leaves may be frames with metadata
//     static constexpr bool UNTRACKED = true;            // leaves may be raw physical ranges
//     static constexpr bool USER = false;                // intermediate entries allow user mode
//     static constexpr bool GLOBAL_FLUSH = true;         // full flushes must drop global pages
//     using Pte = PteX86_64;                             // the entry format
//     static constexpr bool FORBID_WX = true;            // optional: W^X (below)
//   };
//
// W^X: a config with FORBID_WX = true (the kernel's) has no leaf that is both writable and
// executable, ever: CursorMut::map, map_phys and protect_next check the property they would
// write with check_leaf_property (below) before changing anything and return
// PtError::WritableExecutable instead. The policy lives in the config, the one place every
// kernel mapping change passes through, so no caller of the kernel table can bypass it.
//
// The virtual range a config covers follows from its top-level indices (sign-extended):
// the kernel's [256, 512) is 0xffff_8000_0000_0000..=0xffff_ffff_ffff_ffff with 4 levels.
// Ranges are kept as (start, last) with `last` inclusive, so the top of the address space
// never needs an `end` of 2^64 (which wraps to 0).
#pragma once

#include <concepts>
#include <cstdint>

#include <expected>

#include "mm/page_table/page_property.h"
#include "mm/page_table/paging_consts.h"
#include "mm/page_table/pt_error.h"
#include "mm/page_table/pte_x86_64.h"
#include "mm/types.h"

namespace mm::page_table {

template <typename P>
concept PteFormat = requires(typename P::Raw e, Paddr pa, PageProperty prop, PagingLevel level) {
  { P::absent() } -> std::same_as<typename P::Raw>;
  { P::is_present(e) } -> std::same_as<bool>;
  { P::is_leaf(e, level) } -> std::same_as<bool>;
  { P::is_tracked(e) } -> std::same_as<bool>;
  { P::make_child(pa, true) } -> std::same_as<typename P::Raw>;
  { P::child_paddr(e) } -> std::same_as<Paddr>;
  { P::make_leaf(pa, prop, level, true) } -> std::same_as<typename P::Raw>;
  { P::leaf_paddr(e, level) } -> std::same_as<Paddr>;
  { P::leaf_property(e, level) } -> std::same_as<PageProperty>;
  { P::with_property(e, prop, level) } -> std::same_as<typename P::Raw>;
  requires sizeof(typename P::Raw) == 8;
  requires P::PADDR_BITS >= 32 && P::PADDR_BITS < 64;
};

template <typename C>
concept PageTableConfig = PteFormat<typename C::Pte> && requires {
  requires C::NR_LEVELS == 4 || C::NR_LEVELS == 5;
  requires C::TOP_INDEX_BEGIN < C::TOP_INDEX_END && C::TOP_INDEX_END <= NR_ENTRIES;
  { C::TRACKED } -> std::convertible_to<bool>;
  { C::UNTRACKED } -> std::convertible_to<bool>;
  { C::USER } -> std::convertible_to<bool>;
  { C::GLOBAL_FLUSH } -> std::convertible_to<bool>;
};

// The first and last (inclusive) virtual addresses config C covers.
template <PageTableConfig C>
inline constexpr Vaddr config_va_start =
    sign_extend(Vaddr{C::TOP_INDEX_BEGIN} << level_shift(C::NR_LEVELS), C::NR_LEVELS);
template <PageTableConfig C>
inline constexpr Vaddr config_va_last =
    sign_extend((Vaddr{C::TOP_INDEX_END} << level_shift(C::NR_LEVELS)) - 1, C::NR_LEVELS);

// True if config C declares FORBID_WX = true (absent means false).
template <typename C>
inline constexpr bool config_forbids_wx = requires { requires C::FORBID_WX; };

// Whether a leaf with `prop` may exist in a table of config C. Error: WritableExecutable.
template <PageTableConfig C>
[[nodiscard]] constexpr std::expected<void, PtError> check_leaf_property(const PageProperty& prop) {
  if constexpr (config_forbids_wx<C>) {
    if (prop.writable() && prop.executable()) return std::unexpected(PtError::WritableExecutable);
  }
  return {};
}

// For protect_next: applies `op` to a copy of the property of the first mapped slot in
// [cursor.va(), +len) and checks the result, without splitting or writing anything; the
// cursor ends where it started. A huge leaf protect_next would split keeps its property,
// so the check sees exactly what protect_next would write. `op` must not depend on how
// often it is called. Errors: as find_next, WritableExecutable.
template <PageTableConfig C, typename CursorT, typename Op>
[[nodiscard]] std::expected<void, PtError> check_protect_property(CursorT& cursor, std::uint64_t len, Op& op) {
  const Vaddr from = cursor.va();
  const auto found = cursor.find_next(len);
  if (!found) return std::unexpected(found.error());
  std::expected<void, PtError> verdict{};
  if (*found) {
    PageProperty prop = cursor.query().prop;
    op(prop);
    verdict = check_leaf_property<C>(prop);
  }
  if (auto back = cursor.jump(from); !back) return back;
  return verdict;
}

// The kernel half: untracked (linear map, MMIO, image) and tracked leaves, global pages,
// W^X at every change.
template <PagingLevel Levels>
struct KernelPtConfig {
  static constexpr PagingLevel NR_LEVELS = Levels;
  static constexpr unsigned TOP_INDEX_BEGIN = NR_ENTRIES / 2;
  static constexpr unsigned TOP_INDEX_END = NR_ENTRIES;
  static constexpr bool TRACKED = true;
  static constexpr bool UNTRACKED = true;
  static constexpr bool USER = false;
  static constexpr bool GLOBAL_FLUSH = true;
  using Pte = PteX86_64;
  static constexpr bool FORBID_WX = true;
};

// A user-like lower half: tracked frames only.
template <PagingLevel Levels>
struct UserPtConfig {
  static constexpr PagingLevel NR_LEVELS = Levels;
  static constexpr unsigned TOP_INDEX_BEGIN = 0;
  static constexpr unsigned TOP_INDEX_END = NR_ENTRIES / 2;
  static constexpr bool TRACKED = true;
  static constexpr bool UNTRACKED = false;
  static constexpr bool USER = true;
  static constexpr bool GLOBAL_FLUSH = false;
  using Pte = PteX86_64;
};

static_assert(PageTableConfig<KernelPtConfig<4>> && PageTableConfig<UserPtConfig<5>>);
static_assert(config_forbids_wx<KernelPtConfig<4>> && config_forbids_wx<KernelPtConfig<5>>);
static_assert(!config_forbids_wx<UserPtConfig<4>>);
static_assert(!check_leaf_property<KernelPtConfig<4>>({PageFlags::RWX}).has_value());
static_assert(check_leaf_property<KernelPtConfig<4>>({PageFlags::RX}).has_value());
static_assert(check_leaf_property<UserPtConfig<4>>({PageFlags::RWX}).has_value());
static_assert(config_va_start<KernelPtConfig<4>> == 0xffff'8000'0000'0000);
static_assert(config_va_last<KernelPtConfig<4>> == ~Vaddr{0});
static_assert(config_va_last<UserPtConfig<4>> == 0x0000'7fff'ffff'ffff);
static_assert(config_va_start<KernelPtConfig<5>> == 0xff00'0000'0000'0000);
static_assert(config_va_last<UserPtConfig<5>> == 0x00ff'ffff'ffff'ffff);

}  // namespace mm::page_table
