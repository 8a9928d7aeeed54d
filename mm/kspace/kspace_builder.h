// Builds the kernel's page table from a KernelSpaceSpec (does not activate it):
//
//   LINEAR_MAP_BASE + pa   all RAM (merged, page-rounded), untracked, RW NX global WB,
//                          1 GiB pages where the CPU has them, else 2 MiB, 4 KiB at edges;
//                          then the extra ranges (framebuffer, ACPI...) with their cache
//                          policy, minus what RAM already covers
//   FRAME_METADATA_BASE+o  the metadata region's backed pieces, RW NX global WB
//   kernel image           text R+X, rodata R, ksyms R NX, data/bss RW NX, global, 4 KiB
//                          (2 MiB where aligned); guard pages left unmapped
//
// Nothing else: no identity map, so the null page and low memory fault. The result passes
// check_wx. Works for any kernel config (4- or 5-level); the boot uses 4 levels.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <expected>
#include <span>

#include "mm/kspace/kspace_error.h"
#include "mm/kspace/kspace_spec.h"
#include "mm/layout.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/wx_check.h"

namespace mm::kspace {

struct KspaceStats {
  std::uint64_t linear_bytes = 0;  // RAM mapped in the linear map
  std::uint64_t extra_bytes = 0;   // extra ranges mapped (beyond RAM)
  std::uint64_t meta_bytes = 0;
  std::uint64_t image_bytes = 0;
};

inline constexpr page_table::PageProperty LINEAR_PROP{page_table::PageFlags::RW, page_table::CachePolicy::Writeback,
                                              false, true};

namespace detail {

template <page_table::PageTableConfig C>
[[nodiscard]] std::expected<void, KspaceError> map_phys_at(page_table::PageTable<C>& table, KspaceStep step, Vaddr va,
                                             PhysRange range, const page_table::PageProperty& prop) {
  auto cursor = table.cursor_mut(va, range.size());
  if (!cursor) return std::unexpected(KspaceError{step, cursor.error(), va});
  if (auto r = cursor->map_phys(range, prop); !r) return std::unexpected(KspaceError{step, r.error(), va});
  return {};
}

// Calls fn(range) for the RAM ranges page-rounded, in ascending order, merged where they
// touch or overlap (so 1 GiB / 2 MiB pages span boundaries between adjacent firmware
// regions). Works on the input in place, with no copy and so no limit on its length:
// O(n²) in the ranges, which firmware maps keep in the tens.
template <typename Fn>
auto for_each_merged_ram(std::span<const PhysRange> ram, Fn&& fn) -> decltype(fn(PhysRange{})) {
  const auto rounded = [](const PhysRange& r) {
    return PhysRange{align_down(r.start, PAGE_SIZE), align_up(r.end, PAGE_SIZE)};
  };
  Paddr done = 0;  // everything below is visited
  bool any_done = false;
  for (;;) {
    // The next merged range starts at the lowest start among ranges reaching past `done`
    // (after a merged range ends, no range straddles its end).
    std::optional<Paddr> start;
    for (const PhysRange& in : ram) {
      const PhysRange r = rounded(in);
      if (r.empty() || (any_done && r.end <= done)) continue;
      if (!start || r.start < *start) start = r.start;
    }
    if (!start) return {};
    Paddr end = *start;
    for (bool grew = true; grew;) {
      grew = false;
      for (const PhysRange& in : ram) {
        const PhysRange r = rounded(in);
        if (!r.empty() && r.start <= end && r.end > end) {
          end = r.end;
          grew = true;
        }
      }
    }
    TRY_VOID(fn(PhysRange{*start, end}));
    done = end;
    any_done = true;
  }
}

// Maps the parts of `range` (linear map) that nothing maps yet.
template <page_table::PageTableConfig C>
[[nodiscard]] std::expected<std::uint64_t, KspaceError> map_linear_gaps(page_table::PageTable<C>& table, PhysRange range,
                                                          const page_table::PageProperty& prop) {
  const Vaddr start = layout::LINEAR_MAP_BASE + range.start;
  const Vaddr end = layout::LINEAR_MAP_BASE + range.end;
  auto cursor = table.cursor_mut(start, range.size());
  if (!cursor) return std::unexpected(KspaceError{KspaceStep::Extra, cursor.error(), start});
  std::uint64_t mapped = 0;
  Vaddr at = start;
  while (at < end) {
    const auto found = cursor->find_next(end - at);
    if (!found) return std::unexpected(KspaceError{KspaceStep::Extra, found.error(), at});
    const Vaddr gap_end = found->value_or(end);
    if (gap_end > at) {
      if (auto j = cursor->jump(at); !j) return std::unexpected(KspaceError{KspaceStep::Extra, j.error(), at});
      const Paddr pa = at - layout::LINEAR_MAP_BASE;
      if (auto r = cursor->map_phys({pa, pa + (gap_end - at)}, prop); !r) {
        return std::unexpected(KspaceError{KspaceStep::Extra, r.error(), at});
      }
      mapped += gap_end - at;
    }
    if (!found->has_value()) break;
    if (auto j = cursor->jump(gap_end); !j) return std::unexpected(KspaceError{KspaceStep::Extra, j.error(), gap_end});
    const page_table::PtMapping slot = cursor->query();
    at = slot.va + slot.size;  // past the mapping that is in the way
    if (at <= gap_end) break;  // wrapped: the mapping reaches the top of the address space
    if (at < end && !cursor->jump(at)) break;
  }
  return mapped;
}

// Maps [start, end) of the image with `prop`, leaving the (sorted) guard pages out.
template <page_table::PageTableConfig C>
[[nodiscard]] std::expected<std::uint64_t, KspaceError> map_image_section(page_table::PageTable<C>& table, Vaddr start,
                                                            Vaddr end, const page_table::PageProperty& prop,
                                                            std::span<const Vaddr> guards,
                                                            Vaddr vma_offset) {
  start = align_down(start, PAGE_SIZE);
  end = align_up(end, PAGE_SIZE);
  std::uint64_t mapped = 0;
  Vaddr at = start;
  auto map_piece = [&](Vaddr piece_end) -> std::expected<void, KspaceError> {
    if (piece_end > at) {
      TRY_VOID(map_phys_at(table, KspaceStep::Image, at, {at - vma_offset, piece_end - vma_offset}, prop));
      mapped += piece_end - at;
    }
    return {};
  };
  for (const Vaddr guard : guards) {
    if (guard < at || guard >= end) continue;
    TRY_VOID(map_piece(guard));
    at = guard + PAGE_SIZE;
  }
  TRY_VOID(map_piece(end));
  return mapped;
}

}  // namespace detail

// Builds the kernel page table described by `spec` into `table` (a fresh, empty one).
// Errors: the failing step and address; on error `table` holds what was mapped so far.
template <page_table::PageTableConfig C>
[[nodiscard]] std::expected<KspaceStats, KspaceError> build_kernel_space(page_table::PageTable<C>& table,
                                                           const KernelSpaceSpec& spec) {
  KspaceStats stats;
  TRY_VOID(detail::for_each_merged_ram(spec.ram, [&](PhysRange ram) -> std::expected<void, KspaceError> {
    if (ram.end > MAX_PADDR) {
      return std::unexpected(KspaceError{KspaceStep::LinearMap, page_table::PtError::OutOfRange, ram.start});
    }
    TRY_VOID(detail::map_phys_at(table, KspaceStep::LinearMap, layout::LINEAR_MAP_BASE + ram.start,
                                 ram, LINEAR_PROP));
    stats.linear_bytes += ram.size();
    return {};
  }));

  for (const ExtraPhysRange& extra : spec.extra) {
    const PhysRange range{align_down(extra.range.start, PAGE_SIZE), align_up(extra.range.end, PAGE_SIZE)};
    if (range.empty()) continue;
    if (range.end > MAX_PADDR) {
      return std::unexpected(KspaceError{KspaceStep::Extra, page_table::PtError::OutOfRange, range.start});
    }
    const page_table::PageProperty prop{extra.writable ? page_table::PageFlags::RW : page_table::PageFlags::R, extra.cache,
                                false, true};
    stats.extra_bytes += TRY(detail::map_linear_gaps(table, range, prop));
  }

  for (const MetaPiece& piece : spec.meta) {
    if (piece.backing.empty()) continue;
    TRY_VOID(detail::map_phys_at(table, KspaceStep::Metadata, layout::FRAME_METADATA_BASE + piece.offset,
                                 piece.backing, LINEAR_PROP));
    stats.meta_bytes += piece.backing.size();
  }

  if (spec.guard_pages.size() > MAX_GUARD_PAGES) return std::unexpected(KspaceError{KspaceStep::TooManyRanges});
  std::array<Vaddr, MAX_GUARD_PAGES> guards{};
  std::copy(spec.guard_pages.begin(), spec.guard_pages.end(), guards.begin());
  for (std::size_t i = 0; i < spec.guard_pages.size(); ++i) guards[i] = align_down(guards[i], PAGE_SIZE);
  std::sort(guards.begin(), guards.begin() + spec.guard_pages.size());
  const std::span<const Vaddr> sorted_guards(guards.data(), spec.guard_pages.size());
  const KernelImageLayout& image = spec.image;
  struct Section {
    Vaddr start, end;
    page_table::PageFlags flags;
  };
  const Section sections[] = {
      {image.text_start, image.text_end, page_table::PageFlags::RX},
      {image.rodata_start, image.rodata_end, page_table::PageFlags::R},
      {image.data_start, image.data_end, page_table::PageFlags::RW},
      {image.ksyms_start, image.ksyms_end, page_table::PageFlags::R},
      {image.bss_start, image.bss_end, page_table::PageFlags::RW},
  };
  for (const Section& s : sections) {
    if (s.end <= s.start) continue;
    const page_table::PageProperty prop{s.flags, page_table::CachePolicy::Writeback, false, true};
    stats.image_bytes += TRY(detail::map_image_section(table, s.start, s.end, prop, sorted_guards,
                                                       image.vma_offset));
  }

  if (auto wx = page_table::check_wx(table); !wx) {
    return std::unexpected(KspaceError{KspaceStep::WxCheck, page_table::PtError::OutOfRange, wx.error().va});
  }
  return stats;
}

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const KspaceStats& s) {
  keel::fmt::print(sink, "linear map {}, extra {}, metadata {}, image {}", keel::fmt::HumanBytes{s.linear_bytes},
             keel::fmt::HumanBytes{s.extra_bytes}, keel::fmt::HumanBytes{s.meta_bytes},
             keel::fmt::HumanBytes{s.image_bytes});
}

}  // namespace mm::kspace
