// Cursor and CursorMut: a position in a page table's virtual range [start, last], holding
// the locks of the nodes that cover it.
//
//   auto cursor = TRY(pt.cursor_mut(va, 16 * PAGE_SIZE));
//   TRY_VOID(cursor.map(frame, {PageFlags::RW}));          // maps at va, moves to va + 4 KiB
//   TRY_VOID(cursor.jump(va));
//   PtMapping m = cursor.query();                           // what is mapped at va
//   auto taken = TRY(cursor.take_next(16 * PAGE_SIZE));     // unmaps the first mapped slot
//
// Locking: creation descends from the root hand over hand (lock child, unlock parent) to the
// lowest node covering the whole range (the guard; a range that is exactly one entry stops
// at the node holding that entry, so a huge frame can be mapped there) and keeps it locked; below it the cursor
// keeps the path of nodes from the guard to the current position locked (always top-down,
// so two cursors cannot deadlock). Another cursor overlapping the range waits at the guard
// or at a node on its own way down. Interrupts are off for the cursor's lifetime.
//
// Reclamation: a node below the guard that the cursor leaves empty is detached from its
// (locked) parent when the cursor moves out of it; if the guard itself ends empty, the
// cursor's destruction re-descends from the root and detaches empty nodes bottom-up.
// Detached nodes and unmapped tracked frames are released only after the TLB flush.
//
// The analysis: the path's locks outlive the calls that take them, so a function touching
// what a path node's lock guards checks at its entry that this CPU holds it (assert_locked,
// node_lock.h); the `Locked` functions require the locks they use (TA_REQ).
//
// TLB: take_next flushes before it returns (it may hand back a frame); map needs no flush
// (x86 does not cache non-present entries); protect/unmap changes are batched and flushed
// by flush(), by a batch whose deferred releases are full, or by the cursor's destruction
// (after its locks are released, so other CPUs wait less). Every flush is a shootdown on
// every online CPU (hal.h); the rule above makes it safe with node locks held.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <utility>

#include "mm/frame/frame.h"
#include "mm/page_table/mapping.h"
#include "mm/page_table/node.h"
#include "mm/page_table/paging_consts.h"
#include "mm/page_table/paging_options.h"
#include "mm/page_table/pt_config.h"
#include "mm/page_table/pt_error.h"
#include "mm/page_table/range_check.h"
#include "mm/page_table/tlb_batch.h"
#include "lib/contract/contract.h"
#include "lib/expected/try.h"

namespace mm::page_table {

template <PageTableConfig C>
class PageTable;

// Only PageTable makes cursors (the public constructor needs this key).
template <PageTableConfig C>
class CursorKey {
  friend class PageTable<C>;
  CursorKey() = default;
};

template <PageTableConfig C>
class Cursor {
 public:
  using Pte = typename C::Pte;
  using Raw = typename Pte::Raw;

  // Requires: [start, last] was checked against C (PageTable does).
  Cursor(CursorKey<C>, Paddr root, PagingOptions options, Vaddr start, Vaddr last)
      : root_(root), options_(options), start_(start), last_(last), va_(start),
        cpu_(hal::current_cpu()), tlb_(C::GLOBAL_FLUSH) {
    KREQUIRES(hal::cpu_count() == 1 || hal::irqs_enabled());
    lock_guard_node();
  }
  Cursor(Cursor&& other) noexcept
      : root_(other.root_), options_(other.options_), start_(other.start_), last_(other.last_),
        va_(other.va_), done_(other.done_), active_(std::exchange(other.active_, false)),
        level_(other.level_), guard_level_(other.guard_level_), path_(other.path_),
        path_va_(other.path_va_), cpu_(other.cpu_), tlb_(std::move(other.tlb_)) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor() { finish(); }

  // The current address; meaningless once the cursor has moved past its range (done()).
  Vaddr va() const { return va_; }
  // The cursor moved past the last byte of its range.
  bool done() const { return done_; }
  Vaddr range_last() const { return last_; }

