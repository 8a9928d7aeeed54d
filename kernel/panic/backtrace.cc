#include "kernel/panic/backtrace.h"

#include "arch/x86_64/fault_probe.h"
#include "kernel/panic/backtrace_walk.h"
#include "kernel/panic/symbols.h"
#include "mm/layout.h"

namespace kernel::panic {

void print_backtrace(keel::fmt::Sink& sink, std::uint64_t rbp, std::uint64_t pc) {
  // Stacks live in the higher half (kernel image .bss, KSTACKS, IST stacks in .bss);
  // code lives in the kernel image.
  const FrameWalkBounds bounds{
      .stack_lo = mm::layout::LINEAR_MAP_BASE,
      .stack_hi = ~std::uint64_t{0} - 15,
      .text_lo = mm::layout::KERNEL_IMAGE_BASE,
      .text_hi = ~std::uint64_t{0},
  };
  std::uint64_t frames[MAX_BACKTRACE_FRAMES];
  const std::size_t n = walk_frame_chain(rbp, bounds, &arch::try_read_u64, frames,
                                         MAX_BACKTRACE_FRAMES - (pc != 0 ? 1 : 0));
  sink.write("Backtrace:\n");
  unsigned index = 0;
  if (pc != 0) {
    keel::fmt::print(sink, "  #{:<2} ", index++);
    print_address(sink, pc, false);
    sink.write("\n");
  }
  for (std::size_t i = 0; i < n; ++i) {
    // Deep recursion (the usual stack overflow) would fill the report with one line.
    std::size_t repeats = 0;
    while (i + repeats + 1 < n && frames[i + repeats + 1] == frames[i]) ++repeats;
    keel::fmt::print(sink, "  #{:<2} ", index);
    print_address(sink, frames[i], true);
    sink.write("\n");
    if (repeats > 0) {
      keel::fmt::print(sink, "  ... #{} repeated {} more times (recursion?)\n", index, repeats);
    }
    index += static_cast<unsigned>(repeats + 1);
    i += repeats;
  }
  if (n == MAX_BACKTRACE_FRAMES - (pc != 0 ? 1 : 0)) {
    keel::fmt::print(sink, "  ... (stopped after {} frames)\n", MAX_BACKTRACE_FRAMES);
  }
  if (index == 0) sink.write("  (no frames: bad or unavailable frame pointer)\n");
  if (kernel_symbol_table().count == 0) sink.write("  (no symbol table linked in)\n");
}

}  // namespace kernel::panic
