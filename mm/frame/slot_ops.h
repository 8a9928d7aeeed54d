// The MetaSlot state machine behind every frame handle and the allocator: every frame has
// exactly one owner, and its slot says which (states in mm/meta/meta_slot.h).
//
//   allocator side (the owner of a free block writes its slots; nobody else can):
//     FREE head ─split──▶ lower half keeps the head, upper half's head TAIL → FREE
//     FREE head ─merge──▶ the higher of two buddies' heads FREE → TAIL
//     FREE head ─claim_owned──▶ live head (UNIQUE or 1), tails stay TAIL: a huge frame
//     FREE/TAIL ─claim_owned──▶ live 4 KiB frames, one per frame (Segment, split pieces)
//     FREE/TAIL ─make_unused──▶ UNUSED (handed out raw: allocator::detail::take_frames)
//   handle side:
//     UNUSED ──claim_unused (CAS UNUSED→0, acquire)──▶ 0 ──publish (release)──▶ UNIQUE | 1
//     shared: +1 per handle/mapping (relaxed); −1 by CAS (release), the last one → 0
//     UNIQUE ──release_unique (CAS UNIQUE→0)──▶ 0
//     0 (metadata dropped) ──return_block_to_allocator──▶ FREE head (+ its TAILs)
//   split / merge of a unique frame (the owner of a UniqueFrame writes its block's slots):
//     split: UNIQUE head ─release_unique──▶ 0; then each piece head (the old head, busy, and
//            every order-9·(L−2)-aligned TAIL) ─make_split_piece──▶ UNIQUE of order
//            9·(L−2); the pieces' own tails stay TAIL
//     merge: part heads but the first ─retire_merged_part──▶ 0 (metadata dropped) → TAIL;
//            the first ─begin_merged_head──▶ 0, then claim_owned ──▶ UNIQUE of order 9·L
//
// Why plain stores suffice on the allocator side: every claim and free that does not own
// a slot is a compare-and-swap that expects UNUSED, UNIQUE or a count in 1..REF_COUNT_MAX,
// so it fails on FREE, TAIL and busy and writes nothing. A FREE or TAIL slot therefore has
// one writer, its block's owner, and a frame in this CPU's cache needs no locked
// instruction to be handed out. Blocks move between CPUs only through the buddy lock,
// whose acquire/release orders the writes made before the move.
//
// Errors are decided by the one atomic read-modify-write of each path, so a double free or
// a claim of a frame someone else owns is detected exactly, and changes nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>

#include "lib/contract/assert_fmt.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_slot.h"
#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::frame::slot {

// ---- Blocks, orders and levels ----

// Where a free block is; kept with its order in the `block` word of its FREE head.
enum class FreeWhere : std::uint8_t {
  Transit = 0,    // taken off a list by the CPU that holds it (being handed out or moved)
  BuddyList = 1,  // on the global buddy list of its order
  CpuCache = 2,   // in a per-CPU cache
};
constexpr std::uint64_t free_block_word(FreeWhere where, unsigned order) {
  return (static_cast<std::uint64_t>(where) << 8) | order;
}
constexpr unsigned block_order(std::uint64_t word) { return static_cast<unsigned>(word & 0xff); }
// In a live head's word: the frame came from the allocator's RAM and goes back to it when
// released. Boot and firmware-reserved frames lack it, so freeing one is caught in O(1).
inline constexpr std::uint64_t RETURNS_TO_ALLOCATOR = std::uint64_t{1} << 16;
constexpr std::uint64_t live_block_word(unsigned order) { return RETURNS_TO_ALLOCATOR | order; }
constexpr FreeWhere free_where(std::uint64_t word) { return static_cast<FreeWhere>(word >> 8); }

// A frame of paging level L (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) is a block of order 9·(L−1).
inline constexpr unsigned LEVEL_ORDER_STRIDE = 9;
constexpr bool is_frame_level(PagingLevel level) { return level >= 1 && level <= meta::MAX_FRAME_LEVEL; }
constexpr unsigned level_order(PagingLevel level) { return LEVEL_ORDER_STRIDE * (level - 1u); }
constexpr PagingLevel order_level(unsigned order) {
  return static_cast<PagingLevel>(order / LEVEL_ORDER_STRIDE + 1);
}
static_assert(level_order(meta::MAX_FRAME_LEVEL) == meta::MAX_BLOCK_ORDER);