  // Moves to `va`. Errors: NotAligned, OutOfRange (outside the cursor's range).
  [[nodiscard]] std::expected<void, PtError> jump(Vaddr va) {
    TRY_VOID(check_range_within(va, PAGE_SIZE, start_, last_));
    va_ = va;
    done_ = false;
    sync_path();
    return {};
  }

  // What is mapped at the cursor: the slot containing va() (a leaf, or the largest absent
  // entry). Does not move. Requires !done().
  PtMapping query() {
    KREQUIRES(!done_);
    const Raw e = descend_existing();
    return mapping_of(e);
  }

  // Moves to the first mapped address in [va(), va() + len) and returns it (the cursor may
  // be inside a larger mapping: the address is va() itself then); nullopt, with the cursor
  // at va() + len, if nothing is mapped there. Errors: EmptyRange, NotAligned, OutOfRange
  // (the range leaves the cursor's, or the cursor is done()).
  [[nodiscard]] std::expected<std::optional<Vaddr>, PtError> find_next(std::uint64_t len) {
    const Vaddr op_last = TRY(op_range(len));
    for (;;) {
      const Raw e = descend_existing();
      if (Pte::is_present(e)) return va_;
      const Vaddr slot_last = align_down(va_, page_size_at(level_)) + (page_size_at(level_) - 1);
      if (slot_last >= op_last) {
        move_after(op_last);
        return std::nullopt;
      }
      move_after(slot_last);
    }
  }

 protected:
  [[nodiscard]] std::expected<Vaddr, PtError> op_range(std::uint64_t len) const {
    if (done_) return std::unexpected(PtError::OutOfRange);
    TRY_VOID(check_range_within(va_, len, va_, last_));
    return mm::page_table::range_last(va_, len);
  }

  NodeRef<C> node() const { return NodeRef<C>(path_[level_]); }
  unsigned index() const { return index_at(va_, level_); }
  Raw entry() const { return node().read(index()); }

  PtMapping mapping_of(Raw e) const {
    const std::uint64_t size = page_size_at(level_);
    PtMapping m{.va = align_down(va_, size), .size = size, .level = level_};
    if (!Pte::is_present(e)) return m;
    m.kind = Pte::is_tracked(e) ? MappingKind::Tracked : MappingKind::Untracked;
    m.pa = Pte::leaf_paddr(e, level_);
    m.prop = Pte::leaf_property(e, level_);
    return m;
  }

  // Descends toward va_ through existing child nodes; returns the entry it stops at (a
  // leaf, or absent) with level_ at that entry's node.
  Raw descend_existing() {
    for (;;) {
      const Raw e = entry();
      if (!Pte::is_present(e) || Pte::is_leaf(e, level_)) return e;
      push(Pte::child_paddr(e));
    }
  }

  // Moves to the byte after `last_byte` (the cursor is done if that passes the range).
  void move_after(Vaddr last_byte) {
    if (last_byte >= last_) {
      done_ = true;
      va_ = last_byte + 1;  // may wrap to 0: done_ says the cursor is past its range
      return;
    }
    va_ = last_byte + 1;
    sync_path();
  }

  // Pops the nodes that do not cover va_ (the guard always does).
  void sync_path() {
    while (level_ < guard_level_ && !same_node(va_, path_va_[level_], level_)) pop();
  }

  // Locks `child` (the node the current entry points to) and makes it current.
  void push(Paddr child) {
    const NodeRef<C> node(child);
    node.acquire();
    push_locked(child);
  }
  void push_locked(Paddr child) {
    KASSERT(level_ > 1);
    --level_;
    path_[level_] = child;
    path_va_[level_] = va_;
  }

  // Unlocks the current node (below the guard) and goes up; an empty one is detached.
  void pop() {
    KASSERT(level_ < guard_level_);
    const NodeRef<C> child(path_[level_]);
    child.assert_locked_by(cpu_);
    if (child.meta().nr_children == 0) {
      const NodeRef<C> parent(path_[level_ + 1]);
      parent.assert_locked_by(cpu_);
      detachLocked(parent, index_at(path_va_[level_], level_ + 1), child, path_va_[level_]);
    }
    child.release();
    ++level_;
  }

