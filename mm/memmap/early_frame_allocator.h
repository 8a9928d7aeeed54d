// EarlyFrameAllocator: a bump allocator for what must exist before the buddy allocator —
// the frame metadata region's backing and early page tables.
//
// It hands out whole frames, lowest address first, from usable ranges of the sanitized map
// that no reservation covers, inside a window (default [1 MiB, MAX_PADDR); pass a lower end
// so frames stay reachable through the boot loader's identity map). Every allocation is
// recorded in the ReservationList it was given — so the metadata marks it with its purpose
// and it never reaches the buddy allocator — merged with the previous record when
// contiguous and of the same purpose. Frames it skips (alignment gaps, reservations) stay
// free for the buddy allocator. Nothing is ever freed.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>

#include "mm/memmap/frame_usage.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/types.h"

namespace mm::memmap {

enum class EarlyAllocError : std::uint8_t {
  OutOfMemory,       // no free run of that size and alignment left in the window
  ReservationsFull,  // the allocation could not be recorded; nothing was handed out
  BadRequest,        // zero frames, size overflow, alignment not a power of two ≥ 4 KiB,
                     // or a purpose other than EarlyPageTable / MetaRegion / EarlyAlloc
};
const char* error_name(EarlyAllocError error);

class EarlyFrameAllocator {
 public:
  // `map` and `reservations` must outlive the allocator. Reservations added to the list
  // later (by the caller) are honored by later allocations.
  EarlyFrameAllocator(const MemoryMap& map, ReservationList& reservations,
                      PhysRange window = {LOW_MEMORY_END, MAX_PADDR})
      : map_(map), reservations_(reservations), window_(window), cursor_(window.start) {}

  // Returns the physical address of `frames` contiguous frames aligned to `align`.
  [[nodiscard]] std::expected<Paddr, EarlyAllocError> allocate(std::uint64_t frames, FrameUsage purpose,
                                                 std::uint64_t align = PAGE_SIZE);

  std::uint64_t frames_allocated() const { return frames_allocated_; }
  Paddr cursor() const { return cursor_; }  // everything handed out lies below it

 private:
  // The lowest aligned start ≥ `from` of a run of `size` bytes inside `usable` that no
  // reservation overlaps, if any.
  std::optional<Paddr> find_in(PhysRange usable, Paddr from, std::uint64_t size,
                               std::uint64_t align) const;

  const MemoryMap& map_;
  ReservationList& reservations_;
  PhysRange window_;
  Paddr cursor_;
  std::uint64_t frames_allocated_ = 0;
};

}  // namespace mm::memmap
