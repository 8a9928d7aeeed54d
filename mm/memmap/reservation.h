// Reservations: physical ranges that must never reach an allocator — what the kernel and
// its loader occupy, and low memory — each labeled with a FrameUsage for the metadata.
//
// Low-memory policy: keel reserves all of [0, 1 MiB) (reserve_low_memory). Page 0 is the
// real-mode IVT and keeps the null physical address unusable; 0x400 is the BIOS data
// area; the EBDA sits just below 640 KiB and firmware (SMM, ACPI, MP tables) may keep
// state there without saying so in e820; 640 KiB-1 MiB holds VGA memory and option/BIOS
// ROMs, and firmware maps of it are notoriously inconsistent. Usable RAM in that range is
// at most ~636 KiB: not worth the risk. It also keeps SMP trampolines' space free to be
// claimed deliberately later instead of allocated by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "mm/memmap/bounded_array.h"
#include "mm/memmap/frame_usage.h"
#include "mm/types.h"

namespace mm::memmap {

inline constexpr Paddr LOW_MEMORY_END = Paddr{1} << 20;

struct Reservation {
  PhysRange range;  // whole frames
  FrameUsage usage;
  friend constexpr bool operator==(const Reservation&, const Reservation&) = default;
};

enum class ReservationError : std::uint8_t {
  Full,   // more than ReservationList::CAPACITY ranges
  Wraps,  // start + size exceeds 2^64
};
const char* error_name(ReservationError error);

class ReservationList {
 public:
  // Boot needs ~10 (image, info, cmdline, ≤8 modules, framebuffer, low memory) plus the
  // early allocator's records, which merge when contiguous.
  static constexpr std::size_t CAPACITY = 128;

  constexpr ReservationList() = default;

  // Reserves [start, start + size) rounded outward to whole frames and clipped to
  // MAX_PADDR (nothing above it is ever allocated). size 0 reserves nothing. Ranges may
  // overlap; where they do, the one added last labels the frames. Extends the last entry
  // instead of adding one when contiguous with it and of the same usage.
  [[nodiscard]] std::expected<void, ReservationError> add(Paddr start, std::uint64_t size, FrameUsage usage);
  [[nodiscard]] std::expected<void, ReservationError> add(PhysRange range, FrameUsage usage) {
    return add(range.start, range.empty() ? 0 : range.size(), usage);
  }

  std::span<const Reservation> list() const { return list_.span(); }
  std::size_t size() const { return list_.size(); }
  bool overlaps(PhysRange range) const;
  void clear() { list_.clear(); }

 private:
  BoundedArray<Reservation, CAPACITY> list_;
};

// Reserves [0, LOW_MEMORY_END) as FrameUsage::LowMemory (see the policy above).
[[nodiscard]] std::expected<void, ReservationError> reserve_low_memory(ReservationList& list);

}  // namespace mm::memmap
