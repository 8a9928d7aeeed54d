// PageTable<C>: one page-table tree of config C, owning its root node.
//
//   auto pt = TRY(PageTable<KernelPtConfig<4>>::create({.supports_1g_pages = true}));
//   auto cursor = TRY(pt.cursor_mut(va, len));
//
// Destroying a PageTable tears the tree down: every node goes back to the allocator and
// every tracked leaf drops its frame reference. It does not flush the TLB: destroy only a
// table that is not active on any CPU (the kernel's never is destroyed).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <utility>

#include "mm/page_table/cursor.h"
#include "mm/page_table/node.h"
#include "mm/page_table/paging_options.h"
#include "mm/page_table/pt_config.h"
#include "mm/page_table/pt_error.h"
#include "mm/page_table/range_check.h"

namespace mm::page_table {

template <PageTableConfig C>
class PageTable {
 public:
  using Config = C;

  // An empty table (one zeroed root node). Errors: OutOfMemory.
  [[nodiscard]] static std::expected<PageTable, PtError> create(PagingOptions options) {
    auto root = alloc_node<C>(C::NR_LEVELS);
    if (!root) return std::unexpected(PtError::OutOfMemory);
    return PageTable(std::move(*root), options);
  }

  PageTable(PageTable&& other) noexcept
      : root_(std::exchange(other.root_, std::nullopt)), options_(other.options_) {}
  PageTable& operator=(PageTable&& other) noexcept {
    PageTable dying(std::move(*this));
    root_ = std::exchange(other.root_, std::nullopt);
    options_ = other.options_;
    return *this;
  }
  ~PageTable() {
    if (!root_) return;
    tear_down(root_->paddr(), C::NR_LEVELS, C::TOP_INDEX_BEGIN, C::TOP_INDEX_END);
  }

  Paddr root_paddr() const { return root_->paddr(); }
  const PagingOptions& options() const { return options_; }

  // A read cursor over [va, va + len). Errors: EmptyRange, NotAligned, OutOfRange (outside
  // C's range; overflow-safe: a range ending at 2^64 is fine, one wrapping past it is not).
  [[nodiscard]] std::expected<Cursor<C>, PtError> cursor(Vaddr va, std::uint64_t len) const {
    TRY_VOID(check_config_range<C>(va, len));
    return std::expected<Cursor<C>, PtError>(std::in_place, CursorKey<C>(), root_paddr(),
                                             options_, va, range_last(va, len));
  }
  // A mutating cursor over [va, va + len); errors as cursor().
  [[nodiscard]] std::expected<CursorMut<C>, PtError> cursor_mut(Vaddr va, std::uint64_t len) {
    TRY_VOID(check_config_range<C>(va, len));
    return std::expected<CursorMut<C>, PtError>(std::in_place, CursorKey<C>(), root_paddr(),
                                                options_, va, range_last(va, len));
  }

 private:
  PageTable(PtNodeFrame<C>&& root, PagingOptions options)
      : root_(std::move(root)), options_(options) {}

  // Releases entries [first, end) of `node`: subtrees, then tracked frames' references.
  static void tear_down(Paddr node, PagingLevel level, unsigned first, unsigned end) {
    using Pte = typename C::Pte;
    const NodeRef<C> ref(node);
    for (unsigned i = first; i < end; ++i) {
      const auto e = ref.read(i);
      if (!Pte::is_present(e)) continue;
      if (Pte::is_leaf(e, level)) {
        if (Pte::is_tracked(e)) frame::dec_frame_ref_for_mapping(Pte::leaf_paddr(e, level));
      } else {
        const Paddr child = Pte::child_paddr(e);
        tear_down(child, level - 1, 0, NR_ENTRIES);
        frame::dec_frame_ref_for_mapping(child);  // the entry's reference: frees the node
      }
    }
  }

  std::optional<PtNodeFrame<C>> root_;
  PagingOptions options_;
};

}  // namespace mm::page_table
