// In-kernel tests of the frame metadata region on the booted machine: every backed slot is
// readable and counted, the slot <-> frame mapping round-trips, checked lookup refuses what
// has no slot, and each frame's state matches what boot knew about it.
//
// "Free or allocator-owned" (usable_unreserved_frames_are_free_or_allocated): tests that
// ran earlier (mm.allocator, mm.frame sort before mm.meta) and boot code after mm init may
// hold frames. So a usable frame no boot reservation covers must be either UNUSED (free in
// the buddy allocator: on a list, in a per-CPU cache, or inside a free block) or handed out
// by the allocator since boot (UNIQUE or shared, with metadata that is not BootFrameMeta).
// It must never be a boot frame or busy, and the UNUSED ones must be exactly the frames
// the allocator counts as free.
#define KTEST_SUITE "mm.meta"
#include <cstdint>
#include <string_view>

#include "boot/boot_info.h"
#include "kernel/boot_world.h"
#include "kernel/ktest/ktest.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/hal.h"
#include "mm/memmap/frame_usage.h"
#include "mm/memmap/reservation.h"
#include "mm/meta/boot_frame_meta.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_invariants.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_slot.h"
#include "mm/meta/meta_units.h"

extern "C" char __kernel_phys_start[];
extern "C" char __kernel_phys_end[];

