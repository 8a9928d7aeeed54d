#include "arch/x86_64/smp/ap_stacks.h"

#include "mm/allocator/frame_allocator.h"
#include "mm/frame/frame.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"

namespace arch::smp {
namespace {

constexpr std::uint64_t PAGE = mm::PAGE_SIZE;
constexpr unsigned STACKS_PER_CPU = AP_STACKS;
constexpr std::uint64_t WINDOW_PAGES = STACKS_PER_CPU * (AP_STACK_PAGES + 1);
static_assert(AP_STACK_STRIDE == (AP_STACK_PAGES + 1) * PAGE);
constexpr mm::page_table::PageProperty STACK_PROPERTY{mm::page_table::PageFlags::RW, mm::page_table::CachePolicy::Writeback,
                                              false, true};
static_assert((mm::layout::KSTACKS_END - mm::layout::KSTACKS_BASE) / (WINDOW_PAGES * PAGE) >=
              4 * mm::hal::MAX_CPUS);  // room for every CPU, and for failed starts

// Only the boot CPU starts APs, one at a time.
constinit std::uint64_t g_next_window = 0;

std::uint64_t stack_base(std::uint64_t window, unsigned stack) {
  return window + (stack * (AP_STACK_PAGES + 1) + 1) * PAGE;
}

}  // namespace

std::optional<ApStacks> map_ap_stacks() {
  const std::uint64_t window = mm::layout::KSTACKS_BASE + g_next_window * WINDOW_PAGES * PAGE;
  if (window + WINDOW_PAGES * PAGE > mm::layout::KSTACKS_END) return std::nullopt;
  ++g_next_window;
  const bool mapped = mm::kspace::with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor_mut(window, WINDOW_PAGES * PAGE);
    if (!cursor) return false;
    bool ok = true;
    for (unsigned stack = 0; ok && stack < STACKS_PER_CPU; ++stack) {
      ok = cursor->jump(stack_base(window, stack)).has_value();
      for (std::uint64_t page = 0; ok && page < AP_STACK_PAGES; ++page) {
        auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
        // The mapping holds the frame's only reference from here on.
        ok = frame && cursor->map(std::move(*frame).into_shared(), STACK_PROPERTY).has_value();
      }
    }
    if (!ok && cursor->jump(window)) (void)cursor->unmap(WINDOW_PAGES * PAGE);  // frees them
    return ok;
  });
  if (!mapped) return std::nullopt;
  ApStacks stacks{.kernel_top = stack_base(window, 0) + AP_STACK_PAGES * PAGE,
                  .lowest_guard = window};
  for (unsigned ist = 0; ist < 3; ++ist) {
    stacks.ist_tops[ist] = stack_base(window, ist + 1) + AP_STACK_PAGES * PAGE;
  }
  return stacks;
}

}  // namespace arch::smp
