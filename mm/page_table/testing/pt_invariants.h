// The structural invariants of a page table (those the verified Asterinas page table
// keeps), checked by a full walk:
//   - every node's slot holds PageTablePageMeta<C> of the right level, not stray, unlocked;
//   - nr_children equals the number of present entries;
//   - every node has exactly one parent entry (reached once; reference count 1);
//   - leaves sit at levels 1..3, are aligned to their size, tracked ones map the head of a
//     live, untyped frame of exactly the leaf's size (4 KiB, 2 MiB or 1 GiB: one leaf per
//     frame); kinds match the config;
//   - leaves come out in strictly increasing, non-overlapping address order;
//   - no empty node below the root (empty nodes are freed).
// Host-test code (uses std::string and std::set).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "mm/frame/slot_ops.h"
#include "mm/page_table/node.h"
#include "mm/page_table/page_table.h"

namespace mm::page_table::testing {

struct PtShape {
  std::uint64_t nodes = 0;   // including the root
  std::uint64_t leaves = 0;
  std::uint64_t mapped_bytes = 0;
};

template <PageTableConfig C>
class InvariantWalker {
 public:
  using Pte = typename C::Pte;
  std::string error;
  PtShape shape;

  void walk_root(Paddr root) {
    check_node(root, C::NR_LEVELS, /*is_root=*/true);
    if (!error.empty()) return;
    const NodeRef<C> node(root);
    for (unsigned i = 0; i < NR_ENTRIES && error.empty(); ++i) {
      const auto e = node.read(i);
      if (Pte::is_present(e) && (i < C::TOP_INDEX_BEGIN || i >= C::TOP_INDEX_END)) {
        fail("root entry outside the config's top-level range", i);
      }
    }
    walk(root, C::NR_LEVELS, 0);
  }

 private:
  void fail(const char* what, std::uint64_t value) {
    if (error.empty()) error = std::string(what) + " (" + std::to_string(value) + ")";
  }

  void check_node(Paddr pa, PagingLevel level, bool is_root) {
    if (!seen_.insert(pa).second) return fail("node reached twice", pa);
    const meta::MetaSlot& slot = *meta::frame_to_meta(pa);
    if (!frame::slot::holds<PageTablePageMeta<C>>(slot))
      return fail("node slot not a page-table page", pa);
    const NodeRef<C> node(pa);
    const auto& meta = node.meta();
    if (meta.level != level) return fail("node level mismatch", pa);
    if (meta.lock.is_locked()) return fail("node left locked", pa);
    // Free, as it must be in a table no cursor is using: taken for the guarded fields.
    node.acquire();
    const bool stray = node.meta().stray;
    const std::uint16_t nr_children = node.meta().nr_children;
    node.release();
    if (stray) return fail("stray node in the tree", pa);
    const std::uint64_t count = slot.ref_count.load();
    if (count != 1) return fail("node reference count != 1", count);
    unsigned present = 0;
    for (unsigned i = 0; i < NR_ENTRIES; ++i) present += Pte::is_present(node.read(i)) ? 1 : 0;
    if (present != nr_children) return fail("nr_children != present entries", pa);
    if (!is_root && present == 0) return fail("empty node not freed", pa);
    ++shape.nodes;
  }

  void walk(Paddr pa, PagingLevel level, Vaddr base) {
    const NodeRef<C> node(pa);
    for (unsigned i = 0; i < NR_ENTRIES && error.empty(); ++i) {
      const auto e = node.read(i);
      if (!Pte::is_present(e)) continue;
      const Vaddr va = base + i * page_size_at(level);
      if (!Pte::is_leaf(e, level)) {
        if (level == 1) return fail("child entry at level 1", va);
        check_node(Pte::child_paddr(e), level - 1, false);
        walk(Pte::child_paddr(e), level - 1, va);
        continue;
      }
      check_leaf(e, level, sign_extend(va, C::NR_LEVELS));
    }
  }

  void check_leaf(typename Pte::Raw e, PagingLevel level, Vaddr va) {
    if (level > MAX_LEAF_LEVEL) return fail("leaf above level 3", va);
    const std::uint64_t size = page_size_at(level);
    const Paddr pa = Pte::leaf_paddr(e, level);
    if ((pa & (size - 1)) != 0 || (va & (size - 1)) != 0) return fail("leaf misaligned", va);
    if (shape.leaves != 0 && va <= last_leaf_end_) return fail("leaves overlap or out of order", va);
    last_leaf_end_ = va + (size - 1);
    if (Pte::is_tracked(e)) {
      if (!C::TRACKED) return fail("tracked leaf in an untracked-only table", va);
      if (!meta::has_slot(pa)) return fail("tracked leaf without a metadata slot", pa);
      const meta::MetaSlot& slot = *meta::frame_to_meta(pa);
      const std::uint64_t count = slot.ref_count.load();
      if (count == 0 || count > meta::REF_COUNT_MAX) return fail("tracked leaf's frame not shared", count);
      if (frame::slot::holds<PageTablePageMeta<C>>(slot))
        return fail("page-table page mapped as a leaf", pa);
      if (slot.vtable == nullptr || !slot.vtable->untyped) return fail("tracked leaf's frame is typed", pa);
      if (frame::slot::live_order(slot) != frame::slot::level_order(level)) {
        return fail("tracked leaf's size != its frame's size", va);
      }
    } else if (!C::UNTRACKED) {
      return fail("untracked leaf in a tracked-only table", va);
    }
    ++shape.leaves;
    shape.mapped_bytes += size;
  }

  std::set<Paddr> seen_;
  Vaddr last_leaf_end_ = 0;
};

// "" if every invariant holds, else the first violation.
template <PageTableConfig C>
std::string check_pt_invariants(const PageTable<C>& pt, PtShape* shape = nullptr) {
  InvariantWalker<C> walker;
  walker.walk_root(pt.root_paddr());
  if (shape != nullptr) *shape = walker.shape;
  return walker.error;
}

}  // namespace mm::page_table::testing
