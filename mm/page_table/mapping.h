// What a cursor reports about one slot of the address space, and what take_next hands back.
#pragma once

#include <cstdint>
#include <optional>

#include "mm/frame/frame.h"
#include "mm/page_table/page_property.h"
#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::page_table {

enum class MappingKind : std::uint8_t {
  None,       // nothing mapped (va/size: the absent entry's whole slot)
  Tracked,    // a frame with metadata; the mapping holds one of its references
  Untracked,  // a raw physical range (linear map, MMIO, kernel image)
};

struct PtMapping {
  Vaddr va = 0;             // start of the slot, aligned to `size`
  std::uint64_t size = 0;   // the slot's page size (4 KiB, 2 MiB, 1 GiB, or larger if absent)
  MappingKind kind = MappingKind::None;
  Paddr pa = 0;             // of the slot's first byte (mapped slots only)
  PageProperty prop{};      // mapped slots only
  PagingLevel level = 0;    // the level of the entry that maps (or lacks) it

  bool mapped() const { return kind != MappingKind::None; }
  friend bool operator==(const PtMapping&, const PtMapping&) = default;
};

// An unmapped slot, with the reference the mapping held if it was a tracked frame: dropping
// `frame` gives the frame back (the TLB has been flushed before take_next returns).
struct TakenItem {
  PtMapping mapping;
  std::optional<frame::UFrame> frame;
};

// A virtual range [va, va + size).
struct VaRange {
  Vaddr va = 0;
  std::uint64_t size = 0;
  friend bool operator==(const VaRange&, const VaRange&) = default;
};

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const PtMapping& m) {
  if (!m.mapped()) {
    keel::fmt::print(sink, "[{:#x}, +{:#x}) unmapped", m.va, m.size);
    return;
  }
  keel::fmt::print(sink, "[{:#x}, +{:#x}) -> {:#x} {} {}", m.va, m.size, m.pa, m.prop,
             m.kind == MappingKind::Tracked ? "tracked" : "untracked");
}

}  // namespace mm::page_table
