// The harness measuring itself and a few CPU basics: floors to read other results against.
#define KBENCH_SUITE "kbench.self"
#include <cstdint>

#include "arch/x86_64/cpu.h"
#include "kernel/kbench/kbench.h"

namespace kernel::kbench {
namespace {

// The cost of the benchmark loop alone: what every other result includes.
KBENCH(empty_loop) {
  for (auto _ : state) kernel::kbench::clobber_memory();
}

KBENCH(rdtsc) {
  for (auto _ : state) {
    const std::uint64_t t = arch::rdtsc();
    kernel::kbench::do_not_optimize(t);
  }
}

constexpr std::int64_t MAX_PAGES = 64;
// 256 KiB of .bss: there is no frame allocator to borrow from yet.
alignas(4096) constinit std::uint8_t g_memset_buffer[MAX_PAGES * 4096];

// The kernel's memset (kernel/runtime/string.cc) over 1, 8 and 64 pages: L1, L2 and
// past L2 on most parts.
KBENCH_ARGS(memset_4k, {1, 8, 64}) {
  const std::int64_t pages = state.range(0);
  if (pages < 1 || pages > MAX_PAGES) return state.error("page count outside the buffer");
  const std::uint64_t bytes = static_cast<std::uint64_t>(pages) * 4096;
  for (auto _ : state) {
    __builtin_memset(g_memset_buffer, static_cast<int>(state.iterations() & 0xff), bytes);
    kernel::kbench::do_not_optimize(g_memset_buffer);
  }
  state.set_items_processed(state.iterations() * static_cast<std::uint64_t>(pages));
  state.counters["bytes_per_op"] = bytes;
}

}  // namespace

}  // namespace kernel::kbench
