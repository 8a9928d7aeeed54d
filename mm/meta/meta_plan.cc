#include "mm/meta/meta_plan.h"

namespace mm::meta {
namespace {

// Adds [offset, offset + length), which starts at or after every stretch already added.
void add_backed(MetaPlan& plan, MetaChunkRange chunk) {
  if (!plan.backed.empty()) {
    MetaChunkRange& last = plan.backed.back();
    const std::uint64_t last_end = last.offset + last.length;
    if (chunk.offset <= last_end || plan.backed.full()) {
      const std::uint64_t end = chunk.offset + chunk.length;
      if (end > last_end) last.length = end - last.offset;
      return;
    }
  }
  (void)plan.backed.push_back(chunk);  // cannot fail: a full list merges above
}

}  // namespace

const char* error_name(MetaPlanError error) {
  switch (error) {
    case MetaPlanError::NoUsableMemory: return "NoUsableMemory";
  }
  return "invalid";
}

bool MetaPlan::slot_is_backed(Paddr pa) const {
  const std::uint64_t index = frame_to_index(pa);
  if (index >= slot_count) return false;
  const std::uint64_t offset = index * sizeof(MetaSlot);
  std::size_t lo = 0;
  std::size_t hi = backed.size();
  while (lo < hi) {  // first stretch ending above offset
    const std::size_t mid = lo + (hi - lo) / 2;
    if (backed[mid].offset + backed[mid].length <= offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < backed.size() && backed[lo].offset <= offset;
}

std::uint64_t MetaPlan::backed_slot_count() const {
  std::uint64_t count = 0;
  for_each_backed_frame_range(*this, [&](std::uint64_t first, std::uint64_t end) {
    count += end - first;
  });
  return count;
}

[[nodiscard]] std::expected<MetaPlan, MetaPlanError> plan_meta_region(const memmap::MemoryMap& map) {
  const Paddr usable_end = map.max_usable_end();
  if (usable_end == 0) return std::unexpected(MetaPlanError::NoUsableMemory);
  MetaPlan plan;
  // Usable ranges are page-aligned (sanitized); round up anyway so a hand-built map with
  // a partial last frame still gets a slot for it.
  plan.slot_count = frame_to_index(align_up(usable_end, PAGE_SIZE));
  plan.region_bytes = align_up(plan.slot_count * sizeof(MetaSlot), META_CHUNK_SIZE);
  for (const memmap::MemoryRegion& region : map.regions()) {
    if (region.type != memmap::RegionType::Usable) continue;
    const std::uint64_t first_slot = frame_to_index(region.range.start);
    const std::uint64_t end_slot = frame_to_index(align_up(region.range.end, PAGE_SIZE));
    const std::uint64_t start = align_down(first_slot * sizeof(MetaSlot), META_CHUNK_SIZE);
    const std::uint64_t end = align_up(end_slot * sizeof(MetaSlot), META_CHUNK_SIZE);
    add_backed(plan, MetaChunkRange{start, end - start});
  }
  for (const MetaChunkRange& chunk : plan.backed) plan.backed_bytes += chunk.length;
  plan.saved_bytes = plan.region_bytes - plan.backed_bytes;
  return plan;
}

}  // namespace mm::meta
