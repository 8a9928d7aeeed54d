// Unit tests for SplitFrames: splitting unique 2 MiB / 1 GiB frames into 512 unique frames
// of the next level down and merging them back, with the allocator's invariants and free
// count checked after every step.
#include "mm/frame/split_frames.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/unique_frame.h"
#include "mm/frame/testing/test_metas.h"

namespace mm::frame {
namespace {

using allocator::testing::SimFrames;
using allocator::testing::slot_of;

constexpr std::uint64_t MiB = 1 << 20;
constexpr std::uint64_t GiB = 1024 * MiB;

// The huge frame's metadata: its hook counts drops and records the address.
using HugeMeta = testing::CountingMeta;
// A piece's metadata remembers where meta_fn was asked for it; its hook counts drops.
struct PieceMeta {
  Paddr made_for = 0;
  static inline int drops = 0;
  static inline std::vector<Paddr> dropped;
  void on_drop(Paddr pa) {
    ++drops;
    dropped.push_back(pa);
  }
};
PieceMeta piece_meta(Paddr pa) { return PieceMeta{pa}; }

static_assert(!std::is_copy_constructible_v<SplitFrames<PieceMeta>>);
static_assert(std::is_nothrow_move_constructible_v<SplitFrames<PieceMeta>>);
static_assert(SplitFrames<PieceMeta>::PIECES == 512);

std::uint64_t free_frames() { return allocator::allocator_stats().total_free_frames; }

void expect_invariants() {
  auto ok = allocator::check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << [&] {
    keel::fmt::FixedString<256> s;
    keel::fmt::print(s, "{}", ok.error());
    return std::string(s.view());
  }();
}

std::vector<UniqueFrame<PieceMeta>> take_all(SplitFrames<PieceMeta>& pieces) {
  std::vector<UniqueFrame<PieceMeta>> out;
  out.reserve(pieces.remaining());
  while (auto piece = pieces.next()) out.push_back(std::move(*piece));
  return out;
}

class SplitFramesTest : public ::testing::Test {
 protected:
  explicit SplitFramesTest(std::uint64_t memory = 16 * MiB)
      : world_(memory) {
    HugeMeta::drops = 0;
    PieceMeta::drops = 0;
    PieceMeta::dropped.clear();
    start_free_ = free_frames();
  }
  SimFrames world_;
  std::uint64_t start_free_ = 0;
};

// 1 GiB frames need a 1 GiB-aligned free block: 2 GiB + 2 MiB of RAM from 1 MiB holds one.
class SplitFramesHugeTest : public SplitFramesTest {
 protected:
  SplitFramesHugeTest() : SplitFramesTest(2 * GiB + 2 * MiB) {}
};

TEST(FrameMergeErrorTest, EveryErrorHasAPrintableName) {
  EXPECT_STREQ(error_name(FrameMergeError::WrongCount), "WrongCount");
  EXPECT_STREQ(error_name(FrameMergeError::EmptyPart), "EmptyPart");
  EXPECT_STREQ(error_name(FrameMergeError::MaxLevel), "MaxLevel");
  EXPECT_STREQ(error_name(FrameMergeError::Misaligned), "Misaligned");
  EXPECT_STREQ(error_name(FrameMergeError::LevelMismatch), "LevelMismatch");
  EXPECT_STREQ(error_name(FrameMergeError::NotAdjacent), "NotAdjacent");
  keel::fmt::FixedString<64> s;
  keel::fmt::print(s, "[{}]", FrameMergeError::NotAdjacent);
  EXPECT_EQ(std::string(s.view()), "[NotAdjacent]");
}

TEST_F(SplitFramesTest, Splits2MiBInto512UniqueFramesInAddressOrder) {
  auto huge = allocator::alloc_frame(HugeMeta{7}, {.zeroed = false, .level = 2}).value();
  const Paddr base = huge.paddr();
  EXPECT_EQ(free_frames(), start_free_ - 512);

  SplitFrames<PieceMeta> pieces = SplitFrames<PieceMeta>::split(std::move(huge), piece_meta);
  EXPECT_EQ(HugeMeta::drops, 1);  // the huge frame's metadata went, hook and all
  EXPECT_EQ(HugeMeta::last_dropped, base);
  EXPECT_EQ(pieces.remaining(), 512u);
  EXPECT_EQ(pieces.paddr(), base);
  EXPECT_EQ(pieces.piece_level(), 1);
  EXPECT_EQ(pieces.piece_size(), PAGE_SIZE);
  EXPECT_EQ(free_frames(), start_free_ - 512);  // nothing went back
  expect_invariants();

  std::vector<UniqueFrame<PieceMeta>> parts = take_all(pieces);
  ASSERT_EQ(parts.size(), 512u);
  EXPECT_TRUE(pieces.empty());
  EXPECT_FALSE(pieces.next().has_value());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Paddr pa = base + i * PAGE_SIZE;
    EXPECT_EQ(parts[i].paddr(), pa);
    EXPECT_EQ(parts[i].map_level(), 1);
    EXPECT_EQ(parts[i].size(), PAGE_SIZE);
    EXPECT_EQ(parts[i].meta().made_for, pa);
    EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_UNIQUE);
    EXPECT_EQ(slot_of(pa).vtable, &frame_meta_vtable<PieceMeta>);
  }
  EXPECT_EQ(PieceMeta::drops, 0);
  expect_invariants();

