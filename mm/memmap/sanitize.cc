#include "mm/memmap/sanitize.h"

#include <algorithm>
#include <array>

#include "mm/memmap/firmware_types.h"
#include "lib/fmt/format.h"

namespace mm::memmap {

// A sweep event packs a page-aligned address with its entry's type and whether it opens
// or closes the entry into one integer, so the scratch is 8 bytes per event and sorting is
// an integer sort. Only the address matters for order: all events at one address are
// applied before the range that follows it is emitted.
class MapSanitizer {
 public:
  MapSanitizer(const SanitizeOptions& options, MemoryMap& out, MapWarnings& warnings)
      : limit_(physical_limit(options)), out_(out), warnings_(warnings) {}

  [[nodiscard]] std::expected<void, MemoryMapError> run(std::span<const FirmwareRegion> entries) {
    out_.clear();
    if (entries.size() > MAX_FIRMWARE_REGIONS) {
      return fail({MemoryMapErrorCode::TooManyEntries,
                   static_cast<std::uint32_t>(MAX_FIRMWARE_REGIONS),
                   entries[MAX_FIRMWARE_REGIONS]});
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      add_entry(static_cast<std::uint32_t>(i), entries[i]);
    }
    // Heapsort: O(n log n) with no recursion and, unlike std::sort, fully inline — libc++
    // keeps std::sort's integer instantiations in its shared library, absent in the kernel.
    std::make_heap(events().begin(), events().begin() + event_count_);
    std::sort_heap(events().begin(), events().begin() + event_count_);
    if (auto swept = sweep(); !swept) return fail(swept.error());
    if (out_.usable_bytes() == 0) return fail({MemoryMapErrorCode::NoUsableMemory});
    return {};
  }

 private:
  static constexpr std::uint64_t END_BIT = 1;
  static constexpr unsigned TYPE_SHIFT = 1;
  static constexpr std::uint64_t TYPE_MASK = 0x7;
  static_assert(REGION_TYPE_COUNT <= TYPE_MASK + 1);

  std::array<std::uint64_t, 2 * MAX_FIRMWARE_REGIONS>& events() { return out_.sweep_scratch_; }

  std::unexpected<MemoryMapError> fail(MemoryMapError error) {
    out_.clear();
    return std::unexpected(error);
  }

  void warn(MapWarningKind kind, std::uint32_t index, const FirmwareRegion& entry,
            RegionType type, PhysRange original, PhysRange adjusted) {
    warnings_.add(MapWarning{.kind = kind,
                             .entry_index = index,
                             .original = original,
                             .adjusted = adjusted,
                             .type = type,
                             .firmware_type = entry.type,
                             .firmware_kind = entry.kind,
                             .limit = limit_});
  }

  // Never fails: a broken entry is dropped or clamped with a warning.
  void add_entry(std::uint32_t index, const FirmwareRegion& entry) {
    const FirmwareTypeInfo info = classify_firmware_type(entry.kind, entry.type);
    const RegionType type = info.type;
    std::uint64_t end = 0;
    const bool overflowed = __builtin_add_overflow(entry.base, entry.length, &end);
    // Ends exactly at 2^64: saturate to the largest address (it is clipped below anyway).
    const PhysRange original{entry.base, overflowed ? ~std::uint64_t{0} : end};

    if (!info.known) warn(MapWarningKind::UnknownType, index, entry, type, original, original);
    if (entry.length_saturated || (overflowed && end != 0)) {
      add_past_top(index, entry, type, {entry.base, end});
      return;
    }
    if (entry.length == 0) {
      warn(MapWarningKind::ZeroLength, index, entry, type, original, {});
      return;
    }
    if (original.start >= limit_) {
      warn(MapWarningKind::AbovePhysLimit, index, entry, type, original, {});
      return;
    }
    PhysRange clipped = original;
    if (clipped.end > limit_) {
      clipped.end = limit_;
      warn(MapWarningKind::TrimmedToPhysLimit, index, entry, type, original, clipped);
    }
    PhysRange rounded;
    if (type == RegionType::Usable) {
      // clipped.end <= limit_ <= 2^46, so rounding up cannot overflow.
      rounded = {align_up(clipped.start, PAGE_SIZE), align_down(clipped.end, PAGE_SIZE)};
      if (rounded.empty()) {
        warn(MapWarningKind::UsableBelowPage, index, entry, type, clipped, {});
        return;
      }
      if (rounded != clipped) {
        warn(MapWarningKind::UsableNotAligned, index, entry, type, clipped, rounded);
      }
    } else {
      rounded = {align_down(clipped.start, PAGE_SIZE), align_up(clipped.end, PAGE_SIZE)};
    }
    add_event_pair(rounded, type);
  }

