#include "mm/frame/slot_ops.h"

namespace mm::frame::slot {
namespace {

const char* where_name(FreeWhere where) {
  switch (where) {
    case FreeWhere::Transit: return "in transit";
    case FreeWhere::BuddyList: return "buddy list";
    case FreeWhere::CpuCache: return "cpu cache";
  }
  return "?";
}

}  // namespace

Paddr covering_head(Paddr pa) {
  const auto is_tail = [](std::uint64_t index) {
    return meta::frame_to_meta(index * PAGE_SIZE)->ref_count.load(std::memory_order_relaxed) ==
           meta::REF_COUNT_TAIL;
  };
  const std::uint64_t index = meta::frame_to_index(pa);
  if (!meta::has_slot(pa) || !is_tail(index)) return pa;
  constexpr std::uint64_t BLOCK_WINDOW = (std::uint64_t{1} << meta::MAX_BLOCK_ORDER) - 1;
  // Clearing the lowest set bit steps to the next coarser alignment that is another frame,
  // so each candidate head is read once (a frame deep in a large free block has up to
  // MAX_BLOCK_ORDER alignments, but only as many distinct ones as its index has set bits).
  for (std::uint64_t candidate = index; (candidate & BLOCK_WINDOW) != 0;) {
    candidate &= candidate - 1;
    // A block never crosses a hole in the metadata backing, so an unbacked candidate means
    // the slot is no block's tail (a corrupt state: report the frame itself). A candidate
    // in the frame's own backed run is backed like the frame (meta::BACKED_RUN_FRAMES).
    const bool same_run = candidate / meta::BACKED_RUN_FRAMES == index / meta::BACKED_RUN_FRAMES;
    if (!same_run && !meta::has_slot(candidate * PAGE_SIZE)) return pa;
    if (!is_tail(candidate)) return candidate * PAGE_SIZE;
  }
  return pa;
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, StateOf state) {
  const std::uint64_t count = state.count;
  const std::uint64_t word = state.slot.block.load(std::memory_order_relaxed);
  switch (count) {
    case meta::REF_COUNT_UNUSED: keel::fmt::print(sink, "unused"); return;
    case meta::REF_COUNT_UNIQUE: keel::fmt::print(sink, "unique (order {})", block_order(word)); return;
    case meta::REF_COUNT_FREE:
      keel::fmt::print(sink, "free ({}, order {})", where_name(free_where(word)), block_order(word));
      return;
    case meta::REF_COUNT_TAIL: {
      const Paddr pa = meta_to_frame(&state.slot);
      const Paddr head = covering_head(pa);
      if (head == pa) {
        keel::fmt::print(sink, "a tail of no block");
        return;
      }
      const meta::MetaSlot& head_slot = *meta::frame_to_meta(head);
      const std::uint64_t head_count = head_slot.ref_count.load(std::memory_order_relaxed);
      keel::fmt::print(sink, "a tail of the {} block at {:#x} ({})",
                 head_count == meta::REF_COUNT_FREE ? "free" : "live", head,
                 StateOf{head_slot, head_count});
      return;
    }
    case 0: keel::fmt::print(sink, "busy"); return;
    default:
      if (count <= meta::REF_COUNT_MAX) keel::fmt::print(sink, "shared (count {})", count);
      else keel::fmt::print(sink, "corrupt (count {:#x})", count);
  }
}

GetFrameError error_for(const meta::MetaSlot& slot, std::uint64_t count) {
  switch (count) {
    case meta::REF_COUNT_UNUSED: return GetFrameError::Unused;
    case meta::REF_COUNT_UNIQUE: return GetFrameError::Unique;
    case meta::REF_COUNT_FREE: return GetFrameError::Free;
    case meta::REF_COUNT_TAIL: {
      const Paddr head = covering_head(meta::meta_to_frame(&slot));
      const std::uint64_t head_count = meta::frame_to_meta(head)->ref_count.load(std::memory_order_relaxed);
      return head_count == meta::REF_COUNT_FREE ? GetFrameError::Free : GetFrameError::Tail;
    }
    case 0: return GetFrameError::Busy;
    default: return GetFrameError::InUse;
  }
}

[[nodiscard]] std::expected<meta::MetaSlot*, GetFrameError> get_from_in_use(Paddr pa) {
  auto found = lookup(pa);
  if (!found) return std::unexpected(found.error());
  meta::MetaSlot& slot = **found;
  std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  for (;;) {
    if (count == 0 || count > meta::REF_COUNT_MAX) return std::unexpected(error_for(slot, count));
    KASSERT_FMT(count < meta::REF_COUNT_MAX, "frame {:#x}: reference count overflow", pa);
    // Acquire pairs with publish(): the metadata written before it is visible to us.
    if (slot.ref_count.compare_exchange_weak(count, count + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
      return &slot;
    }
  }
}

void report_bad_increment(const meta::MetaSlot& slot, std::uint64_t previous) {
  const Paddr pa = meta::meta_to_frame(&slot);
  KASSERT_FMT(previous != meta::REF_COUNT_MAX, "frame {:#x}: reference count overflow (at {:#x})", pa,
              previous);
  keel::contract::violation_fmt("assertion", "previous - 1 < REF_COUNT_MAX - 1",
                               std::source_location::current(),
                               "frame {:#x}: new reference to a frame that is not shared (it "
                               "was {})",
                               pa, StateOf{slot, previous});
}

void report_bad_release(const meta::MetaSlot& slot, std::uint64_t count) {
  keel::contract::violation_fmt("assertion", "count - 1 < REF_COUNT_MAX",
                               std::source_location::current(),
                               "double free of frame {:#x}: released a reference it does not "
                               "hold (the frame is {})",
                               meta::meta_to_frame(&slot), StateOf{slot, count});
}

void report_bad_unique_release(const meta::MetaSlot& slot, std::uint64_t count) {
  keel::contract::violation_fmt("assertion", "count == REF_COUNT_UNIQUE",
                               std::source_location::current(),
                               "double free of frame {:#x}: UniqueFrame released but the frame "
                               "is {}",
                               meta::meta_to_frame(&slot), StateOf{slot, count});
}

void require_live_head(Paddr pa, bool unique, const char* what) {
  KREQUIRES_FMT(is_page_aligned(pa) && meta::has_slot(pa), "{}::from_raw({:#x}): not a frame address",
                what, pa);
  const meta::MetaSlot& slot = *meta::frame_to_meta(pa);
  const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
  const bool ok = unique ? count == meta::REF_COUNT_UNIQUE : (count >= 1 && count <= meta::REF_COUNT_MAX);
  KREQUIRES_FMT(ok, "{} of frame {:#x}: it holds no such reference (the frame is {})", what, pa,
                StateOf{slot, count});
}

}  // namespace mm::frame::slot
