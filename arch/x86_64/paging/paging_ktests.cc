// In-kernel tests of keel's own page tables (run once the boot has called
// mm::kspace::init_kernel_space): mappings through the real MMU, the faults that
// unmapping, W^X and the guard pages must produce, and leak-free map/unmap storms.
#define KTEST_SUITE "mm.page_table"
#include "kernel/ktest/ktest.h"

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "arch/x86_64/exception_info.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "arch/x86_64/paging/paging_options.h"
#include "mm/layout.h"
#include "mm/linear_map.h"
#include "mm/page_table/node.h"
#include "mm/page_table/wx_check.h"

namespace arch::paging {

extern "C" char boot_stack_guard[];  // boot/entry.S: the unmapped page below the boot stack

namespace {

using mm::PAGE_SIZE;
using mm::Vaddr;

constexpr Vaddr VA = mm::layout::KTEST_VA_BASE;
constexpr mm::page_table::PageProperty RW{mm::page_table::PageFlags::RW, mm::page_table::CachePolicy::Writeback, false, true};

void require_kernel_space() {
  KASSERT_MSG(mm::kspace::kernel_space_ready(), "mm::kspace::init_kernel_space has not run");
}

mm::frame::UFrame new_frame() {
  auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{});
  KASSERT(frame.has_value());
  return std::move(*frame).into_shared();
}

bool map_at(Vaddr va, const mm::frame::UFrame& frame) {
  require_kernel_space();
  return mm::kspace::with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor_mut(va, PAGE_SIZE);
    return cursor && cursor->map(frame, RW).has_value();
  });
}

std::optional<mm::frame::AnyFrame> unmap_at(Vaddr va) {
  require_kernel_space();
  return mm::kspace::with_kernel_page_table([&](auto& table) -> std::optional<mm::frame::AnyFrame> {
    auto cursor = table.cursor_mut(va, PAGE_SIZE);
    if (!cursor) return std::nullopt;
    auto taken = cursor->take_next(PAGE_SIZE);
    if (!taken || !*taken) return std::nullopt;
    return std::move((*taken)->frame);
  });
}

// A `ret` instruction in a writable, non-executable data array.
alignas(16) constinit std::uint8_t g_ret_in_data[16] = {0xc3};
// A constant the compiler places in .rodata.
[[gnu::used]] const volatile std::uint64_t g_rodata_word = 0x5eed;

}  // namespace