  void add_event_pair(PhysRange rounded, RegionType type) {
    const std::uint64_t type_bits = static_cast<std::uint64_t>(type) << TYPE_SHIFT;
    events()[event_count_++] = rounded.start | type_bits;
    events()[event_count_++] = rounded.end | type_bits | END_BIT;
  }

  // An entry running past 2^64: its length is garbage, so only the reading that cannot
  // hurt is kept (sanitize.h, step 3). `wrapped` holds the end modulo 2^64, for the warning.
  void add_past_top(std::uint32_t index, const FirmwareRegion& entry, RegionType type,
                    PhysRange wrapped) {
    PhysRange kept{};
    if (type != RegionType::Usable && entry.base < limit_) {
      kept = {align_down(entry.base, PAGE_SIZE), limit_};  // limit_ is page aligned
      add_event_pair(kept, type);
    }
    warnings_.add(MapWarning{.kind = MapWarningKind::RunsPast2To64,
                             .entry_index = index,
                             .original = wrapped,
                             .adjusted = kept.empty() ? PhysRange{} : PhysRange{entry.base, limit_},
                             .type = type,
                             .firmware_type = entry.type,
                             .firmware_kind = entry.kind,
                             .limit = limit_,
                             .length_saturated = entry.length_saturated});
  }

  static Paddr address_of(std::uint64_t event) { return align_down(event, PAGE_SIZE); }

  [[nodiscard]] std::expected<void, MemoryMapError> sweep() {
    std::array<std::uint32_t, REGION_TYPE_COUNT> active{};  // open entries per type
    std::uint32_t open = 0;
    std::size_t i = 0;
    while (i < event_count_) {
      const Paddr at = address_of(events()[i]);
      for (; i < event_count_ && address_of(events()[i]) == at; ++i) {
        const std::uint64_t event = events()[i];
        const auto type = static_cast<std::size_t>((event >> TYPE_SHIFT) & TYPE_MASK);
        if ((event & END_BIT) != 0) {
          --active[type];
          --open;
        } else {
          ++active[type];
          ++open;
        }
      }
      if (open == 0 || i == event_count_) continue;
      const PhysRange range{at, address_of(events()[i])};
      RegionType winner = RegionType::Usable;
      for (unsigned t = 0; t < REGION_TYPE_COUNT; ++t) {
        if (active[t] != 0) winner = static_cast<RegionType>(t);
      }
      if (!out_.append(range, winner)) {
        return std::unexpected(MemoryMapError{MemoryMapErrorCode::MapFull});
      }
      if (open > 1) note_overlap(range, winner);
    }
    return {};
  }

  // One warning per contiguous overlapped stretch with one winner, not per sub-range.
  void note_overlap(PhysRange range, RegionType winner) {
    const auto list = warnings_.list();
    if (warnings_.dropped() == 0 && !list.empty()) {
      const MapWarning& last = list.back();
      if (last.kind == MapWarningKind::Overlap && last.type == winner &&
          last.original.end == range.start) {
        warnings_.back().original.end = range.end;
        warnings_.back().adjusted.end = range.end;
        return;
      }
    }
    warnings_.add(MapWarning{.kind = MapWarningKind::Overlap,
                             .original = range,
                             .adjusted = range,
                             .type = winner});
  }

  Paddr limit_;
  MemoryMap& out_;
  MapWarnings& warnings_;
  std::size_t event_count_ = 0;
};

Paddr physical_limit(const SanitizeOptions& options) {
  unsigned bits = options.phys_addr_bits;
  if (bits == 0 || bits > MAX_PADDR_BITS) bits = MAX_PADDR_BITS;
  if (bits < 32) bits = 32;
  return Paddr{1} << bits;
}

const char* error_name(MemoryMapErrorCode code) {
  switch (code) {
    case MemoryMapErrorCode::TooManyEntries: return "TooManyEntries";
    case MemoryMapErrorCode::NoUsableMemory: return "NoUsableMemory";
    case MemoryMapErrorCode::MapFull: return "MapFull";
  }
  return "invalid";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const MemoryMapError& error) {
  keel::fmt::print(sink, "{}: ", error_name(error.code));
  switch (error.code) {
    case MemoryMapErrorCode::TooManyEntries:
      keel::fmt::print(sink, "more than {} firmware entries", MAX_FIRMWARE_REGIONS);
      break;
    case MemoryMapErrorCode::NoUsableMemory:
      sink.write("no usable memory left after sanitizing");
      break;
    case MemoryMapErrorCode::MapFull:
      keel::fmt::print(sink, "more than {} sanitized ranges", MAX_MAP_REGIONS);
      break;
  }
}

[[nodiscard]] std::expected<void, MemoryMapError> sanitize_memory_map(std::span<const FirmwareRegion> entries,
                                                        const SanitizeOptions& options,
                                                        MemoryMap& out, MapWarnings& warnings) {
  return MapSanitizer(options, out, warnings).run(entries);
}

}  // namespace mm::memmap
