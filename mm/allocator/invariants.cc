#include "mm/allocator/invariants.h"

#include "mm/allocator/buddy.h"
#include "mm/allocator/global.h"
#include "mm/allocator/per_cpu_cache.h"
#include "mm/frame/meta_bounds.h"
#include "mm/hal.h"
#include "mm/support/try.h"

namespace mm {
namespace {

using Violation = AllocatorInvariantViolation;
using Kind = Violation::Kind;

std::unexpected<Violation> violation(Kind kind, std::uint64_t index, unsigned order,
                                     std::uint64_t detail) {
  return std::unexpected(Violation{kind, index * PAGE_SIZE, order, detail});
}

// The checks every free block passes, listed or cached.
std::expected<void, Violation> check_block(const UsableRanges& usable, std::uint64_t head,
                                           unsigned order, std::uint64_t list_id) {
  const std::uint64_t frames = order_frames(order);
  if ((head & (frames - 1)) != 0) return violation(Kind::Misaligned, head, order, head);
  if (!usable.contains(head, frames)) return violation(Kind::OutsideUsable, head, order, frames);
  const std::uint64_t head_list = slot_at(head).in_list.load(std::memory_order_relaxed);
  if (head_list != list_id) return violation(Kind::WrongListId, head, order, head_list);
  for (std::uint64_t i = head; i < head + frames; ++i) {
    const MetaSlot& slot = slot_at(i);
    const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
    if (count != REF_COUNT_UNUSED) return violation(Kind::FrameNotUnused, i, order, count);
    const std::uint64_t list = slot.in_list.load(std::memory_order_relaxed);
    if (i != head && list != 0) return violation(Kind::FrameOnList, i, order, list);
  }
  return {};
}

std::expected<std::uint64_t, Violation> check_lists(const BuddyState& state,
                                                    const UsableRanges& usable) {
  std::uint64_t listed = 0;
  const std::uint64_t slot_count = meta_slot_count();
  for (unsigned order = 0; order < NR_ORDERS; ++order) {
    const FreeList& list = state.lists[order];
    std::uint64_t prev = NO_FRAME;
    std::uint64_t seen = 0;
    for (std::uint64_t head = list.head(); head != NO_FRAME; head = FreeList::link(head).next) {
      if (++seen > list.size() || head >= slot_count || FreeList::link(head).prev != prev)
        return violation(Kind::BrokenLinks, head < slot_count ? head : 0, order, seen);
      TRY_VOID(check_block(usable, head, order, buddy_list_id(order)));
      const std::uint64_t buddy = head ^ order_frames(order);
      if (order < MAX_ORDER && usable.contains(buddy, order_frames(order)) &&
          slot_at(buddy).in_list.load(std::memory_order_relaxed) == buddy_list_id(order))
        return violation(Kind::NotCoalesced, head, order, buddy * PAGE_SIZE);
      listed += order_frames(order);
      prev = head;
    }
    if (seen != list.size()) return violation(Kind::BrokenLinks, list.head(), order, seen);
  }
  if (listed != state.free_frames) return violation(Kind::CountMismatch, 0, 0, state.free_frames);
  return listed;
}

std::expected<std::uint64_t, Violation> check_caches(const UsableRanges& usable) {
  std::uint64_t cached = 0;
  std::expected<void, Violation> result;
  for (unsigned cpu = 0; cpu < hal::MAX_CPUS && result; ++cpu) {
    cpu_cache(cpu).for_each_block([&](unsigned order, std::uint64_t head) {
      if (!result) return;
      result = check_block(usable, head, order, cache_list_id(order));
      cached += order_frames(order);
    });
  }
  if (!result) return std::unexpected(result.error());
  return cached;
}

std::uint64_t count_in_use(const UsableRanges& usable) {
  std::uint64_t in_use = 0;
  for (const FrameSpan& span : usable.spans()) {
    for (std::uint64_t i = span.first; i < span.end; ++i) {
      in_use += slot_at(i).ref_count.load(std::memory_order_relaxed) != REF_COUNT_UNUSED;
    }
  }
  return in_use;
}

}  // namespace

const char* invariant_kind_name(Kind kind) {
  switch (kind) {
    case Kind::Misaligned: return "misaligned free block";
    case Kind::OutsideUsable: return "free block outside the usable ranges";
    case Kind::WrongListId: return "free block head on the wrong list";
    case Kind::BrokenLinks: return "broken free-list links";
    case Kind::FrameNotUnused: return "frame of a free block is in use";
    case Kind::FrameOnList: return "inner frame of a free block is on a list";
    case Kind::NotCoalesced: return "free buddies not coalesced";
    case Kind::CountMismatch: return "free-frame counter mismatch";
    case Kind::LostFrames: return "free + in-use frames != usable frames";
  }
  return "?";
}

void format_value(fmt::Sink& sink, const fmt::Spec&, const AllocatorInvariantViolation& v) {
  fmt::print(sink, "allocator invariant violated: {} at frame {:#x} (order {}, found {:#x})",
             invariant_kind_name(v.kind), v.paddr, v.order, v.detail);
}

std::expected<void, AllocatorInvariantViolation> check_allocator_invariants() {
  BuddyAllocator& buddy = allocator_detail::global_buddy();
  const UsableRanges& usable = buddy.usable();
  return buddy.inspect([&](const BuddyState& state) -> std::expected<void, Violation> {
    const std::uint64_t listed = TRY(check_lists(state, usable));
    const std::uint64_t cached = TRY(check_caches(usable));
    const std::uint64_t in_use = count_in_use(usable);
    if (listed + cached + in_use != usable.total_frames())
      return violation(Kind::LostFrames, 0, 0, listed + cached + in_use);
    return {};
  });
}

}  // namespace mm
