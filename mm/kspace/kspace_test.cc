// The kernel address-space builder over simulated memory, checked with the software MMU:
// linear map page sizes, extra ranges, metadata pieces, per-section image permissions,
// guard pages, no identity map, W^X; and init_kernel_space's activation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mm/allocator/testing/sim_frames.h"
#include "mm/kspace/kernel_space.h"
#include "mm/kspace/kspace_builder.h"
#include "mm/layout.h"
#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/node.h"
#include "mm/page_table/wx_check.h"
#include "mm/page_table/testing/pt_invariants.h"
#include "mm/page_table/testing/soft_mmu.h"
#include "mm/testing/sim_memory.h"

namespace mm::kspace {
namespace {

using page_table::testing::Access;
using page_table::testing::soft_access_ok;
using page_table::testing::soft_translate;

constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr Vaddr VMA = layout::KERNEL_IMAGE_BASE;

// An image at physical 1 MiB, as boot/linker.ld lays it out.
KernelImageLayout image() {
  return {.text_start = VMA + MiB, .text_end = VMA + MiB + 0x5'3000,
          .rodata_start = VMA + MiB + 0x5'4000, .rodata_end = VMA + MiB + 0x6'0123,
          .data_start = VMA + MiB + 0x6'1000, .data_end = VMA + MiB + 0x6'2000,
          .ksyms_start = VMA + MiB + 0x6'2000, .ksyms_end = VMA + MiB + 0x6'8000,
          .bss_start = VMA + MiB + 0x6'8000, .bss_end = VMA + MiB + 0x9'0000,
          .vma_offset = VMA};
}

class KspaceTest : public ::testing::Test {
 protected:
  KspaceTest() : world_(64 * MiB) {}

  template <page_table::PageTableConfig C>
  page_table::PageTable<C> build(const KernelSpaceSpec& spec, bool huge_1g) {
    auto table = page_table::PageTable<C>::create({.supports_1g_pages = huge_1g});
    EXPECT_TRUE(table.has_value());
    const auto stats = build_kernel_space(*table, spec);
    EXPECT_TRUE(stats.has_value()) << (stats ? "" : kspace_step_name(stats.error().step));
    EXPECT_EQ(page_table::testing::check_pt_invariants(*table), "");
    return std::move(*table);
  }

