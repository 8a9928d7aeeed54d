#include "mm/testing/sim_memory.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "mm/linear_map.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_slot.h"

namespace mm::testing {
namespace {

std::byte* map_lazy(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "SimMemory: mmap of %zu bytes failed\n", bytes);
    std::abort();
  }
  return static_cast<std::byte*>(p);
}

bool g_live = false;

}  // namespace

SimMemory::SimMemory(std::uint64_t phys_end) : phys_end_(align_up(phys_end, PAGE_SIZE)) {
  if (g_live) {
    std::fprintf(stderr, "SimMemory: only one simulated memory may exist at a time\n");
    std::abort();
  }
  g_live = true;
  ram_ = map_lazy(phys_end_);
  meta_bytes_ = phys_end_ / PAGE_SIZE * sizeof(meta::MetaSlot);
  meta_ = map_lazy(meta_bytes_ == 0 ? PAGE_SIZE : meta_bytes_);
  install_linear_map(reinterpret_cast<std::uintptr_t>(ram_));
  meta::install_meta_geometry({.slots_base = slots_base(), .covered_end = phys_end_});
  hal_stats() = HalStats{};
}

SimMemory::~SimMemory() {
  munmap(ram_, phys_end_);
  munmap(meta_, meta_bytes_ == 0 ? PAGE_SIZE : meta_bytes_);
  uninstall_linear_map();
  meta::uninstall_meta_geometry();
  g_live = false;
}

}  // namespace mm::testing
