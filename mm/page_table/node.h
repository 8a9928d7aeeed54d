// Page-table nodes: a node is a Frame<PageTablePageMeta<C>>, a 4 KiB frame holding 512
// entries, with its level, its count of present entries and its lock in the metadata slot.
//
// Ownership: a node is owned by its parent's entry (Frame::into_raw when installed,
// Frame::from_raw when taken out); the root by its PageTable. A tracked leaf holds one
// reference to its frame (inc/dec_frame_ref_for_mapping); an untracked leaf holds nothing.
// `nr_children` and the entries change only with the node's lock held (functions needing
// it end in `Locked` and require it: TA_REQ). `stray` marks a node detached from its parent
// (kept for checks). Locking and the analysis: node_lock.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <utility>

#include "mm/allocator/frame_allocator.h"
#include "mm/frame/frame.h"
#include "mm/frame/slot_ops.h"
#include "mm/hal.h"
#include "mm/linear_map.h"
#include "mm/page_table/node_lock.h"
#include "mm/lock_order/lock_order.h"
#include "mm/page_table/paging_consts.h"
#include "mm/page_table/pt_config.h"
#include "lib/contract/contract.h"

namespace mm::page_table {

// Live page-table nodes of every config: tests and ktests check it returns to its start.
inline constinit std::atomic<std::uint64_t> g_live_pt_nodes{0};
inline std::uint64_t live_pt_nodes() { return g_live_pt_nodes.load(std::memory_order_relaxed); }

template <PageTableConfig C>
struct PageTablePageMeta {
  explicit PageTablePageMeta(PagingLevel node_level) : level(node_level) {}
  // AnyFrameMeta needs a move constructor (write_meta moves the value into the slot). A
  // node's metadata is only moved before it is published, while what the lock guards still
  // holds its initial values: those are not copied (that would need `other`'s lock).
  PageTablePageMeta(PageTablePageMeta&& other) noexcept : level(other.level) {}

  void on_drop(Paddr) { g_live_pt_nodes.fetch_sub(1, std::memory_order_relaxed); }

  const PagingLevel level;
  // Mutable: frames expose their metadata as const.
  mutable bool stray TA_GUARDED(lock) = false;
  mutable std::uint16_t nr_children TA_GUARDED(lock) = 0;
  mutable NodeLock lock;
};
static_assert(frame::AnyFrameMeta<PageTablePageMeta<KernelPtConfig<4>>>);
static_assert(sizeof(PageTablePageMeta<KernelPtConfig<4>>) <= meta::FRAME_METADATA_MAX_SIZE);

template <PageTableConfig C>
using PtNodeFrame = frame::Frame<PageTablePageMeta<C>>;

// A fresh empty node of `level` (zeroed frame from the buddy allocator), count 1.
// Asterinas OSTD's Frame<PageTablePageMeta<C>>::alloc(level). Requires 1 ≤ level ≤ NR_LEVELS.
template <PageTableConfig C>
[[nodiscard]] std::expected<PtNodeFrame<C>, allocator::AllocError> alloc_node(PagingLevel level) {
  KREQUIRES(level >= 1 && level <= C::NR_LEVELS);
  auto frame = TRY(allocator::alloc_frame(PageTablePageMeta<C>(level)));
  g_live_pt_nodes.fetch_add(1, std::memory_order_relaxed);
  return std::move(frame).into_shared();
}

// A borrowed view of a node by physical address; valid while a reference is held
// (the parent's entry or the PageTable's root handle) — it neither counts nor locks.
template <PageTableConfig C>
class NodeRef {
 public:
  using Pte = typename C::Pte;
  using Raw = typename Pte::Raw;

  NodeRef() = default;
  explicit NodeRef(Paddr pa) : pa_(pa) {}

  Paddr paddr() const { return pa_; }
  bool valid() const { return pa_ != INVALID; }
  const PageTablePageMeta<C>& meta() const {
    return frame::slot::meta_of<PageTablePageMeta<C>>(*meta::frame_to_meta(pa_));
  }
  PagingLevel level() const { return meta().level; }
  NodeLock& lock() const TA_RET_CAP(meta().lock) { return meta().lock; }
  // The node locks' entry points, so the lock-order checker sees every one. The lock is
  // held when acquire() returns, and may stay held past the caller's scope (a cursor's
  // path): node_lock.h says what the analysis is told.
  void acquire() const TA_ASSERT_CAP(lock()) {
    // A node this CPU holds already: the lock's own panic names that exact mistake.
    if (lock().owner_cpu() != static_cast<int>(hal::current_cpu())) {
      lock_order::acquiring_node(pa_, level());
    }
    lock().lock(pa_);
  }
  void release() const TA_REL(lock()) {
    lock_order::released_node(level());
    lock().unlock();
  }
  // Panics naming this node unless the current CPU holds its lock: for a lock held since an
  // earlier call (a cursor's path), before what the lock guards is touched.
  void assert_locked() const TA_ASSERT_CAP(lock()) { lock().assert_held(pa_); }
  // assert_locked() for a caller that knows it runs on CPU `cpu` (NodeLock::assert_held_by).
  void assert_locked_by(unsigned cpu) const TA_ASSERT_CAP(lock()) { lock().assert_held_by(pa_, cpu); }
  // Releases the lock of a holder that will never release it (kernel/ktest's runner after
  // abandoning a failed test's frame), on this CPU's lock-order record as release() does.
  void release_abandoned() const {
    lock_order::released_node(level());
    lock().unlock_abandoned();
  }

  // Entries are read and written with relaxed atomics: the MMU reads them concurrently and
  // sets the accessed/dirty bits.
  // Reading needs no lock.
  Raw read(unsigned index) const { return __atomic_load_n(slots() + index, __ATOMIC_RELAXED); }
  // Writes entry `index`, keeping nr_children equal to the number of present entries.
  void writeLocked(unsigned index, Raw value) const TA_REQ(lock()) {
    Raw* slot = slots() + index;
    const bool was = Pte::is_present(__atomic_load_n(slot, __ATOMIC_RELAXED));
    const bool now = Pte::is_present(value);
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    if (was != now) {
      if (now) ++meta().nr_children;
      else --meta().nr_children;
    }
  }
  // The entries for writing in bulk (with relaxed atomic stores); the caller keeps
  // nr_children equal to the number of present entries.
  Raw* entries() const TA_REQ(lock()) { return slots(); }

 private:
  Raw* slots() const { return static_cast<Raw*>(phys_to_virt(pa_)); }
  static constexpr Paddr INVALID = ~Paddr{0};
  Paddr pa_ = INVALID;
};

}  // namespace mm::page_table