  mm::allocator::testing::SimFrames world_;
  // A PC-like map: low 640 KiB, RAM from 1 MiB to 3 GiB + 6 MiB, and 4 GiB..6 GiB.
  std::vector<PhysRange> ram_ = {{0, 0x9'f000}, {MiB, 2 * GiB}, {2 * GiB, 3 * GiB + 6 * MiB},
                                 {4 * GiB, 6 * GiB}};
  std::vector<ExtraPhysRange> extra_ = {
      {{0xfd00'0000, 0xfd00'0000 + 8 * MiB}, page_table::CachePolicy::WriteCombining, true},  // framebuffer
      {{3 * GiB + 5 * MiB, 3 * GiB + 7 * MiB + 0x800}, page_table::CachePolicy::Uncached, false},  // straddles RAM
  };
  std::vector<MetaPiece> meta_ = {{0, {40 * MiB, 42 * MiB}}, {0x100'0000, {44 * MiB, 46 * MiB}}};
  std::vector<Vaddr> guards_ = {VMA + MiB + 0x6'8000, VMA + MiB + 0x7'0000 + 0x123};
  KernelSpaceSpec spec() const { return {ram_, extra_, meta_, image(), guards_}; }
};

template <page_table::PageTableConfig C>
std::vector<unsigned> count_leaves(const page_table::PageTable<C>& table, Vaddr from, Vaddr to) {
  std::vector<unsigned> counts(4, 0);
  page_table::for_each_leaf<C>(table.root_paddr(), [&](Vaddr va, PagingLevel level, std::uint64_t) {
    if (va >= from && va < to) ++counts[level];
    return true;
  });
  return counts;
}

TEST_F(KspaceTest, LinearMapCoversRamWithLargePages) {
  using C = page_table::KernelPtConfig<4>;
  const auto table = build<C>(spec(), /*huge_1g=*/true);
  const Paddr root = table.root_paddr();
  const auto counts = count_leaves(table, layout::LINEAR_MAP_BASE, layout::LINEAR_MAP_END);
  // 1 GiB pages: [1G,2G), [2G,3G), [4G,5G), [5G,6G); the rest 2 MiB / 4 KiB.
  EXPECT_EQ(counts[3], 4u);
  for (const Paddr pa : {Paddr{0}, Paddr{0x9'e000}, MiB, 2 * GiB - 1, 3 * GiB + 6 * MiB - 1, 5 * GiB}) {
    const auto t = soft_translate(root, 4, layout::LINEAR_MAP_BASE + pa);
    ASSERT_TRUE(t.has_value()) << std::hex << pa;
    EXPECT_EQ(t->pa, pa);
    EXPECT_TRUE(t->writable && !t->executable && t->global && !t->tracked);
    EXPECT_EQ(t->cache, page_table::CachePolicy::Writeback);
  }
  // Holes stay unmapped (no write-back mapping over MMIO), and there is no identity map.
  EXPECT_FALSE(soft_translate(root, 4, layout::LINEAR_MAP_BASE + 0xa'0000).has_value());
  EXPECT_FALSE(soft_translate(root, 4, layout::LINEAR_MAP_BASE + 3 * GiB + 512 * MiB).has_value());
  EXPECT_FALSE(soft_translate(root, 4, 0).has_value());
  EXPECT_FALSE(soft_translate(root, 4, MiB).has_value());
}

// More RAM ranges than any fixed table would hold (2,000), in descending order, some
// touching and some overlapping: merged where they meet, holes left unmapped.
TEST_F(KspaceTest, ThousandsOfRamRangesInAnyOrderAreMerged) {
  using C = page_table::KernelPtConfig<4>;
  ram_.clear();
  // Pairs: [8k i, 8k i + 4k) and [8k i + 4k, 8k i + 6k) touching the first (page-rounded to
  // 8k i + 8k: so each pair, rounded, touches the next pair too, except every 10th pair,
  // which is shortened to leave a 4 KiB hole).
  constexpr unsigned PAIRS = 1000;
  for (unsigned i = PAIRS; i-- > 0;) {
    const Paddr base = 64 * MiB + i * 2 * KiB4;
    ram_.push_back({base, base + KiB4});
    if (i % 10 != 9) ram_.push_back({base + KiB4, base + KiB4 + 0x800});
  }
  ram_.push_back({64 * MiB + 100 * KiB4, 64 * MiB + 105 * KiB4});  // overlaps several
  ASSERT_GE(ram_.size(), 1900u);
  const auto table = build<C>(spec(), true);
  const Paddr root = table.root_paddr();
  for (unsigned i = 0; i < PAIRS; ++i) {
    const Paddr base = 64 * MiB + i * 2 * KiB4;
    EXPECT_TRUE(soft_translate(root, 4, layout::LINEAR_MAP_BASE + base).has_value()) << i;
    EXPECT_EQ(soft_translate(root, 4, layout::LINEAR_MAP_BASE + base + KiB4).has_value(),
              i % 10 != 9)
        << i;
  }
  EXPECT_FALSE(soft_translate(root, 4, layout::LINEAR_MAP_BASE + 64 * MiB - KiB4).has_value());
  EXPECT_FALSE(
      soft_translate(root, 4, layout::LINEAR_MAP_BASE + 64 * MiB + PAIRS * 2 * KiB4).has_value());
}

TEST_F(KspaceTest, Without1GPagesTheLinearMapUses2M) {
  using C = page_table::KernelPtConfig<4>;
  const auto table = build<C>(spec(), /*huge_1g=*/false);
  const auto counts = count_leaves(table, layout::LINEAR_MAP_BASE, layout::LINEAR_MAP_END);
  EXPECT_EQ(counts[3], 0u);
  EXPECT_GT(counts[2], 2000u);
}

TEST_F(KspaceTest, ExtraRangesKeepTheirCachePolicyOutsideRam) {
  using C = page_table::KernelPtConfig<4>;
  const auto table = build<C>(spec(), true);
  const Paddr root = table.root_paddr();
  const auto fb = soft_translate(root, 4, layout::LINEAR_MAP_BASE + 0xfd00'0000 + 0x1234);
  ASSERT_TRUE(fb.has_value());
  EXPECT_EQ(fb->cache, page_table::CachePolicy::WriteCombining);
  EXPECT_EQ(fb->level, 2);  // 2 MiB aligned: large pages
  // The straddling range: the RAM part stays write-back, the rest is read-only uncached.
  const auto in_ram = soft_translate(root, 4, layout::LINEAR_MAP_BASE + 3 * GiB + 5 * MiB);
  ASSERT_TRUE(in_ram.has_value());
  EXPECT_EQ(in_ram->cache, page_table::CachePolicy::Writeback);
  const auto beyond = soft_translate(root, 4, layout::LINEAR_MAP_BASE + 3 * GiB + 7 * MiB);
  ASSERT_TRUE(beyond.has_value());
  EXPECT_EQ(beyond->cache, page_table::CachePolicy::Uncached);
  EXPECT_FALSE(beyond->writable);
  EXPECT_FALSE(soft_translate(root, 4, layout::LINEAR_MAP_BASE + 3 * GiB + 7 * MiB + KiB4).has_value());
}

TEST_F(KspaceTest, MetadataPiecesAreMappedSparsely) {
  using C = page_table::KernelPtConfig<4>;
  const auto table = build<C>(spec(), true);
  const Paddr root = table.root_paddr();
  const auto first = soft_translate(root, 4, layout::FRAME_METADATA_BASE + 0x40);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->pa, 40 * MiB + 0x40);
  EXPECT_TRUE(first->writable && !first->executable);
  const auto second = soft_translate(root, 4, layout::FRAME_METADATA_BASE + 0x100'0000 + 2 * MiB - 1);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->pa, 46 * MiB - 1);
  EXPECT_FALSE(soft_translate(root, 4, layout::FRAME_METADATA_BASE + 2 * MiB).has_value());
}

TEST_F(KspaceTest, ImageSectionsHaveTheirPermissionsAndGuardsFault) {
  using C = page_table::KernelPtConfig<4>;
  const auto table = build<C>(spec(), true);
  const Paddr root = table.root_paddr();
  const KernelImageLayout img = image();
  const auto text = soft_translate(root, 4, img.text_start + 0x10);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->pa, MiB + 0x10);
  EXPECT_TRUE(soft_access_ok(root, 4, img.text_start, Access::Execute));
  EXPECT_FALSE(soft_access_ok(root, 4, img.text_start, Access::Write));
  EXPECT_TRUE(soft_access_ok(root, 4, img.rodata_start, Access::Read));
  EXPECT_FALSE(soft_access_ok(root, 4, img.rodata_start, Access::Write));
  EXPECT_FALSE(soft_access_ok(root, 4, img.rodata_start, Access::Execute));
  EXPECT_TRUE(soft_access_ok(root, 4, img.rodata_end, Access::Read));  // rounded up to its page
  EXPECT_TRUE(soft_access_ok(root, 4, img.data_start, Access::Write));
  EXPECT_FALSE(soft_access_ok(root, 4, img.data_start, Access::Execute));
  EXPECT_FALSE(soft_access_ok(root, 4, img.ksyms_start, Access::Write));
  EXPECT_FALSE(soft_access_ok(root, 4, img.ksyms_start, Access::Execute));
  EXPECT_TRUE(soft_access_ok(root, 4, img.bss_end - 1, Access::Write));
  // Guard pages (one given unaligned) are holes; their neighbours are mapped.
  EXPECT_FALSE(soft_translate(root, 4, img.bss_start).has_value());
  EXPECT_FALSE(soft_translate(root, 4, VMA + MiB + 0x7'0000).has_value());
  EXPECT_TRUE(soft_access_ok(root, 4, img.bss_start + KiB4, Access::Write));
  EXPECT_TRUE(soft_access_ok(root, 4, VMA + MiB + 0x6'f000, Access::Write));
  // Between text and rodata (0x53000..0x54000) nothing is mapped; nor below the image.
  EXPECT_FALSE(soft_translate(root, 4, VMA + MiB + 0x5'3000).has_value());
  EXPECT_FALSE(soft_translate(root, 4, VMA).has_value());
  EXPECT_TRUE(page_table::check_wx(table).has_value());
}

TEST_F(KspaceTest, FiveLevelBuildWorksToo) {
  using C = page_table::KernelPtConfig<5>;
  const auto table = build<C>(spec(), true);
  const auto t = soft_translate(table.root_paddr(), 5, layout::LINEAR_MAP_BASE + 5 * GiB + 3);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, 5 * GiB + 3);
  EXPECT_TRUE(soft_access_ok(table.root_paddr(), 5, image().text_start, Access::Execute));
}

TEST_F(KspaceTest, OverlappingSectionsAreAnError) {
  KernelSpaceSpec bad = spec();
  bad.image.data_start = bad.image.rodata_start;  // data over rodata
  auto table = page_table::PageTable<page_table::KernelPtConfig<4>>::create({});
  const auto stats = build_kernel_space(*table, bad);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().step, KspaceStep::Image);
  EXPECT_EQ(stats.error().error, page_table::PtError::AlreadyMapped);
}

// The kernel config with W^X switched off, only to give the build-time checker a W+X leaf.
struct WxPermissiveKernelConfig : page_table::KernelPtConfig<4> {
  static constexpr bool FORBID_WX = false;
};

TEST_F(KspaceTest, WritableExecutableImageIsRefused) {
  // text given writable by mistake: text and data overlap -> AlreadyMapped; but an RWX extra
  // cannot be expressed, and the kernel config refuses a W+X leaf at every change (below),
  // so check the build-time checker through a table without that policy.
  auto table = build<WxPermissiveKernelConfig>(spec(), true);
  {
    auto cursor = table.cursor_mut(layout::KTEST_VA_BASE, KiB4);
    ASSERT_TRUE(cursor->map_phys({0, KiB4}, {page_table::PageFlags::RWX}).has_value());
  }
  EXPECT_FALSE(page_table::check_wx(table).has_value());
}

// ---- W^X after the build: every later map / map_phys / protect of a W+X leaf is refused ----

template <page_table::PageTableConfig C>
std::string dump_leaves(const page_table::PageTable<C>& table) {
  std::string out;
  page_table::for_each_leaf<C>(table.root_paddr(), [&](Vaddr va, PagingLevel level, std::uint64_t e) {
    out += std::to_string(va) + ":" + std::to_string(level) + ":" + std::to_string(e) + "\n";
    return true;
  });
  return out;
}

template <page_table::PageTableConfig C>
void expect_later_wx_refused(page_table::PageTable<C>& table) {
  constexpr Vaddr VA = layout::KTEST_VA_BASE;
  constexpr page_table::PageProperty RW{page_table::PageFlags::RW, page_table::CachePolicy::Writeback, false, true};
  constexpr page_table::PageProperty RX{page_table::PageFlags::RX, page_table::CachePolicy::Writeback, false, true};
  constexpr page_table::PageProperty RWX{page_table::PageFlags::RWX, page_table::CachePolicy::Writeback, false, true};
  const std::string before = dump_leaves(table);
  const std::uint64_t nodes_before = page_table::live_pt_nodes();

  // map_phys, 4 KiB and a range that would use a 2 MiB page: refused, nothing created.
  {
    auto cursor = table.cursor_mut(VA, 4 * MiB);
    ASSERT_TRUE(cursor.has_value());
    const auto r = cursor->map_phys({0, KiB4}, RWX);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), page_table::PtError::WritableExecutable);
    EXPECT_EQ(cursor->va(), VA);  // did not move
    const auto r2 = cursor->map_phys({2 * MiB, 4 * MiB}, RWX);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error(), page_table::PtError::WritableExecutable);
  }
  // map of a tracked frame: refused, the frame gains no reference.
  {
    frame::UFrame frame = allocator::alloc_frame(frame::UntypedMeta{}).value().into_shared();
    auto cursor = table.cursor_mut(VA, KiB4);
    const auto r = cursor->map(frame, RWX);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), page_table::PtError::WritableExecutable);
    EXPECT_EQ(frame.reference_count(), 1u);
  }
  EXPECT_EQ(dump_leaves(table), before);
  EXPECT_EQ(page_table::live_pt_nodes(), nodes_before);

  // protect: an RW 2 MiB page made executable, and an RX one made writable, over part of
  // the huge page (protect_next would split it): refused before the split, nothing changed.
  {
    auto cursor = table.cursor_mut(VA, 4 * MiB);
    ASSERT_TRUE(cursor->map_phys({2 * MiB, 4 * MiB}, RW).has_value());
    ASSERT_TRUE(cursor->map_phys({4 * MiB, 6 * MiB}, RX).has_value());
  }
  const std::string mapped = dump_leaves(table);
  const std::uint64_t nodes_mapped = page_table::live_pt_nodes();
  {
    auto cursor = table.cursor_mut(VA, 4 * MiB);
    unsigned calls = 0;
    const auto r = cursor->protect_next(KiB4, [&](page_table::PageProperty& p) {
      ++calls;
      p.flags = p.flags | page_table::PageFlags::X;
    });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), page_table::PtError::WritableExecutable);
    EXPECT_EQ(calls, 1u);
    EXPECT_EQ(cursor->va(), VA);
    ASSERT_TRUE(cursor->jump(VA + 2 * MiB + 5 * KiB4).has_value());
    const auto r2 = cursor->protect_next(KiB4, [](page_table::PageProperty& p) { p.flags = p.flags | page_table::PageFlags::W; });
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error(), page_table::PtError::WritableExecutable);
    EXPECT_EQ(cursor->va(), VA + 2 * MiB + 5 * KiB4);
  }
  EXPECT_EQ(dump_leaves(table), mapped);
  EXPECT_EQ(page_table::live_pt_nodes(), nodes_mapped);
  // The policy refuses W+X only: RW -> R and RX -> R still work (and split as before).
  {
    auto cursor = table.cursor_mut(VA, 4 * MiB);
    const auto r = cursor->protect_next(KiB4, [](page_table::PageProperty& p) { p.flags = page_table::PageFlags::R; });
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->size, KiB4);
    ASSERT_TRUE(cursor->unmap(4 * MiB - KiB4).has_value());
  }
  EXPECT_TRUE(page_table::check_wx(table).has_value());
}

TEST_F(KspaceTest, LaterWritableExecutableMappingIsRefused) {
  auto table = build<page_table::KernelPtConfig<4>>(spec(), true);
  expect_later_wx_refused(table);
  auto table5 = build<page_table::KernelPtConfig<5>>(spec(), false);
  expect_later_wx_refused(table5);
}

TEST_F(KspaceTest, UserConfigHasNoWxPolicy) {
  auto table = page_table::PageTable<page_table::UserPtConfig<4>>::create({});
  ASSERT_TRUE(table.has_value());
  frame::UFrame frame = allocator::alloc_frame(frame::UntypedMeta{}).value().into_shared();
  auto cursor = table->cursor_mut(0x40'0000, KiB4);
  EXPECT_TRUE(cursor->map(frame, {page_table::PageFlags::RWX}).has_value());
  ASSERT_TRUE(cursor->jump(0x40'0000).has_value());
  ASSERT_TRUE(cursor->unmap(KiB4).has_value());
}

TEST_F(KspaceTest, InitActivatesAndFlushesGlobalPages) {
  auto& hal = mm::testing::hal_stats();
  hal = {};
  const auto stats = init_kernel_space(spec(), {.supports_1g_pages = true});
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->linear_bytes, 0x9'f000 + (3 * GiB + 5 * MiB) + 2 * GiB);
  EXPECT_EQ(stats->meta_bytes, 4 * MiB);
  EXPECT_TRUE(kernel_space_ready());
  EXPECT_EQ(hal.activations, 1u);
  EXPECT_EQ(hal.active_root, kernel_page_table4().root_paddr());
  EXPECT_EQ(hal.tlb_full_flushes, 1u);
  // The live table (what with_kernel_page_table hands out) refuses a later W+X mapping.
  with_kernel_page_table([&](auto& table) { expect_later_wx_refused(table); });
}

}  // namespace
}  // namespace mm::kspace
