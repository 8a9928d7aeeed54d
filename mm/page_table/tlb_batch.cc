#include "mm/page_table/tlb_batch.h"

#include "mm/frame/frame.h"
#include "mm/hal.h"

namespace mm::page_table {

void TlbBatch::add_page(Vaddr va) {
  if (full_) return;
  if (nr_pages_ == MAX_PAGES) {
    full_ = true;
    return;
  }
  pages_[nr_pages_++] = va;
}

void TlbBatch::defer_release(Paddr pa) {
  if (nr_deferred_ == MAX_DEFERRED) flush();
  deferred_[nr_deferred_++] = pa;
}

void TlbBatch::flush() {
  // Every CPU may cache the translation (the kernel's address space is shared), so the
  // flush is a shootdown: one cross-CPU round for the whole batch.
  if (full_) {
    hal::tlb_flush_all_everywhere(global_flush_);
  } else if (nr_pages_ != 0) {
    hal::tlb_flush_pages_everywhere(pages_.data(), nr_pages_);
  }
  full_ = false;
  nr_pages_ = 0;
  // Releasing may free frames (and run metadata drop hooks); the flush is done by now.
  const unsigned n = nr_deferred_;
  nr_deferred_ = 0;
  for (unsigned i = 0; i < n; ++i) frame::dec_frame_ref_for_mapping(deferred_[i]);
}

}  // namespace mm::page_table