KTEST(map_write_read_back_through_linear_map) {
  mm::frame::UFrame frame = new_frame();
  KTEST_ASSERT_TRUE(map_at(VA, frame));
  auto* mapped = reinterpret_cast<volatile std::uint64_t*>(VA);
  mapped[5] = 0x1234'5678'9abc'def0;
  auto* linear = static_cast<volatile std::uint64_t*>(mm::phys_to_virt(frame.paddr()));
  KEXPECT_EQ(std::uint64_t{linear[5]}, 0x1234'5678'9abc'def0ull);
  linear[6] = 42;
  KEXPECT_EQ(std::uint64_t{mapped[6]}, 42u);
  KEXPECT_EQ(frame.reference_count(), 2u);
  auto back = unmap_at(VA);
  KTEST_ASSERT_TRUE(back.has_value());
  KEXPECT_TRUE(*back == mm::frame::AnyFrame(frame));
}

KTEST_EXPECT_FAULT(access_after_unmap_faults, arch::VECTOR_PAGE_FAULT) {
  mm::frame::UFrame frame = new_frame();
  // The fault longjmps past `frame`'s destructor: the hook drops it instead.
  kernel::ktest::OnRecovery release([&] { mm::frame::UFrame dropped = std::move(frame); });
  ktest_ctx.expect_fault_address(VA + PAGE_SIZE);
  KTEST_ASSERT_TRUE(map_at(VA + PAGE_SIZE, frame));
  *reinterpret_cast<volatile std::uint64_t*>(VA + PAGE_SIZE) = 1;
  KTEST_ASSERT_TRUE(unmap_at(VA + PAGE_SIZE).has_value());
  (void)*reinterpret_cast<volatile std::uint64_t*>(VA + PAGE_SIZE);  // the TLB was flushed
}

KTEST_EXPECT_FAULT(write_to_rodata_faults, arch::VECTOR_PAGE_FAULT) {
  require_kernel_space();
  ktest_ctx.expect_fault_address(reinterpret_cast<std::uintptr_t>(&g_rodata_word));
  *const_cast<volatile std::uint64_t*>(&g_rodata_word) = 1;
}

KTEST_EXPECT_FAULT(executing_data_faults, arch::VECTOR_PAGE_FAULT) {
  require_kernel_space();
  ktest_ctx.expect_fault_address(reinterpret_cast<std::uintptr_t>(g_ret_in_data));
  // #PF with the instruction-fetch bit: .data is mapped NX.
  reinterpret_cast<void (*)()>(reinterpret_cast<std::uintptr_t>(g_ret_in_data))();
}

KTEST_EXPECT_FAULT(null_page_is_unmapped, arch::VECTOR_PAGE_FAULT) {
  require_kernel_space();
  ktest_ctx.expect_fault_address(8);
  (void)*reinterpret_cast<volatile std::uint64_t*>(std::uintptr_t{8});
}

KTEST_EXPECT_FAULT(boot_stack_guard_is_unmapped, arch::VECTOR_PAGE_FAULT) {
  require_kernel_space();
  ktest_ctx.expect_fault_address(reinterpret_cast<std::uintptr_t>(boot_stack_guard));
  (void)*reinterpret_cast<volatile std::uint64_t*>(reinterpret_cast<std::uintptr_t>(boot_stack_guard));
}

KTEST(kernel_table_has_no_writable_executable_mapping) {
  require_kernel_space();
  KEXPECT_TRUE(mm::kspace::with_kernel_page_table(
      [](auto& table) { return mm::page_table::check_wx(table).has_value(); }));
}

// W^X holds after boot, not only when the table was built: the live kernel table refuses a
// later writable+executable map, map_phys or protect, changes nothing, and still passes
// check_wx.
KTEST(later_writable_executable_mapping_is_refused) {
  require_kernel_space();
  constexpr mm::page_table::PageProperty RWX{mm::page_table::PageFlags::RWX, mm::page_table::CachePolicy::Writeback, false, true};
  constexpr mm::page_table::PageProperty RX{mm::page_table::PageFlags::RX, mm::page_table::CachePolicy::Writeback, false, true};
  const Vaddr va = VA + 8 * PAGE_SIZE;
  mm::frame::UFrame frame = new_frame();
  mm::kspace::with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor_mut(va, PAGE_SIZE);
    KTEST_ASSERT_TRUE(cursor.has_value());
    const auto mapped = cursor->map(frame, RWX);
    KTEST_ASSERT_TRUE(!mapped.has_value());
    KEXPECT_EQ(mapped.error(), mm::page_table::PtError::WritableExecutable);
    KEXPECT_EQ(frame.reference_count(), 1u);  // no mapping took a reference
    const auto phys = cursor->map_phys({frame.paddr(), frame.paddr() + PAGE_SIZE}, RWX);
    KTEST_ASSERT_TRUE(!phys.has_value());
    KEXPECT_EQ(phys.error(), mm::page_table::PtError::WritableExecutable);
    KEXPECT_FALSE(cursor->query().mapped());
    // An allowed RX mapping, then a protect that would make it writable too.
    KTEST_ASSERT_TRUE(cursor->map(frame, RX).has_value());
    KTEST_ASSERT_TRUE(cursor->jump(va).has_value());
    const auto made_wx = cursor->protect_next(
        PAGE_SIZE, [](mm::page_table::PageProperty& p) { p.flags = p.flags | mm::page_table::PageFlags::W; });
    KTEST_ASSERT_TRUE(!made_wx.has_value());
    KEXPECT_EQ(made_wx.error(), mm::page_table::PtError::WritableExecutable);
    KEXPECT_TRUE(cursor->query().prop == RX);
    KEXPECT_TRUE(mm::page_table::check_wx(table).has_value());
    KEXPECT_EQ(cursor->unmap(PAGE_SIZE).value_or(0), PAGE_SIZE);
  });
  KEXPECT_TRUE(mm::kspace::with_kernel_page_table(
      [](auto& table) { return mm::page_table::check_wx(table).has_value(); }));
}