  parts.clear();
  EXPECT_EQ(PieceMeta::drops, 512);
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesTest, DroppingTheSplitFreesExactlyThePiecesNotTaken) {
  auto huge = allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value();
  const Paddr base = huge.paddr();
  auto pieces = SplitFrames<PieceMeta>::split(std::move(huge), piece_meta);
  std::vector<UniqueFrame<PieceMeta>> kept;
  for (int i = 0; i < 10; ++i) kept.push_back(pieces.next().value());
  EXPECT_EQ(pieces.remaining(), 502u);
  { SplitFrames<PieceMeta> dying = std::move(pieces); }
  EXPECT_EQ(pieces.remaining(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(PieceMeta::drops, 502);
  EXPECT_EQ(PieceMeta::dropped.front(), base + 10 * PAGE_SIZE);
  EXPECT_EQ(PieceMeta::dropped.back(), base + 511 * PAGE_SIZE);
  EXPECT_EQ(free_frames(), start_free_ - 10);
  expect_invariants();
  for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i].paddr(), base + i * PAGE_SIZE);
  kept.clear();
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesTest, DroppingAnUntouchedSplitGivesEverythingBack) {
  const std::uint64_t before_cached = free_frames();
  {
    auto pieces =
        allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value().split(piece_meta);
    EXPECT_EQ(free_frames(), before_cached - 512);
  }
  EXPECT_EQ(PieceMeta::drops, 512);
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
  // With this CPU's cache drained, the lists are fully coalesced again (checked).
  allocator::drain_cpu_cache();
  expect_invariants();
}

