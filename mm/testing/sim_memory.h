// Simulated physical memory for host tests: a lazily backed mmap() stands in for RAM
// (the linear window) and another for the frame metadata region. Constructing one points
// the linear window at it and installs a metadata geometry in which every frame below
// phys_end has a written slot (install_meta_geometry, as the kernel's init_meta_region
// does for its region; a test that runs init_meta_region over it installs the region's
// instead, with slots_base()). Only one may exist at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mm/types.h"

namespace mm::testing {

class SimMemory {
 public:
  // Simulates physical addresses [0, phys_end). Memory is zero-filled on first touch.
  explicit SimMemory(std::uint64_t phys_end);
  ~SimMemory();
  SimMemory(const SimMemory&) = delete;
  SimMemory& operator=(const SimMemory&) = delete;

  std::uint64_t phys_end() const { return phys_end_; }
  std::byte* ram() const { return ram_; }
  // Where the simulated slot array starts: the slots_base to hand to init_meta_region.
  std::uintptr_t slots_base() const { return reinterpret_cast<std::uintptr_t>(meta_); }

 private:
  std::uint64_t phys_end_;
  std::byte* ram_ = nullptr;
  std::byte* meta_ = nullptr;
  std::size_t meta_bytes_ = 0;
};

// Counters the host HAL keeps, for tests that check TLB flushes and interrupt state.
struct HalStats {
  std::uint64_t tlb_page_flushes = 0;
  std::uint64_t tlb_full_flushes = 0;
  // Shootdown handlers run for other simulated CPUs (one per CPU per round).
  std::uint64_t remote_tlb_flushes = 0;
  std::uint64_t activations = 0;
  Paddr active_root = 0;
  bool irqs_enabled = true;
  // What hal::phys_addr_bits() returns: 52 (the x86-64 PTE limit) unless a test narrows it.
  unsigned phys_addr_bits = 52;
};
HalStats& hal_stats();

}  // namespace mm::testing