  // Removes empty `child` from `parent` (both locked); frees it after the flush.
  void detachLocked(const NodeRef<C>& parent, unsigned index, const NodeRef<C>& child,
                    Vaddr va_inside) TA_REQ(parent.lock(), child.lock()) {
    KASSERT(Pte::child_paddr(parent.read(index)) == child.paddr());
    parent.writeLocked(index, Pte::absent());
    child.meta().stray = true;
    tlb_.add_page(va_inside);  // invlpg drops the paging-structure caches too
    tlb_.defer_release(child.paddr());
  }

  Paddr root_;
  PagingOptions options_;
  Vaddr start_;
  Vaddr last_;
  Vaddr va_;
  bool done_ = false;
  bool active_ = true;
  PagingLevel level_ = C::NR_LEVELS;
  PagingLevel guard_level_ = C::NR_LEVELS;
  std::array<Paddr, MAX_NR_LEVELS + 1> path_{};     // path_[l]: locked node at level l
  std::array<Vaddr, MAX_NR_LEVELS + 1> path_va_{};  // an address inside path_[l]'s coverage
  unsigned cpu_;  // the CPU that made the cursor and holds its locks
  TlbBatch tlb_;

 private:
  void lock_guard_node() {
    NodeRef<C> node(root_);
    node.acquire();
    PagingLevel level = C::NR_LEVELS;
    // Stops at the node holding the range's entry when the range is that whole entry: a
    // 2 MiB / 1 GiB frame mapped over exactly its range must be able to replace the entry
    // (an empty child node left there), which a guard below it could not.
    while (level > 1 && index_at(start_, level) == index_at(last_, level) &&
           !covers_whole_entry(level)) {
      const Raw e = node.read(index_at(start_, level));
      if (!Pte::is_present(e) || Pte::is_leaf(e, level)) break;
      const NodeRef<C> child(Pte::child_paddr(e));
      child.acquire();
      node.release();
      node = child;
      --level;
    }
    level_ = guard_level_ = level;
    path_[level] = node.paddr();
    path_va_[level] = start_;
  }

  // [start_, last_] is exactly one entry of a level-`level` node.
  bool covers_whole_entry(PagingLevel level) const {
    const std::uint64_t size = page_size_at(level);
    return (start_ & (size - 1)) == 0 && last_ - start_ == size - 1;
  }

  void finish() {
    if (!active_) return;
    active_ = false;
    while (level_ < guard_level_) pop();
    const NodeRef<C> guard(path_[guard_level_]);
    guard.assert_locked_by(cpu_);
    const bool guard_empty = guard_level_ < C::NR_LEVELS && guard.meta().nr_children == 0;
    guard.release();
    if (guard_empty) reclaim_empty_path(path_va_[guard_level_], guard_level_);
    // Flushed after the locks are released: the other CPUs' waits for them do not include
    // the shootdown's round trip. The deferred releases still follow the flush.
    tlb_.flush();
  }

  // Re-descends from the root toward `va` (down to `level`), holding every lock on the way,
  // and detaches the empty nodes bottom-up.
  // The locks live in `nodes` across the loops: each use asserts the one it needs.
  void reclaim_empty_path(Vaddr va, PagingLevel level) {
    std::array<Paddr, MAX_NR_LEVELS + 1> nodes{};
    PagingLevel l = C::NR_LEVELS;
    nodes[l] = root_;
    const NodeRef<C> root(root_);
    root.acquire();
    while (l > level) {
      const Raw e = NodeRef<C>(nodes[l]).read(index_at(va, l));
      if (!Pte::is_present(e) || Pte::is_leaf(e, l)) break;
      --l;
      nodes[l] = Pte::child_paddr(e);
      const NodeRef<C> child(nodes[l]);
      child.acquire();
    }
    const PagingLevel lowest = l;
    for (PagingLevel at = lowest; at < C::NR_LEVELS; ++at) {
      const NodeRef<C> child(nodes[at]);
      child.assert_locked_by(cpu_);
      if (child.meta().nr_children != 0) break;
      const NodeRef<C> parent(nodes[at + 1]);
      parent.assert_locked_by(cpu_);
      detachLocked(parent, index_at(va, at + 1), child, va);
    }
    for (PagingLevel at = lowest; at <= C::NR_LEVELS; ++at) {
      const NodeRef<C> node(nodes[at]);
      node.assert_locked_by(cpu_);
      node.release();
    }
  }
};

template <PageTableConfig C>
class CursorMut : public Cursor<C> {
  using Base = Cursor<C>;
  using Pte = typename C::Pte;
  using Raw = typename Pte::Raw;
  using Base::done_;
  using Base::last_;
  using Base::level_;
  using Base::cpu_;
  using Base::options_;
  using Base::tlb_;
  using Base::va_;