TEST_F(SplitFramesTest, Merges512PiecesBackIntoOne2MiBFrame) {
  auto huge = allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value();
  const Paddr base = huge.paddr();
  auto pieces = SplitFrames<PieceMeta>::split(std::move(huge), piece_meta);
  std::vector<UniqueFrame<PieceMeta>> parts = take_all(pieces);
  expect_invariants();

  auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{42});
  ASSERT_TRUE(merged.has_value()) << error_name(merged.error());
  EXPECT_EQ(PieceMeta::drops, 512);  // every part's metadata dropped, in address order
  EXPECT_EQ(PieceMeta::dropped.front(), base);
  EXPECT_EQ(PieceMeta::dropped.back(), base + 511 * PAGE_SIZE);
  EXPECT_EQ(merged->paddr(), base);
  EXPECT_EQ(merged->map_level(), 2);
  EXPECT_EQ(merged->size(), 2 * MiB);
  EXPECT_EQ(merged->meta().value, 42);
  EXPECT_EQ(slot_of(base).ref_count.load(), meta::REF_COUNT_UNIQUE);
  for (std::size_t i = 1; i < 512; ++i) EXPECT_EQ(slot_of(base + i * PAGE_SIZE).ref_count.load(), meta::REF_COUNT_TAIL);
  // A former piece head is now a tail of the live 2 MiB frame.
  EXPECT_EQ(UniqueFrame<PieceMeta>::from_unused(base + PAGE_SIZE, {}).error(), GetFrameError::Tail);
  EXPECT_EQ(free_frames(), start_free_ - 512);
  expect_invariants();

  // The parts are empty handles now: dropping them frees nothing.
  parts.clear();
  EXPECT_EQ(free_frames(), start_free_ - 512);
  { auto gone = std::move(*merged); }
  EXPECT_EQ(HugeMeta::drops, 2);  // the split's and the merged frame's
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesTest, ConvenienceSplitAndUndoWithoutHandles) {
  auto huge = allocator::alloc_frame(UntypedMeta{}, {.zeroed = false, .level = 2}).value();
  const Paddr base = huge.paddr();
  // The member form; the metadata type is meta_fn's result.
  auto pieces = std::move(huge).split(piece_meta);
  static_assert(std::is_same_v<decltype(pieces), SplitFrames<PieceMeta>>);
  EXPECT_EQ(pieces.remaining(), 512u);
  UniqueFrame<UntypedMeta> whole = std::move(pieces).merge(UntypedMeta{});
  EXPECT_EQ(PieceMeta::drops, 512);
  EXPECT_EQ(whole.paddr(), base);
  EXPECT_EQ(whole.map_level(), 2);
  EXPECT_EQ(pieces.remaining(), 0u);  // NOLINT(bugprone-use-after-move)
  expect_invariants();
  { auto gone = std::move(whole); }
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesTest, AnyAdjacentUniqueFramesMergeNotOnlyASplitsPieces) {
  // 512 frames claimed one by one from an aligned raw run, each its own 4 KiB UniqueFrame.
  const Paddr base = allocator::detail::take_frames(512, 512, false).value();
  std::vector<UniqueFrame<PieceMeta>> parts;
  for (std::size_t i = 0; i < 512; ++i) {
    parts.push_back(UniqueFrame<PieceMeta>::from_unused(base + i * PAGE_SIZE, PieceMeta{}).value());
  }
  auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), UntypedMeta{});
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->map_level(), 2);
  expect_invariants();
  { auto gone = std::move(*merged); }  // returns as one order-9 block
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

// Whether every part still holds its frame: same address, same metadata, UNIQUE.
void expect_parts_intact(const std::vector<UniqueFrame<PieceMeta>>& parts,
                         const std::vector<Paddr>& where) {
  ASSERT_EQ(parts.size(), where.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].paddr(), where[i]) << i;
    EXPECT_EQ(parts[i].meta().made_for, where[i]) << i;
    EXPECT_EQ(slot_of(where[i]).ref_count.load(), meta::REF_COUNT_UNIQUE) << i;
  }
}

std::vector<Paddr> addresses(const std::vector<UniqueFrame<PieceMeta>>& parts) {
  std::vector<Paddr> out;
  for (const auto& part : parts) out.push_back(part.paddr());
  return out;
}

