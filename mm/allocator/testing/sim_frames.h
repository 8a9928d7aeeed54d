// SimFrames: a host-test world of frames, independent of mm/meta's region init.
//
// Simulates physical memory [0, phys_end) (mm::testing::SimMemory, whose metadata
// geometry gives every frame in it a slot), marks the slots of `usable` frames UNUSED and
// every other frame in use (count 1, ReservedMeta), then marks `boot_frames` in use too
// (boot allocations inside usable RAM), then (re-)initializes the global frame allocator
// over `usable`. One at a time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/testing/sim_memory.h"
#include "mm/types.h"

namespace mm::allocator::testing {

// The metadata of frames the fixture marks in use (firmware / boot frames stand-ins).
struct ReservedMeta {};

class SimFrames {
 public:
  SimFrames(std::uint64_t phys_end, std::span<const PhysRange> usable,
            std::span<const Paddr> boot_frames = {});
  SimFrames(std::uint64_t phys_end, std::initializer_list<PhysRange> usable)
      : SimFrames(phys_end, std::span<const PhysRange>(usable.begin(), usable.size())) {}
  // The world most tests want: memory [0, phys_end), usable from USABLE_START up (the
  // frames below it in use, as a PC's firmware and boot frames are).
  explicit SimFrames(std::uint64_t phys_end) : SimFrames(phys_end, {PhysRange{USABLE_START, phys_end}}) {}
  static constexpr Paddr USABLE_START = 1 << 20;
  ~SimFrames();

  ::mm::testing::SimMemory& memory() { return memory_; }
  const allocator::AllocatorInitSummary& init_summary() const { return summary_; }

  // Marks one frame in use (count 1, ReservedMeta), as boot code would; before init only.
  static void mark_reserved(Paddr pa);

 private:
  ::mm::testing::SimMemory memory_;
  allocator::AllocatorInitSummary summary_;
};

// The slot of a frame, for tests that inspect or corrupt state.
meta::MetaSlot& slot_of(Paddr pa);

}  // namespace mm::allocator::testing