// ---- Looking at a slot ----

// The slot of `pa`, if `pa` is page-aligned (else NotAligned), has a slot (else
// OutOfBound) and that slot has been written (else SlotUninitialised: deferred metadata
// init has not reached its unit; its bytes mean nothing yet and must not be read).
[[nodiscard]] inline std::expected<meta::MetaSlot*, GetFrameError> lookup(Paddr pa) {
  if (!is_page_aligned(pa)) return std::unexpected(GetFrameError::NotAligned);
  if (!meta::has_slot(pa)) return std::unexpected(GetFrameError::OutOfBound);
  if (!meta::slot_is_written(pa)) [[unlikely]] return std::unexpected(GetFrameError::SlotUninitialised);
  return meta::frame_to_meta(pa);
}

constexpr bool is_live_count(std::uint64_t count) {
  return count == meta::REF_COUNT_UNIQUE || (count >= 1 && count <= meta::REF_COUNT_MAX);
}

// The head of the block a TAIL frame belongs to (the frame itself if it is not a TAIL).
// The first non-TAIL slot at the frame's successively coarser alignments is that head:
// every frame strictly inside a block but its head is a TAIL. At most 1 + MAX_BLOCK_ORDER
// loads: one per distinct alignment (per set bit of the frame's index below that order).
Paddr covering_head(Paddr pa);

// What a slot holds, for error reports: "free (cpu cache, order 0)", "a tail of the live
// frame at 0x200000 (order 9)", "shared (count 3)", ...
struct StateOf {
  const meta::MetaSlot& slot;
  std::uint64_t count;  // the ref_count value the caller observed
};
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, StateOf state);

// Why a frame whose ref_count was `count` cannot be claimed (from_unused or from_in_use).
GetFrameError error_for(const meta::MetaSlot& slot, std::uint64_t count);

// ---- Claims ----

// UNUSED → 0. Ensures on success: the caller alone may write the slot's metadata.
// On failure nothing changed; the error names the state it found.
[[nodiscard]] inline std::expected<void, GetFrameError> claim_unused(meta::MetaSlot& slot) {
  std::uint64_t expected = meta::REF_COUNT_UNUSED;
  // Acquire pairs with make_unused's release: the metadata teardown of the frame's
  // previous owner happens-before our writes.
  if (!slot.ref_count.compare_exchange_strong(expected, 0, std::memory_order_acquire,
                                              std::memory_order_relaxed)) [[unlikely]] {
    return std::unexpected(error_for(slot, expected));
  }
  return {};
}

// 0 → count, after the metadata is written. Release: whoever acquires the count sees it.
inline void publish(meta::MetaSlot& slot, std::uint64_t count) {
  slot.ref_count.store(count, std::memory_order_release);
}

// Asterinas OSTD's get_from_unused: claim, write metadata, publish UNIQUE or 1. A 4 KiB
// frame (order 0).
template <AnyFrameMeta M>
[[nodiscard]] std::expected<meta::MetaSlot*, GetFrameError> get_from_unused(Paddr pa, M&& meta, bool as_unique) {
  auto found = lookup(pa);
  if (!found) return std::unexpected(found.error());
  meta::MetaSlot& slot = **found;
  if (auto claimed = claim_unused(slot); !claimed) return std::unexpected(claimed.error());
  write_meta(slot, std::move(meta));
  slot.block.store(live_block_word(0), std::memory_order_relaxed);
  publish(slot, as_unique ? meta::REF_COUNT_UNIQUE : 1);
  return &slot;
}

// Makes a slot the caller took from the allocator (a FREE head or a TAIL of a block it
// owns) the live head of a frame of `order`. Plain stores: nobody else can write the slot
// (see the top of this file); the release in publish orders the metadata before the count.
template <AnyFrameMeta M>
void claim_owned(meta::MetaSlot& slot, M&& meta, unsigned order, bool as_unique) {
  write_meta(slot, std::move(meta));
  slot.block.store(live_block_word(order), std::memory_order_relaxed);
  publish(slot, as_unique ? meta::REF_COUNT_UNIQUE : 1);
}

// Adds a reference to a shared (in-use) frame: the state's error otherwise.
[[nodiscard]] std::expected<meta::MetaSlot*, GetFrameError> get_from_in_use(Paddr pa);

// ---- References ----

