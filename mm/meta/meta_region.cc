#include "mm/meta/meta_region.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "mm/hal.h"
#include "mm/memmap/bounded_array.h"
#include "mm/meta/boot_frame_meta.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_units.h"
#include "lib/contract/contract.h"

namespace mm::meta {
namespace {

constinit memmap::MemoryMap g_memory_map;
constinit MetaRegion g_meta_region;
constinit memmap::BoundedArray<memmap::Reservation, memmap::ReservationList::CAPACITY> g_reservations;

// The bytes of one initialized MetaSlot, built once and stored into every slot of a run.
// A plain trivially copyable twin of MetaSlot: the slot region is raw memory until
// initialized, and a memcpy of an implicit-lifetime aggregate creates the slots in it.
struct SlotImage {
  std::byte storage[FRAME_METADATA_MAX_SIZE];
  std::uint64_t ref_count;
  std::uint64_t block;
  const FrameMetaVtable* vtable;
};
static_assert(sizeof(SlotImage) == sizeof(MetaSlot));
static_assert(offsetof(SlotImage, ref_count) == offsetof(MetaSlot, ref_count));
static_assert(offsetof(SlotImage, block) == offsetof(MetaSlot, block));
static_assert(offsetof(SlotImage, vtable) == offsetof(MetaSlot, vtable));
static_assert(std::is_trivially_copyable_v<SlotImage>);

SlotImage unused_image() {
  SlotImage image{};
  image.ref_count = REF_COUNT_UNUSED;
  return image;
}

SlotImage boot_frame_image(memmap::FrameUsage usage) {
  SlotImage image{};
  const BootFrameMeta meta{usage};
  std::memcpy(image.storage, &meta, sizeof(meta));
  image.ref_count = 1;
  image.vtable = &BOOT_FRAME_META_VTABLE;
  return image;
}

// Stores `image` into the slots of frames [first, end): the hot loop of boot. Through the
// HAL's streaming fill: the slots are not read back until much later, and in the kernel a
// 64-byte memcpy without SSE is a `rep movsb` call per slot (10x slower under TCG).
void fill_slots(std::uint64_t first, std::uint64_t end, const SlotImage& image) {
  static_assert(sizeof(SlotImage) == 64);
  if (end <= first) return;
  hal::stream_fill_64(frame_to_meta(first * PAGE_SIZE), end - first, &image);
}

void fill_range(PhysRange range, const SlotImage& image) {
  fill_slots(frame_to_index(range.start), frame_to_index(range.end), image);
}

// Like fill_range, for the few reserved frames: returns how many held `free_image` before
// (where reservations overlap, a frame counts once).
std::uint64_t claim_range(PhysRange range, const SlotImage& image, const SlotImage& free_image) {
  std::uint64_t claimed = 0;
  MetaSlot* slot = frame_to_meta(range.start);
  for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE, ++slot) {
    if (slot->ref_count.load(std::memory_order_relaxed) == free_image.ref_count) ++claimed;
    std::memcpy(static_cast<void*>(slot), &image, sizeof(SlotImage));
  }
  return claimed;
}

bool same_plan(const MetaPlan& a, const MetaPlan& b) {
  if (a.slot_count != b.slot_count || a.backed.size() != b.backed.size()) return false;
  return std::equal(a.backed.begin(), a.backed.end(), b.backed.begin());
}

[[nodiscard]] std::expected<void, MetaInitError> validate(const memmap::MemoryMap& map, const MetaPlan& plan,
                                            std::uintptr_t slots_base,
                                            std::span<const memmap::Reservation> reservations) {
  if (slots_base == 0 || !is_page_aligned(slots_base)) {
    return std::unexpected(MetaInitError::MetaBaseUnset);
  }
  for (const memmap::MemoryRegion& region : map.regions()) {
    if (!is_page_aligned(region.range.start) || !is_page_aligned(region.range.end)) {
      return std::unexpected(MetaInitError::MapNotSanitized);
    }
  }
  const auto expected_plan = plan_meta_region(map);
  if (!expected_plan) return std::unexpected(MetaInitError::MapNotSanitized);
  if (!same_plan(*expected_plan, plan)) return std::unexpected(MetaInitError::PlanMismatch);
  if (reservations.size() > memmap::ReservationList::CAPACITY) {
    return std::unexpected(MetaInitError::TooManyReservations);
  }
  return {};
}

// Writes every backed slot of frames [first, end) from g_memory_map and g_reservations:
// usable frames no reservation covers get `free_image`, all others their boot-frame label.
// Pass 1 labels every slot from the map alone; pass 2 takes reserved usable frames out of
// the free pool (usable frames always have backed slots: that is how the plan is made).
// Non-usable frames keep the firmware's label.
MetaInitStats write_slots(std::uint64_t first, std::uint64_t end, const SlotImage& free_image) {
  MetaInitStats stats;
  const SlotImage hole = boot_frame_image(memmap::FrameUsage::Hole);
  const PhysRange window{first * PAGE_SIZE, end * PAGE_SIZE};
  for_each_backed_frame_range(g_meta_region.plan, [&](std::uint64_t backed_first,
                                                      std::uint64_t backed_end) {
    const PhysRange part{std::max(backed_first * PAGE_SIZE, window.start),
                         std::min(backed_end * PAGE_SIZE, window.end)};
    if (part.empty()) return;
    stats.slots_initialized += frame_to_index(part.size());
    g_memory_map.for_each_segment(part, [&](PhysRange piece, std::optional<memmap::RegionType> type) {
      if (!type) {
        fill_range(piece, hole);
      } else if (*type == memmap::RegionType::Usable) {
        fill_range(piece, free_image);
        stats.unused += frame_to_index(piece.size());
      } else {
        fill_range(piece, boot_frame_image(memmap::frame_usage_for(*type)));
      }
    });
  });
  for (const memmap::Reservation& reservation : g_reservations.span()) {
    const PhysRange clipped{std::max(reservation.range.start, window.start),
                            std::min(reservation.range.end, window.end)};
    if (clipped.empty()) continue;
    const SlotImage image = boot_frame_image(reservation.usage);
    g_memory_map.for_each_segment(clipped, [&](PhysRange piece, std::optional<memmap::RegionType> type) {
      if (type == memmap::RegionType::Usable) stats.unused -= claim_range(piece, image, free_image);
    });
  }
  stats.in_use = stats.slots_initialized - stats.unused;
  return stats;
}

}  // namespace

