// Buddy orders: a block of order k is 2^k frames aligned to its size.
#pragma once

#include <bit>
#include <cstdint>

#include "mm/meta/meta_slot.h"

namespace mm::allocator {

// Orders 0..MAX_ORDER: up to 2^18 frames = 1 GiB blocks (the largest frame, level 3).
inline constexpr unsigned MAX_ORDER = meta::MAX_BLOCK_ORDER;
inline constexpr unsigned NR_ORDERS = MAX_ORDER + 1;

constexpr std::uint64_t order_frames(unsigned order) { return std::uint64_t{1} << order; }

// The smallest order whose block holds `nframes` (≥ 1) frames.
constexpr unsigned order_for_frames(std::uint64_t nframes) {
  return nframes <= 1 ? 0u : static_cast<unsigned>(std::bit_width(nframes - 1));
}

// The largest order of an aligned block starting at frame `index` with `nframes` (≥ 1) left.
constexpr unsigned max_block_order(std::uint64_t index, std::uint64_t nframes) {
  const unsigned by_alignment = index == 0 ? MAX_ORDER : static_cast<unsigned>(std::countr_zero(index));
  const unsigned by_length = static_cast<unsigned>(std::bit_width(nframes)) - 1;
  unsigned order = by_alignment < by_length ? by_alignment : by_length;
  return order < MAX_ORDER ? order : MAX_ORDER;
}

static_assert(order_for_frames(1) == 0 && order_for_frames(2) == 1 && order_for_frames(3) == 2);
static_assert(max_block_order(8, 100) == 3 && max_block_order(0, 5) == 2);
static_assert(max_block_order(0, ~std::uint64_t{0}) == MAX_ORDER);

}  // namespace mm::allocator
