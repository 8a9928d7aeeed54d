// The results table kept for the screen: after the run the result store's rows are copied
// out (with the header's machine summary), so the table can be drawn, a page at a time,
// long after the run, on the framebuffer console's text cells (screen_table lays it out).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/fbcon/fb_console.h"
#include "kernel/kbench/json_report.h"
#include "kernel/kbench/results.h"

namespace kernel::kbench {

// As many as the run can record (run.cc's instance storage).
inline constexpr std::size_t MAX_KEPT_ROWS = 192;

// Replaces what was kept before; returns how many rows beyond MAX_KEPT_ROWS were left out.
// Figures count TSC cycles: the kernel cannot tell that QEMU's icount made them
// instructions (kx marks such reports on the host).
std::size_t keep_table(const ReportContext& context, const ResultStore& store,
                       std::uint64_t tsc_hz);

// Pages the kept table takes on `screen`: 0 when nothing was kept or the screen has no
// text cells.
std::size_t kept_table_pages(const kernel::fbcon::FramebufferConsole& screen);

// Clears the screen and draws page `page` (< kept_table_pages) from its top-left corner,
// without scrolling.
void draw_kept_table_page(kernel::fbcon::FramebufferConsole& screen, std::size_t page);

}  // namespace kernel::kbench
