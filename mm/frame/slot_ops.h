// The MetaSlot state machine behind every frame handle:
//
//   UNUSED ──claim (CAS UNUSED→0, acquire)──▶ 0 (busy: write metadata + vtable)
//          ──publish (store UNIQUE or 1, release)──▶ UNIQUE | 1..REF_COUNT_MAX
//   shared: +1 per handle/mapping (relaxed), −1 (release; the last one fences acquire)
//   last reference ──▶ 0 (busy: vtable->drop) ──store UNUSED (release)──▶ UNUSED
//
// Handles (Frame, UniqueFrame, Segment, FrameRef) are thin wrappers over these functions.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>

#include "mm/frame/assert_fmt.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/meta_bounds.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm::slot {

// The slot of `pa`, if `pa` is page-aligned (else NotAligned) and has a slot
// (else OutOfBound).
inline std::expected<MetaSlot*, GetFrameError> lookup(Paddr pa) {
  if (!is_page_aligned(pa)) return std::unexpected(GetFrameError::NotAligned);
  if (!has_slot(pa)) return std::unexpected(GetFrameError::OutOfBound);
  return frame_to_meta(pa);
}

inline GetFrameError error_for_count(std::uint64_t count) {
  switch (count) {
    case REF_COUNT_UNUSED: return GetFrameError::Unused;
    case REF_COUNT_UNIQUE: return GetFrameError::Unique;
    case 0: return GetFrameError::Busy;
    default: return GetFrameError::InUse;
  }
}

// UNUSED → 0. Ensures on success: the caller alone may write the slot's metadata.
// A free block head on an allocator list (in_list != 0) is refused as InUse: it belongs to
// the allocator (the seeds' precondition `in_list == 0`).
inline std::expected<void, GetFrameError> claim_unused(MetaSlot& slot) {
  std::uint64_t expected = REF_COUNT_UNUSED;
  // Acquire pairs with the release in drop_last_in_place: the previous owner's metadata
  // teardown happens-before our writes.
  if (!slot.ref_count.compare_exchange_strong(expected, 0, std::memory_order_acquire,
                                              std::memory_order_relaxed)) [[unlikely]] {
    return std::unexpected(error_for_count(expected));
  }
  if (slot.in_list.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    slot.ref_count.store(REF_COUNT_UNUSED, std::memory_order_release);
    return std::unexpected(GetFrameError::InUse);
  }
  return {};
}

// 0 → count, after the metadata is written. Release: whoever acquires the count sees it.
inline void publish(MetaSlot& slot, std::uint64_t count) {
  slot.ref_count.store(count, std::memory_order_release);
}

// The anchor's get_from_unused: claim, write metadata, publish UNIQUE or 1.
template <AnyFrameMeta M>
std::expected<MetaSlot*, GetFrameError> get_from_unused(Paddr pa, M&& meta, bool as_unique) {
  auto found = lookup(pa);
  if (!found) return std::unexpected(found.error());
  MetaSlot& slot = **found;
  if (auto claimed = claim_unused(slot); !claimed) return std::unexpected(claimed.error());
  write_meta(slot, std::move(meta));
  publish(slot, as_unique ? REF_COUNT_UNIQUE : 1);
  return &slot;
}

// Adds a reference to a shared (in-use) frame: Unused / Unique / Busy otherwise.
std::expected<MetaSlot*, GetFrameError> get_from_in_use(Paddr pa);

[[noreturn]] void report_bad_increment(const MetaSlot& slot, std::uint64_t previous);
[[noreturn]] void report_bad_release(const MetaSlot& slot, std::uint64_t previous);

// +1 for a caller that already holds a reference. Relaxed, like Arc::clone: the new
// reference is derived from an existing one, so no ordering is needed. Passing
// REF_COUNT_MAX (or incrementing a free/unique/busy slot) is a contract panic, not a wrap.
inline void inc_ref(MetaSlot& slot) {
  const std::uint64_t previous = slot.ref_count.fetch_add(1, std::memory_order_relaxed);
  // Valid: 1 ≤ previous < REF_COUNT_MAX; one unsigned compare covers 0, MAX and sentinels.
  if (previous - 1 >= REF_COUNT_MAX - 1) [[unlikely]] report_bad_increment(slot, previous);
}

// 0 → drop metadata → UNUSED. The caller holds the slot busy (count 0).
// With M known statically the drop is a direct (usually empty) call; DynMeta goes through
// the vtable.
template <FrameMetaParam M = DynMeta>
void drop_last_in_place(MetaSlot& slot) {
  if constexpr (AnyFrameMeta<M>) detail::drop_meta<M>(slot);
  else slot.vtable->drop(slot);
  slot.vtable = nullptr;
  // Release pairs with claim_unused's acquire: the teardown is visible to the next owner.
  slot.ref_count.store(REF_COUNT_UNUSED, std::memory_order_release);
}

// −1 on a shared frame. Returns true if that was the last reference: the metadata has
// been dropped and the slot is UNUSED, and the caller must return the frame to the
// allocator. Releasing a frame whose count is 0 or a sentinel is a double free: panic.
template <FrameMetaParam M = DynMeta>
bool drop_ref(MetaSlot& slot) {
  // Release: our uses of the frame happen-before whoever drops the metadata.
  const std::uint64_t previous = slot.ref_count.fetch_sub(1, std::memory_order_release);
  if (previous != 1) [[likely]] {
    if (previous - 1 >= REF_COUNT_MAX) [[unlikely]] report_bad_release(slot, previous);
    return false;
  }
  // Like Arc::drop: all other holders' releases happen-before the teardown.
  std::atomic_thread_fence(std::memory_order_acquire);
  drop_last_in_place<M>(slot);
  return true;
}

// drop_ref, and give the frame back if that was the last reference.
template <FrameMetaParam M = DynMeta>
void release_ref(MetaSlot& slot) {
  if (drop_ref<M>(slot)) [[unlikely]] return_frames_to_allocator(meta_to_frame(&slot), 1);
}

[[noreturn]] void report_bad_unique_drop(const MetaSlot& slot, std::uint64_t count);

// UNIQUE → 0 → drop metadata → UNUSED (the caller returns the frame to the allocator).
// Panics if the count is not UNIQUE: a UniqueFrame dropped twice (from_raw misuse).
template <AnyFrameMeta M>
void drop_unique(MetaSlot& slot) {
  const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  if (count != REF_COUNT_UNIQUE) [[unlikely]] report_bad_unique_drop(slot, count);
  slot.ref_count.store(0, std::memory_order_relaxed);
  drop_last_in_place<M>(slot);
}

template <AnyFrameMeta M>
bool holds(const MetaSlot& slot) {
  return slot.vtable == &frame_meta_vtable<M>;
}

template <AnyFrameMeta M>
M& meta_of(MetaSlot& slot) {
  return *detail::meta_ptr<M>(slot);
}

}  // namespace mm::slot