 public:
  using Base::Base;

  // Maps `frame` (untyped: a typed frame does not compile) at va() with one leaf of its
  // level (4 KiB, 2 MiB or 1 GiB) and moves past it; the mapping holds one new reference
  // to the frame. Errors: WrongKind (C has no tracked leaves), OutOfRange (done(), or the
  // frame does not fit in the cursor's range), NotAligned (va() not aligned to the frame's
  // size), LevelUnsupported (1 GiB without 1 GiB pages), AlreadyMapped, OutOfMemory.
  // Nothing changes on error.
  template <frame::FrameMetaParam M>
  requires frame::AnyUFrameMeta<M> || std::same_as<M, frame::DynUMeta>
  [[nodiscard]] std::expected<void, PtError> map(const frame::Frame<M>& frame,
                                                 const PageProperty& prop) {
    // -- config policy (pt_config.h: W^X), before anything changes --
    TRY_VOID(check_leaf_property<C>(prop));
    // --
    if constexpr (!C::TRACKED) return std::unexpected(PtError::WrongKind);
    if (done_) return std::unexpected(PtError::OutOfRange);
    const PagingLevel level = frame.map_level();
    const std::uint64_t size = page_size_at(level);
    if ((va_ & (size - 1)) != 0) return std::unexpected(PtError::NotAligned);
    if (level == 3 && !options_.supports_1g_pages) return std::unexpected(PtError::LevelUnsupported);
    TRY(this->op_range(size));
    // The cursor may stand below the frame's level (a smaller page mapped or taken nearby):
    // go up to it, detaching nodes left empty. The guard is never below it (it covers the
    // frame's whole entry, see lock_guard_node).
    while (level_ < level) this->pop();
    TRY_VOID(descend_creating(level));
    if (Pte::is_present(this->entry())) {
      if (Pte::is_leaf(this->entry(), level_) || !drop_empty_child()) {
        return std::unexpected(PtError::AlreadyMapped);
      }
    }
    frame::inc_frame_ref_for_mapping(frame.paddr());
    const NodeRef<C> node = this->node();
    node.assert_locked_by(cpu_);
    node.writeLocked(this->index(), Pte::make_leaf(frame.paddr(), prop, level, true));
    this->move_after(va_ + (size - 1));
    return {};
  }