namespace {

using mm::Paddr;

std::string_view slot_result_name(const std::expected<mm::meta::MetaSlot*, mm::meta::MetaSlotError>& r) {
  return r ? "ok" : error_name(r.error());
}

std::uint64_t load_count(const mm::meta::MetaSlot& slot) {
  return slot.ref_count.load(std::memory_order_relaxed);
}

// The usage recorded in `pa`'s boot slot, or FRAME_USAGE_COUNT when it is not a boot frame.
unsigned boot_usage_at(Paddr pa) {
  const mm::meta::BootFrameMeta* meta = mm::meta::boot_meta_of(*mm::meta::frame_to_meta(pa));
  return meta == nullptr ? mm::memmap::FRAME_USAGE_COUNT : static_cast<unsigned>(meta->usage);
}

// The label init_meta_region gives a reserved frame: the map's type for non-usable frames,
// else the last reservation covering it.
unsigned expected_boot_usage(Paddr pa) {
  const auto type = mm::meta::memory_map().type_at(pa);
  if (!type) return static_cast<unsigned>(mm::memmap::FrameUsage::Hole);
  if (*type != mm::memmap::RegionType::Usable) return static_cast<unsigned>(mm::memmap::frame_usage_for(*type));
  const auto reservations = mm::meta::boot_reservations();
  for (std::size_t i = reservations.size(); i-- > 0;) {
    if (reservations[i].range.contains(pa)) return static_cast<unsigned>(reservations[i].usage);
  }
  return mm::memmap::FRAME_USAGE_COUNT;
}

bool reserved(Paddr pa) {
  for (const mm::memmap::Reservation& r : mm::meta::boot_reservations()) {
    if (r.range.contains(pa)) return true;
  }
  return false;
}

// A deterministic pseudo-random sequence (xorshift64).
std::uint64_t next_random(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

KTEST(region_is_initialized) {
  const mm::meta::MetaRegion& region = mm::meta::meta_region();
  KTEST_ASSERT_TRUE(region.initialized);
  KEXPECT_EQ(mm::meta::meta_geometry().slots_base, mm::layout::FRAME_METADATA_BASE);
  KEXPECT_EQ(region.slot_count, region.plan.slot_count);
  KEXPECT_EQ(region.covered.end, region.slot_count * mm::PAGE_SIZE);
  KEXPECT_EQ(mm::meta::meta_geometry().covered_end, region.covered.end);
  KEXPECT_EQ(mm::meta::memory_map().max_usable_end(), region.covered.end);
  KEXPECT_EQ(region.plan.region_bytes, region.plan.backed_bytes + region.plan.saved_bytes);
  KEXPECT_EQ(kernel::memory_init_report().meta_slots, region.slots_initialized);
}

// Reads the count of every backed slot (a fault here would be a backing hole the plan did
// not report) and checks each is a defined state.
KTEST(every_backed_slot_is_readable) {
  const mm::meta::MetaPlan& plan = mm::meta::meta_region().plan;
  std::uint64_t read = 0;
  std::uint64_t undefined = 0;
  mm::meta::for_each_backed_frame_range(plan, [&](std::uint64_t first, std::uint64_t end) {
    for (std::uint64_t i = first; i < end; ++i) {
      const std::uint64_t count = load_count(*mm::meta::frame_to_meta(i * mm::PAGE_SIZE));
      if (count != mm::meta::REF_COUNT_UNUSED && count != mm::meta::REF_COUNT_UNIQUE &&
          count != mm::meta::REF_COUNT_FREE && count != mm::meta::REF_COUNT_TAIL &&
          (count == 0 || count > mm::meta::REF_COUNT_MAX)) {
        ++undefined;
      }
      ++read;
    }
  });
  ktest_ctx.print_diagnostic("{} backed slots read ({} of slot space backed)", read,
                             keel::fmt::HumanBytes{plan.backed_bytes});
  KEXPECT_EQ(read, plan.backed_slot_count());
  KEXPECT_EQ(read, mm::meta::meta_region().slots_backed);
  KEXPECT_EQ(undefined, 0u);
}

KTEST(frame_and_slot_round_trip) {
  const mm::meta::MetaRegion& region = mm::meta::meta_region();
  auto check = [&](Paddr pa) {
    const auto slot = mm::meta::meta_slot_checked(pa);
    KTEST_ASSERT_TRUE(slot.has_value());
    KEXPECT_EQ(*slot, mm::meta::frame_to_meta(pa));
    KEXPECT_EQ(mm::meta::meta_to_frame(*slot), pa);
    KEXPECT_EQ(reinterpret_cast<std::uintptr_t>(*slot) % sizeof(mm::meta::MetaSlot), 0u);
    KEXPECT_TRUE(mm::meta::has_slot(pa));
  };
  check(0);
  check(region.covered.end - mm::PAGE_SIZE);  // the last usable frame: always backed
  std::uint64_t seed = 0x9e3779b97f4a7c15;
  unsigned checked = 0;
  for (unsigned i = 0; i < 4096 && checked < 256; ++i) {
    const Paddr pa = next_random(seed) % region.slot_count * mm::PAGE_SIZE;
    if (!region.plan.slot_is_backed(pa)) continue;
    check(pa);
    ++checked;
  }
  KEXPECT_EQ(checked, 256u);
}

KTEST(checked_lookup_rejects_misaligned) {
  for (const Paddr pa : {Paddr{1}, Paddr{0x800}, Paddr{mm::PAGE_SIZE + 8}, ~Paddr{0}}) {
    const auto slot = mm::meta::meta_slot_checked(pa);
    KEXPECT_EQ(slot_result_name(slot), std::string_view(error_name(mm::meta::MetaSlotError::NotAligned)));
  }
}

KTEST(checked_lookup_rejects_out_of_range) {
  const Paddr end = mm::meta::meta_region().covered.end;
  for (const Paddr pa : {end, end + mm::PAGE_SIZE, mm::MAX_PADDR,
                         mm::align_down(~Paddr{0}, mm::PAGE_SIZE)}) {
    const auto slot = mm::meta::meta_slot_checked(pa);
    KEXPECT_EQ(slot_result_name(slot), std::string_view(error_name(mm::meta::MetaSlotError::OutOfRange)));
    KEXPECT_FALSE(mm::meta::has_slot(pa));
  }
}

// Needs a stretch of ≥ 128 MiB without usable RAM below the top (the PCI hole with more
// than ~3 GiB of RAM: --mem 6G).
KTEST(checked_lookup_rejects_unbacked_hole) {
  const mm::meta::MetaRegion& region = mm::meta::meta_region();
  unsigned holes = 0;
  for (Paddr pa = 0; pa < region.covered.end; pa += mm::meta::META_CHUNK_PHYS_SPAN) {
    if (region.plan.slot_is_backed(pa)) continue;
    ++holes;
    const auto slot = mm::meta::meta_slot_checked(pa);
    KEXPECT_EQ(slot_result_name(slot), std::string_view(error_name(mm::meta::MetaSlotError::InHole)));
    KEXPECT_FALSE(mm::meta::has_slot(pa));
    KEXPECT_FALSE(mm::meta::slot_is_backed(pa));
  }
  if (holes == 0) {
    ktest_ctx.skip("no unbacked metadata chunk in this map (needs a >=128 MiB hole)");
    return;
  }
  ktest_ctx.print_diagnostic("{} unbacked 2 MiB metadata chunks", holes);
}

// Deferred init (mm/meta/deferred_init.h) is over before tests run: every unit written and
// its free frames in the allocator, every backed slot's frame reachable by address. The
// free totals over all of RAM are checked by usable_unreserved_frames_are_free_or_allocated.
KTEST(every_deferred_unit_is_initialised) {
  KEXPECT_EQ(mm::meta::meta_units_unfinished(), 0u);
  std::uint64_t not_ready = 0;
  for (std::uint64_t unit = 0; unit < mm::meta::meta_unit_count(); ++unit) {
    if (mm::meta::meta_unit_state(unit) != mm::meta::MetaUnitState::Ready) ++not_ready;
  }
  KEXPECT_EQ(not_ready, 0u);
  const mm::meta::MetaRegion& region = mm::meta::meta_region();
  KEXPECT_EQ(mm::meta::meta_unit_count() * mm::meta::meta_unit_frames() >= region.slot_count, true);
  std::uint64_t refused = 0;
  mm::meta::for_each_backed_frame_range(region.plan, [&](std::uint64_t first, std::uint64_t end) {
    for (std::uint64_t i = first; i < end; i += mm::meta::META_UNIT_MIN_FRAMES / 8) {
      const auto slot = mm::meta::meta_slot_checked(i * mm::PAGE_SIZE);
      if (!slot && slot.error() == mm::meta::MetaSlotError::Uninitialised) ++refused;
    }
  });
  KEXPECT_EQ(refused, 0u);
  ktest_ctx.print_diagnostic("{} unit(s) of {}", mm::meta::meta_unit_count(),
                             keel::fmt::HumanBytes{mm::meta::meta_unit_frames() * mm::PAGE_SIZE});
}

KTEST(invariants_hold) {
  const auto result = mm::meta::check_meta_invariants();
  if (!result) ktest_ctx.print_diagnostic("{}", result.error());
  KEXPECT_TRUE(result.has_value());
}

KTEST(kernel_image_frames_are_boot_frames) {
  const Paddr start = mm::align_down(reinterpret_cast<Paddr>(__kernel_phys_start), mm::PAGE_SIZE);
  const Paddr end = mm::align_up(reinterpret_cast<Paddr>(__kernel_phys_end), mm::PAGE_SIZE);
  // GRUB may put its information block in the unused tail of an image page between two
  // segments (seen on BIOS: at 0x151320, after .rodata): such a page is both, and carries
  // the later reservation's label.
  const boot::BootInfo& info = kernel::boot_info();
  const Paddr info_start = mm::align_down(info.info_paddr, mm::PAGE_SIZE);
  const Paddr info_end = mm::align_up(info.info_paddr + info.info_size, mm::PAGE_SIZE);
  for (Paddr pa = start; pa < end; pa += mm::PAGE_SIZE) {
    KEXPECT_EQ(load_count(*mm::meta::frame_to_meta(pa)), 1u);
    const bool shared_with_boot_info = pa >= info_start && pa < info_end;
    KEXPECT_EQ(boot_usage_at(pa),
               static_cast<unsigned>(shared_with_boot_info ? mm::memmap::FrameUsage::BootInfo
                                                           : mm::memmap::FrameUsage::KernelImage));
  }
}

KTEST(boot_info_frames_are_boot_frames) {
  const boot::BootInfo& info = kernel::boot_info();
  const Paddr start = mm::align_down(info.info_paddr, mm::PAGE_SIZE);
  const Paddr end = mm::align_up(info.info_paddr + info.info_size, mm::PAGE_SIZE);
  KTEST_ASSERT_TRUE(start < end);
  for (Paddr pa = start; pa < end; pa += mm::PAGE_SIZE) {
    KEXPECT_EQ(load_count(*mm::meta::frame_to_meta(pa)), 1u);
    // A block the firmware map calls non-usable keeps the map's label.
    const unsigned expected = mm::meta::memory_map().type_at(pa) == mm::memmap::RegionType::Usable
                                  ? static_cast<unsigned>(mm::memmap::FrameUsage::BootInfo)
                                  : expected_boot_usage(pa);
    KEXPECT_EQ(boot_usage_at(pa), expected);
  }
}

// The metadata backing is itself in use, labeled MetaRegion, and is exactly as large as the
// plan's backed bytes.
KTEST(meta_region_frames_are_boot_frames) {
  std::uint64_t frames = 0;
  for (const mm::memmap::Reservation& r : mm::meta::boot_reservations()) {
    if (r.usage != mm::memmap::FrameUsage::MetaRegion) continue;
    for (Paddr pa = r.range.start; pa < r.range.end; pa += mm::PAGE_SIZE) {
      KEXPECT_EQ(load_count(*mm::meta::frame_to_meta(pa)), 1u);
      KEXPECT_EQ(boot_usage_at(pa), static_cast<unsigned>(mm::memmap::FrameUsage::MetaRegion));
      ++frames;
    }
  }
  KEXPECT_EQ(frames * mm::PAGE_SIZE, mm::meta::meta_region().plan.backed_bytes);
}

// Every reserved usable frame carries its reservation's label (the last one where they
// overlap), and every backed non-usable frame the map's.
KTEST(boot_frames_carry_their_usage) {
  unsigned wrong = 0;
  mm::meta::for_each_backed_frame_range(mm::meta::meta_region().plan, [&](std::uint64_t first,
                                                              std::uint64_t end) {
    for (std::uint64_t i = first; i < end; ++i) {
      const Paddr pa = i * mm::PAGE_SIZE;
      const unsigned expected = expected_boot_usage(pa);
      if (expected == mm::memmap::FRAME_USAGE_COUNT) continue;  // usable, unreserved: next test
      if (boot_usage_at(pa) != expected || load_count(*mm::meta::frame_to_meta(pa)) != 1) {
        if (wrong++ < 4) {
          ktest_ctx.print_diagnostic("frame {:#x}: usage {} (expected {}), count {:#x}", pa,
                                     boot_usage_at(pa), expected,
                                     load_count(*mm::meta::frame_to_meta(pa)));
        }
      }
    }
  });
  KEXPECT_EQ(wrong, 0u);
}

KTEST(usable_unreserved_frames_are_free_or_allocated) {
  mm::allocator::drain_every_cpu_cache();
  const mm::allocator::AllocatorStats stats = mm::allocator::allocator_stats();
  std::uint64_t unused = 0;
  std::uint64_t allocated = 0;
  std::uint64_t reserved_usable = 0;
  unsigned bad = 0;
  for (const mm::memmap::MemoryRegion& region : mm::meta::memory_map().regions()) {
    if (region.type != mm::memmap::RegionType::Usable) continue;
    for (Paddr pa = region.range.start; pa < region.range.end; pa += mm::PAGE_SIZE) {
      if (reserved(pa)) {
        ++reserved_usable;
        continue;
      }
      const mm::meta::MetaSlot& slot = *mm::meta::frame_to_meta(pa);
      const std::uint64_t count = load_count(slot);
      // Free: a free block's head or tail. Allocated: a live frame's head, or a tail of a
      // live huge frame.
      const bool block_frame = count == mm::meta::REF_COUNT_FREE || count == mm::meta::REF_COUNT_TAIL;
      const bool free =
          block_frame && mm::frame::slot::error_for(slot, count) == mm::frame::GetFrameError::Free;
      if (free && slot.vtable == nullptr) {
        ++unused;
      } else if (count == mm::meta::REF_COUNT_TAIL && !free) {
        ++allocated;
      } else if ((count == mm::meta::REF_COUNT_UNIQUE || (count >= 1 && count <= mm::meta::REF_COUNT_MAX)) &&
                 slot.vtable != nullptr && slot.vtable != &mm::meta::BOOT_FRAME_META_VTABLE) {
        ++allocated;
      } else if (bad++ < 4) {
        ktest_ctx.print_diagnostic("frame {:#x}: count {:#x}, vtable {}", pa, count,
                                   slot.vtable == nullptr ? "none" : slot.vtable->name);
      }
    }
  }
  ktest_ctx.print_diagnostic("usable frames: {} free, {} allocated since boot, {} reserved",
                             unused, allocated, reserved_usable);
  KEXPECT_EQ(bad, 0u);
  KEXPECT_EQ(unused, stats.total_free_frames);
  KEXPECT_EQ(unused + allocated + reserved_usable, stats.usable_frames);
}

}  // namespace
