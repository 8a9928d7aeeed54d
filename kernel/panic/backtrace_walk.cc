#include "kernel/panic/backtrace_walk.h"

namespace kernel::panic {
namespace {

bool record_ok(std::uint64_t rbp, const FrameWalkBounds& b) {
  return rbp != 0 && (rbp & 7) == 0 && is_canonical48(rbp) && rbp >= b.stack_lo &&
         rbp <= b.stack_hi - 16 && b.stack_hi >= 16;
}

}  // namespace

std::size_t walk_frame_chain(std::uint64_t rbp, const FrameWalkBounds& bounds, ReadWordFn read,
                             std::uint64_t* out, std::size_t max) {
  std::size_t n = 0;
  while (n < max && record_ok(rbp, bounds)) {
    std::uint64_t next = 0, ret = 0;
    if (!read(rbp, next) || !read(rbp + 8, ret)) break;
    if (ret < bounds.text_lo || ret >= bounds.text_hi) break;
    out[n++] = ret;
    // A record pointing at itself would repeat forever; other cycles end at `max`. (The
    // chain may legitimately jump to a lower address when it crosses from an IST stack
    // back to the interrupted stack, so monotonicity is not required.)
    if (next == rbp) break;
    rbp = next;
  }
  return n;
}

}  // namespace kernel::panic