  // Maps the physical range at [va(), va() + size) as untracked pages, each the largest
  // of 1 GiB (if options.supports_1g_pages) / 2 MiB / 4 KiB that the alignment of both
  // addresses and the remaining length allow; moves past it. Nothing may be mapped there
  // yet. Errors: WrongKind, EmptyRange, NotAligned, PhysOutOfRange (the range reaches
  // 2^min(CPU's physical address width, PTE limit)), OutOfRange, AlreadyMapped,
  // OutOfMemory. On any error nothing is mapped and the cursor is where it was (the pages
  // mapped before a node allocation failed are unmapped again).
  [[nodiscard]] std::expected<void, PtError> map_phys(PhysRange range, const PageProperty& prop) {
    // -- config policy (pt_config.h: W^X), before anything changes --
    TRY_VOID(check_leaf_property<C>(prop));
    // --
    if constexpr (!C::UNTRACKED) return std::unexpected(PtError::WrongKind);
    if (range.empty()) return std::unexpected(PtError::EmptyRange);
    if (!is_page_aligned(range.start) || !is_page_aligned(range.end)) {
      return std::unexpected(PtError::NotAligned);
    }
    TRY_VOID(check_config_phys<C>(range));
    const std::uint64_t len = range.size();
    TRY(this->op_range(len));
    const Vaddr from = va_;
    const auto occupied = TRY(this->find_next(len));
    TRY_VOID(this->jump(from));
    if (occupied) return std::unexpected(PtError::AlreadyMapped);

    Paddr pa = range.start;
    std::uint64_t remaining = len;
    while (remaining != 0) {
      PagingLevel target = largest_level(va_, pa, remaining);
      if (level_ < target) target = level_;  // already inside a (mapping-free) smaller node
      if (auto created = descend_creating(target); !created) {
        undo_map_phys(from, len - remaining);
        return std::unexpected(created.error());
      }
      const Raw e = this->entry();
      if (Pte::is_present(e)) {
        KASSERT(!Pte::is_leaf(e, level_));  // find_next saw nothing mapped
        this->push(Pte::child_paddr(e));     // an empty node in the way: use smaller pages
        continue;
      }
      // Fill this node's consecutive absent entries while the same page size still fits:
      // one count update and one path check per run instead of per page.
      const std::uint64_t size = page_size_at(level_);
      const NodeRef<C> node = this->node();
      node.assert_locked_by(cpu_);
      Raw* entries = node.entries();
      unsigned index = this->index();
      Vaddr va = va_;
      std::uint16_t filled = 0;
      for (;;) {
        __atomic_store_n(entries + index, Pte::make_leaf(pa, prop, level_, false), __ATOMIC_RELAXED);
        ++filled;
        pa += size;
        remaining -= size;
        if (remaining == 0 || index == NR_ENTRIES - 1 || va + (size - 1) >= last_ ||
            largest_level(va + size, pa, remaining) != level_ ||
            Pte::is_present(node.read(index + 1))) {
          break;
        }
        ++index;
        va += size;
      }
      node.meta().nr_children += filled;
      this->move_after(va + (size - 1));
    }
    return {};
  }

  // Unmaps the first mapped slot in [va(), va() + len) and moves past it; an untracked
  // huge page that extends outside the range is split first (same property). Returns the
  // slot and, for a tracked frame (of any level: one item), the mapping's reference as a
  // handle; nullopt (cursor at va() + len) if nothing is mapped there. The TLB is flushed
  // before it returns. Errors: EmptyRange, NotAligned, OutOfRange, OutOfMemory (the nodes
  // a split needs, reserved before anything changes), SplitsTrackedHuge (a tracked huge
  // frame extends outside the range); on error nothing changed.
  [[nodiscard]] std::expected<std::optional<TakenItem>, PtError> take_next(std::uint64_t len) {
    const Vaddr op_last = TRY(this->op_range(len));
    const ReleaseReserveOnReturn release{reserve_};
    TRY_VOID(reserve_splits_of_first_leaf(op_last));
    const auto found = TRY(next_leaf_within(op_last));
    if (!found) return std::nullopt;
    TakenItem item{.mapping = *found, .frame = std::nullopt};
    remove_current_leaf();
    this->move_after(found->va + (found->size - 1));
    tlb_.flush();
    if (found->kind == MappingKind::Tracked) item.frame.emplace(frame::UFrame::from_raw(found->pa));
    return item;
  }

