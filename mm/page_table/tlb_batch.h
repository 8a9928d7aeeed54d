// TlbBatch: the TLB flushes a cursor owes, and the frees that must wait for them.
//
// Up to 32 single-entry flushes are kept as addresses (invlpg each, any page size); the
// 33rd turns the batch into one full flush (Linux's tlb_single_page_flush_ceiling).
// Frames whose last mapping was removed, and page-table nodes detached from the tree, are
// released only after the flush: until then a CPU may still reach them through a stale
// translation or paging-structure cache.
#pragma once

#include <array>
#include <cstdint>

#include "mm/types.h"

namespace mm::page_table {

class TlbBatch {
 public:
  static constexpr unsigned MAX_PAGES = 32;     // beyond this, flush everything
  static constexpr unsigned MAX_DEFERRED = 64;  // deferred releases before a forced flush

  // global_flush: a full flush must drop global entries too (kernel mappings).
  explicit TlbBatch(bool global_flush) : global_flush_(global_flush) {}
  TlbBatch(const TlbBatch&) = delete;
  TlbBatch& operator=(const TlbBatch&) = delete;
  // Moves the owed work; the source owes nothing afterwards.
  TlbBatch(TlbBatch&& other) noexcept
      : global_flush_(other.global_flush_), full_(other.full_), nr_pages_(other.nr_pages_),
        nr_deferred_(other.nr_deferred_), pages_(other.pages_), deferred_(other.deferred_) {
    other.full_ = false;
    other.nr_pages_ = 0;
    other.nr_deferred_ = 0;
  }
  ~TlbBatch() { flush(); }

  // The translation of `va` (one TLB entry, any page size) changed or went away.
  void add_page(Vaddr va);
  // Drops one reference to the frame at `pa` after the flush (an unmapped tracked page,
  // or a detached page-table node owned by its former parent entry).
  void defer_release(Paddr pa);
  // Performs the owed flush, then the deferred releases.
  void flush();
  bool pending() const { return full_ || nr_pages_ != 0 || nr_deferred_ != 0; }

 private:
  bool global_flush_;
  bool full_ = false;
  unsigned nr_pages_ = 0;
  unsigned nr_deferred_ = 0;
  std::array<Vaddr, MAX_PAGES> pages_{};
  std::array<Paddr, MAX_DEFERRED> deferred_{};
};

}  // namespace mm::page_table