const char* error_name(MetaInitError error) {
  switch (error) {
    case MetaInitError::MetaBaseUnset: return "MetaBaseUnset";
    case MetaInitError::MapNotSanitized: return "MapNotSanitized";
    case MetaInitError::PlanMismatch: return "PlanMismatch";
    case MetaInitError::TooManyReservations: return "TooManyReservations";
  }
  return "invalid";
}

const char* error_name(MetaSlotError error) {
  switch (error) {
    case MetaSlotError::NotInitialized: return "NotInitialized";
    case MetaSlotError::NotAligned: return "NotAligned";
    case MetaSlotError::OutOfRange: return "OutOfRange";
    case MetaSlotError::InHole: return "InHole";
    case MetaSlotError::Uninitialised: return "Uninitialised";
  }
  return "invalid";
}

[[nodiscard]] std::expected<MetaInitStats, MetaInitError> init_meta_region(
    const memmap::MemoryMap& map, const MetaPlan& plan, std::uintptr_t slots_base,
    std::span<const memmap::Reservation> reservations, MetaInitOptions options) {
  if (auto valid = validate(map, plan, slots_base, reservations); !valid) {
    return std::unexpected(valid.error());
  }
  g_meta_region.initialized = false;
  if (&map != &g_memory_map) g_memory_map = map;
  g_reservations.clear();
  for (const memmap::Reservation& r : reservations) (void)g_reservations.push_back(r);
  g_meta_region.plan = plan;
  g_meta_region.slot_count = plan.slot_count;
  g_meta_region.covered = plan.covered();
  reset_meta_units(plan.slot_count);
  install_meta_geometry({.slots_base = slots_base,
                         .covered_end = plan.covered().end,
                         .slot_is_backed = &slot_is_backed,
                         .slot_is_initialised = &slot_is_initialised});

  // Units in address order until enough usable RAM is written; the rest stay Pending.
  MetaInitStats stats;
  const SlotImage unused = unused_image();
  for (std::uint64_t unit = 0; unit < meta_unit_count(); ++unit) {
    if (stats.unused * PAGE_SIZE >= options.eager_usable_bytes) break;
    const MetaUnitSpan span = meta_unit_span(unit);
    stats += write_slots(span.first, span.end, unused);
    mark_meta_unit_ready(unit);
  }
  g_meta_region.slots_initialized = stats.slots_initialized;
  for_each_backed_frame_range(plan, [&](std::uint64_t first, std::uint64_t end) {
    g_meta_region.slots_backed += end - first;
  });
  g_meta_region.initialized = true;
  return stats;
}

MetaInitStats init_meta_unit_slots(std::uint64_t unit) {
  KREQUIRES(g_meta_region.initialized && meta_unit_state(unit) == MetaUnitState::Initialising);
  SlotImage tail{};
  tail.ref_count = REF_COUNT_TAIL;
  const MetaUnitSpan span = meta_unit_span(unit);
  return write_slots(span.first, span.end, tail);
}

void reset_meta_region_for_testing() {
  uninstall_meta_geometry();
  reset_meta_units(0);
  g_memory_map.clear();
  g_reservations.clear();
  g_meta_region = MetaRegion{};
}

const memmap::MemoryMap& memory_map() { return g_memory_map; }
const MetaRegion& meta_region() { return g_meta_region; }
std::span<const memmap::Reservation> boot_reservations() { return g_reservations.span(); }

bool slot_is_backed(Paddr pa) {
  return g_meta_region.initialized && g_meta_region.plan.slot_is_backed(pa);
}

bool slot_is_initialised(Paddr pa) {
  return meta_unit_state(meta_unit_of(pa)) == MetaUnitState::Ready;
}

[[nodiscard]] std::expected<MetaSlot*, MetaSlotError> meta_slot_checked(Paddr pa) {
  if (!g_meta_region.initialized) return std::unexpected(MetaSlotError::NotInitialized);
  if (!is_page_aligned(pa)) return std::unexpected(MetaSlotError::NotAligned);
  if (pa >= g_meta_region.covered.end) return std::unexpected(MetaSlotError::OutOfRange);
  if (!g_meta_region.plan.slot_is_backed(pa)) return std::unexpected(MetaSlotError::InHole);
  if (!slot_is_initialised(pa)) return std::unexpected(MetaSlotError::Uninitialised);
  return frame_to_meta(pa);
}

MetaSlot& meta_slot(Paddr pa) {
  const auto slot = meta_slot_checked(pa);
  KASSERT_MSG(slot.has_value(), error_name(slot.error()));
  return **slot;
}

}  // namespace mm::meta