  // Unmaps everything in [va(), va() + len) (splitting untracked huge pages at the edges),
  // moves to its end, and returns the number of bytes that were mapped. Tracked frames lose
  // their mapping's reference after the batched TLB flush (flush() or the cursor's
  // destruction). Errors, before anything changes: SplitsTrackedHuge (a tracked huge frame
  // extends outside the range), OutOfMemory (for the nodes the edge splits need, reserved
  // first), and the range errors.
  [[nodiscard]] std::expected<std::uint64_t, PtError> unmap(std::uint64_t len) {
    const Vaddr op_last = TRY(this->op_range(len));
    const EdgePlan plan = TRY(plan_edges(op_last));
    if (plan.cuts_tracked_huge) return std::unexpected(PtError::SplitsTrackedHuge);
    const ReleaseReserveOnReturn release{reserve_};
    TRY_VOID(reserve_nodes(plan));
    std::uint64_t unmapped = 0;
    for (;;) {
      const auto found = TRY(next_leaf_within(op_last));
      if (!found) break;
      remove_current_leaf();
      if (found->kind == MappingKind::Tracked) tlb_.defer_release(found->pa);
      unmapped += found->size;
      if (found->va + (found->size - 1) >= op_last) {
        this->move_after(op_last);
        break;
      }
      this->move_after(found->va + (found->size - 1));
    }
    return unmapped;
  }

  // Changes the property of the first mapped slot in [va(), va() + len) with op(prop&)
  // (splitting an untracked huge page that extends outside the range; a tracked one is
  // SplitsTrackedHuge) and moves past it;
  // returns the slot's range, or nullopt (cursor at va() + len) if nothing is mapped there.
  // The change is visible after flush() or the cursor's destruction. On error (the range
  // errors, WritableExecutable, SplitsTrackedHuge, OutOfMemory for the split's nodes,
  // reserved first) nothing changed.
  template <typename Op>
  [[nodiscard]] std::expected<std::optional<VaRange>, PtError> protect_next(std::uint64_t len, Op&& op) {
    // -- config policy (pt_config.h: W^X), before any split or write --
    if constexpr (config_forbids_wx<C>) TRY_VOID(check_protect_property<C>(*this, len, op));
    // --
    const Vaddr op_last = TRY(this->op_range(len));
    const ReleaseReserveOnReturn release{reserve_};
    TRY_VOID(reserve_splits_of_first_leaf(op_last));
    const auto found = TRY(next_leaf_within(op_last));
    if (!found) return std::nullopt;
    PageProperty prop = found->prop;
    op(prop);
    if (prop != found->prop) {
      const NodeRef<C> node = this->node();
      node.assert_locked_by(cpu_);
      node.writeLocked(this->index(), Pte::with_property(this->entry(), prop, level_));
      tlb_.add_page(found->va);
    }
    this->move_after(found->va + (found->size - 1));
    return VaRange{found->va, found->size};
  }

  // Performs the owed TLB flush and the releases waiting for it.
  void flush() { tlb_.flush(); }

 private:
  // ---- All-or-nothing splits: the nodes a split needs are allocated before any change ----
  //
  // Cutting an untracked huge leaf at address p splits it, and then the smaller leaf that
  // still contains p, until p is a leaf boundary: one node per level above that. The
  // nodes an operation's cuts need are reserved first (OutOfMemory before anything
  // changed); split_current_leaf takes them from the reserve. Unused ones are freed when
  // the operation returns (they were never in the table).
  static constexpr unsigned MAX_RESERVED = 2 * (MAX_NR_LEVELS - 1);
  struct SplitReserve {
    std::array<std::optional<PtNodeFrame<C>>, MAX_RESERVED> nodes{};
  };

  // The splits cutting a range at its ends needs, and whether an end cuts a tracked huge
  // frame (refused: a mapping holds the whole frame).
  struct Cut {
    PagingLevel level;  // the leaf split has this level; the new node is one below
    Vaddr base;
  };
  struct EdgePlan {
    bool cuts_tracked_huge = false;
    std::array<Cut, MAX_RESERVED> cuts{};
    unsigned nr_cuts = 0;
  };

  // Adds to `plan` what cutting leaf `m` at `cut` (a page boundary) needs.
  static void plan_cut(const PtMapping& m, Vaddr cut, EdgePlan& plan) {
    if (!m.mapped() || m.level == 1 || (cut & (m.size - 1)) == 0) return;  // no cut here
    if (m.kind == MappingKind::Tracked) {
      plan.cuts_tracked_huge = true;
      return;
    }
    for (PagingLevel level = m.level; level > 1 && (cut & (page_size_at(level) - 1)) != 0; --level) {
      const Cut c{level, align_down(cut, page_size_at(level))};
      bool seen = false;
      for (unsigned i = 0; i < plan.nr_cuts; ++i) {
        seen |= plan.cuts[i].level == c.level && plan.cuts[i].base == c.base;
      }
      if (!seen) plan.cuts[plan.nr_cuts++] = c;
    }
  }

