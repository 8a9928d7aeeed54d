#include "mm/meta/meta_units.h"

#include <atomic>
#include <bit>

#include "lib/contract/contract.h"

namespace mm::meta {
namespace {

constinit std::atomic<MetaUnitState> g_unit_state[MAX_META_UNITS]{};
constinit std::uint64_t g_unit_count = 0;
constinit unsigned g_unit_shift = MAX_BLOCK_ORDER;  // log2 of frames per unit
constinit std::uint64_t g_slot_count = 0;
// Takers claim units in address order from this cursor; a unit the cursor passes that is
// not Pending (init_meta_region's) is skipped.
constinit std::atomic<std::uint64_t> g_next_unit{0};
// Units not yet done: not Ready, or Ready with free frames still on their way to the
// allocator. Counted down with release by each finisher; waiters acquire.
constinit std::atomic<std::uint64_t> g_unfinished{0};

}  // namespace

void reset_meta_units(std::uint64_t slot_count) {
  unsigned shift = MAX_BLOCK_ORDER;
  while (((slot_count + (std::uint64_t{1} << shift) - 1) >> shift) > MAX_META_UNITS) ++shift;
  g_unit_shift = shift;
  g_slot_count = slot_count;
  g_unit_count = (slot_count + (std::uint64_t{1} << shift) - 1) >> shift;
  for (std::uint64_t u = 0; u < g_unit_count; ++u) {
    g_unit_state[u].store(MetaUnitState::Pending, std::memory_order_relaxed);
  }
  g_next_unit.store(0, std::memory_order_relaxed);
  g_unfinished.store(g_unit_count, std::memory_order_relaxed);
}

std::uint64_t meta_unit_count() { return g_unit_count; }
std::uint64_t meta_unit_frames() { return std::uint64_t{1} << g_unit_shift; }

MetaUnitSpan meta_unit_span(std::uint64_t unit) {
  KREQUIRES(unit < g_unit_count);
  const std::uint64_t first = unit << g_unit_shift;
  const std::uint64_t end = first + meta_unit_frames();
  return {first, end < g_slot_count ? end : g_slot_count};
}

std::uint64_t meta_unit_of(Paddr pa) { return frame_to_index(pa) >> g_unit_shift; }

MetaUnitState meta_unit_state(std::uint64_t unit) {
  KREQUIRES(unit < g_unit_count);
  return g_unit_state[unit].load(std::memory_order_acquire);
}

void mark_meta_unit_ready(std::uint64_t unit) {
  KREQUIRES(unit < g_unit_count);
  g_unit_state[unit].store(MetaUnitState::Ready, std::memory_order_relaxed);
  g_unfinished.fetch_sub(1, std::memory_order_relaxed);
}

std::optional<std::uint64_t> take_pending_meta_unit() {
  for (;;) {
    const std::uint64_t unit = g_next_unit.fetch_add(1, std::memory_order_relaxed);
    if (unit >= g_unit_count) return std::nullopt;
    // The cursor alone hands each index to one caller; the exchange is what makes the
    // claim visible to readers of the state (and skips units made Ready at boot).
    MetaUnitState expected = MetaUnitState::Pending;
    if (g_unit_state[unit].compare_exchange_strong(expected, MetaUnitState::Initialising,
                                                   std::memory_order_relaxed)) {
      return unit;
    }
  }
}

void publish_meta_unit(std::uint64_t unit) {
  KREQUIRES(unit < g_unit_count);
  KASSERT(g_unit_state[unit].load(std::memory_order_relaxed) == MetaUnitState::Initialising);
  g_unit_state[unit].store(MetaUnitState::Ready, std::memory_order_release);
}

void finish_meta_unit(std::uint64_t unit) {
  KREQUIRES(unit < g_unit_count);
  KASSERT(g_unit_state[unit].load(std::memory_order_relaxed) == MetaUnitState::Ready);
  g_unfinished.fetch_sub(1, std::memory_order_release);
}

std::uint64_t meta_units_unfinished() { return g_unfinished.load(std::memory_order_acquire); }

}  // namespace mm::meta
