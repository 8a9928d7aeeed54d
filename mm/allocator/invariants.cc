#include "mm/allocator/invariants.h"

#include "mm/allocator/buddy.h"
#include "mm/allocator/global.h"
#include "mm/allocator/per_cpu_cache.h"
#include "mm/hal.h"
#include "lib/expected/try.h"
#include "mm/meta/meta_geometry.h"

namespace mm::allocator {
namespace {

using Violation = AllocatorInvariantViolation;
using Kind = Violation::Kind;

std::unexpected<Violation> violation(Kind kind, std::uint64_t index, unsigned order,
                                     std::uint64_t detail) {
  return std::unexpected(Violation{kind, index * PAGE_SIZE, order, detail});
}

// Every frame of the block but its head is a TAIL.
[[nodiscard]] std::expected<void, Violation> check_tails(std::uint64_t head, unsigned order) {
  for (std::uint64_t i = head + 1; i < head + order_frames(order); ++i) {
    const std::uint64_t count = slot_at(i).ref_count.load(std::memory_order_relaxed);
    if (count != meta::REF_COUNT_TAIL) return violation(Kind::FrameNotTail, i, order, count);
  }
  return {};
}

// The checks every free block passes, listed or cached.
[[nodiscard]] std::expected<void, Violation> check_block(const UsableRanges& usable,
                                                         std::uint64_t head, unsigned order,
                                                         frame::slot::FreeWhere where) {
  const std::uint64_t frames = order_frames(order);
  if ((head & (frames - 1)) != 0) return violation(Kind::Misaligned, head, order, head);
  if (!usable.contains(head, frames)) return violation(Kind::OutsideUsable, head, order, frames);
  const meta::MetaSlot& slot = slot_at(head);
  const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  if (count != meta::REF_COUNT_FREE) return violation(Kind::HeadNotFree, head, order, count);
  const std::uint64_t word = slot.block.load(std::memory_order_relaxed);
  if (word != frame::slot::free_block_word(where, order))
    return violation(Kind::WrongListId, head, order, word);
  return check_tails(head, order);
}

[[nodiscard]] std::expected<std::uint64_t, Violation> check_lists(const BuddyState& state,
                                                    const UsableRanges& usable) {
  std::uint64_t listed = 0;
  const std::uint64_t slot_count = meta::meta_slot_count();
  for (unsigned order = 0; order < NR_ORDERS; ++order) {
    const FreeList& list = state.lists[order];
    std::uint64_t prev = NO_FRAME;
    std::uint64_t seen = 0;
    for (std::uint64_t head = list.head(); head != NO_FRAME; head = FreeList::link(head).next) {
      if (++seen > list.size() || head >= slot_count || FreeList::link(head).prev != prev)
        return violation(Kind::BrokenLinks, head < slot_count ? head : 0, order, seen);
      TRY_VOID(check_block(usable, head, order, frame::slot::FreeWhere::BuddyList));
      const std::uint64_t buddy = head ^ order_frames(order);
      if (order < MAX_ORDER && usable.contains(buddy, order_frames(order)) &&
          frame::slot::on_buddy_list(slot_at(buddy), order))
        return violation(Kind::NotCoalesced, head, order, buddy * PAGE_SIZE);
      listed += order_frames(order);
      prev = head;
    }
    if (seen != list.size()) return violation(Kind::BrokenLinks, list.head(), order, seen);
  }
  if (listed != state.free_frames) return violation(Kind::CountMismatch, 0, 0, state.free_frames);
  return listed;
}

[[nodiscard]] std::expected<std::uint64_t, Violation> check_caches(const UsableRanges& usable) {
  std::uint64_t cached = 0;
  std::expected<void, Violation> result;
  for (unsigned cpu = 0; cpu < hal::cpu_count() && result; ++cpu) {
    cpu_cache(cpu).for_each_block([&](unsigned order, std::uint64_t head) {
      if (!result) return;
      result = check_block(usable, head, order, frame::slot::FreeWhere::CpuCache);
      cached += order_frames(order);
    });
  }
  if (!result) return std::unexpected(result.error());
  return cached;
}

// Walks every usable frame block by block; returns the free frames it found.
[[nodiscard]] std::expected<std::uint64_t, Violation> walk_ownership(const UsableRanges& usable) {
  std::uint64_t free = 0;
  for (const FrameSpan& span : usable.spans()) {
    std::uint64_t i = span.first;
    while (i < span.end) {
      // Blocks of deferred units not written yet hold no metadata: skipped explicitly
      // (deferred units are whole max-order blocks).
      if ((i == span.first || i % order_frames(MAX_ORDER) == 0) && !meta::slot_is_written(i * PAGE_SIZE)) {
        i = (i | (order_frames(MAX_ORDER) - 1)) + 1;
        continue;
      }
      const meta::MetaSlot& slot = slot_at(i);
      const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
      if (count == meta::REF_COUNT_TAIL) return violation(Kind::OrphanTail, i, 0, count);
      unsigned order = 0;
      if (count == meta::REF_COUNT_FREE || frame::slot::is_live_count(count) || count == 0) {
        order = frame::slot::block_order(slot.block.load(std::memory_order_relaxed));
      }
      const std::uint64_t frames = order_frames(order);
      if (order > MAX_ORDER || (i & (frames - 1)) != 0) return violation(Kind::Misaligned, i, order, i);
      if (i + frames > span.end) return violation(Kind::OutsideUsable, i, order, frames);
      if (order > 0) TRY_VOID(check_tails(i, order));
      if (count == meta::REF_COUNT_FREE) free += frames;
      i += frames;
    }
  }
  return free;
}

}  // namespace

const char* invariant_kind_name(Kind kind) {
  switch (kind) {
    case Kind::Misaligned: return "misaligned free block";
    case Kind::OutsideUsable: return "free block outside the usable ranges";
    case Kind::WrongListId: return "free block head on the wrong list";
    case Kind::BrokenLinks: return "broken free-list links";
    case Kind::HeadNotFree: return "free block head is not FREE";
    case Kind::FrameNotTail: return "inner frame of a block is not a TAIL";
    case Kind::OrphanTail: return "TAIL frame outside any block";
    case Kind::NotCoalesced: return "free buddies not coalesced";
    case Kind::CountMismatch: return "free-frame counter mismatch";
    case Kind::LostFrames: return "free frames found != listed + cached frames";
  }
  return "?";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const AllocatorInvariantViolation& v) {
  keel::fmt::print(sink, "allocator invariant violated: {} at frame {:#x} (order {}, found {:#x})",
             invariant_kind_name(v.kind), v.paddr, v.order, v.detail);
}

[[nodiscard]] std::expected<void, AllocatorInvariantViolation> check_allocator_invariants() {
  BuddyAllocator& buddy = detail::global_buddy();
  const UsableRanges& usable = buddy.usable();
  return buddy.inspect([&](const BuddyState& state) -> std::expected<void, Violation> {
    const std::uint64_t listed = TRY(check_lists(state, usable));
    const std::uint64_t cached = TRY(check_caches(usable));
    const std::uint64_t walked = TRY(walk_ownership(usable));
    if (walked != listed + cached) return violation(Kind::LostFrames, 0, 0, walked);
    return {};
  });
}

}  // namespace mm::allocator