// The linear map is RW NX: making a piece of it executable is refused too.
KTEST(linear_map_cannot_be_made_executable) {
  require_kernel_space();
  mm::frame::UFrame frame = new_frame();
  const Vaddr linear = reinterpret_cast<Vaddr>(mm::phys_to_virt(frame.paddr()));
  mm::kspace::with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor_mut(linear, PAGE_SIZE);
    KTEST_ASSERT_TRUE(cursor.has_value());
    const auto before = cursor->query();
    const auto r = cursor->protect_next(
        PAGE_SIZE, [](mm::page_table::PageProperty& p) { p.flags = p.flags | mm::page_table::PageFlags::X; });
    KTEST_ASSERT_TRUE(!r.has_value());
    KEXPECT_EQ(r.error(), mm::page_table::PtError::WritableExecutable);
    KTEST_ASSERT_TRUE(cursor->jump(linear).has_value());
    const auto after = cursor->query();
    KEXPECT_EQ(after.size, before.size);  // the huge page was not split
    KEXPECT_TRUE(after.prop == before.prop);
  });
}

KTEST(kernel_table_matches_the_cpu_paging_mode) {
  require_kernel_space();
  KEXPECT_EQ(mm::kspace::kernel_paging_levels(), arch::paging::active_paging_levels());
}

// Generic over the table type (4- or 5-level); KTEST_ASSERT_TRUE returns from here.
template <typename Table>
void map_unmap_storm(kernel::ktest::Context& ktest_ctx, Table& pt_) {
  mm::allocator::drain_cpu_cache();
  const std::uint64_t free_before = mm::allocator::allocator_stats().total_free_frames;
  const std::uint64_t nodes_before = mm::page_table::live_pt_nodes();
  constexpr unsigned PAGES = 256;
  for (unsigned round = 0; round < 4; ++round) {
    {
      auto cursor = pt_.cursor_mut(VA, 64ull << 30);
      KTEST_ASSERT_TRUE(cursor.has_value());
      for (unsigned i = 0; i < PAGES; ++i) {
        // Spread over several 1 GiB and 2 MiB regions so that nodes at every level appear.
        const Vaddr va = VA + (i % 8) * (1ull << 30) + (i % 5) * (2ull << 20) + i * PAGE_SIZE;
        KTEST_ASSERT_TRUE(cursor->jump(va).has_value());
        mm::frame::UFrame frame = new_frame();
        KTEST_ASSERT_TRUE(cursor->map(frame, RW).has_value());
        *reinterpret_cast<volatile std::uint32_t*>(va) = i;  // handle dropped: the mapping holds it
      }
      KTEST_ASSERT_TRUE(cursor->jump(VA + (40ull << 30)).has_value());
      KTEST_ASSERT_TRUE(cursor->map_phys({0, 4ull << 20}, RW).has_value());
    }
    KEXPECT_GT(mm::page_table::live_pt_nodes(), nodes_before);
    auto cursor = pt_.cursor_mut(VA, 64ull << 30);
    KTEST_ASSERT_TRUE(cursor.has_value());
    const auto unmapped = cursor->unmap(64ull << 30);
    KTEST_ASSERT_TRUE(unmapped.has_value());
    KEXPECT_EQ(*unmapped, PAGES * PAGE_SIZE + (4ull << 20));
  }
  KEXPECT_EQ(mm::page_table::live_pt_nodes(), nodes_before);
  mm::allocator::drain_cpu_cache();
  KEXPECT_EQ(mm::allocator::allocator_stats().total_free_frames, free_before);
}

KTEST(map_unmap_storm_returns_frames_and_nodes) {
  require_kernel_space();
  mm::kspace::with_kernel_page_table([&](auto& table) { map_unmap_storm(ktest_ctx, table); });
}