[[noreturn]] void report_bad_increment(const meta::MetaSlot& slot, std::uint64_t previous);
[[noreturn]] void report_bad_release(const meta::MetaSlot& slot, std::uint64_t count);
[[noreturn]] void report_bad_unique_release(const meta::MetaSlot& slot, std::uint64_t count);

// +1 for a caller that already holds a reference. Relaxed, like Arc::clone: the new
// reference is derived from an existing one, so no ordering is needed. Passing
// REF_COUNT_MAX (or incrementing a slot that is not shared) is a contract panic.
inline void inc_ref(meta::MetaSlot& slot) {
  const std::uint64_t previous = slot.ref_count.fetch_add(1, std::memory_order_relaxed);
  // Valid: 1 ≤ previous < REF_COUNT_MAX; one unsigned compare covers 0, MAX and sentinels.
  if (previous - 1 >= meta::REF_COUNT_MAX - 1) [[unlikely]] report_bad_increment(slot, previous);
}

// Drops the metadata of a slot the caller holds busy (count 0). The slot stays busy: the
// caller hands the frame to the allocator next, so no one can claim it in between.
template <FrameMetaParam M = DynMeta>
void drop_meta_in_place(meta::MetaSlot& slot) {
  if constexpr (AnyFrameMeta<M>) detail::drop_meta<M>(slot);
  else slot.vtable->drop(slot);
  slot.vtable = nullptr;
}

// −1 on a shared frame. Returns true if that was the last reference: the metadata has
// been dropped, the slot is busy, and the caller must return the frame to the allocator.
// A release of a frame that is not shared (free, tail, unique, busy: a double free) is a
// contract panic naming the state, decided by the compare-and-swap and changing nothing.
template <FrameMetaParam M = DynMeta>
bool drop_ref(meta::MetaSlot& slot) {
  std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  do {
    if (count - 1 >= meta::REF_COUNT_MAX) [[unlikely]] report_bad_release(slot, count);
    // Release: our uses of the frame happen-before whoever drops the metadata.
  } while (!slot.ref_count.compare_exchange_weak(count, count - 1, std::memory_order_release,
                                                 std::memory_order_relaxed));
  if (count != 1) [[likely]] return false;
  // Like Arc::drop: all other holders' releases happen-before the teardown. An acquire
  // load of the 0 our compare-and-swap wrote, not a fence: our RMW continues the release
  // sequence of every earlier decrement, so the load synchronizes with each of them, and
  // ThreadSanitizer (which ignores standalone fences) sees the same edges. On x86-64 both
  // are a plain compiler barrier plus, here, one load of a line we own.
  (void)slot.ref_count.load(std::memory_order_acquire);
  drop_meta_in_place<M>(slot);
  return true;
}

// drop_ref, and give the frame back if that was the last reference.
template <FrameMetaParam M = DynMeta>
void release_ref(meta::MetaSlot& slot) {
  if (drop_ref<M>(slot)) [[unlikely]] {
    return_block_to_allocator(slot, block_order(slot.block.load(std::memory_order_relaxed)));
  }
}

// UNIQUE → 0, then drops the metadata; returns the frame's order. The compare-and-swap
// decides: a second release of the same frame (a UniqueFrame restored twice by from_raw)
// panics naming the state and changes nothing. Relaxed: the unique owner already has
// exclusive access (try_from_shared acquired the other holders' releases).
template <AnyFrameMeta M>
unsigned release_unique(meta::MetaSlot& slot) {
  std::uint64_t expected = meta::REF_COUNT_UNIQUE;
  if (!slot.ref_count.compare_exchange_strong(expected, 0, std::memory_order_relaxed,
                                              std::memory_order_relaxed)) [[unlikely]] {
    report_bad_unique_release(slot, expected);
  }
  drop_meta_in_place<M>(slot);
  return block_order(slot.block.load(std::memory_order_relaxed));
}

// ---- Allocator side: the owner of a block writes its slots (no one else can) ----