TEST_F(SplitFramesTest, EveryMergeErrorLeavesEveryPartIntact) {
  auto huge = allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value();
  auto pieces = SplitFrames<PieceMeta>::split(std::move(huge), piece_meta);
  std::vector<UniqueFrame<PieceMeta>> parts = take_all(pieces);
  const std::vector<Paddr> where = addresses(parts);
  const std::uint64_t free_before = free_frames();
  auto check_refused = [&](std::vector<UniqueFrame<PieceMeta>>& attempt, FrameMergeError want) {
    const std::vector<Paddr> at = addresses(attempt);
    const int drops = PieceMeta::drops;
    auto merged = SplitFrames<PieceMeta>::merge(std::span(attempt), HugeMeta{});
    ASSERT_FALSE(merged.has_value());
    EXPECT_EQ(merged.error(), want) << error_name(merged.error());
    expect_parts_intact(attempt, at);
    EXPECT_EQ(PieceMeta::drops, drops);
    EXPECT_EQ(HugeMeta::drops, 1);  // only the split's; the refused meta never lived in a slot
    expect_invariants();
  };

  // Wrong count: 511 parts.
  {
    UniqueFrame<PieceMeta> last = std::move(parts.back());
    parts.pop_back();
    check_refused(parts, FrameMergeError::WrongCount);
    parts.push_back(std::move(last));
  }
  // Not in address order: two parts swapped.
  std::swap(parts[3], parts[200]);
  check_refused(parts, FrameMergeError::NotAdjacent);
  std::swap(parts[3], parts[200]);
  // Not adjacent: one part replaced by a frame from elsewhere.
  {
    auto stranger = allocator::alloc_frame(PieceMeta{}, {.zeroed = false}).value();
    const Paddr stranger_pa = stranger.paddr();
    stranger.meta_mut().made_for = stranger_pa;
    std::swap(parts[100], stranger);
    check_refused(parts, FrameMergeError::NotAdjacent);
    std::swap(parts[100], stranger);
  }
  // Misaligned: parts 1..511 (the first at 2 MiB + 4 KiB) plus another frame.
  {
    auto next = UniqueFrame<PieceMeta>::from_unused(
        allocator::detail::take_frames(1, 1, false).value(), PieceMeta{});
    ASSERT_TRUE(next.has_value());
    std::vector<UniqueFrame<PieceMeta>> shifted;
    for (std::size_t i = 1; i < 512; ++i) shifted.push_back(std::move(parts[i]));
    next->meta_mut().made_for = next->paddr();
    shifted.push_back(std::move(*next));
    check_refused(shifted, FrameMergeError::Misaligned);
    for (std::size_t i = 1; i < 512; ++i) parts[i] = std::move(shifted[i - 1]);
  }
  // Level mismatch: the last part replaced by a 2 MiB frame.
  {
    auto big = allocator::alloc_frame(PieceMeta{}, {.zeroed = false, .level = 2}).value();
    big.meta_mut().made_for = big.paddr();
    std::swap(parts[511], big);
    check_refused(parts, FrameMergeError::LevelMismatch);
    std::swap(parts[511], big);
  }
  // An empty (moved-from) part, first and in the middle.
  {
    UniqueFrame<PieceMeta> out = std::move(parts[0]);
    const int drops = PieceMeta::drops;
    auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{});
    EXPECT_EQ(merged.error(), FrameMergeError::EmptyPart);
    parts[0] = std::move(out);
    out = std::move(parts[300]);
    merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{});
    EXPECT_EQ(merged.error(), FrameMergeError::EmptyPart);
    parts[300] = std::move(out);
    EXPECT_EQ(PieceMeta::drops, drops);
    expect_parts_intact(parts, where);
  }
  EXPECT_EQ(free_frames(), free_before);
  expect_invariants();

  // After all that, the intact parts still merge.
  auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{});
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->map_level(), 2);
  { auto gone = std::move(*merged); }
  parts.clear();
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesHugeTest, Splits1GiBInto512TwoMiBFramesAndMergesThemBack) {
  auto giant = allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 3}).value();
  const Paddr base = giant.paddr();
  EXPECT_EQ(base % GiB, 0u);
  EXPECT_EQ(free_frames(), start_free_ - (1u << 18));

  auto pieces = std::move(giant).split(piece_meta);
  EXPECT_EQ(HugeMeta::drops, 1);
  EXPECT_EQ(pieces.piece_level(), 2);
  EXPECT_EQ(pieces.piece_size(), 2 * MiB);
  expect_invariants();
  std::vector<UniqueFrame<PieceMeta>> parts = take_all(pieces);
  ASSERT_EQ(parts.size(), 512u);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Paddr pa = base + i * 2 * MiB;
    EXPECT_EQ(parts[i].paddr(), pa);
    EXPECT_EQ(parts[i].map_level(), 2);
    EXPECT_EQ(parts[i].size(), 2 * MiB);
    EXPECT_EQ(parts[i].meta().made_for, pa);
  }
  // A piece's own tails stayed tails, now of the 2 MiB piece.
  EXPECT_EQ(slot_of(base + 2 * MiB + PAGE_SIZE).ref_count.load(), meta::REF_COUNT_TAIL);
  EXPECT_EQ(UniqueFrame<PieceMeta>::from_unused(base + 2 * MiB + PAGE_SIZE, {}).error(), GetFrameError::Tail);
  EXPECT_EQ(free_frames(), start_free_ - (1u << 18));
  expect_invariants();

  // The 2 MiB pieces cannot merge past 1 GiB, but they do merge back into it.
  auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{9});
  ASSERT_TRUE(merged.has_value()) << error_name(merged.error());
  EXPECT_EQ(PieceMeta::drops, 512);
  EXPECT_EQ(merged->paddr(), base);
  EXPECT_EQ(merged->map_level(), 3);
  EXPECT_EQ(merged->size(), GiB);
  EXPECT_EQ(slot_of(base + 2 * MiB).ref_count.load(), meta::REF_COUNT_TAIL);
  expect_invariants();
  { auto gone = std::move(*merged); }
  EXPECT_EQ(HugeMeta::drops, 2);
  EXPECT_EQ(free_frames(), start_free_);
  expect_invariants();
}