// A tracked 2 MiB (and, where RAM has a free 1 GiB block, 1 GiB) frame through the real MMU:
// a pattern written through the linear map (frame.bytes()) reads back through one huge
// tracked leaf; a cut of the leaf is refused; take_next hands the frame back; the frame,
// the nodes and every free frame come back.
template <typename Table>
void huge_tracked_round_trip(kernel::ktest::Context& ktest_ctx, Table& table) {
  mm::allocator::drain_cpu_cache();
  const std::uint64_t free_before = mm::allocator::allocator_stats().total_free_frames;
  const std::uint64_t nodes_before = mm::page_table::live_pt_nodes();
  for (const mm::PagingLevel level : {mm::PagingLevel{2}, mm::PagingLevel{3}}) {
    const std::uint64_t size = mm::page_table::page_size_at(level);
    auto unique =
        mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false, .level = level});
    if (!unique) {
      KEXPECT_EQ(level, 3);  // too little RAM for 1 GiB (a 2 MiB frame is always there)
      ktest_ctx.print_diagnostic("no free 1 GiB block: 2 MiB only");
      continue;
    }
    mm::frame::UFrame frame = std::move(*unique).into_shared();
    KEXPECT_EQ(frame.size(), size);
    const Vaddr va = VA + (16ull << 30);  // 1 GiB aligned, clear of the other tests
    if (level == 3 && !table.options().supports_1g_pages) {
      auto cursor = table.cursor_mut(va, size);
      KTEST_ASSERT_TRUE(cursor.has_value());
      const auto r = cursor->map(frame, RW);
      KEXPECT_TRUE(!r && r.error() == mm::page_table::PtError::LevelUnsupported);
      ktest_ctx.print_diagnostic("no 1 GiB pages: a 1 GiB frame is LevelUnsupported");
      continue;
    }
    // One word per 4 KiB page, at a different offset in each, through the linear map.
    const auto word = [&](std::uint64_t page) {
      return (page + 1) * 0x9e37'79b9'7f4a'7c15ull ^ frame.paddr();
    };
    const auto offset = [](std::uint64_t page) { return page * PAGE_SIZE + (page % 511) * 8; };
    const mm::frame::UntypedBytes bytes = frame.bytes();
    unsigned write_errors = 0;
    for (std::uint64_t page = 0; page < size / PAGE_SIZE; ++page) {
      const std::uint64_t w = word(page);
      if (!bytes.write_bytes(offset(page), std::as_bytes(std::span(&w, 1)))) ++write_errors;
    }
    KEXPECT_EQ(write_errors, 0u);
    {
      auto cursor = table.cursor_mut(va, size);
      KTEST_ASSERT_TRUE(cursor.has_value());
      KTEST_ASSERT_TRUE(cursor->map(frame, RW).has_value());
    }
    KEXPECT_EQ(frame.reference_count(), 2u);
    std::uint64_t mismatches = 0;
    for (std::uint64_t page = 0; page < size / PAGE_SIZE; ++page) {
      const auto* at = reinterpret_cast<const volatile std::uint64_t*>(va + offset(page));
      if (*at != word(page)) ++mismatches;
    }
    KEXPECT_EQ(mismatches, 0u);
    *reinterpret_cast<volatile std::uint64_t*>(va + size - 8) = 0xfeed;  // and the other way
    std::uint64_t back = 0;
    KEXPECT_TRUE(bytes.read_bytes(size - 8, std::as_writable_bytes(std::span(&back, 1))).has_value());
    KEXPECT_EQ(back, 0xfeedu);
    {
      auto cursor = table.cursor_mut(va, size);
      KTEST_ASSERT_TRUE(cursor.has_value());
      KTEST_ASSERT_TRUE(cursor->jump(va + size / 2).has_value());
      const auto cut = cursor->take_next(PAGE_SIZE);
      KEXPECT_TRUE(!cut && cut.error() == mm::page_table::PtError::SplitsTrackedHuge);
      KTEST_ASSERT_TRUE(cursor->jump(va).has_value());
      const mm::page_table::PtMapping m = cursor->query();
      KEXPECT_EQ(m.size, size);
      KEXPECT_EQ(m.pa, frame.paddr());
      KEXPECT_TRUE(m.kind == mm::page_table::MappingKind::Tracked);
      auto taken = cursor->take_next(size);
      KTEST_ASSERT_TRUE(taken.has_value() && taken->has_value() && (*taken)->frame.has_value());
      KEXPECT_TRUE(*(*taken)->frame == frame);
    }
    KEXPECT_EQ(frame.reference_count(), 1u);
    ktest_ctx.print_diagnostic("{} KiB frame at {:#x}: {} pages read back through one leaf", size >> 10,
                               frame.paddr(), size / PAGE_SIZE);
  }
  KEXPECT_EQ(mm::page_table::live_pt_nodes(), nodes_before);
  mm::allocator::drain_cpu_cache();
  KEXPECT_EQ(mm::allocator::allocator_stats().total_free_frames, free_before);
}

KTEST(huge_tracked_frames_read_back_through_one_leaf) {
  require_kernel_space();
  mm::kspace::with_kernel_page_table([&](auto& table) { huge_tracked_round_trip(ktest_ctx, table); });
}

}  // namespace arch::paging