inline void make_free_head(meta::MetaSlot& slot, FreeWhere where, unsigned order) {
  slot.block.store(free_block_word(where, order), std::memory_order_relaxed);
  slot.ref_count.store(meta::REF_COUNT_FREE, std::memory_order_relaxed);
}
inline void make_tail(meta::MetaSlot& slot) {
  slot.block.store(0, std::memory_order_relaxed);
  slot.ref_count.store(meta::REF_COUNT_TAIL, std::memory_order_relaxed);
}
// Hands a frame out raw. Release pairs with claim_unused's acquire on whichever CPU
// claims it.
inline void make_unused(meta::MetaSlot& slot) {
  slot.block.store(0, std::memory_order_relaxed);
  slot.ref_count.store(meta::REF_COUNT_UNUSED, std::memory_order_release);
}
// Whether `slot` heads a free block of `order` on the buddy list. Only the buddy lock's
// holder puts heads on the lists or takes them off, so under that lock the answer holds.
inline bool on_buddy_list(const meta::MetaSlot& slot, unsigned order) {
  return slot.block.load(std::memory_order_relaxed) == free_block_word(FreeWhere::BuddyList, order);
}

// ---- Typed access ----

template <AnyFrameMeta M>
bool holds(const meta::MetaSlot& slot) {
  return slot.vtable == &frame_meta_vtable<M>;
}

// Whether a handle of M may refer to the frame: its metadata is an M; for DynUMeta, any
// untyped metadata; for DynMeta, anything.
template <FrameMetaParam M>
bool admits(const meta::MetaSlot& slot) {
  if constexpr (AnyFrameMeta<M>) return holds<M>(slot);
  else if constexpr (std::same_as<M, DynUMeta>) return slot.vtable->untyped;
  else return true;
}

template <AnyFrameMeta M>
M& meta_of(meta::MetaSlot& slot) {
  return *detail::meta_ptr<M>(slot);
}

// The order of a live frame's head.
inline unsigned live_order(const meta::MetaSlot& slot) {
  return block_order(slot.block.load(std::memory_order_relaxed));
}

// The precondition of from_raw / borrow_raw: `pa` has a slot and heads a live frame (a
// UniqueFrame's if `unique`, else a shared one); a contract panic naming the handle kind
// `what` and the state the slot is in otherwise.
void require_live_head(Paddr pa, bool unique, const char* what);


// ---- Split and merge of a unique frame (mm/frame/split_frames.h) ----
//
// The owner of a UniqueFrame has exclusive access to every slot of its block: the head is
// UNIQUE and its tails are TAIL, and every path that does not own a slot writes it only by
// a compare-and-swap that expects UNUSED (claim_unused) or a count in 1..REF_COUNT_MAX
// (get_from_in_use, drop_ref; inc_ref is only for holders of a shared reference), so it
// fails on UNIQUE, TAIL and busy and writes nothing; release_unique is the owner's own
// path. Hence plain
// (non-read-modify-write) stores suffice for these transitions, as on the allocator side,
// and split/merge cost one store per resulting piece or merged part, no locked instruction
// beyond split's one release_unique. Another CPU racing a claim on one of these addresses
// sees UNIQUE, busy or TAIL in some order and is refused in each (its error names what it
// saw). A UniqueFrame that moves to another CPU carries its happens-before with it (the
// move's own synchronization), as for any handle.

// A piece head of a split: a TAIL of the block being split (or its old head, busy after
// release_unique) becomes the live UNIQUE head of a frame of `order` with `meta`. The
// pieces' own tails stay TAIL. The count store is publish's release, as claim_owned's: a
// plain mov on x86-64, and it keeps "a live count is published after its metadata" true on
// every path, though by exclusivity relaxed would do.
template <AnyFrameMeta M>
void make_split_piece(meta::MetaSlot& slot, M&& meta, unsigned order) {
  claim_owned(slot, std::move(meta), order, /*as_unique=*/true);
}

// UNIQUE → 0 and the metadata dropped (its hook runs), for a head whose owner is consuming
// it in a merge. Relaxed plain stores (see above); the caller checked the count is UNIQUE
// (a different count under a UniqueFrame is a double owner: panic before changing anything).
template <AnyFrameMeta M>
void begin_merged_head(meta::MetaSlot& slot) {
  slot.ref_count.store(0, std::memory_order_relaxed);
  drop_meta_in_place<M>(slot);
}

// A merged part's head that is not the first: UNIQUE → 0 (its metadata dropped, hook run)
// → TAIL of the merged frame. Plain stores (see above): the slot stays refused by every
// claim throughout, and the merged frame's owner is its only writer.
template <AnyFrameMeta M>
void retire_merged_part(meta::MetaSlot& slot) {
  begin_merged_head<M>(slot);
  make_tail(slot);
}

}  // namespace mm::frame::slot
