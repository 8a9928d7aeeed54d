#include "mm/frame/slot_ops.h"

namespace mm::slot {

std::expected<MetaSlot*, GetFrameError> get_from_in_use(Paddr pa) {
  auto found = lookup(pa);
  if (!found) return std::unexpected(found.error());
  MetaSlot& slot = **found;
  std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  for (;;) {
    if (count == 0 || count > REF_COUNT_MAX) return std::unexpected(error_for_count(count));
    KASSERT_FMT(count < REF_COUNT_MAX, "frame {:#x}: reference count overflow", pa);
    // Acquire pairs with publish(): the metadata written before it is visible to us.
    if (slot.ref_count.compare_exchange_weak(count, count + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
      return &slot;
    }
  }
}

void report_bad_increment(const MetaSlot& slot, std::uint64_t previous) {
  const Paddr pa = meta_to_frame(&slot);
  KASSERT_FMT(previous != REF_COUNT_MAX, "frame {:#x}: reference count overflow (at {:#x})", pa,
              previous);
  keel::contract_violation_fmt("assertion", "previous - 1 < REF_COUNT_MAX - 1",
                               std::source_location::current(),
                               "frame {:#x}: new reference to a frame that is not shared "
                               "(count was {:#x})",
                               pa, previous);
}

void report_bad_release(const MetaSlot& slot, std::uint64_t previous) {
  keel::contract_violation_fmt("assertion", "previous - 1 < REF_COUNT_MAX",
                               std::source_location::current(),
                               "double free of frame {:#x}: released a reference it does not "
                               "hold (count was {:#x})",
                               meta_to_frame(&slot), previous);
}

void report_bad_unique_drop(const MetaSlot& slot, std::uint64_t count) {
  keel::contract_violation_fmt("assertion", "count == REF_COUNT_UNIQUE",
                               std::source_location::current(),
                               "double free of frame {:#x}: UniqueFrame released but the count "
                               "is {:#x}",
                               meta_to_frame(&slot), count);
}

}  // namespace mm::slot
