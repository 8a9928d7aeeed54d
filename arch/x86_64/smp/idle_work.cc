#include "arch/x86_64/smp/idle_work.h"

#include <atomic>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp/smp.h"

namespace arch::smp {
namespace {

// Generation 0 means nothing posted. The work pointer is stored before the generation's
// release increment, and an AP acquires the generation before loading the pointer, so it
// runs the work of the generation it saw or a newer one, never a stale one.
constinit std::atomic<void (*)()> g_work{nullptr};
constinit std::atomic<std::uint64_t> g_generation{0};

// The IPI's only job is to end the AP's hlt; its idle loop then finds the new generation.
void wake(void*) {}

}  // namespace

void post_to_idle_aps(void (*work)()) {
  g_work.store(work, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_release);
  if (online_count() > 1) run_on_others(&wake, nullptr);
}

void run_idle_work(std::uint64_t& seen) {
  const std::uint64_t generation = g_generation.load(std::memory_order_acquire);
  if (generation == seen) return;
  seen = generation;
  void (*work)() = g_work.load(std::memory_order_relaxed);
  sti();
  work();
  cli();
}

}  // namespace arch::smp