  // Probes the leaves at both ends of [va_, last] (nothing changes; the cursor ends where it
  // started). Only the end leaves can extend outside the range.
  [[nodiscard]] std::expected<EdgePlan, PtError> plan_edges(Vaddr last) {
    EdgePlan plan;
    const Vaddr from = va_;
    plan_cut(this->mapping_of(this->descend_existing()), from, plan);
    if (last + 1 != 0) {  // a range ending at 2^64 has no cut there
      TRY_VOID(this->jump(align_down(last, PAGE_SIZE)));
      plan_cut(this->mapping_of(this->descend_existing()), last + 1, plan);
    }
    TRY_VOID(this->jump(from));
    return plan;
  }

  // Allocates the nodes `plan`'s splits need into reserve_ (empty outside an operation:
  // ReleaseReserveOnReturn). Error: OutOfMemory.
  [[nodiscard]] std::expected<void, PtError> reserve_nodes(const EdgePlan& plan) {
    for (unsigned i = 0; i < plan.nr_cuts; ++i) {
      auto node = alloc_node<C>(plan.cuts[i].level - 1);
      if (!node) return std::unexpected(PtError::OutOfMemory);
      reserve_.nodes[i].emplace(std::move(*node));
    }
    return {};
  }

  // For take_next/protect_next: the splits of the first mapped leaf in [va_, op_last] only
  // (a tracked one extending outside is refused by next_leaf_within).
  [[nodiscard]] std::expected<void, PtError> reserve_splits_of_first_leaf(Vaddr op_last) {
    const Vaddr from = va_;
    const auto first = TRY(this->find_next(op_last - va_ + 1));
    EdgePlan plan;
    if (first) {  // find_next left the cursor on that leaf
      const PtMapping m = this->mapping_of(this->entry());
      if (m.kind == MappingKind::Untracked) {
        plan_cut(m, *first, plan);
        if (m.va + (m.size - 1) > op_last) plan_cut(m, op_last + 1, plan);  // ends past it
      }
    }
    TRY_VOID(this->jump(from));
    return reserve_nodes(plan);
  }

  // A reserved node of `level`, if the current operation reserved one.
  std::optional<PtNodeFrame<C>> take_reserved(PagingLevel level) {
    for (auto& node : reserve_.nodes) {
      if (node && node->meta().level == level) return std::exchange(node, std::nullopt);
    }
    return std::nullopt;
  }

  // map_phys failed after mapping [from, from + bytes): unmaps exactly those pages (no
  // split: they are whole leaves it made) and returns to `from`.
  void undo_map_phys(Vaddr from, std::uint64_t bytes) {
    KASSERT(this->jump(from).has_value());
    if (bytes != 0) {
      const auto undone = unmap(bytes);
      KASSERT(undone.has_value() && *undone == bytes);
      KASSERT(this->jump(from).has_value());
    }
  }

  SplitReserve reserve_{};
  // Frees what an operation reserved and did not use, whichever way it returns.
  struct ReleaseReserveOnReturn {
    SplitReserve& reserve;
    ~ReleaseReserveOnReturn() { reserve = SplitReserve{}; }
  };

  // The current entry points to a child node: if that node maps nothing (left empty by an
  // unmap, not yet reclaimed), detaches it (freed after the flush) and returns true.
  bool drop_empty_child() {
    const NodeRef<C> child(Pte::child_paddr(this->entry()));
    this->push(child.paddr());
    child.assert_locked_by(cpu_);
    const bool empty = child.meta().nr_children == 0;
    this->pop();  // detaches the child if it is empty
    return empty;
  }