TEST_F(SplitFramesHugeTest, TakingSomeTwoMiBPiecesAndDroppingTheRest) {
  auto pieces =
      allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 3}).value().split(piece_meta);
  auto first = pieces.next().value();
  auto second = pieces.next().value();
  { auto dying = std::move(pieces); }
  EXPECT_EQ(PieceMeta::drops, 510);
  EXPECT_EQ(free_frames(), start_free_ - 2 * 512);
  expect_invariants();
}

TEST_F(SplitFramesHugeTest, OneGiBFramesCannotMerge) {
  auto giant = allocator::alloc_frame(PieceMeta{}, {.zeroed = false, .level = 3}).value();
  giant.meta_mut().made_for = giant.paddr();
  const Paddr giant_pa = giant.paddr();
  auto small = allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value();
  auto rest = std::move(small).split(piece_meta);
  std::vector<UniqueFrame<PieceMeta>> parts;
  parts.push_back(std::move(giant));
  for (int i = 0; i < 511; ++i) parts.push_back(rest.next().value());
  auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{});
  ASSERT_FALSE(merged.has_value());
  EXPECT_EQ(merged.error(), FrameMergeError::MaxLevel);
  EXPECT_EQ(parts[0].paddr(), giant_pa);
  EXPECT_EQ(parts[0].map_level(), 3);
  EXPECT_EQ(PieceMeta::drops, 0);
  expect_invariants();
}

// ---- Contract violations ----

class SplitFramesDeathTest : public SplitFramesTest {
 protected:
  SplitFramesDeathTest() { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// A 4 KiB frame has nothing to split into: the caller knows the level, so a contract panic
// (not an error value).
TEST_F(SplitFramesDeathTest, SplittingA4KiBFrameIsAContractViolation) {
  EXPECT_DEATH(
      {
        auto small = allocator::alloc_frame(HugeMeta{}, {.zeroed = false}).value();
        auto pieces = std::move(small).split(piece_meta);
      },
      "precondition.*split of frame 0x[0-9a-f]+: a 4 KiB frame \\(level 1\\) has no smaller");
}

TEST_F(SplitFramesDeathTest, DoubleFreeOfAPiecePanicsNamingTheState) {
  auto pieces =
      allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value().split(piece_meta);
  const Paddr pa = pieces.next().value().into_raw();
  char expected[160];
  std::snprintf(expected, sizeof(expected),
                "double free of frame %#llx: UniqueFrame released but the frame is free",
                static_cast<unsigned long long>(pa));
  EXPECT_DEATH(
      {
        auto first = UniqueFrame<PieceMeta>::from_raw(pa);
        auto second = UniqueFrame<PieceMeta>::from_raw(pa);  // a bug: two owners
      },
      expected);
  auto back = UniqueFrame<PieceMeta>::from_raw(pa);
}

TEST_F(SplitFramesDeathTest, MergingAPartSomeoneElseFreedPanicsBeforeChangingAnything) {
  auto pieces =
      allocator::alloc_frame(HugeMeta{}, {.zeroed = false, .level = 2}).value().split(piece_meta);
  std::vector<UniqueFrame<PieceMeta>> parts = take_all(pieces);
  EXPECT_DEATH(
      {
        const Paddr pa = parts[7].paddr();
        { auto twin = UniqueFrame<PieceMeta>::from_raw(pa); }  // a second owner frees it
        auto merged = SplitFrames<PieceMeta>::merge(std::span(parts), HugeMeta{});
      },
      "merge of frame 0x[0-9a-f]+: a UniqueFrame part, but the frame is free");
}

}  // namespace
}  // namespace mm::frame
