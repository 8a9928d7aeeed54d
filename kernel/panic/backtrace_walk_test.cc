#include "kernel/panic/backtrace_walk.h"

#include <gtest/gtest.h>

#include <map>

namespace kernel::panic {
namespace {

// A fake address space: word-addressed memory the walker reads through ReadWordFn.
std::map<std::uint64_t, std::uint64_t>& memory() {
  static std::map<std::uint64_t, std::uint64_t> m;
  return m;
}
bool read_fake(std::uint64_t addr, std::uint64_t& out) {
  const auto it = memory().find(addr);
  if (it == memory().end()) return false;
  out = it->second;
  return true;
}

constexpr std::uint64_t STACK = 0xffffffff80200000;  // frames live around here
constexpr std::uint64_t TEXT = 0xffffffff80100000;
constexpr FrameWalkBounds BOUNDS{0xffff800000000000, ~std::uint64_t{0} - 15, 0xffffffff80000000,
                                  ~std::uint64_t{0}};

void frame(std::uint64_t rbp, std::uint64_t next, std::uint64_t ret) {
  memory()[rbp] = next;
  memory()[rbp + 8] = ret;
}

class BacktraceWalk : public ::testing::Test {
 protected:
  void SetUp() override { memory().clear(); }
  std::size_t walk(std::uint64_t rbp, std::size_t max = MAX_BACKTRACE_FRAMES) {
    return walk_frame_chain(rbp, BOUNDS, &read_fake, out, max);
  }
  std::uint64_t out[MAX_BACKTRACE_FRAMES] = {};
};

TEST_F(BacktraceWalk, FollowsChainToNullRbp) {
  frame(STACK + 0x00, STACK + 0x40, TEXT + 1);
  frame(STACK + 0x40, STACK + 0x80, TEXT + 2);
  frame(STACK + 0x80, 0, TEXT + 3);
  ASSERT_EQ(walk(STACK), 3u);
  EXPECT_EQ(out[0], TEXT + 1);
  EXPECT_EQ(out[1], TEXT + 2);
  EXPECT_EQ(out[2], TEXT + 3);
}

TEST_F(BacktraceWalk, RejectsBadStartingFrames) {
  frame(STACK + 4, 0, TEXT);
  EXPECT_EQ(walk(0), 0u);
  EXPECT_EQ(walk(STACK + 4), 0u);                  // misaligned
  EXPECT_EQ(walk(0x0000800000000000), 0u);          // non-canonical
  EXPECT_EQ(walk(0x1000), 0u);                      // lower half
  EXPECT_EQ(walk(~std::uint64_t{0} - 7), 0u);       // record would wrap
  EXPECT_EQ(walk(STACK + 0x100), 0u);              // unreadable
}

TEST_F(BacktraceWalk, StopsAtBadLinks) {
  frame(STACK, STACK + 0x43, TEXT + 1);  // next rbp misaligned
  frame(STACK + 0x43, 0, TEXT + 2);
  EXPECT_EQ(walk(STACK), 1u);

  frame(STACK, STACK + 0x40, TEXT + 1);
  frame(STACK + 0x40, 0, 0x1234);  // return address outside text
  EXPECT_EQ(walk(STACK), 1u);

  frame(STACK, STACK + 0x40, TEXT + 1);
  memory()[STACK + 0x40] = 0;  // half-readable record
  memory().erase(STACK + 0x48);
  EXPECT_EQ(walk(STACK), 1u);
}

TEST_F(BacktraceWalk, LoopsAreBounded) {
  frame(STACK, STACK, TEXT);  // self loop
  EXPECT_EQ(walk(STACK), 1u);
  frame(STACK, STACK + 0x40, TEXT);  // two-frame cycle: bounded by max
  frame(STACK + 0x40, STACK, TEXT);
  EXPECT_EQ(walk(STACK), MAX_BACKTRACE_FRAMES);
  EXPECT_EQ(walk(STACK, 5), 5u);
}

TEST_F(BacktraceWalk, CrossesToALowerStack) {
  // An IST handler's frame chains back into the interrupted (lower) kernel stack.
  frame(STACK + 0x1000, STACK, TEXT + 1);
  frame(STACK, 0, TEXT + 2);
  EXPECT_EQ(walk(STACK + 0x1000), 2u);
}

TEST(Canonical, FortyEightBit) {
  EXPECT_TRUE(is_canonical48(0));
  EXPECT_TRUE(is_canonical48(0x00007fffffffffff));
  EXPECT_FALSE(is_canonical48(0x0000800000000000));
  EXPECT_FALSE(is_canonical48(0xffff7fffffffffff));
  EXPECT_TRUE(is_canonical48(0xffff800000000000));
  EXPECT_TRUE(is_canonical48(~std::uint64_t{0}));
}

}  // namespace
}  // namespace kernel::panic