  // Goes down to level `target` at va_, creating missing nodes. Errors: AlreadyMapped (a
  // leaf above `target` covers va_), OutOfMemory.
  [[nodiscard]] std::expected<void, PtError> descend_creating(PagingLevel target) {
    while (level_ > target) {
      const Raw e = this->entry();
      if (!Pte::is_present(e)) {
        auto child = alloc_node<C>(level_ - 1);
        if (!child) return std::unexpected(PtError::OutOfMemory);
        const Paddr child_pa = child->paddr();
        const NodeRef<C> child_node(child_pa);
        child_node.acquire();
        const NodeRef<C> node = this->node();
        node.assert_locked_by(cpu_);
        node.writeLocked(this->index(), Pte::make_child(std::move(*child).into_raw(), C::USER));
        this->push_locked(child_pa);
      } else if (Pte::is_leaf(e, level_)) {
        return std::unexpected(PtError::AlreadyMapped);
      } else {
        this->push(Pte::child_paddr(e));
      }
    }
    return {};
  }

  PagingLevel largest_level(Vaddr va, Paddr pa, std::uint64_t remaining) const {
    for (PagingLevel level = options_.supports_1g_pages ? 3 : 2; level > 1; --level) {
      const std::uint64_t size = page_size_at(level);
      if (((va | pa) & (size - 1)) == 0 && remaining >= size) return level;
    }
    return 1;
  }

  // Moves to the first leaf in [va_, op_last] and splits it until it lies inside; returns
  // it with the cursor on its entry, or nullopt with the cursor past op_last.
  [[nodiscard]] std::expected<std::optional<PtMapping>, PtError> next_leaf_within(Vaddr op_last) {
    for (;;) {
      const Raw e = this->descend_existing();
      const PtMapping m = this->mapping_of(e);
      const Vaddr slot_last = m.va + (m.size - 1);
      if (!m.mapped()) {
        if (slot_last >= op_last) {
          this->move_after(op_last);
          return std::nullopt;
        }
        this->move_after(slot_last);
        continue;
      }
      if (m.va >= va_ && slot_last <= op_last) return m;
      if (m.kind == MappingKind::Tracked) return std::unexpected(PtError::SplitsTrackedHuge);
      TRY_VOID(split_current_leaf());
    }
  }

  // Replaces the huge untracked leaf at the cursor by a node of 512 smaller leaves with
  // the same property, and enters it.
  [[nodiscard]] std::expected<void, PtError> split_current_leaf() {
    KASSERT(level_ > 1);
    const Raw e = this->entry();
    KASSERT(Pte::is_leaf(e, level_) && !Pte::is_tracked(e));
    std::optional<PtNodeFrame<C>> child = take_reserved(level_ - 1);
    if (!child) {
      auto fresh = alloc_node<C>(level_ - 1);
      if (!fresh) return std::unexpected(PtError::OutOfMemory);
      child.emplace(std::move(*fresh));
    }
    const Paddr child_pa = child->paddr();
    const NodeRef<C> node(child_pa);
    node.acquire();
    const PagingLevel sub = level_ - 1;
    const Paddr pa = Pte::leaf_paddr(e, level_);
    const PageProperty prop = Pte::leaf_property(e, level_);
    for (unsigned i = 0; i < NR_ENTRIES; ++i) {
      node.writeLocked(i, Pte::make_leaf(pa + i * page_size_at(sub), prop, sub, false));
    }
    const NodeRef<C> parent = this->node();
    parent.assert_locked_by(cpu_);
    parent.writeLocked(this->index(), Pte::make_child(std::move(*child).into_raw(), C::USER));
    tlb_.add_page(align_down(va_, page_size_at(level_)));
    this->push_locked(child_pa);
    return {};
  }

  // Clears the leaf at the cursor and owes its flush.
  void remove_current_leaf() {
    const Vaddr slot = align_down(va_, page_size_at(level_));
    const NodeRef<C> node = this->node();
    node.assert_locked_by(cpu_);
    node.writeLocked(this->index(), Pte::absent());
    tlb_.add_page(slot);
  }
};

}  // namespace mm::page_table
