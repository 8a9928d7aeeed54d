// Walking a frame-pointer chain (keel builds with -fno-omit-frame-pointer) without
// trusting it. Portable: the memory reader is a parameter, so host tests walk synthetic
// stacks and the kernel walks real ones through a fault-tolerant reader.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel::panic {

inline constexpr std::size_t MAX_BACKTRACE_FRAMES = 32;

struct FrameWalkBounds {
  std::uint64_t stack_lo, stack_hi;  // every frame record [rbp, rbp+16) must lie inside
  std::uint64_t text_lo, text_hi;    // every return address must lie inside
};

// Reads 8 bytes; false if the memory is not readable.
using ReadWordFn = bool (*)(std::uint64_t addr, std::uint64_t& out);

// x86-64 canonical form for 48-bit (4-level) virtual addresses.
constexpr bool is_canonical48(std::uint64_t a) {
  const std::uint64_t top = a >> 47;
  return top == 0 || top == 0x1ffff;
}

// Follows the chain from `rbp`: each record is {saved rbp, return address}. Stores up to
// `max` return addresses in `out` and returns how many. Stops (never faults, never loops
// forever) at a null, misaligned, non-canonical or out-of-bounds rbp, an unreadable
// record, a return address outside text, or after `max` frames.
std::size_t walk_frame_chain(std::uint64_t rbp, const FrameWalkBounds& bounds, ReadWordFn read,
                             std::uint64_t* out, std::size_t max);

}  // namespace kernel::panic
